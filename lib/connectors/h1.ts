/**
 * llm-bench's own HTTP/1.1 client: keep-alive connections over `Deno.connect` / `Deno.connectTls`, a response head
 * parser and a chunked-body decoder. `request()` answers with a body read straight from the socket; `fetch()` wraps
 * the same in a standard `Response`.
 *
 * Why a client of our own: reading a stream costs the measuring thread far less CPU per chunk than Deno's `fetch`
 * (measured by `deno task perf:clients`; figures in README "Performance of the client"). A benchmark client that runs
 * out of CPU stamps chunks late, so this is the difference between measuring the endpoint and measuring ourselves.
 * Each body read is one socket read with no read-ahead, so a chunk is stamped when its bytes arrive.
 *
 * What it does not do, and `fetch` does: HTTP proxies, redirects, HTTP/2, response compression (it asks for
 * `identity`). The connectors fall back to `fetch` when a proxy is configured (see {@link chooseHttpClient}).
 * @module
 */
import { CR, LF } from "../wire.ts";
import type { BodyReader, FetchLike, HttpClientStats, HttpRequestInit, HttpResponse, SendTiming } from "./types.ts";

/** What the client did: connections opened and requests that reused a kept-alive connection. */
export type H1Stats = HttpClientStats;

/**
 * The client: `request()` answers with a body read straight from the socket (what the connectors use), `fetch()` with a
 * standard `Response` over the same connections; its figures, and `close()` for every pooled connection.
 */
export interface H1Client {
  request(url: string | URL, init?: HttpRequestInit): Promise<HttpResponse>;
  fetch: FetchLike;
  /**
   * Opens up to `n` connections to `url`'s origin ahead of need (at most 32 connecting at once) and keeps them idle in
   * the pool; resolves with how many it opened. A connection that fails to open is left to the request that needs it.
   */
  warm(url: string | URL, n: number, signal?: AbortSignal): Promise<number>;
  readonly stats: H1Stats;
  close(): Promise<void>;
}

/** Options of {@link createH1Client}. */
export interface H1ClientOptions {
  /** An idle connection older than this is not reused (servers close idle ones after ~5 s or more). @default 4000 */
  idleTimeoutMs?: number;
  /** Largest response head accepted. @default 65536 */
  maxHeadBytes?: number;
  /** Extra trusted CA certificates (PEM) for https, as `Deno.connectTls` takes them. */
  caCerts?: string[];
}

const READ_SIZE = 16_384;
const encoder = new TextEncoder();
const latin1 = new TextDecoder("latin1");

/** A connection and its read buffer; `rest` holds bytes read but not yet consumed. */
interface Conn {
  socket: Deno.Conn;
  key: string;
  buf: Uint8Array;
  rest: Uint8Array;
  idleSince: number;
  closed: boolean;
}

/** Thrown when a reused connection turns out closed before any byte of the response: the request may be retried. */
class StaleConnection extends Error {}

function closeConn(c: Conn): void {
  if (c.closed) return;
  c.closed = true;
  try {
    c.socket.close();
  } catch {
    // already closed by the peer or by an abort
  }
}

