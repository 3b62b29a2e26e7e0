import { redactUrls, RequestError } from "../errors.ts";
import { SIMULATED_HEADER } from "../wire.ts";
import { createH1Client } from "./h1.ts";
import type { BodyReader, FetchLike, HttpClient, HttpRequestInit, HttpResponse, StreamEvent } from "./types.ts";

/** Which HTTP client a connector uses: llm-bench's own HTTP/1.1 client, Deno's `fetch`, or `auto` (ours, unless an
 * HTTP proxy is configured for the URL, which only `fetch` honours). */
export type HttpClientKind = "auto" | "llm-bench" | "fetch";

function envProxy(url: string): string | undefined {
  let protocol: string;
  let hostname: string;
  try {
    ({ protocol, hostname } = new URL(url));
  } catch {
    return undefined;
  }
  if (/^(127\.|localhost$|\[::1\]$)/.test(hostname)) return undefined;
  const get = (name: string) => {
    try {
      return Deno.env.get(name) ?? Deno.env.get(name.toLowerCase());
    } catch {
      return undefined; // no --allow-env: no proxy configured as far as we may know
    }
  };
  const noProxy = get("NO_PROXY");
  if (noProxy && noProxy.split(",").some((h) => h.trim() === "*" || (h.trim() && hostname.endsWith(h.trim())))) {
    return undefined;
  }
  return (protocol === "https:" ? get("HTTPS_PROXY") : get("HTTP_PROXY")) ?? get("ALL_PROXY");
}

/** The client `auto` picks for a URL: `fetch` when an HTTP(S)_PROXY / ALL_PROXY applies to it, else llm-bench's. */
export function chooseHttpClient(kind: HttpClientKind, url: string): "llm-bench" | "fetch" {
  if (kind !== "auto") return kind;
  return envProxy(url) ? "fetch" : "llm-bench";
}

/**
 * One keep-alive connection pool for a whole run, so requests reuse connections instead of opening one each.
 *
 * By default llm-bench's own HTTP/1.1 client (lib/connectors/h1.ts): it reads a stream with less CPU than Deno's
 * `fetch` (`deno task perf:clients` measures both), and a benchmark client short of CPU stamps chunks late. `fetch`
 * (Deno's native client) is used when asked for or when a proxy is configured. Why not npm:undici, the design's first candidate: under Deno a connection
 * closed mid-body leaves its pending `read()` hanging forever, and an aborted signal does not end it either — a
 * benchmark client must report a reset as a failed request, not wait for it.
 */
export function createHttpClient(kind: HttpClientKind = "auto", url = ""): HttpClient {
  if (chooseHttpClient(kind, url) === "llm-bench") {
    const h1 = createH1Client();
    return { kind: "llm-bench", stats: h1.stats, request: h1.request, warm: h1.warm, close: () => h1.close() };
  }
  const client = Deno.createHttpClient({ poolIdleTimeout: 60_000 });
  const fetchClient = fromFetch((input, init) => fetch(input, { ...init, client } as RequestInit), "fetch");
  return {
    ...fetchClient,
    close: () => {
      client.close();
      return Promise.resolve();
    },
  };
}

/** An {@link HttpClient} over any `fetch`-shaped function (tests and benchmarks swap the client this way). */
export function fromFetch(doFetch: FetchLike, kind: "fetch" | "custom" = "custom"): HttpClient {
  return {
    kind,
    async request(url, init: HttpRequestInit) {
      const res = await doFetch(url, init as RequestInit);
      const reader = res.body?.getReader();
      const body: BodyReader = reader
        ? {
          read: () => reader.read().then((r) => (r.done ? null : r.value)),
          cancel: () => void reader.cancel().catch(() => {}),
        }
        : { read: () => Promise.resolve(null), cancel() {} };
      return { status: res.status, statusText: res.statusText, ok: res.ok, headers: res.headers, body };
    },
    close: () => Promise.resolve(),
  };
}

/** The send-side fields of a `response` event. */
function sendSide(res: HttpResponse): { connectMs?: number; tWritten?: number } {
  const t = res.timing;
  if (!t) return {};
  return t.connectMs === undefined ? { tWritten: t.writtenAt } : { connectMs: t.connectMs, tWritten: t.writtenAt };
}

