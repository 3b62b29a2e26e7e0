import { redactUrls, RequestError } from "../errors.ts";
import type { RequestSpec } from "../sampler/sampler.ts";
import { bodyExcerpt, type BodyFormat, createHttpClient, fromFetch, type HttpClientKind, readEvents } from "./http.ts";
import { createSseDecoder, type TimedSseEvent } from "./sse.ts";
import type { Connector, FetchLike, HttpResponse, SendOptions, StreamEvent, Usage } from "./types.ts";

/** Options of the OpenAI-compatible connector. */
export interface OpenAIConnectorOptions {
  /** Base URL up to and including `/v1`, e.g. `http://127.0.0.1:8000/v1`. */
  baseUrl: string;
  /** Model name sent in each request. */
  model: string;
  /** Bearer token; omitted from the request when absent. */
  apiKey?: string;
  /** `chat` → `/chat/completions`, `completions` → `/completions`. @default "chat" */
  endpoint?: "chat" | "completions";
  /** `stream` (SSE) or `batch` (one JSON body). @default "stream" */
  mode?: "stream" | "batch";
  /** Ask for `stream_options.include_usage`. @default true */
  includeUsage?: boolean;
  /** Send `ignore_eos: true`. @default false */
  ignoreEos?: boolean;
  /** Fields merged last into every request body. @default {} */
  extraBody?: Record<string, unknown>;
  /** The HTTP client; one pooled keep-alive client is created when absent. */
  fetch?: FetchLike;
  /** Which pooled client to create when `fetch` is absent. @default "auto" (llm-bench's own, `fetch` behind a proxy) */
  httpClient?: HttpClientKind;
  /** Protocol label for results. @default "openai" */
  api?: string;
  /** Send `x-request-id: <spec index>` with each request (the selftest matches the server's log by it). */
  requestIdHeader?: boolean;
  /** `think`: text between `<think>` and `</think>` in the content is reasoning. */
  reasoningTags?: "think";
}

interface ChunkChoice {
  delta?: { content?: string | null; reasoning_content?: string | null; reasoning?: string | null };
  message?: { content?: string | null; reasoning_content?: string | null; reasoning?: string | null };
  text?: string | null;
  finish_reason?: string | null;
}

interface Chunk {
  choices?: ChunkChoice[];
  usage?: Usage | null;
  error?: { message?: string; code?: string | number; type?: string } | string;
}

function serverError(error: NonNullable<Chunk["error"]>): RequestError {
  const message = typeof error === "string" ? error : error.message ?? JSON.stringify(error);
  return new RequestError("SERVER_ERROR_EVENT", `Server sent an error: ${message.slice(0, 300)}`);
}

/** Turns one parsed chunk into events (none, a delta, a usage, or both). */
function chunkEvents(chunk: Chunk, t: number, out: StreamEvent[]): void {
  if (chunk.error) throw serverError(chunk.error);
  const choice = chunk.choices?.[0];
  if (choice) {
    const part = choice.delta ?? choice.message;
    const content = part ? part.content ?? "" : choice.text ?? "";
    const reasoning = part ? part.reasoning_content ?? part.reasoning ?? "" : "";
    out.push({ type: "delta", t, content, reasoning, finishReason: choice.finish_reason ?? null });
  }
  if (chunk.usage) out.push({ type: "usage", t, usage: chunk.usage });
}