async function readMore(c: Conn): Promise<Uint8Array | null> {
  const n = await c.socket.read(c.buf);
  if (n === null) return null;
  return c.buf.subarray(0, n);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b.slice();
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Where an HTTP head ends (just past its blank line) in `bytes`, or -1 (the client's and the simulator's server's). */
export function indexOfHeadEnd(bytes: Uint8Array, from = 0): number {
  for (let i = Math.max(3, from); i < bytes.length; i++) {
    if (bytes[i] === LF && bytes[i - 1] === CR && bytes[i - 2] === LF && bytes[i - 3] === CR) return i + 1;
  }
  return -1;
}

interface Head {
  status: number;
  statusText: string;
  headers: Headers;
  keepAlive: boolean;
}

function parseHead(text: string): Head {
  const lines = text.split("\r\n");
  const m = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(lines[0]);
  if (!m) throw new TypeError(`not an HTTP/1.x response (status line ${JSON.stringify(lines[0].slice(0, 60))})`);
  const headers = new Headers();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line === "") continue;
    const colon = line.indexOf(":");
    if (colon <= 0) throw new TypeError(`malformed response header line ${JSON.stringify(line.slice(0, 60))}`);
    headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  const connection = (headers.get("connection") ?? "").toLowerCase();
  const keepAlive = m[1] === "1" ? !connection.includes("close") : connection.includes("keep-alive");
  return { status: Number(m[2]), statusText: m[3] ?? "", headers, keepAlive };
}

/**
 * Decodes a chunked body incrementally. `push(bytes)` returns the body bytes it contained (a view into `bytes` when
 * they are one run, else a copy) and sets `done` after the last chunk and its trailers; `extra` counts bytes past
 * the end (a server that pipelines or misbehaves — the connection is then not reused).
 */
export function createChunkedDecoder(): {
  push(bytes: Uint8Array): Uint8Array;
  readonly done: boolean;
  readonly extra: number;
} {
  // SIZE: hex digits (then extensions) up to LF; DATA: `left` bytes; DATA_END: CRLF after data; TRAILER: lines to
  // an empty one.
  let state: "SIZE" | "DATA" | "DATA_END" | "TRAILER" | "DONE" = "SIZE";
  let size = 0;
  let sizeDigits = 0;
  let inExtension = false;
  let left = 0;
  let lineLength = 0;
  let extra = 0;
  return {
    push(bytes) {
      let first: Uint8Array | null = null;
      let parts: Uint8Array[] | null = null;
      let i = 0;
      const n = bytes.length;
      while (i < n) {
        if (state === "DATA") {
          const take = Math.min(left, n - i);
          const piece = bytes.subarray(i, i + take);
          if (first === null) first = piece;
          else (parts ??= [first]).push(piece);
          left -= take;
          i += take;
          if (left === 0) state = "DATA_END";
          continue;
        }
        const b = bytes[i++];
        if (state === "SIZE") {
          if (b === LF) {
            if (sizeDigits === 0) throw new TypeError("malformed chunked body: empty chunk size");
            if (size === 0) {
              state = "TRAILER";
              lineLength = 0;
            } else {
              state = "DATA";
              left = size;
            }
            size = 0;
            sizeDigits = 0;
            inExtension = false;
          } else if (b === CR || inExtension) {
            // CR before LF, or a chunk extension: ignored
          } else if (b === 59 /* ; */ || b === 32 || b === 9) {
            inExtension = true;
          } else {
            const d = b >= 48 && b <= 57 ? b - 48 : b >= 97 && b <= 102 ? b - 87 : b >= 65 && b <= 70 ? b - 55 : -1;
            if (d < 0 || sizeDigits >= 12) throw new TypeError("malformed chunked body: bad chunk size");
            size = size * 16 + d;
            sizeDigits++;
          }
        } else if (state === "DATA_END") {
          if (b === LF) state = "SIZE";
          else if (b !== CR) throw new TypeError("malformed chunked body: missing CRLF after chunk data");
        } else if (state === "TRAILER") {
          if (b === LF) {
            if (lineLength === 0) state = "DONE";
            lineLength = 0;
          } else if (b !== CR) lineLength++;
        } else {
          extra += n - i + 1;
          break;
        }
      }
      if (first === null) return EMPTY;
      if (parts === null) return first;
      let total = 0;
      for (const p of parts) total += p.length;
      const out = new Uint8Array(total);
      let at = 0;
      for (const p of parts) {
        out.set(p, at);
        at += p.length;
      }
      return out;
    },
    get done() {
      return state === "DONE";
    },
    get extra() {
      return extra;
    },
  };
}

const EMPTY = new Uint8Array(0);

/** Writes all of `bytes` (a socket write may take only part of them). */
export async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.length) at += await conn.write(bytes.subarray(at));
}

/** The body of a response without one. */
const EMPTY_BODY: BodyReader = Object.freeze({ read: () => Promise.resolve(null), cancel() {} });

/** A `ReadableStream` over a {@link BodyReader}: one read per pull (no read-ahead), each chunk copied to keep. */
function bodyStream(body: BodyReader): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const bytes = await body.read();
      if (bytes === null) controller.close();
      else controller.enqueue(bytes.slice());
    },
    cancel() {
      body.cancel();
    },
  }, { highWaterMark: 0 });
}

/** Body framing of one response. */
type Framing =
  | { kind: "none" }
  | { kind: "length"; left: number }
  | { kind: "chunked"; decoder: ReturnType<typeof createChunkedDecoder> }
  | { kind: "close" };

