// Shared fixtures for tests: one tokenizer load per test file, a scripted OpenAI-style server, record fixtures.
import { loadCorpus, loadTokenizer, type RequestRecord, type RequestSpec, type Tokenizer } from "../mod.ts";

let tokenizer: Promise<Tokenizer> | undefined;
/** The bundled tokenizer, loaded once per test process. */
export function testTokenizer(): Promise<Tokenizer> {
  return tokenizer ??= loadTokenizer();
}

export { loadCorpus };

/** A request spec for connector tests. */
export function spec(index = 0, maxTokens = 8, prompt = "Say something."): RequestSpec {
  return { index, prompt, promptTokens: 3, requestedInputTokens: 3, maxTokens };
}

/** One scripted response: status, headers, and body pieces each sent as its own write. */
export interface Script {
  status?: number;
  headers?: Record<string, string>;
  pieces: string[];
  /** Pause between pieces, ms, so each arrives in its own read. @default 5 */
  gapMs?: number;
}

/**
 * Starts a server on 127.0.0.1 that answers every POST with the script `pick` chooses — our own stand-in for servers
 * with quirks (role-only first chunk, usage-only last chunk, CRLF line ends …).
 */
export function startScriptedServer(pick: (body: Record<string, unknown>, n: number) => Script) {
  const received: Record<string, unknown>[] = [];
  const authorizations: (string | null)[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    if (req.method !== "POST") return new Response("not found", { status: 404 });
    const body = await req.json();
    received.push(body);
    authorizations.push(req.headers.get("authorization"));
    const script = pick(body, received.length - 1);
    const enc = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        for (const piece of script.pieces) {
          controller.enqueue(enc.encode(piece));
          await new Promise((r) => setTimeout(r, script.gapMs ?? 5));
        }
        controller.close();
      },
    });
    return new Response(stream, {
      status: script.status ?? 200,
      headers: script.headers ?? { "content-type": "text/event-stream" },
    });
  });
  return {
    baseUrl: `http://127.0.0.1:${server.addr.port}/v1`,
    received,
    authorizations,
    close: () => server.shutdown(),
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

/** SSE `data:` lines of a quirky server: role-only first chunk, usage-only last chunk, CRLF line ends. */
export function quirkyStream(words: string[], opts: { eol?: string; usage?: boolean } = {}): string[] {
  const eol = opts.eol ?? "\r\n";
  const ev = (obj: unknown) => `data: ${JSON.stringify(obj)}${eol}${eol}`;
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
    id: "x",
    object: "chat.completion.chunk",
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  const out = [`: keep-alive${eol}${eol}`, ev(chunk({ role: "assistant" }))];
  words.forEach((w, i) => out.push(ev(chunk({ content: w }, i === words.length - 1 ? "stop" : null))));
  if (opts.usage ?? true) {
    out.push(
      ev({
        id: "x",
        choices: [],
        usage: { prompt_tokens: 11, completion_tokens: words.length, total_tokens: 11 + words.length },
      }),
    );
  }
  out.push(`data: [DONE]${eol}${eol}`);
  return out;
}

/** A successful request record for tests of what reads records (summaries, charts, files); override what matters. */
export function fixtureRecord(over: Partial<RequestRecord> = {}): RequestRecord {
  return {
    index: 0,
    status: "ok",
    startOffsetMs: 0,
    endOffsetMs: 500,
    clientQueueMs: 0,
    httpStatus: 200,
    ttfbMs: 1,
    ttftMs: 50,
    e2eMs: 500,
    tpotMs: 5,
    interTokenLatenciesMs: [5, 5],
    textEvents: 3,
    emptyEvents: 1,
    tokensPerEvent: 1,
    requestedInputTokens: 100,
    inputTokens: 100,
    inputTokenSource: "server",
    requestedOutputTokens: 3,
    outputTokens: 3,
    outputTokenSource: "server",
    outputTokensPerS: 6,
    decodeTokensPerS: 4.444,
    finishReason: "length",
    generatedText: "a b c",
    ...over,
  };
}

const projectRoot = new URL("../", import.meta.url).pathname;

/** Runs `deno task NAME ARGS…` of this project as a user would (a subprocess, no colour); its exit code and output. */
export async function runTask(name: string, args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--config", `${projectRoot}deno.json`, name, ...args],
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: new TextDecoder().decode(out.stdout), stderr: new TextDecoder().decode(out.stderr) };
}
