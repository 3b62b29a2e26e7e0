/**
 * A small HTTP/1.1 server over `Deno.listen`, for the simulated endpoint's exact mode (`deno task selftest`): it
 * writes each body chunk with one socket write of its own, and so can tell the moment a chunk went to the socket —
 * which `Deno.serve` cannot (a chunk enqueued there is written later, when its HTTP task gets to it; under load, many
 * milliseconds later). Handlers are the same `(Request) → Response` functions `Deno.serve` takes.
 *
 * It supports what the simulator needs: keep-alive, `content-length` and chunked request bodies, streamed responses
 * (chunked), and a body stream that errors (the connection is dropped, as `Deno.serve` does).
 * @module
 */
import { CR, LF } from "../wire.ts";

/** Called with `performance.now()` just before the chunk it was registered for is written to its socket. */
export type WriteHook = (t: number) => void;

/** The server's registry of write hooks, by chunk: a handler registers a chunk before enqueueing it. */
export type WriteHooks = WeakMap<Uint8Array, WriteHook>;

/** A running server. */
export interface H1Server {
  readonly addr: Deno.NetAddr;
  /** Stops accepting, and closes every connection. */
  shutdown(): Promise<void>;
}

/** What a handler gets besides the request. */
export interface H1HandlerInfo {
  remoteAddr: Deno.NetAddr;
  /**
   * `performance.now()` when the socket read that completed the request resolved — the server's receipt, stamped
   * before parsing, as the client stamps its reads.
   */
  receivedAt: number;
}

const encoder = new TextEncoder();
const latin1 = new TextDecoder("latin1");
const EMPTY = new Uint8Array(0);
const LAST_CHUNK = encoder.encode("0\r\n\r\n");
const MAX_HEAD = 65_536;
const MAX_BODY = 64 * 1024 * 1024;

const REASONS: Record<number, string> = {
  200: "OK",
  400: "Bad Request",
  401: "Unauthorized",
  404: "Not Found",
  405: "Method Not Allowed",
  413: "Content Too Large",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** Where the request head ends (just past its blank line), or -1. */
function headEnd(bytes: Uint8Array): number {
  for (let i = 3; i < bytes.length; i++) {
    if (bytes[i] === LF && bytes[i - 1] === CR && bytes[i - 2] === LF && bytes[i - 3] === CR) return i + 1;
  }
  return -1;
}

/**
 * Parses a chunked request body from the start of `bytes`: its data and the bytes it used, `null` when more bytes are
 * needed, `"bad"` for a malformed one. Request bodies are small, so it parses the whole buffer each time.
 */
function parseChunked(bytes: Uint8Array): { body: Uint8Array; used: number } | null | "bad" {
  const parts: Uint8Array[] = [];
  let at = 0;
  const line = (): string | null => {
    const lf = bytes.indexOf(LF, at);
    if (lf < 0) return null;
    const text = latin1.decode(bytes.subarray(at, lf)).replace(/\r$/, "");
    at = lf + 1;
    return text;
  };
  for (;;) {
    const sizeLine = line();
    if (sizeLine === null) return null;
    const hex = sizeLine.split(";")[0].trim();
    if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) return "bad";
    const size = parseInt(hex, 16);
    if (size === 0) break;
    if (at + size + 2 > bytes.length) return null;
    parts.push(bytes.subarray(at, at + size));
    at += size;
    if (bytes[at] !== CR || bytes[at + 1] !== LF) return "bad";
    at += 2;
  }
  for (;;) {
    const trailer = line();
    if (trailer === null) return null;
    if (trailer === "") break;
  }
  const body = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    body.set(p, o);
    o += p.length;
  }
  return { body, used: at };
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.length) at += await conn.write(bytes.subarray(at));
}

function frame(chunk: Uint8Array): Uint8Array {
  const size = encoder.encode(`${chunk.length.toString(16)}\r\n`);
  const out = new Uint8Array(size.length + chunk.length + 2);
  out.set(size);
  out.set(chunk, size.length);
  out[out.length - 2] = CR;
  out[out.length - 1] = LF;
  return out;
}

/**
 * Serves `handler` on `hostname:port` (0 = any free port). `hooks` lets the handler learn when a chunk is written:
 * see {@link WriteHooks}.
 */