/** Reads at most `limit` characters of a response body for an error message, then cancels the rest. */
export async function bodyExcerpt(res: HttpResponse, limit = 300): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  try {
    while (text.length < limit) {
      const value = await res.body.read();
      if (value === null) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // An excerpt is best effort: the status code already says what failed.
  } finally {
    res.body.cancel();
  }
  text = text.replace(/\s+/g, " ").trim();
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}

/**
 * The error for a non-2xx response: `RATE_LIMITED` for 429 (with `Retry-After` in seconds when sent), `HTTP_STATUS`
 * otherwise, with a short body excerpt; a 404 says what to check.
 */
export async function httpError(res: HttpResponse, url: string): Promise<RequestError> {
  const excerpt = await bodyExcerpt(res);
  const retryAfter = parseRetryAfter(res.headers.get("retry-after"));
  const hint = res.status === 404 ? ` — check the URL (${redactUrls(url)}) and the model name` : "";
  const rateLimit = res.status === 429 ? rateLimitHeaders(res.headers) : undefined;
  return new RequestError(
    res.status === 429 ? "RATE_LIMITED" : "HTTP_STATUS",
    `HTTP ${res.status} ${res.statusText}${excerpt ? `: ${excerpt}` : ""}${hint}`,
    { httpStatus: res.status, bodyExcerpt: excerpt, retryAfterS: retryAfter, ...(rateLimit ? { rateLimit } : {}) },
  );
}

/** The rate-limit headers a hosted API sends with a 429, by name less `x-ratelimit-`; none: undefined. */
export function rateLimitHeaders(headers: { get(name: string): string | null }): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  // OpenAI's per-minute names; SambaNova Cloud adds per-day ones (`x-ratelimit-remaining-requests-day`).
  for (const what of ["remaining", "reset", "limit"]) {
    for (const unit of ["requests", "tokens", "requests-day", "tokens-day"]) {
      const v = headers.get(`x-ratelimit-${what}-${unit}`);
      if (v !== null) out[`${what}-${unit}`] = v.slice(0, 64);
    }
  }
  return Object.keys(out).length ? out : undefined;
}

/** `Retry-After` as seconds: a number of seconds, or an HTTP date from now. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const n = Number(value);
  if (Number.isFinite(n) && n >= 0) return n;
  const when = Date.parse(value);
  return Number.isNaN(when) ? undefined : Math.max(0, Math.round((when - Date.now()) / 1000));
}

/** Maps an exception from fetch or a body read to a {@link RequestError}. */
export function toRequestError(e: unknown, signal: AbortSignal | undefined, endpoint: string): RequestError {
  if (e instanceof RequestError) return e;
  if (signal?.aborted) {
    const reason = signal.reason;
    if (reason instanceof DOMException && reason.name === "TimeoutError") {
      return new RequestError("TIMEOUT", reason.message || "Request timed out", { cause: e });
    }
    const why = reason instanceof Error ? reason.message : typeof reason === "string" ? reason : "aborted";
    return new RequestError("ABORTED", `Request aborted: ${why}`, { cause: e });
  }
  const message = e instanceof Error ? e.message : String(e);
  return new RequestError("CONNECTION", redactUrls(`Cannot reach ${endpoint}: ${message.split("\n")[0]}`), {
    cause: e,
  });
}

/**
 * Sends one POST: yields `start` (t0, taken just before the request is handed to the HTTP client) and `response`
 * (headers received) and returns the response with its arrival time; throws the {@link RequestError} of a failed
 * request or a non-2xx response.
 */
export async function* post(
  client: HttpClient,
  url: string,
  init: { headers: Record<string, string>; body: string; signal?: AbortSignal },
): AsyncGenerator<StreamEvent, { res: HttpResponse; tResponse: number }> {
  const t0 = performance.now();
  let res: HttpResponse;
  try {
    res = await client.request(url, { method: "POST", headers: init.headers, body: init.body, signal: init.signal });
  } catch (e) {
    throw toRequestError(e, init.signal, url);
  }
  const tResponse = performance.now();
  yield { type: "start", t: t0 };
  const simulated = res.headers.get(SIMULATED_HEADER) === "1";
  yield { type: "response", t: tResponse, status: res.status, simulated, ...sendSide(res) };
  if (!res.ok) throw await httpError(res, url);
  return { res, tResponse };
}