/** Bytes of one request: its head and body in one buffer (one write), `host`, length and defaults filled in. */
export function serializeRequest(url: URL, method: string, headers: HttpRequestInit["headers"], body: Uint8Array) {
  let head = `${method} ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n`;
  // The per-request path: a plain record's headers are read as they are (a Headers object costs microseconds).
  let encoding = false;
  let agent = false;
  const add = (name: string, value: string) => {
    const lower = name.toLowerCase();
    if (lower === "host" || lower === "content-length" || lower === "connection") return;
    if (lower === "accept-encoding") encoding = true;
    else if (lower === "user-agent") agent = true;
    head += `${lower}: ${value}\r\n`;
  };
  if (headers instanceof Headers) headers.forEach((value, name) => add(name, value));
  else if (headers) { for (const name in headers) add(name, headers[name]); }
  if (!encoding) head += "accept-encoding: identity\r\n";
  if (!agent) head += "user-agent: llm-bench\r\n";
  if (body.length > 0 || method === "POST" || method === "PUT" || method === "PATCH") {
    head += `content-length: ${body.length}\r\n`;
  }
  head += "\r\n";
  // A head is ASCII (its byte length is then its length); one that is not is encoded apart.
  const message = new Uint8Array(head.length + body.length);
  if (encoder.encodeInto(head, message).written === head.length) {
    message.set(body, head.length);
    return message;
  }
  const headBytes = encoder.encode(head);
  const whole = new Uint8Array(headBytes.length + body.length);
  whole.set(headBytes);
  whole.set(body, headBytes.length);
  return whole;
}

/** Reads until a complete final (non-1xx) response head; throws StaleConnection on EOF before any byte. */
async function readHead(c: Conn, reused: boolean, maxHeadBytes: number): Promise<Head> {
  let acc = c.rest;
  c.rest = EMPTY;
  let sawAny = acc.length > 0;
  for (;;) {
    const end = indexOfHeadEnd(acc, 0);
    if (end >= 0) {
      const head = parseHead(latin1.decode(acc.subarray(0, end - 4)));
      acc = acc.subarray(end);
      if (head.status >= 100 && head.status < 200) continue; // 100 Continue, 103 Early Hints
      c.rest = acc.length ? acc.slice() : EMPTY;
      return head;
    }
    if (acc.length > maxHeadBytes) throw new TypeError(`response head larger than ${maxHeadBytes} bytes`);
    let more: Uint8Array | null;
    try {
      more = await readMore(c);
    } catch (e) {
      if (reused && !sawAny) throw new StaleConnection(String(e));
      throw e;
    }
    if (more === null) {
      if (reused && !sawAny) throw new StaleConnection("connection closed");
      throw new TypeError(sawAny ? "connection closed in the middle of the response head" : "connection closed");
    }
    sawAny = true;
    acc = concat(acc, more);
  }
}

/** How a response's body is delimited, from the request's method and the response's head. */
function framingOf(method: string, h: Head): Framing {
  const te = (h.headers.get("transfer-encoding") ?? "").toLowerCase();
  const cl = h.headers.get("content-length");
  if (method === "HEAD" || h.status === 204 || h.status === 304) return { kind: "none" };
  if (te.includes("chunked")) return { kind: "chunked", decoder: createChunkedDecoder() };
  if (cl !== null && /^\d+$/.test(cl.trim())) return { kind: "length", left: Number(cl) };
  return { kind: "close" };
}

/**
 * The body of one response: `read()` returns the next socket read's body bytes as a view into the connection's read
 * buffer (valid until the next call) or null at the end. `finish(reusable)` is called once, when the body ended (the
 * connection may go back to the pool) or failed or was cancelled (it may not).
 */
