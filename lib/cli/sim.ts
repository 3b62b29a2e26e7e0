/**
 * `deno task sim`: serves the simulated endpoint on its own, for benchmarking it from another process.
 * @module
 */
import { fitHelp } from "../text.ts";
import { parseArgs } from "node:util";
import { versionText } from "./help.ts";
import { ConfigError } from "../errors.ts";
import { loadCorpus, loadCorpusTable } from "../sampler/corpus.ts";
import { loadTokenizer } from "../sampler/tokenizer.ts";
import { SimParamsSchema } from "../simulator/params.ts";
import { startSimServer } from "../simulator/server.ts";
import { formatConfigIssues } from "../config/resolve.ts";

const HELP = `deno task sim — serve llm-bench's SIMULATED OpenAI-compatible endpoint on 127.0.0.1

Usage: deno task sim [--port N] [--host ADDR] [--params JSON] [--api-key KEY] [--token-counter C] [--no-warm]

  --port N        port to listen on (default 8000; 0 = any free port)
  --host ADDR     address to bind (default 127.0.0.1)
  --params JSON   serving-model parameters, e.g. '{"maxBatch": 16, "decodeBaseMs": 20, "jitter": 0}'
                  fields: model, prefillBaseMs, prefillTokensPerS, decodeBaseMs, decodePerSeqMs, maxBatch, jitter,
                  seed, defaultMaxTokens (see README "Simulated endpoint")
  --api-key KEY   require this bearer token (default: none; env SIM_API_KEY)
  --token-counter C
                  how prompts' tokens are counted: tokenizer (default: the bundled Llama 3 tokenizer, exact for any
                  text) or table (its table of the corpus: exact for llm-bench's sampled prompts, estimated for other
                  text; no tokenizer to load — starts in a fraction of a second, ~200 MB less memory, and about a fifth
                  of the CPU per request)
  --no-warm       answer the first request cold; by default up to 256 short requests to itself (about a second at
                  most, none counted or logged) warm its code before it says it is ready, like a server that has been up
                  a while
  --log-chunks    log each text chunk's send time per x-request-id; GET /debug/chunk-log returns it, DELETE empties it
  --http-server S deno (Deno.serve, default) or h1 (llm-bench's HTTP/1.1 server: one write per chunk, and the
                  logged send time is taken just before that write — what deno task selftest uses)

Paths: POST /v1/chat/completions, POST /v1/completions (stream or not), GET /v1/models
Stop with Ctrl-C.`;

export async function main(argv: string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: {
        port: { type: "string", default: "8000" },
        host: { type: "string", default: "127.0.0.1" },
        params: { type: "string", default: "{}" },
        "api-key": { type: "string" },
        "log-chunks": { type: "boolean" },
        "http-server": { type: "string", default: "deno" },
        "token-counter": { type: "string", default: "tokenizer" },
        "no-warm": { type: "boolean" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean" },
      },
      strict: true,
    }).values;
  } catch (e) {
    console.error(`error: ${(e as Error).message.split("\n")[0]} (see --help)`);
    return 2;
  }
  if (values.help) {
    console.log(fitHelp(HELP));
    return 0;
  }
  if (values.version) {
    console.log(versionText());
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`error: --port: expected an integer 0–65535 (got ${JSON.stringify(values.port)})`);
    return 2;
  }
  if (values["http-server"] !== "deno" && values["http-server"] !== "h1") {
    console.error(`error: --http-server: expected deno or h1 (got ${JSON.stringify(values["http-server"])})`);
    return 2;
  }
  const counter = values["token-counter"];
  if (counter !== "tokenizer" && counter !== "table") {
    console.error(`error: --token-counter: expected tokenizer or table (got ${JSON.stringify(counter)})`);
    return 2;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(values.params!);
  } catch (e) {
    console.error(`error: --params: not valid JSON (${(e as Error).message.split("\n")[0]})`);
    return 2;
  }
  const parsed = SimParamsSchema.safeParse(raw);
  if (!parsed.success) {
    const message = formatConfigIssues(parsed.error, raw, { schema: SimParamsSchema });
    console.error(`error: ${message.replace("Invalid configuration", "--params")}`);
    return 2;
  }
  try {
    const text = counter === "table"
      ? { table: await loadCorpusTable() }
      : { tokenizer: await loadTokenizer(), corpus: await loadCorpus() };
    const server = startSimServer({
      params: parsed.data,
      ...text,
      port,
      hostname: values.host,
      apiKey: values["api-key"] ?? Deno.env.get("SIM_API_KEY"),
      logChunks: values["log-chunks"] ?? false,
      httpServer: values["http-server"] as "deno" | "h1",
    });
    if (!values["no-warm"]) await server.warm();
    console.log(`llm-bench SIMULATED endpoint serving model "${server.params.model}" at ${server.baseUrl}`);
    console.log(`serving model: ${JSON.stringify(server.params)}`);
    const stop = () => server.close().then(() => Deno.exit(0));
    Deno.addSignalListener("SIGINT", stop);
    Deno.addSignalListener("SIGTERM", stop);
    return await new Promise<number>(() => {});
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`error: ${e.message}`);
      return 2;
    }
    if (e instanceof Deno.errors.AddrInUse) {
      console.error(`error: --port: ${port} is already in use; pick another or --port 0`);
      return 2;
    }
    throw e;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
