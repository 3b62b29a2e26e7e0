/**
 * The simulated endpoint's server: routing, authentication and lifecycle. The wire formats live in
 * `openai_wire.ts` and `sambastudio_wire.ts`, the serving engine in `engine.ts`, faults in `faults.ts` (applied to
 * every format), the selftest's debug routes in `debug.ts`.
 * @module
 */
import { answerPieces, tableTokenCounter } from "../sampler/corpus.ts";
import type { CorpusTable } from "../sampler/sampler.ts";
import type { Tokenizer } from "../sampler/tokenizer.ts";
import { createDebugRoutes, type DebugRoutes } from "./debug.ts";
import { createEngine } from "./engine.ts";
import { createFaults } from "./faults.ts";
import { createSimMetrics } from "./metrics.ts";
import { type DirectBodies, type H1Request, serveH1 } from "./http1.ts";
import { openaiError, openaiResponse } from "./openai_wire.ts";
import { type SimParams, type SimParamsInput, SimParamsSchema } from "./params.ts";
import { createStreamer, json } from "./responses.ts";
import { sambaStudioResponse } from "./sambastudio_wire.ts";
import { warmSimServer } from "./self_warm.ts";
import { createStalls } from "./timing.ts";
import { SIM_WARMUP_HEADER, SIMULATED_HEADER } from "../wire.ts";
import type { WireContext } from "./wire_context.ts";

export type { ChunkLogEntry } from "./wire_context.ts";

/** Options of {@link startSimServer}. */
export interface SimServerOptions {
  /** Serving-model parameters. @default SimParamsSchema defaults */
  params?: SimParamsInput;
  /**
   * Counts prompts' tokens and, with `corpus`, supplies the answers' text token by token. Without it, `table` does
   * both with no tokenizer loaded: prompts cut from the corpus are counted exactly, other text is estimated.
   */
  tokenizer?: Tokenizer;
  /** Text the generated answers are drawn from (with `tokenizer`). */
  corpus?: string;
  /** The bundled tokenizer's table of the corpus (see `loadCorpusTable`), instead of `tokenizer` and `corpus`. */
  table?: CorpusTable;
  /** @default "127.0.0.1" */
  hostname?: string;
  /** 0 picks a free port. @default 0 */
  port?: number;
  /** When set, requests must carry it (`Authorization: Bearer` for OpenAI paths, `key` header for SambaStudio). */
  apiKey?: string;
  /**
   * Log, per request carrying an `x-request-id` header, its arrival and the wall-clock time (epoch ms, sub-ms) each
   * text chunk was handed to the connection — the "true" times `deno task selftest` compares the client with — and
   * serve the debug routes (lib/simulator/debug.ts).
   */
  logChunks?: boolean;
  /**
   * The HTTP server: `deno` (`Deno.serve`) or `h1`, llm-bench's small HTTP/1.1 server, which writes each chunk with a
   * write of its own and so logs the moment it went to the socket (lib/simulator/http1.ts). @default "deno"
   */
  httpServer?: "deno" | "h1";
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
  /**
   * Runs `requests` short requests (default 256, `concurrency` 64 at a time, none started after `budgetMs`, 1,000)
   * through the server's own HTTP path on 127.0.0.1, so the first requests of a benchmark meet warm code, as on a
   * server that has been up a while: they are not counted in `stats()`, not logged, not cached and get no fault.
   * Resolves with how many were answered (lib/simulator/self_warm.ts).
   */
  warm(options?: { requests?: number; concurrency?: number; budgetMs?: number }): Promise<number>;
  close(): Promise<void>;
}

const STUDIO_PATH = /^\/api(\/v2)?\/predict\/generic(\/stream)?\/[^/]+\/[^/]+$/;
const OPENAI_PATH = /^(\/sambanova)?\/v1\/(chat\/completions|completions)$/;

/**
 * Starts the simulated endpoint: a real HTTP server on 127.0.0.1 speaking the OpenAI wire format
 * (`/v1/chat/completions`, `/v1/completions`, streamed and not, `/v1/models`), SambaNova Cloud's (`/sambanova/v1/…`,
 * with its usage timing fields), and SambaStudio's generic v1 / v2 APIs (`/api/predict/generic/[stream/]<p>/<e>`,
 * `/api/v2/…`, NDJSON, Composition of Experts), with the latencies of its serving model.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadCorpus, loadTokenizer } from "../../mod.ts";
 * import { startSimServer } from "./server.ts";
 * await using sim = startSimServer({ tokenizer: await loadTokenizer(), corpus: await loadCorpus() });
 * const res = await fetch(`${sim.baseUrl}/models`);
 * assert.equal((await res.json()).data[0].id, "llm-bench-sim");
 * assert.equal(res.headers.get("x-llm-bench-simulated"), "1");
 * ```
 */
