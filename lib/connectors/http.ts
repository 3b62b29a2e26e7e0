import { RequestError } from "../errors.ts";
import { createH1Client, directBody, type H1Stats } from "./h1.ts";
import type { FetchLike, StreamEvent } from "./types.ts";

/** Response header by which llm-bench's simulated endpoint marks its answers, so results say "simulated" even when
 * it is reached as a plain OpenAI-compatible URL. */
export const SIMULATED_HEADER = "x-llm-bench-simulated";

/** Which HTTP client a connector uses: llm-bench's own HTTP/1.1 client, Deno's `fetch`, or `auto` (ours, unless an
 * HTTP proxy is configured for the URL, which only `fetch` honours). */
export type HttpClientKind = "auto" | "llm-bench" | "fetch";

/** A `fetch` bound to one pooled keep-alive HTTP client, and the means to close it. */
export interface PooledFetch {
  fetch: FetchLike;
  /** The client in use. */
  readonly kind: "llm-bench" | "fetch";
  /** Connections opened and reused, when the client can tell (llm-bench's client). */
  readonly stats?: H1Stats;
  /** Closes every pooled connection. */
  close(): Promise<void>;
}

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
 * By default llm-bench's own HTTP/1.1 client (lib/connectors/h1.ts): it reads a stream with a third of the CPU of
 * Deno's `fetch`, and a benchmark client short of CPU stamps chunks late. `fetch` (Deno's native client) is used when
 * asked for or when a proxy is configured. Why not npm:undici, the design's first candidate: under Deno a connection
 * closed mid-body leaves its pending `read()` hanging forever, and an aborted signal does not end it either — a
 * benchmark client must report a reset as a failed request, not wait for it.
 */
export function createPooledFetch(kind: HttpClientKind = "auto", url = ""): PooledFetch {
  if (chooseHttpClient(kind, url) === "llm-bench") {
    const h1 = createH1Client();
    return { fetch: h1.fetch, kind: "llm-bench", stats: h1.stats, close: () => h1.close() };
  }
  const client = Deno.createHttpClient({ poolIdleTimeout: 60_000 });
  return {
    fetch: (input, init) => fetch(input, { ...init, client } as RequestInit),
    kind: "fetch",
    close: () => {
      client.close();
      return Promise.resolve();
    },
  };
}

/** Reads at most `limit` characters of a response body for an error message, then cancels the rest. */
export async function bodyExcerpt(res: Response, limit = 300): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    while (text.length < limit) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // An excerpt is best effort: the status code already says what failed.
  } finally {
    reader.cancel().catch(() => {});
  }
  text = text.replace(/\s+/g, " ").trim();
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}

/**
 * The error for a non-2xx response: `RATE_LIMITED` for 429 (with `Retry-After` in seconds when sent), `HTTP_STATUS`
 * otherwise, with a short body excerpt; a 404 says what to check.
 */
export async function httpError(res: Response, url: string): Promise<RequestError> {
  const excerpt = await bodyExcerpt(res);
  const retryAfter = parseRetryAfter(res.headers.get("retry-after"));
  const hint = res.status === 404 ? ` — check the URL (${url}) and the model name` : "";
  return new RequestError(
    res.status === 429 ? "RATE_LIMITED" : "HTTP_STATUS",
    `HTTP ${res.status} ${res.statusText}${excerpt ? `: ${excerpt}` : ""}${hint}`,
    { httpStatus: res.status, bodyExcerpt: excerpt, retryAfterS: retryAfter },
  );
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
  return new RequestError("CONNECTION", `Cannot reach ${endpoint}: ${message.split("\n")[0]}`, { cause: e });
}

/**
 * Sends one POST: yields `start` (t0, taken just before the request is handed to the HTTP client) and `response`
 * (headers received) and returns the response with its arrival time; throws the {@link RequestError} of a failed
 * request or a non-2xx response.
 */
export async function* post(
  doFetch: FetchLike,
  url: string,
  init: { headers: Record<string, string>; body: string; signal?: AbortSignal },
): AsyncGenerator<StreamEvent, { res: Response; tResponse: number }> {
  const t0 = performance.now();
  let res: Response;
  try {
    res = await doFetch(url, { method: "POST", headers: init.headers, body: init.body, signal: init.signal });
  } catch (e) {
    throw toRequestError(e, init.signal, url);
  }
  const tResponse = performance.now();
  yield { type: "start", t: t0 };
  yield { type: "response", t: tResponse, status: res.status, simulated: res.headers.get(SIMULATED_HEADER) === "1" };
  if (!res.ok) throw await httpError(res, url);
  return { res, tResponse };
}

const DONE = Object.freeze({ value: undefined, done: true as const });

/**
 * The response body's reader, cancelled when `signal` aborts — which ends a pending `read()` at once, whatever the
 * fetch implementation. `release(finished)` detaches it: a body read to its end is released, any other cancelled. A
 * value read is valid until the next `read()` (with llm-bench's client it is a view into the socket's buffer): decode
 * it before reading on.
 */
export function abortableReader(
  res: Response,
  signal: AbortSignal | undefined,
): { reader: ReadableStreamDefaultReader<Uint8Array>; release(finished: boolean): void } {
  if (!res.body) throw new RequestError("BAD_RESPONSE", "Response has no body");
  const direct = directBody(res);
  if (direct) {
    // llm-bench's client: socket reads straight to the caller, no stream in between (each view is decoded at once).
    const onAbort = () => direct.cancel();
    signal?.addEventListener("abort", onAbort, { once: true });
    const reader = {
      read: () => direct.read().then((value) => (value === null ? DONE : { value, done: false })),
      cancel: () => Promise.resolve(direct.cancel()),
      releaseLock() {},
    } as unknown as ReadableStreamDefaultReader<Uint8Array>;
    return {
      reader,
      release(finished) {
        signal?.removeEventListener("abort", onAbort);
        if (!finished) direct.cancel();
      },
    };
  }
  const reader = res.body.getReader();
  const onAbort = () => reader.cancel(signal?.reason).catch(() => {});
  signal?.addEventListener("abort", onAbort, { once: true });
  return {
    reader,
    release(finished) {
      signal?.removeEventListener("abort", onAbort);
      if (finished) reader.releaseLock();
      else reader.cancel().catch(() => {});
    },
  };
}

/** Reads a whole (non-streamed) body: its text, and when its last byte arrived (or `since` for an empty body). */
export async function readBody(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  since: number,
  signal?: AbortSignal,
): Promise<{ text: string; tLast: number }> {
  const decoder = new TextDecoder();
  const parts: string[] = [];
  let tLast = since;
  for (;;) {
    const { value, done } = await reader.read();
    const t = performance.now();
    if (done) break;
    tLast = t;
    parts.push(decoder.decode(value, { stream: true }));
  }
  signal?.throwIfAborted();
  parts.push(decoder.decode());
  return { text: parts.join(""), tLast };
}