function responseBody(c: Conn, framing: Framing, finish: (reusable: boolean) => void): BodyReader {
  // Bytes already read with the head are the body's first bytes.
  let pending: Uint8Array | null = c.rest.length ? c.rest : null;
  c.rest = EMPTY;
  // Set when the last bytes were handed out: the connection goes back to the pool at the next call, once the
  // caller is done with the view.
  let ended: { reusable: boolean } | null = null;
  const read = async (): Promise<Uint8Array | null> => {
    if (ended) {
      finish(ended.reusable);
      return null;
    }
    try {
      for (;;) {
        let bytes: Uint8Array | null;
        if (pending) {
          bytes = pending;
          pending = null;
        } else {
          bytes = await readMore(c);
        }
        if (bytes === null) {
          if (framing.kind === "close") {
            finish(false);
            return null;
          }
          throw new TypeError("connection closed before the end of the response body");
        }
        let out: Uint8Array;
        let done = false;
        let reusable = true;
        if (framing.kind === "chunked") {
          out = framing.decoder.push(bytes);
          done = framing.decoder.done;
          reusable = framing.decoder.extra === 0;
        } else if (framing.kind === "length") {
          const take = Math.min(framing.left, bytes.length);
          out = bytes.subarray(0, take);
          framing.left -= take;
          done = framing.left === 0;
          reusable = take === bytes.length;
        } else {
          out = bytes;
        }
        if (done) {
          if (out.length === 0) {
            finish(reusable);
            return null;
          }
          ended = { reusable };
          return out;
        }
        if (out.length) return out;
      }
    } catch (e) {
      finish(false);
      throw e;
    }
  };
  return { read, cancel: () => finish(false) };
}

/** Opens a connection to `url`'s origin (TLS for https), without Nagle's delay. */
async function open(url: URL, key: string, caCerts: string[] | undefined): Promise<Conn> {
  const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  const socket = url.protocol === "https:"
    ? await Deno.connectTls({ hostname, port, caCerts })
    : await Deno.connect({ hostname, port, transport: "tcp" });
  if ("setNoDelay" in socket) (socket as Deno.TcpConn).setNoDelay(true);
  return { socket, key, buf: new Uint8Array(READ_SIZE), rest: EMPTY, idleSince: 0, closed: false };
}

/** The connections of one client: idle ones by origin, kept until `idleTimeoutMs`, and those in use. */
function createPool(options: H1ClientOptions, stats: H1Stats) {
  const idleTimeoutMs = options.idleTimeoutMs ?? 4_000;
  const idle = new Map<string, Conn[]>();
  const active = new Set<Conn>();
  return {
    active,
    /**
     * Opens a connection, giving up at once when `signal` aborts: a pending connect cannot be cancelled, so one that
     * completes after the abort is closed then (a timeout or Ctrl-C never waits for the OS's connect timeout).
     */
    open(url: URL, key: string, signal: AbortSignal | undefined): Promise<Conn> {
      const opening = open(url, key, options.caCerts).then((c) => {
        stats.connectionsOpened++;
        return c;
      });
      if (!signal) return opening;
      return new Promise<Conn>((resolve, reject) => {
        const onAbort = () => {
          reject(signal.reason);
          opening.then(closeConn, () => {});
        };
        if (signal.aborted) return onAbort();
        signal.addEventListener("abort", onAbort, { once: true });
        opening.then((c) => {
          signal.removeEventListener("abort", onAbort);
          if (signal.aborted) closeConn(c);
          else resolve(c);
        }, (e) => {
          signal.removeEventListener("abort", onAbort);
          reject(e);
        });
      });
    },
    /** The most recently idle connection to `key` that is still fresh, if any (stale ones are closed). */
    take(key: string): Conn | undefined {
      const list = idle.get(key);
      const now = performance.now();
      while (list && list.length > 0) {
        const c = list.pop()!;
        if (now - c.idleSince < idleTimeoutMs && !c.closed) return c;
        closeConn(c);
      }
      return undefined;
    },
    /** A connection done with: back to the idle ones when it can be reused, else closed. */
    release(c: Conn, reusable: boolean): void {
      active.delete(c);
      if (!reusable || c.closed) return closeConn(c);
      c.idleSince = performance.now();
      let list = idle.get(c.key);
      if (!list) idle.set(c.key, list = []);
      list.push(c);
    },
    closeAll(): void {
      for (const list of idle.values()) for (const c of list) closeConn(c);
      idle.clear();
      for (const c of active) closeConn(c);
      active.clear();
    },
  };
}

/**
 * Creates a keep-alive HTTP/1.1 client. Its `fetch` accepts the subset of `RequestInit` the connectors use (method,
 * headers, a string or byte body, signal) and returns a `Response` whose body reads the socket directly.
 */
