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
import { createChunkedDecoder, indexOfHeadEnd, writeAll } from "../connectors/h1.ts";

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
}

const CR = 13;
const LF = 10;
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
    const read = async (): Promise<boolean> => {
      const n = await conn.read(buf);
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
      let end = indexOfHeadEnd(acc);
      while (end < 0) {
        if (acc.length > MAX_HEAD) return void await reply(431, "request head too large");
        if (!await read()) return;
        end = indexOfHeadEnd(acc);
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
        const decoder = createChunkedDecoder();
        const parts: Uint8Array[] = [];
        let size = 0;
        for (;;) {
          const data = decoder.push(acc);
          const used = acc.length - decoder.extra;
          parts.push(data.slice());
          size += data.length;
          acc = acc.subarray(used);
          if (decoder.done) break;
          if (size > MAX_BODY) return void await reply(413, "request body too large");
          if (!await read()) return;
        }
        body = new Uint8Array(size);
        let at = 0;
        for (const p of parts) {
          body.set(p, at);
          at += p.length;
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
        res = await handler(req, { remoteAddr: conn.remoteAddr as Deno.NetAddr });
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
