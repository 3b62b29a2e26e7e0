/**
 * `deno task chat`: talk to a model in the terminal and see, after every answer, how fast it came.
 * @module
 */
import { type ChatSession, type ChatTurn, startChatSession } from "../chat/session.ts";
import { loadEnvFiles } from "../config/dotenv.ts";
import { applyEnv, parseChatConfig } from "../config/resolve.ts";
import { chatConfigDefaults, type ChatConfigInput, type RunConfigInput } from "../config/schema.ts";
import { ConfigError } from "../errors.ts";
import { versionText } from "./help.ts";
import { flagRows, parseBenchArgs } from "./args.ts";
import { withDiscoveredModel } from "./discover_model.ts";
import { CHAT_FLAGS, cliMessage, flagName } from "./flags.ts";
import { fitHelp } from "./help.ts";
import { fitLine, outputColumns, stderrColumns, wrapAtDots } from "../text.ts";

const HELP = (rows: string[]) =>
  [
    "deno task chat — talk to a model and see each answer's latency, throughput, TTFT and time per output token.",
    "The conversation is kept: every question is sent with the turns before it.",
    "",
    "Usage: deno task chat [flags]        (the built-in SIMULATED endpoint unless one is configured)",
    "",
    ...rows,
    "",
    "In the chat:  /reset  forget the conversation · /metrics  table of every turn · /exit  quit (Ctrl-D)",
    "              Ctrl-C stops an answer; at the prompt it quits.",
    "",
    "Examples:",
    "  deno task chat",
    "  deno task chat --llm-api openai --base-url http://127.0.0.1:8000/v1 \\",
    "    --model meta-llama/Llama-3.1-8B-Instruct",
    "  deno task chat --llm-api sambanova --model Meta-Llama-3.1-8B-Instruct --system 'Answer briefly.'",
  ].join("\n");

const encoder = new TextEncoder();
const out = (s: string) => {
  const b = encoder.encode(s);
  let n = 0;
  while (n < b.length) n += Deno.stdout.writeSync(b.subarray(n));
};

/** The one-line metrics summary printed after an answer. */
export function metricsLine(t: ChatTurn): string {
  const m = t.metrics;
  if (t.status !== "ok") return `[${t.status}: ${t.error?.code ?? ""} ${t.error?.message ?? ""}]`;
  const f = (x: number | null, d: number) => (x === null ? "–" : x.toFixed(d));
  return `[latency ${f(m.latencyS, 2)} s · throughput ${f(m.throughputTokensPerS, 1)} tokens/s · TTFT ${
    f(m.ttftS, 3)
  } s · TPOT ${f(m.tpotMs, 1)} ms · ${m.inputTokens ?? "–"} in → ${
    m.outputTokens ?? "–"
  } out (${m.outputTokenSource})]`;
}

/** The `/metrics` table, within `width` columns: the question is cut to what room is left (at most 40 characters). */
export function turnsTable(turns: readonly ChatTurn[], width = Infinity): string {
  if (turns.length === 0) return "(no turns yet)";
  const head = ["turn", "status", "latency s", "tokens/s", "TTFT s", "TPOT ms", "in", "out", "question"];
  const f = (x: number | null, d: number) => (x === null ? "–" : x.toFixed(d));
  const rows = turns.map((t) => [
    String(t.turn),
    t.status,
    f(t.metrics.latencyS, 2),
    f(t.metrics.throughputTokensPerS, 1),
    f(t.metrics.ttftS, 3),
    f(t.metrics.tpotMs, 1),
    String(t.metrics.inputTokens ?? "–"),
    String(t.metrics.outputTokens ?? "–"),
    t.question,
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const room = Math.max(12, Math.min(40, width - w.slice(0, 8).reduce((a, b) => a + b + 2, 0)));
  for (const r of rows) if (r[8].length > room) r[8] = `${r[8].slice(0, room - 1)}…`;
  w[8] = Math.min(w[8], room);
  const line = (r: string[]) =>
    r.map((c, i) => (i >= 8 ? c : i >= 1 && i <= 7 && i !== 1 ? c.padStart(w[i]) : c.padEnd(w[i]))).join("  ");
  return [line(head), line(w.map((n) => "-".repeat(n))), ...rows.map(line)].join("\n");
}

async function* lines(): AsyncGenerator<string> {
  let buffer = "";
  for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      yield buffer.slice(0, nl).replace(/\r$/, "");
      buffer = buffer.slice(nl + 1);
    }
  }
  if (buffer) yield buffer;
}