export function createH1Client(options: H1ClientOptions = {}): H1Client {
  const maxHeadBytes = options.maxHeadBytes ?? 65_536;
  const stats: H1Stats = { connectionsOpened: 0, requests: 0, reused: 0 };
  const pool = createPool(options, stats);

  /**
   * Sends one request; the response's body (empty when there is none) reads the socket directly. A kept-alive
   * connection found closed before any byte of the response is replaced once (the request had not reached a server).
   */
  async function send(url: URL, init: HttpRequestInit | undefined): Promise<HttpResponse> {
    const method = (init?.method ?? "GET").toUpperCase();
    const signal = init?.signal ?? undefined;
    signal?.throwIfAborted();
    const rawBody = init?.body;
    const body = rawBody === undefined ? EMPTY : typeof rawBody === "string" ? encoder.encode(rawBody) : rawBody;
    const message = serializeRequest(url, method, init?.headers, body);
    const key = url.origin;
    stats.requests++;

    for (let attempt = 0;; attempt++) {
      let c = attempt === 0 ? pool.take(key) : undefined;
      const reused = c !== undefined;
      if (reused) stats.reused++;
      let connectMs: number | undefined;
      if (!c) {
        const t = performance.now();
        c = await pool.open(url, key, signal);
        connectMs = performance.now() - t;
      }
      const conn = c;
      pool.active.add(conn);
      const onAbort = () => closeConn(conn);
      signal?.addEventListener("abort", onAbort, { once: true });
      try {
        // The write is stamped when it is issued: Deno hands the bytes to the socket then, and the promise that says so
        // resolves only once this task yields (after the other requests a burst starts). A write the socket takes only
        // in part is stamped when its last part has gone.
        const writing = conn.socket.write(message);
        let writtenAt = performance.now();
        const first = await writing;
        if (first < message.length) {
          await writeAll(conn.socket, message.subarray(first));
          writtenAt = performance.now();
        }
        const timing: SendTiming = { writtenAt };
        if (connectMs !== undefined) timing.connectMs = connectMs;
        const h = await readHead(conn, reused, maxHeadBytes);
        const framing = framingOf(method, h);
        const res = {
          status: h.status,
          statusText: h.statusText,
          headers: h.headers,
          ok: h.status >= 200 && h.status < 300,
          timing,
        };
        if (framing.kind === "none" || (framing.kind === "length" && framing.left === 0)) {
          signal?.removeEventListener("abort", onAbort);
          pool.release(conn, h.keepAlive && conn.rest.length === 0);
          return { ...res, body: EMPTY_BODY };
        }
        // A server that says `connection: close` gets its body read to the end, then the connection closed.
        let finished = false;
        const finish = (reusable: boolean) => {
          if (finished) return;
          finished = true;
          signal?.removeEventListener("abort", onAbort);
          pool.release(conn, reusable && h.keepAlive);
        };
        return { ...res, body: responseBody(conn, framing, finish) };
      } catch (e) {
        signal?.removeEventListener("abort", onAbort);
        pool.active.delete(conn);
        closeConn(conn);
        if (e instanceof StaleConnection && attempt === 0 && !signal?.aborted) continue;
        if (signal?.aborted) throw signal.reason;
        throw e instanceof StaleConnection ? new TypeError(`connection closed by the server (${e.message})`) : e;
      }
    }
  }

  const request = (input: string | URL, init?: HttpRequestInit): Promise<HttpResponse> => {
    const url = new URL(String(input));
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      return Promise.reject(new TypeError(`unsupported URL scheme ${url.protocol}`));
    }
    return send(url, init);
  };
  const warm = async (input: string | URL, n: number, signal?: AbortSignal): Promise<number> => {
    const url = new URL(String(input));
    const key = url.origin;
    let opened = 0;
    let left = n;
    const opener = async () => {
      while (left > 0 && !signal?.aborted) {
        left--;
        try {
          pool.release(await pool.open(url, key, signal), true);
          opened++;
        } catch {
          return; // the requests will say why
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(32, n) }, opener));
    return opened;
  };
  return {
    request,
    warm,
    async fetch(input, init) {
      const body = init?.body;
      if (body !== undefined && body !== null && typeof body !== "string" && !(body instanceof Uint8Array)) {
        throw new TypeError("llm-bench's HTTP client sends string or Uint8Array bodies only");
      }
      const res = await request(input instanceof Request ? input.url : input, {
        method: init?.method,
        headers: new Headers(init?.headers),
        body: body ?? undefined,
        signal: init?.signal ?? undefined,
      });
      return new Response(res.body === EMPTY_BODY ? null : bodyStream(res.body), res);
    },
    stats,
    close() {
      pool.closeAll();
      return Promise.resolve();
    },
  };
}