export function serveH1(
  options: { hostname: string; port: number; hooks?: WriteHooks },
  handler: (req: Request, info: H1HandlerInfo) => Response | Promise<Response>,
): H1Server {
  const listener = Deno.listen({ hostname: options.hostname, port: options.port, transport: "tcp" });
  const conns = new Set<Deno.Conn>();
  const tasks = new Set<Promise<void>>();
  let closing = false;

  async function serveConn(conn: Deno.TcpConn): Promise<void> {
    conn.setNoDelay(true);
    const buf = new Uint8Array(65_536);
    let acc: Uint8Array = EMPTY;
    let readAt = performance.now();
    const read = async (): Promise<boolean> => {
      const n = await conn.read(buf);
      readAt = performance.now();
      if (n === null) return false;
      const next = new Uint8Array(acc.length + n);
      next.set(acc);
      next.set(buf.subarray(0, n), acc.length);
      acc = next;
      return true;
    };
    const reply = (status: number, text: string) =>
      writeAll(
        conn,
        encoder.encode(
          `HTTP/1.1 ${status} ${REASONS[status] ?? ""}\r\ncontent-type: text/plain\r\ncontent-length: ${
            encoder.encode(text).length
          }\r\nconnection: close\r\n\r\n${text}`,
        ),
      );
    for (;;) {
      // The request head.
      let end = headEnd(acc);
      while (end < 0) {
        if (acc.length > MAX_HEAD) return void await reply(431, "request head too large");
        if (!await read()) return;
        end = headEnd(acc);
      }
      const lines = latin1.decode(acc.subarray(0, end - 4)).split("\r\n");
      acc = acc.subarray(end);
      const m = /^([A-Z]+) (\S+) HTTP\/1\.([01])$/.exec(lines[0]);
      if (!m) return void await reply(400, "malformed request line");
      const headers = new Headers();
      try {
        for (const line of lines.slice(1)) {
          const colon = line.indexOf(":");
          if (colon <= 0) throw new TypeError(line);
          headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
        }
      } catch {
        return void await reply(400, "malformed header line");
      }
      // The request body.
      let body: Uint8Array | null = null;
      const te = headers.get("transfer-encoding");
      const cl = headers.get("content-length");
      if (te && /chunked/i.test(te)) {
        for (;;) {
          const parsed = parseChunked(acc);
          if (parsed === "bad") return void await reply(400, "malformed chunked body");
          if (parsed) {
            body = parsed.body;
            acc = acc.subarray(parsed.used);
            break;
          }
          if (acc.length > MAX_BODY) return void await reply(413, "request body too large");
          if (!await read()) return;
        }
      } else if (cl !== null) {
        const length = Number(cl);
        if (!Number.isSafeInteger(length) || length < 0) return void await reply(400, "bad content-length");
        if (length > MAX_BODY) return void await reply(413, "request body too large");
        while (acc.length < length) if (!await read()) return;
        body = acc.slice(0, length);
        acc = acc.subarray(length);
      }
      const keepAlive = m[3] === "1"
        ? !/close/i.test(headers.get("connection") ?? "")
        : /keep-alive/i.test(headers.get("connection") ?? "");
      const req = new Request(`http://${headers.get("host") ?? `${options.hostname}`}${m[2]}`, {
        method: m[1],
        headers,
        body: m[1] === "GET" || m[1] === "HEAD" ? undefined : body as Uint8Array<ArrayBuffer> | null,
      });
      let res: Response;
      try {
        res = await handler(req, { remoteAddr: conn.remoteAddr as Deno.NetAddr, receivedAt: readAt });
      } catch (e) {
        res = new Response(`handler error: ${(e as Error)?.message ?? e}`, { status: 500 });
      }
      // The response.
      let head = `HTTP/1.1 ${res.status} ${res.statusText || REASONS[res.status] || ""}\r\n`;
      for (const [name, value] of res.headers) {
        if (name !== "content-length" && name !== "transfer-encoding" && name !== "connection") {
          head += `${name}: ${value}\r\n`;
        }
      }
      if (!keepAlive) head += "connection: close\r\n";
      if (!res.body) {
        await writeAll(conn, encoder.encode(`${head}content-length: 0\r\n\r\n`));
      } else {
        await writeAll(conn, encoder.encode(`${head}transfer-encoding: chunked\r\n\r\n`));
        const reader = res.body.getReader();
        for (;;) {
          let next: ReadableStreamReadResult<Uint8Array>;
          try {
            next = await reader.read();
          } catch {
            return; // the handler broke its stream on purpose: drop the connection, as Deno.serve does
          }
          if (next.done) break;
          if (next.value.length === 0) continue;
          const framed = frame(next.value);
          options.hooks?.get(next.value)?.(performance.now());
          try {
            await writeAll(conn, framed);
          } catch {
            reader.cancel().catch(() => {}); // the client went away
            return;
          }
        }
        await writeAll(conn, LAST_CHUNK);
      }
      if (!keepAlive || closing) return;
    }
  }

  const accepting = (async () => {
    for (;;) {
      let conn: Deno.TcpConn;
      try {
        conn = await listener.accept() as Deno.TcpConn;
      } catch {
        return; // the listener was closed
      }
      conns.add(conn);
      const task = serveConn(conn).catch(() => {}).finally(() => {
        conns.delete(conn);
        tasks.delete(task);
        try {
          conn.close();
        } catch {
          // already closed
        }
      });
      tasks.add(task);
    }
  })();

  return {
    addr: listener.addr as Deno.NetAddr,
    async shutdown() {
      closing = true;
      listener.close();
      await accepting;
      for (const c of conns) {
        try {
          c.close();
        } catch {
          // already closed
        }
      }
      await Promise.allSettled([...tasks]);
    },
  };
}