function parseChunk(ev: TimedSseEvent): Chunk {
  let value: unknown;
  try {
    value = JSON.parse(ev.data);
  } catch {
    throw new RequestError("STREAM_PARSE", `Cannot parse stream event as JSON: ${ev.data.slice(0, 120)}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new RequestError("STREAM_PARSE", `Stream event is not a JSON object: ${ev.data.slice(0, 120)}`);
  }
  const chunk = value as Chunk;
  if (chunk.choices !== undefined && !Array.isArray(chunk.choices)) {
    throw new RequestError("STREAM_PARSE", `Stream event has a "choices" that is not a list: ${ev.data.slice(0, 120)}`);
  }
  return chunk;
}

const NO_EVENTS: StreamEvent[] = Object.freeze([]) as unknown as StreamEvent[];

/**
 * `--reasoning-tags think`: the text a model writes between `<think>` and `</think>` inside its content is its
 * reasoning. Moves it from a delta's `content` to its `reasoning`, across chunk boundaries (a tag split over two chunks
 * is held back until it is whole); the tags themselves are neither.
 */
export function createThinkSplitter(open = "<think>", close = "</think>") {
  let inside = false;
  let carry = "";
  return {
    split(ev: StreamEvent): void {
      if (ev.type !== "delta" || (ev.content === "" && carry === "")) return;
      let text = carry + ev.content;
      carry = "";
      let content = "";
      let reasoning = ev.reasoning;
      for (;;) {
        const tag = inside ? close : open;
        const at = text.indexOf(tag);
        if (at >= 0) {
          if (inside) reasoning += text.slice(0, at);
          else content += text.slice(0, at);
          text = text.slice(at + tag.length);
          inside = !inside;
          continue;
        }
        // The end of the text may be the start of a tag: keep it for the next chunk.
        let keep = Math.min(tag.length - 1, text.length);
        while (keep > 0 && !tag.startsWith(text.slice(text.length - keep))) keep--;
        carry = text.slice(text.length - keep);
        if (inside) reasoning += text.slice(0, text.length - keep);
        else content += text.slice(0, text.length - keep);
        break;
      }
      (ev as { content: string }).content = content;
      (ev as { reasoning: string }).reasoning = reasoning;
    },
  };
}

/** The per-chunk path of an OpenAI stream: bytes of one read in, timestamped events out. */
export interface OpenAIStreamParser {
  /** Feeds one read's bytes, stamped `t` when the read resolved; returns the events they completed. */
  push(bytes: Uint8Array, t: number): StreamEvent[];
  /**
   * Ends the stream at `t`, flushing an event left without its blank line; throws `INCOMPLETE_STREAM` when the stream
   * had neither a `[DONE]` nor a `finish_reason`.
   */
  end(t: number): StreamEvent[];
  /** A `data: [DONE]` event was seen. */
  readonly sawDone: boolean;
  /** A chunk with a `finish_reason` was seen. */
  readonly sawFinish: boolean;
}

/**
 * Creates the parser of OpenAI-style SSE streams: SSE framing, then JSON per event, then content / reasoning deltas
 * and usage. Each event keeps the time of the read that completed it. Throws `RequestError` on a chunk that is not
 * JSON (`STREAM_PARSE`) and on an `error` object sent mid-stream (`SERVER_ERROR_EVENT`).
 */
export function createOpenAIStreamParser(options: { reasoningTags?: "think" } = {}): OpenAIStreamParser {
  const sse = createSseDecoder();
  let sawDone = false;
  let sawFinish = false;
  const tags = options.reasoningTags ? createThinkSplitter() : undefined;
  const handle = (events: TimedSseEvent[]): StreamEvent[] => {
    if (events.length === 0) return NO_EVENTS; // a read that completed no event: nothing to allocate
    const out: StreamEvent[] = [];
    for (const ev of events) {
      if (ev.data === "[DONE]") {
        sawDone = true;
        continue;
      }
      const chunk = parseChunk(ev);
      if (chunk.choices?.[0]?.finish_reason) sawFinish = true;
      const at = out.length;
      chunkEvents(chunk, ev.t, out);
      if (tags) { for (let i = at; i < out.length; i++) tags.split(out[i]); }
    }
    return out;
  };
  const check = (events: StreamEvent[]) => {
    if (sse.error) throw new RequestError("EVENT_TOO_LARGE", `Cannot parse the stream: ${sse.error}`);
    return events;
  };
  return {
    push: (bytes, t) => check(handle(sse.push(bytes, t))),
    end(t) {
      const events = check(handle(sse.end(t)));
      if (!sawDone && !sawFinish) {
        throw new RequestError("INCOMPLETE_STREAM", "Stream ended before [DONE] and before any finish_reason");
      }
      return events;
    },
    get sawDone() {
      return sawDone;
    },
    get sawFinish() {
      return sawFinish;
    },
  };
}

/**
 * `base` + `path`, keeping a query string after the path (`…/v1?api-version=2024-10-21` →
 * `…/v1/chat/completions?api-version=2024-10-21`, as Azure-style gateways need).
 */
export function endpointUrl(base: string, path: string): string {
  const q = base.indexOf("?");
  const [head, query] = q < 0 ? [base, ""] : [base.slice(0, q), base.slice(q)];
  return `${head.replace(/\/+$/, "")}${path}${query}`;
}

/**
 * Creates the connector for OpenAI-compatible servers (vLLM, SGLang, TGI, llama.cpp, Ollama, OpenAI, the simulated
 * endpoint): chat or plain completions, streamed as SSE or as one JSON body.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createOpenAIConnector, loadCorpus, loadTokenizer } from "../../mod.ts";
 * import { startSimServer } from "../simulator/mod.ts";
 * await using sim = startSimServer({ tokenizer: await loadTokenizer(), corpus: await loadCorpus() });
 * await using connector = createOpenAIConnector({ baseUrl: sim.baseUrl, model: "llm-bench-sim" });
 * const spec = { index: 0, prompt: "Hi", promptTokens: 1, requestedInputTokens: 1, maxTokens: 3 };
 * const kinds = [];
 * for await (const event of connector.stream(spec)) kinds.push(event.type); // each stamped when its read resolved
 * assert.deepEqual([kinds[0], kinds[1], kinds.at(-1)], ["start", "response", "end"]);
 * assert.ok(kinds.includes("delta") && kinds.includes("usage"));
 * ```
 */
export function createOpenAIConnector(options: OpenAIConnectorOptions): Connector {
  const endpointKind = options.endpoint ?? "chat";
  const url = endpointUrl(options.baseUrl, endpointKind === "chat" ? "/chat/completions" : "/completions");
  const stream = (options.mode ?? "stream") === "stream";
  const http = options.fetch ? fromFetch(options.fetch) : createHttpClient(options.httpClient, url);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: stream ? "text/event-stream" : "application/json",
  };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;

  const body = (spec: RequestSpec): string => {
    const b: Record<string, unknown> = { model: options.model, max_tokens: spec.maxTokens, stream };
    if (endpointKind === "chat") b.messages = spec.messages ?? [{ role: "user", content: spec.prompt }];
    else b.prompt = spec.prompt;
    if (stream && (options.includeUsage ?? true)) b.stream_options = { include_usage: true };
    if (options.ignoreEos) b.ignore_eos = true;
    return JSON.stringify({ ...b, ...options.extraBody });
  };

  // An HTML page where a stream or JSON was expected: a web server or gateway, not the API (often: no /v1).
  const check = async (res: HttpResponse) => {
    if (!/text\/html/i.test(res.headers.get("content-type") ?? "")) return;
    const excerpt = await bodyExcerpt(res, 120);
    throw new RequestError(
      "BAD_RESPONSE",
      `${redactUrls(url)} answered with an HTML page, not ${stream ? "an event stream" : "JSON"} — is this an LLM ` +
        `endpoint, and does the base URL end in /v1? (${excerpt})`,
      { httpStatus: res.status, bodyExcerpt: excerpt },
    );
  };
  const tags = options.reasoningTags;
  const format: BodyFormat = stream ? { stream: () => createOpenAIStreamParser({ reasoningTags: tags }) } : {
    body(text, tLast) {
      let parsed: Chunk;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new RequestError("BAD_RESPONSE", `Response is not JSON: ${text.slice(0, 120)}`);
      }
      const events: StreamEvent[] = [];
      chunkEvents(parsed, tLast, events);
      if (tags) {
        const splitter = createThinkSplitter();
        for (const ev of events) splitter.split(ev);
      }
      return events;
    },
  };

  const run = (spec: RequestSpec, sendOptions: SendOptions = {}): AsyncGenerator<StreamEvent> => {
    const h = options.requestIdHeader ? { ...headers, "x-request-id": String(spec.index) } : headers;
    return readEvents(http, url, { headers: h, body: body(spec), signal: sendOptions.signal }, format, check);
  };

  return {
    api: options.api ?? "openai",
    endpoint: redactUrls(url),
    stream: run,
    httpClient: { kind: http.kind, stats: http.stats },
    warm: (connections, signal) => http.warm?.(url, connections, signal) ?? Promise.resolve(0),
    close: () => http.close(),
    [Symbol.asyncDispose]() {
      return this.close();
    },
  };
}

/**
 * The models an OpenAI-compatible server lists at `GET {baseUrl}/models`, or null when it does not answer that route
 * (unreachable, an error status, not the OpenAI list shape) — the caller then asks the user for `--model`.
 */
export async function listModels(
  baseUrl: string,
  options: { apiKey?: string; fetch?: FetchLike; timeoutMs?: number; throwOnTimeout?: boolean } = {},
): Promise<string[] | null> {
  return (await listModelInfo(baseUrl, options))?.map((m) => m.id) ?? null;
}

/** A model an endpoint lists, with its context length when the listing says it. */
export interface ModelInfo {
  id: string;
  /**
   * Tokens of prompt and answer together the model takes: vLLM's `max_model_len`, SambaNova Cloud's and OpenRouter's
   * `context_length`, others' `context_window`.
   */
  contextLength?: number;
}

/** The endpoint's models with their context lengths (`GET /models`), or null when it does not list them. */
export async function listModelInfo(
  baseUrl: string,
  options: { apiKey?: string; fetch?: FetchLike; timeoutMs?: number; throwOnTimeout?: boolean } = {},
): Promise<ModelInfo[] | null> {
  const doFetch = options.fetch ?? fetch;
  try {
    const res = await doFetch(endpointUrl(baseUrl, "/models"), {
      headers: options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {},
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
    });
    if (!res.ok) {
      await res.body?.cancel();
      return null;
    }
    const body = await res.json() as { data?: Record<string, unknown>[] };
    if (!Array.isArray(body?.data)) return null;
    return body.data.filter((m) => typeof m?.id === "string").map((m) => {
      const length = [m.max_model_len, m.context_length, m.context_window].find((v) => typeof v === "number" && v > 0);
      return { id: m.id as string, ...(length !== undefined ? { contextLength: length as number } : {}) };
    });
  } catch (e) {
    // A server that accepted the connection and sent nothing: the caller may want to say so, not treat it as no list.
    if (options.throwOnTimeout && e instanceof DOMException && e.name === "TimeoutError") throw e;
    return null;
  }
}