export function startSimServer(options: SimServerOptions): SimServer {
  const params = SimParamsSchema.parse(options.params ?? {});
  const stalls = createStalls();
  const connections = new Set<string>();
  const lastBodies: Record<string, unknown>[] = [];
  let requests = 0;
  let closing = false;
  const direct: DirectBodies | undefined = options.httpServer === "h1" ? new WeakMap() : undefined;
  const stream = createStreamer(direct);
  const { tokenizer, corpus, table } = options;
  if (!(tokenizer && corpus !== undefined) && !table) {
    throw new TypeError("startSimServer needs a tokenizer and a corpus, or the corpus table");
  }
  const ctx: WireContext = {
    params,
    engine: createEngine(params, tokenizer && corpus !== undefined ? answerPieces(tokenizer, corpus) : table!.verse),
    tokens: tokenizer ?? tableTokenCounter(table!),
    faults: createFaults(params, stalls, () => closing),
    stream,
  };
  const debug: DebugRoutes | undefined = options.logChunks ? createDebugRoutes(stream, stalls) : undefined;
  const metrics = createSimMetrics(ctx.engine, params);

  const handler = async (req: H1Request, info: { remoteAddr: Deno.Addr; receivedAt?: number }): Promise<Response> => {
    // The receipt: under the HTTP/1.1 server, when the read that completed the request resolved; else now.
    const arrival = info.receivedAt ?? performance.now();
    const url = new URL(req.url);
    const path = url.pathname.replace(/\/+$/, "");
    const debugReply = debug?.handle(req, url, path, arrival);
    if (debugReply) return debugReply;
    if (req.method === "GET" && path === "/metrics") {
      return new Response(await metrics.metrics(), {
        headers: { "content-type": metrics.contentType, [SIMULATED_HEADER]: "1" },
      });
    }
    if (req.method === "GET" && /^(\/sambanova)?\/v1\/models$/.test(path)) {
      return json(200, {
        object: "list",
        data: [{
          id: params.model,
          object: "model",
          created: 0,
          owned_by: "llm-bench-simulated",
          // As vLLM lists it: prompt and answer tokens together.
          max_model_len: params.maxModelLen,
        }],
      });
    }
    const studio = STUDIO_PATH.exec(path);
    const openai = OPENAI_PATH.exec(path);
    if (!studio && !openai) return openaiError(404, `Unknown path ${url.pathname}`, "not_found_error");
    if (req.method !== "POST") return openaiError(405, `Use POST for ${url.pathname}`);
    if (options.apiKey) {
      const given = studio ? req.headers.get("key") : req.headers.get("authorization")?.replace(/^Bearer /, "");
      if (given !== options.apiKey) return openaiError(401, "Invalid API key", "authentication_error");
    }
    // The server's own warm-up (see warm()): runs the same code, leaves no trace in what the server reports.
    const warmup = req.headers.get(SIM_WARMUP_HEADER) === "1";
    const log = warmup ? undefined : debug?.logRequest(req, arrival);
    if (!warmup) {
      requests++;
      const addr = info.remoteAddr as Deno.NetAddr;
      connections.add(`${addr.hostname}:${addr.port}`);
    }
    let parsed: unknown;
    try {
      parsed = await req.json();
    } catch {
      return openaiError(400, "Request body is not valid JSON");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      return openaiError(400, "Request body must be a JSON object");
    }
    const body = parsed as Record<string, unknown>;
    if (!warmup) {
      lastBodies.push(body);
      if (lastBodies.length > 50) lastBodies.shift();
    }
    const arrived = { body, arrival, log, warmup };
    if (studio) return await sambaStudioResponse(ctx, studio[1] ? "v2" : "v1", Boolean(studio[2]), arrived);
    const kind = openai![2] === "chat/completions" ? "chat" : "completions";
    return await openaiResponse(ctx, kind, openai![1] ? "sambanova" : "openai", arrived);
  };

  const hostname = options.hostname ?? "127.0.0.1";
  const server = options.httpServer === "h1"
    ? serveH1({ hostname, port: options.port ?? 0, direct }, handler)
    : Deno.serve({
      hostname,
      port: options.port ?? 0,
      onListen: () => {},
      // A library never prints: a failing handler answers 500, and a body stream errored on purpose (the "reset"
      // fault) just breaks its connection.
      onError: (e) => openaiError(500, `Simulated endpoint error: ${(e as Error)?.message ?? e}`, "server_error"),
    }, handler);
  const port = server.addr.port;
  const origin = `http://${hostname}:${port}`;
  const close = async () => {
    closing = true;
    stalls.releaseAll();
    await server.shutdown();
    ctx.engine.close();
  };
  return {
    baseUrl: `${origin}/v1`,
    origin,
    port,
    params,
    stats: () => ({ requests, connections: connections.size, lastBodies: [...lastBodies] }),
    warm: (o) => warmSimServer(hostname, port, params.model, o),
    close,
    [Symbol.asyncDispose]: close,
  };
}
