/**
 * A small HTTP/1.1 server over `Deno.listen`, for the simulated endpoint's exact mode (`deno task selftest`): it
 * writes each body chunk with one socket write of its own, and so can tell the moment a chunk went to the socket —
 * which `Deno.serve` cannot (a chunk enqueued there is written later, when its HTTP task gets to it; under load, many
 * milliseconds later). Handlers are the same `(Request) → Response` functions `Deno.serve` takes.
 *
 * It supports what the simulator needs: keep-alive, `content-length` and chunked request bodies, streamed responses
 * (chunked), and a body stream that errors (the connection is dropped, as `Deno.serve` does).
 *
 * Being the reference the client is measured against, it keeps its own delays out of the times it logs:
 * - a request is stamped when the read that completed it resolved, and handled in a turn of its own afterwards (one
 *   per event-loop tick, see lib/event_loop.ts), so a burst of requests does not hold up the reads — and the receipt
 *   stamps — of the requests behind it;
 * - handlers get a light request object ({@link H1Request}: no `Headers`, no body stream), and a streamed answer may be
 *   a {@link DirectBody}, whose chunks are written as they are sent, with no `ReadableStream` in between.
 * @module
 */
import { createTurns } from "../event_loop.ts";
import { headEnd, MAX_BODY, MAX_HEAD, parseChunked, REASONS, writeAll, writeResponse } from "./http1_wire.ts";

/**
 * A streamed answer the server writes itself: `run` sends each chunk with `write` — called back with
 * `performance.now()` just before the chunk's socket write — and resolves when the answer is complete; a rejection
 * drops the connection (the "reset" fault). `cancelled()` turns true once the client has gone.
 */
export type DirectBody = (
  write: (chunk: Uint8Array, onWrite?: (t: number) => void) => void,
  cancelled: () => boolean,
) => Promise<void>;

/** The server's registry of direct bodies, by response: a handler registers one for the (bodiless) response it returns. */
export type DirectBodies = WeakMap<Response, DirectBody>;

/** What a handler is given: the parts of a `Request` the simulator reads. */
export interface H1Request {
  readonly method: string;
  /** Absolute, as `Request.url`. */
  readonly url: string;
  readonly headers: { get(name: string): string | null };
  json(): Promise<unknown>;
}

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
const utf8 = new TextDecoder();
const EMPTY = new Uint8Array(0);

/**
 * Serves `handler` on `hostname:port` (0 = any free port). A response registered in `direct` has its body written
 * by the server as the handler sends it: see {@link DirectBody}.
 */
export function serveH1(
  options: { hostname: string; port: number; direct?: DirectBodies },
  handler: (req: H1Request, info: H1HandlerInfo) => Response | Promise<Response>,
): H1Server {
  const listener = Deno.listen({ hostname: options.hostname, port: options.port, transport: "tcp" });
  const conns = new Set<Deno.Conn>();
  const tasks = new Set<Promise<void>>();
  const turn = createTurns();
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
      const fields = new Map<string, string>();
      for (let i = 1; i < lines.length; i++) {
        const line = lines[i];
        const colon = line.indexOf(":");
        if (colon <= 0) return void await reply(400, "malformed header line");
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        const seen = fields.get(name);
        fields.set(name, seen === undefined ? value : `${seen}, ${value}`);
      }
      const headers = { get: (name: string) => fields.get(name.toLowerCase()) ?? null };
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
      const receivedAt = readAt;
      const bodyBytes = body;
      const req: H1Request = {
        method: m[1],
        url: `http://${headers.get("host") ?? options.hostname}${m[2]}`,
        headers,
        json: () => Promise.resolve().then(() => JSON.parse(bodyBytes ? utf8.decode(bodyBytes) : "")),
      };
      // Stamped; handled in a turn of its own, after the reads already waiting (and their stamps).
      await turn();
      let res: Response;
      try {
        res = await handler(req, { remoteAddr: conn.remoteAddr as Deno.NetAddr, receivedAt });
      } catch (e) {
        res = new Response(`handler error: ${(e as Error)?.message ?? e}`, { status: 500 });
      }
      if (!await writeResponse(conn, res, keepAlive, options.direct?.get(res))) return;
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
      turn.close();
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
