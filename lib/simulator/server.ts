import process from "node:process";
import { SIMULATED_HEADER } from "../connectors/http.ts";
import { createPrng } from "../sampler/prng.ts";
import type { Tokenizer } from "../sampler/tokenizer.ts";
import { type FaultKind, type SimParams, type SimParamsInput, SimParamsSchema } from "./params.ts";
import { createServingModel, type ServingModel } from "./serving_model.ts";
import { serveH1, type WriteHooks } from "./h1_server.ts";

/** Options of {@link startSimServer}. */
export interface SimServerOptions {
  /** Serving-model parameters. @default SimParamsSchema defaults */
  params?: SimParamsInput;
  /** Counts input tokens and supplies the output tokens' text. */
  tokenizer: Tokenizer;
  /** Text the generated answers are drawn from. */
  corpus: string;
  /** @default "127.0.0.1" */
  hostname?: string;
  /** 0 picks a free port. @default 0 */
  port?: number;
  /** When set, requests must carry it (`Authorization: Bearer` for OpenAI paths, `key` header for SambaStudio). */
  apiKey?: string;
  /**
   * Log, per request carrying an `x-request-id` header, its arrival and the wall-clock time (epoch ms, sub-ms) each
   * text chunk was handed to the connection — the "true" times `deno task selftest` compares the client with. Served
   * (and cleared) at `GET /debug/chunk-log`.
   */
  logChunks?: boolean;
  /**
   * The HTTP server: `deno` (`Deno.serve`) or `h1`, llm-bench's small HTTP/1.1 server, which writes each chunk with a
   * write of its own and so logs the moment it went to the socket (lib/simulator/h1_server.ts). @default "deno"
   */
  httpServer?: "deno" | "h1";
}

/** The simulator's log of one request: epoch ms of its arrival, of each text chunk sent, and of its end. */
export interface ChunkLogEntry {
  arrival: number;
  sends: number[];
  end: number | null;
}

/** What the server saw, for tests and for the console. */
export interface SimServerStats {
  /** Completion requests received. */
  requests: number;
  /** Distinct client connections (remote address:port). */
  connections: number;
  /** Bodies of the last requests received (at most 50), for tests. */
  lastBodies: Record<string, unknown>[];
}

/** A running simulated endpoint. */
export interface SimServer extends AsyncDisposable {
  /** OpenAI-style base URL, e.g. `http://127.0.0.1:41234/v1`. */
  readonly baseUrl: string;
  /** Root URL, e.g. `http://127.0.0.1:41234`; SambaNova Cloud is at `/sambanova/v1`, SambaStudio at `/api/…`. */
  readonly origin: string;
  readonly port: number;
  readonly params: SimParams;
  stats(): SimServerStats;
  close(): Promise<void>;
}

const encoder = new TextEncoder();

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * Sleeps until `performance.now()` reaches `at`, sharing one timer among every sleeper due in the same millisecond
 * (timers have millisecond resolution anyway). With hundreds of streams decoding in step, one timer per step instead of
 * one per stream: about 0.9 µs per wake instead of 3.7 µs on this machine — CPU the simulator no longer takes from a
 * client measuring on the same cores.
 */
function createStepClock() {
  const due = new Map<number, (() => void)[]>();
  return (at: number): Promise<void> => {
    const slot = Math.ceil(at);
    return new Promise((resolve) => {
      let list = due.get(slot);
      if (!list) {
        due.set(slot, list = []);
        setTimeout(() => {
          due.delete(slot);
          for (const wake of list!) wake();
        }, Math.max(0, slot - performance.now()));
      }
      list.push(resolve);
    });
  };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", [SIMULATED_HEADER]: "1", ...headers },
  });
}

function apiError(status: number, message: string, type = "invalid_request_error"): Response {
  return json(status, { error: { message, type, code: status } });
}

/** Which API a request came in on. */
type Flavor = "openai" | "sambanova" | "sambastudio-v1" | "sambastudio-v2";