/**
 * The response body's reader, cancelled when `signal` aborts — which ends a pending `read()` at once, whatever the
 * client. `release(finished)` detaches it: a body read to its end is released, any other cancelled. A chunk read is
 * valid until the next `read()` (with llm-bench's client it is a view into the socket's buffer): decode it first.
 */
export function abortableReader(
  res: HttpResponse,
  signal: AbortSignal | undefined,
): { reader: BodyReader; release(finished: boolean): void } {
  const body = res.body;
  const onAbort = () => body.cancel();
  signal?.addEventListener("abort", onAbort, { once: true });
  return {
    reader: body,
    release(finished) {
      signal?.removeEventListener("abort", onAbort);
      if (!finished) body.cancel();
    },
  };
}

/** The per-chunk path of a wire format: the bytes of one read in, the events they completed out. */
export interface StreamParser {
  /** Feeds one read's bytes, stamped `t` when the read resolved; returns the events they completed. */
  push(bytes: Uint8Array, t: number): StreamEvent[];
  /** Ends the stream at `t`, flushing what was left; throws when the stream ended before its proper end. */
  end(t: number): StreamEvent[];
}

/** How a connector reads its answers: a streamed body, or one body in batch mode. */
export type BodyFormat =
  | { stream: () => StreamParser }
  | { body: (text: string, tLast: number) => StreamEvent[] };

/**
 * One request of a connector, from t0 to the last byte: posts it (`start`, `response`), checks the response
 * (`check`, e.g. an HTML page where a stream was expected), then reads the body — each read stamped when it resolved,
 * before the format's parser sees it — and yields the events, then `end`. Any failure becomes a
 * {@link RequestError}; the body is released (handed back to the pool when read to its end, else cancelled).
 */
export async function* readEvents(
  client: HttpClient,
  url: string,
  init: { headers: Record<string, string>; body: string; signal?: AbortSignal },
  format: BodyFormat,
  check?: (res: HttpResponse) => Promise<void>,
): AsyncGenerator<StreamEvent> {
  const { signal } = init;
  const { res, tResponse } = yield* post(client, url, init);
  await check?.(res);
  const { reader, release } = abortableReader(res, signal);
  let tLast = tResponse;
  let finished = false;
  try {
    if ("stream" in format) {
      const parser = format.stream();
      for (;;) {
        const value = await reader.read();
        const t = performance.now();
        if (value === null) break;
        tLast = t;
        const events = parser.push(value, t);
        for (let i = 0; i < events.length; i++) yield events[i];
      }
      signal?.throwIfAborted();
      // Reading on after the last event to the body's end hands the connection back to the pool.
      const last = parser.end(tLast);
      for (let i = 0; i < last.length; i++) yield last[i];
    } else {
      const body = await readBody(reader, tResponse, signal);
      tLast = body.tLast;
      const events = format.body(body.text, tLast);
      for (let i = 0; i < events.length; i++) yield events[i];
    }
    finished = true;
  } catch (e) {
    throw toRequestError(e, signal, url);
  } finally {
    release(finished);
  }
  yield { type: "end", t: tLast };
}

/** Reads a whole (non-streamed) body: its text, and when its last byte arrived (or `since` for an empty body). */
export async function readBody(
  reader: BodyReader,
  since: number,
  signal?: AbortSignal,
): Promise<{ text: string; tLast: number }> {
  const decoder = new TextDecoder();
  const parts: string[] = [];
  let tLast = since;
  for (;;) {
    const value = await reader.read();
    const t = performance.now();
    if (value === null) break;
    tLast = t;
    parts.push(decoder.decode(value, { stream: true }));
  }
  signal?.throwIfAborted();
  parts.push(decoder.decode());
  return { text: parts.join(""), tLast };
}