export async function main(argv: string[]): Promise<number> {
  let session: ChatSession;
  try {
    const parsed = parseBenchArgs(argv, CHAT_FLAGS);
    if (parsed.help) {
      console.log(fitHelp(HELP(flagRows(CHAT_FLAGS, chatConfigDefaults()))));
      return 0;
    }
    if (parsed.version) {
      console.log(versionText());
      return 0;
    }
    const sources: Record<string, string> = {};
    const loaded = loadEnvFiles();
    if (loaded.files.length) console.error(`Settings from ${loaded.files.join(" and ")} (environment variables win)`);
    for (const w of loaded.warnings) console.error(`warning: ${w}`);
    const say = (line: string) => console.error(line);
    const withModel = parseBenchArgs(
      await withDiscoveredModel(argv, loaded.env, say, { flags: CHAT_FLAGS }),
      CHAT_FLAGS,
    );
    const config = "config" in withModel ? withModel.config : parsed.config;
    const input = applyEnv(config as RunConfigInput, loaded.env, sources) as Record<string, unknown>;
    const { ignoreEos: _ignore, ...chatInput } = input;
    session = await startChatSession(parseChatConfig(chatInput as ChatConfigInput, { nameOf: flagName, sources }));
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`error: ${cliMessage(e)}`);
      return 2;
    }
    throw e;
  }
  const interactive = Deno.stdin.isTerminal();
  if (session.simulated) {
    console.error(
      fitLine(
        "*** SIMULATED ENDPOINT: answers and timings come from llm-bench's built-in simulator, not a model. ***",
        stderrColumns(),
      )
        .join("\n"),
    );
  }
  console.error(
    fitLine(
      `Chatting with ${session.model} (${session.config.llmApi}); /reset, /metrics, /exit. Ctrl-C stops an answer.`,
      stderrColumns(),
    )
      .join("\n"),
  );
  let current: AbortController | undefined;
  const onSigint = () => {
    if (current) current.abort(new DOMException("stopped by Ctrl-C", "AbortError"));
    else {
      console.error("");
      Deno.exit(130);
    }
  };
  Deno.addSignalListener("SIGINT", onSigint);
  try {
    if (interactive) out("you> ");
    for await (const raw of lines()) {
      const line = raw.trim();
      if (line === "/exit" || line === "/quit") break;
      if (line === "/reset") {
        session.reset();
        out("(conversation cleared)\n");
      } else if (line === "/metrics") {
        out(turnsTable(session.turns, outputColumns()) + "\n");
      } else if (line === "/help") {
        out("/reset  forget the conversation · /metrics  table of every turn · /exit  quit\n");
      } else if (line !== "") {
        if (!interactive) out(`you> ${line}\n`);
        out(`${session.model}> `);
        current = new AbortController();
        const turn = await session.ask(line, { onText: out, signal: current.signal });
        current = undefined;
        out(`\n${wrapAtDots(metricsLine(turn), outputColumns()).join("\n")}\n`);
      }
      if (interactive) out("you> ");
    }
  } finally {
    Deno.removeSignalListener("SIGINT", onSigint);
    await session.close();
  }
  // A chat in which every question failed did not work: say so in the exit code, as the benchmark does.
  const turns = session.turns;
  if (turns.length > 0 && turns.every((t) => t.status === "error")) {
    console.error(`error: every answer failed — ${turns[0].error?.code}: ${turns[0].error?.message ?? ""}`);
    return 1;
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