interface Completion {
  flavor: Flavor;
  kind: "chat" | "completions" | "generic";
  model: string;
  inputTokens: number;
  maxTokens: number;
  stream: boolean;
  includeUsage: boolean;
  /** `performance.now()` when the request arrived: the server's clock for its own timings starts here. */
  arrival: number;
  /** The chunk log of this request, when the server logs chunks. */
  log?: ChunkLogEntry;
}

/** What one generation produced, with the server's own timings. */
interface Generation {
  produced: number;
  text: string;
  tFirst: number;
  tLast: number;
  batchSize: number;
}

/**
 * Starts the simulated endpoint: a real HTTP server on 127.0.0.1 speaking the OpenAI wire format
 * (`/v1/chat/completions`, `/v1/completions`, streamed and not, `/v1/models`), SambaNova Cloud's (`/sambanova/v1/…`,
 * with its usage timing fields), and SambaStudio's generic v1 / v2 APIs (`/api/predict/generic/[stream/]<p>/<e>`,
 * `/api/v2/…`, NDJSON, Composition of Experts), with the latencies of its serving model.
 */
export function startSimServer(options: SimServerOptions): SimServer {
  const params = SimParamsSchema.parse(options.params ?? {});
  const model: ServingModel = createServingModel(params);
  const sleepUntil = createStepClock();
  const tokenizer = options.tokenizer;
  // The answers' text: the corpus token by token, keeping its line breaks so answers read as verse.
  const corpusTokens = tokenizer.encode(options.corpus.replace(/[ \t]+/g, " ").replace(/\n{2,}/g, "\n\n"))
    .map((id) => tokenizer.decode([id]));
  const lineStarts = corpusTokens.flatMap((t, i) => (t.endsWith("\n") && i + 1 < corpusTokens.length ? [i + 1] : []));
  const textPrng = createPrng(params.seed ^ 0x5eed);
  const connections = new Set<string>();
  const lastBodies: Record<string, unknown>[] = [];
  let requests = 0;
  let closing = false;
  let chunkLog: Record<string, ChunkLogEntry> = {};
  const faultPrng = createPrng(params.seed ^ 0xfa17);
  const stalls = new Set<() => void>();
  /** Waits `ms`, or less if the server shuts down meanwhile (so a stalled request never holds shutdown up). */
  const stall = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        stalls.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      stalls.add(done);
    });
  let openaiRequests = 0;
  const pickFault = (): FaultKind => {
    const f = params.faults;
    const n = openaiRequests++;
    if (f.plan.length > 0) return f.plan[n % f.plan.length];
    if (f.rate > 0 && faultPrng.next() < f.rate) return f.kinds[faultPrng.int(f.kinds.length)];
    return "none";
  };

  const writeHooks: WriteHooks | undefined = options.httpServer === "h1" ? new WeakMap() : undefined;

  const handler = async (req: Request, info: { remoteAddr: Deno.Addr }): Promise<Response> => {
    const arrival = performance.now();
    const url = new URL(req.url);
    const path = url.pathname.replace(/\/+$/, "");
    if (req.method === "GET" && path === "/debug/chunk-log" && options.logChunks) {
      const body = chunkLog;
      chunkLog = {};
      // The server process's CPU time so far (all threads), µs: the selftest reports the server's cost per chunk.
      const cpu = process.cpuUsage();
      return json(200, body, { "x-llm-bench-cpu-us": String(cpu.user + cpu.system) });
    }
    if (req.method === "GET" && path === "/debug/clock-stream" && options.logChunks) {
      // The machine's floor: `n` one-line chunks ~`intervalMs` apart (random phase), each logged as it is written,
      // under the request's x-request-id — what a client can do at best between these two processes.
      const n = Math.min(Number(url.searchParams.get("n") ?? 200) || 0, 10_000);
      const interval = Math.min(Number(url.searchParams.get("intervalMs") ?? 20) || 20, 1_000);
      const entry: ChunkLogEntry = { arrival: performance.timeOrigin + arrival, sends: [], end: null };
      chunkLog[req.headers.get("x-request-id") ?? "clock"] = entry;
      const prng = createPrng(n);
      return streamOf("text/plain", async (send, cancelled) => {
        for (let i = 0; i < n && !cancelled(); i++) {
          await sleep(interval * (0.5 + prng.next()));
          send(`${i}\n`, (t) => entry.sends.push(t));
        }
        entry.end = performance.timeOrigin + performance.now();
      });
    }
    if (req.method === "GET" && /^(\/sambanova)?\/v1\/models$/.test(path)) {
      return json(200, {
        object: "list",
        data: [{ id: params.model, object: "model", created: 0, owned_by: "llm-bench-simulated" }],
      });
    }
    const studio = /^\/api(\/v2)?\/predict\/generic(\/stream)?\/[^/]+\/[^/]+$/.exec(path);
    const openai = /^(\/sambanova)?\/v1\/(chat\/completions|completions)$/.exec(path);
    if (!studio && !openai) return apiError(404, `Unknown path ${url.pathname}`, "not_found_error");
    if (req.method !== "POST") return apiError(405, `Use POST for ${url.pathname}`);
    if (options.apiKey) {
      const given = studio ? req.headers.get("key") : req.headers.get("authorization")?.replace(/^Bearer /, "");
      if (given !== options.apiKey) return apiError(401, "Invalid API key", "authentication_error");
    }
    requests++;
    const requestId = options.logChunks ? req.headers.get("x-request-id") : null;
    const log: ChunkLogEntry | undefined = requestId !== null
      ? (chunkLog[requestId] = { arrival: performance.timeOrigin + arrival, sends: [], end: null })
      : undefined;
    const addr = info.remoteAddr as Deno.NetAddr;
    connections.add(`${addr.hostname}:${addr.port}`);
    let body: Record<string, unknown>;
    try {
      body = await req.json();
    } catch {
      return apiError(400, "Request body is not valid JSON");
    }
    lastBodies.push(body);
    if (lastBodies.length > 50) lastBodies.shift();
    if (studio) {
      const parsed = parseGeneric(body, studio[1] ? "sambastudio-v2" : "sambastudio-v1", Boolean(studio[2]), arrival);
      if (parsed instanceof Response) return parsed;
      return parsed.stream ? ndjsonResponse(parsed) : await genericBatchResponse(parsed);
    }
    const flavor: Flavor = openai![1] ? "sambanova" : "openai";
    const parsed = parseCompletion(openai![2] === "chat/completions" ? "chat" : "completions", flavor, body, arrival);
    if (typeof parsed === "string") return apiError(400, parsed);
    if (parsed.model !== params.model) {
      return apiError(404, `The model \`${parsed.model}\` does not exist.`, "not_found_error");
    }
    const fault = pickFault();
    if (fault === "status-429") {
      return json(429, {
        error: { message: "Rate limit exceeded: too many requests", type: "rate_limit_error", code: 429 },
      }, {
        "retry-after": String(params.faults.retryAfterS),
      });
    }
    if (fault === "status-500") return apiError(500, "Internal server error", "server_error");
    if (fault === "status-503") return apiError(503, "Service unavailable: the model is overloaded", "server_error");
    if (fault === "wrong-content-type") {
      return new Response("<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>", {
        headers: { "content-type": "text/html", [SIMULATED_HEADER]: "1" },
      });
    }
    if (fault === "slow-headers") await stall(params.faults.slowHeadersMs);
    if (fault === "stall-first-byte") {
      await stall(params.faults.stallMs);
      if (closing) return apiError(503, "Server shutting down", "server_error");
    }
    if (log) parsed.log = log;
    return parsed.stream ? sseResponse(parsed, fault) : await batchResponse(parsed);
  };

  function parseCompletion(
    kind: "chat" | "completions",
    flavor: Flavor,
    body: Record<string, unknown>,
    arrival: number,
  ): Completion | string {
    if (typeof body.model !== "string") return "`model` is required";
    let inputTokens: number;
    if (kind === "chat") {
      if (!Array.isArray(body.messages) || body.messages.length === 0) return "`messages` must be a non-empty array";
      inputTokens = 0;
      for (const m of body.messages as { content?: unknown }[]) {
        if (typeof m?.content === "string") inputTokens += tokenizer.count(m.content);
        else if (Array.isArray(m?.content)) {
          for (const part of m.content) if (typeof part?.text === "string") inputTokens += tokenizer.count(part.text);
        }
      }
    } else {
      if (typeof body.prompt !== "string") return "`prompt` must be a string";
      inputTokens = tokenizer.count(body.prompt);
    }
    const maxTokens = body.max_tokens ?? body.max_completion_tokens ?? params.defaultMaxTokens;
    if (!Number.isInteger(maxTokens) || (maxTokens as number) < 1) return "`max_tokens` must be a positive integer";
    const streamOptions = body.stream_options as { include_usage?: boolean } | undefined;
    return {
      flavor,
      kind,
      model: body.model,
      inputTokens,
      maxTokens: maxTokens as number,
      stream: body.stream === true,
      // SambaNova Cloud reports usage (with its timings) in the last chunk whether asked or not.
      includeUsage: flavor === "sambanova" || streamOptions?.include_usage === true,
      arrival,
    };
  }

  /** Parses a SambaStudio generic request (v1 typed params, v2 plain params); COE routes by `select_expert`. */
  function parseGeneric(
    body: Record<string, unknown>,
    flavor: "sambastudio-v1" | "sambastudio-v2",
    stream: boolean,
    arrival: number,
  ): Completion | Response {
    const error = (message: string, status = 400) => json(status, { error: message });
    let prompt: unknown;
    if (flavor === "sambastudio-v2") prompt = (body.items as { value?: unknown }[] | undefined)?.[0]?.value;
    else prompt = stream ? body.instance : (body.instances as unknown[] | undefined)?.[0];
    if (typeof prompt !== "string") {
      return error(flavor === "sambastudio-v2" ? "`items[0].value` must be a string" : "`instance` must be a string");
    }
    const raw = (body.params ?? {}) as Record<string, unknown>;
    const value = (name: string): unknown => {
      const p = raw[name];
      if (flavor === "sambastudio-v2") return p;
      if (p === undefined) return undefined;
      if (typeof p !== "object" || p === null || !("value" in p)) return Symbol.for("untyped");
      return (p as { value: unknown }).value;
    };
    const maxRaw = value("max_tokens_to_generate");
    if (maxRaw === Symbol.for("untyped")) {
      return error('v1 params must be typed: {"max_tokens_to_generate": {"type": "int", "value": "100"}}');
    }
    const maxTokens = maxRaw === undefined ? params.defaultMaxTokens : Number(maxRaw);
    if (!Number.isInteger(maxTokens) || maxTokens < 1) {
      return error("max_tokens_to_generate must be a positive integer");
    }
    const expert = value("select_expert");
    let served = params.model;
    if (expert !== undefined) {
      if (typeof expert !== "string" || !params.experts.includes(expert)) {
        return error(
          `Expert '${String(expert)}' is not part of this Composition of Experts endpoint. Available experts: ${
            params.experts.join(", ")
          }`,
          404,
        );
      }
      served = expert;
    }
    return {
      flavor,
      kind: "generic",
      model: served,
      inputTokens: tokenizer.count(prompt),
      maxTokens,
      stream,
      includeUsage: true,
      arrival,
    };
  }

  /** Runs one sequence through the serving model, calling `emit` for each token as it is produced. */
  async function generate(
    c: Completion,
    isCancelled: () => boolean,
    emit: (text: string, index: number) => void,
  ): Promise<Generation> {
    await model.admit();
    const batchSize = model.inBatch;
    const g: Generation = { produced: 0, text: "", tFirst: 0, tLast: 0, batchSize };
    try {
      if (isCancelled()) return g;
      let deadline = performance.now() + model.prefillMs(c.inputTokens);
      let at = lineStarts.length ? lineStarts[textPrng.int(lineStarts.length)] : textPrng.int(corpusTokens.length);
      while (g.produced < c.maxTokens) {
        await sleepUntil(deadline);
        if (isCancelled()) break;
        const now = performance.now();
        if (g.produced === 0) g.tFirst = now;
        g.tLast = now;
        emit(corpusTokens[at], g.produced);
        g.text += corpusTokens[at];
        at = (at + 1) % corpusTokens.length;
        g.produced++;
        deadline += model.decodeStepMs();
      }
    } finally {
      model.release();
    }
    return g;
  }

  /** The server's own timings, in SambaNova's field names and units (seconds, tokens per second). */
  function serverMetrics(c: Completion, g: Generation) {
    const total = (g.tLast - c.arrival) / 1000;
    const afterFirst = (g.tLast - g.tFirst) / 1000;
    return {
      time_to_first_token: round((g.tFirst - c.arrival) / 1000),
      total_latency: round(total),
      completion_tokens_after_first_per_sec: afterFirst > 0 ? round((g.produced - 1) / afterFirst) : 0,
      completion_tokens_per_sec: total > 0 ? round(g.produced / total) : 0,
      total_tokens_per_sec: total > 0 ? round((c.inputTokens + g.produced) / total) : 0,
      batch_size_used: g.batchSize,
    };
  }

  function usage(c: Completion, g: Generation) {
    const base = {
      prompt_tokens: c.inputTokens,
      completion_tokens: g.produced,
      total_tokens: c.inputTokens + g.produced,
    };
    if (c.flavor !== "sambanova") return base;
    return {
      ...base,
      ...serverMetrics(c, g),
      is_last_response: true,
      start_time: round(c.arrival / 1000),
      end_time: round(g.tLast / 1000),
    };
  }

  /**
   * A streamed response. `send(text, onSent)` enqueues a chunk; `onSent` gets the epoch ms it went to the socket —
   * exactly, under the HTTP/1.1 server (just before its write), or when it was enqueued, under `Deno.serve`.
   */
  function streamOf(
    contentType: string,
    run: (send: (text: string, onSent?: (epochMs: number) => void) => void, cancelled: () => boolean) => Promise<void>,
  ) {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        run((s, onSent) => {
          if (cancelled) return;
          const bytes = encoder.encode(s);
          if (onSent) {
            if (writeHooks) writeHooks.set(bytes, (t) => onSent(performance.timeOrigin + t));
            else onSent(performance.timeOrigin + performance.now());
          }
          controller.enqueue(bytes);
        }, () => cancelled).then(() => {
          if (!cancelled) controller.close();
        }).catch((e) => {
          if (!cancelled) controller.error(e);
        });
      },
      cancel() {
        cancelled = true;
      },
    });
    return new Response(body, {
      headers: { "content-type": contentType, "cache-control": "no-cache", [SIMULATED_HEADER]: "1" },
    });
  }

  function sseResponse(c: Completion, fault: FaultKind = "none"): Response {
    const id = `sim-${crypto.randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    const object = c.kind === "chat" ? "chat.completion.chunk" : "text_completion";
    const choice = (text: string, finish: string | null, first: boolean) =>
      c.kind === "chat"
        ? { index: 0, delta: first ? { role: "assistant", content: text } : { content: text }, finish_reason: finish }
        : { index: 0, text, finish_reason: finish };
    // Stream faults strike after a few tokens, so the request has started streaming when it fails.
    const strikeAt = Math.min(3, c.maxTokens - 1);
    let struck = false;
    return streamOf("text/event-stream", async (send, cancelled) => {
      const data = (obj: unknown, onSent?: (epochMs: number) => void) =>
        send(`data: ${JSON.stringify(obj)}\n\n`, onSent);
      const log = c.log;
      const g = await generate(c, () => cancelled() || struck, (text, i) => {
        // Like vLLM: a role-only chunk precedes the first token's text.
        if (i === 0 && c.kind === "chat") {
          data({ id, object, created, model: c.model, choices: [choice("", null, true)] });
        }
        const last = i === c.maxTokens - 1 && fault !== "no-done";
        data(
          { id, object, created, model: c.model, choices: [choice(text, last ? "length" : null, false)] },
          log && ((t) => log.sends.push(t)),
        );
        if (i === strikeAt && fault !== "none" && fault !== "no-done" && fault !== "slow-headers") struck = true;
      });
      if (cancelled()) return;
      if (struck) {
        switch (fault) {
          case "reset":
            throw new Error("simulated connection reset");
          case "malformed-chunk":
            send('data: {"id":"x","choices":[{"delta":{"content":"broken\n\n');
            return;
          case "error-event":
            data({
              error: { message: "Internal server error: the model worker crashed", type: "server_error", code: 500 },
            });
            return;
          case "oversized-line":
            send("data: " + "x".repeat(params.faults.oversizedBytes));
            return;
          case "stall-mid-stream":
            await stall(params.faults.stallMs);
            return;
        }
      }
      if (fault === "no-done") return; // no finish_reason, no usage, no [DONE]
      if (c.includeUsage) data({ id, object, created, model: c.model, choices: [], usage: usage(c, g) });
      send("data: [DONE]\n\n", log && ((t) => log.end = t));
    });
  }

  async function batchResponse(c: Completion): Promise<Response> {
    const g = await generate(c, () => false, () => {});
    const choice = c.kind === "chat"
      ? { index: 0, message: { role: "assistant", content: g.text }, finish_reason: "length" }
      : { index: 0, text: g.text, finish_reason: "length" };
    return json(200, {
      id: `sim-${crypto.randomUUID()}`,
      object: c.kind === "chat" ? "chat.completion" : "text_completion",
      created: Math.floor(Date.now() / 1000),
      model: c.model,
      choices: [choice],
      usage: usage(c, g),
    });
  }

  function genericItem(c: Completion, g: Generation, token: string) {
    return {
      stream_token: token,
      is_last_response: true,
      completion: g.text,
      prompt_tokens_count: c.inputTokens,
      completion_tokens_count: g.produced,
      total_tokens_count: c.inputTokens + g.produced,
      model_execution_time: round((g.tLast - g.tFirst) / 1000),
      ...serverMetrics(c, g),
    };
  }

  function wrapLine(c: Completion, value: Record<string, unknown>) {
    return c.flavor === "sambastudio-v2"
      ? { result: { items: [{ id: "item1", value }] } }
      : { result: { status: { complete: false }, responses: [value] } };
  }

  function ndjsonResponse(c: Completion): Response {
    return streamOf("application/x-ndjson", async (send, cancelled) => {
      const line = (obj: unknown) => send(JSON.stringify(obj) + "\n");
      const g = await generate(c, cancelled, (text) => {
        line(wrapLine(c, { stream_token: text, is_last_response: false }));
      });
      if (cancelled()) return;
      line(wrapLine(c, genericItem(c, g, "")));
    });
  }

  async function genericBatchResponse(c: Completion): Promise<Response> {
    const g = await generate(c, () => false, () => {});
    const item = genericItem(c, g, "");
    delete (item as Partial<typeof item>).stream_token;
    return c.flavor === "sambastudio-v2"
      ? json(200, { items: [{ id: "item1", value: item }] })
      : json(200, { predictions: [item] });
  }

  const hostname = options.hostname ?? "127.0.0.1";
  const server = options.httpServer === "h1"
    ? serveH1({ hostname, port: options.port ?? 0, hooks: writeHooks }, handler)
    : Deno.serve({
      hostname,
      port: options.port ?? 0,
      onListen: () => {},
      // A library never prints: a failing handler answers 500, and a body stream errored on purpose (the "reset"
      // fault) just breaks its connection.
      onError: (e) => apiError(500, `Simulated endpoint error: ${(e as Error)?.message ?? e}`, "server_error"),
    }, handler);
  const port = server.addr.port;
  const origin = `http://${options.hostname ?? "127.0.0.1"}:${port}`;
  const close = async () => {
    closing = true;
    for (const release of [...stalls]) release();
    await server.shutdown();
  };
  return {
    baseUrl: `${origin}/v1`,
    origin,
    port,
    params,
    stats: () => ({ requests, connections: connections.size, lastBodies: [...lastBodies] }),
    close,
    [Symbol.asyncDispose]: close,
  };
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
