/**
 * The wire side of the simulator's HTTP/1.1 server (lib/simulator/http1.ts): a request's head and chunked body read
 * from bytes, a response's head and chunks written — each body chunk with one socket write of its own.
 * @module
 */
import { CR, LF } from "../wire.ts";
import type { DirectBody } from "./http1.ts";

const encoder = new TextEncoder();
const latin1 = new TextDecoder("latin1");
const LAST_CHUNK = encoder.encode("0\r\n\r\n");
export const MAX_HEAD = 65_536;
export const MAX_BODY = 64 * 1024 * 1024;

export const REASONS: Record<number, string> = {
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
export function headEnd(bytes: Uint8Array): number {
  for (let i = 3; i < bytes.length; i++) {
    if (bytes[i] === LF && bytes[i - 1] === CR && bytes[i - 2] === LF && bytes[i - 3] === CR) return i + 1;
  }
  return -1;
}

/**
 * Parses a chunked request body from the start of `bytes`: its data and the bytes it used, `null` when more bytes are
 * needed, `"bad"` for a malformed one. Request bodies are small, so it parses the whole buffer each time.
 */
export function parseChunked(bytes: Uint8Array): { body: Uint8Array; used: number } | null | "bad" {
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

export async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.length) at += await conn.write(bytes.subarray(at));
}

/**
 * Writes a direct body's chunks in order as it sends them, each stamped just before its socket write (a chunk the
 * socket cannot take yet waits for the one before it, and is stamped when its own write is issued); resolves true
 * once the body is complete and written, false when the connection should be dropped (the client went away, or the
 * body broke on purpose).
 */
async function writeDirect(conn: Deno.Conn, direct: DirectBody): Promise<boolean> {
  const queue: [Uint8Array, ((t: number) => void) | undefined][] = [];
  let writing = false;
  let broken = false;
  let drained: (() => void) | undefined;
  const issue = (framed: Uint8Array, onWrite: ((t: number) => void) | undefined) => {
    writing = true;
    onWrite?.(performance.now());
    conn.write(framed)
      .then((n) => (n < framed.length ? writeAll(conn, framed.subarray(n)) : undefined))
      .then(() => {
        const next = queue.shift();
        if (next) return issue(next[0], next[1]);
        writing = false;
        drained?.();
      }, () => {
        broken = true;
        queue.length = 0;
        writing = false;
        drained?.();
      });
  };
  const write = (chunk: Uint8Array, onWrite?: (t: number) => void) => {
    if (broken || chunk.length === 0) return;
    if (writing) queue.push([frame(chunk), onWrite]);
    else issue(frame(chunk), onWrite);
  };
  try {
    await direct(write, () => broken);
  } catch {
    return false; // the body broke on purpose: drop the connection, as Deno.serve does
  }
  if (writing) await new Promise<void>((resolve) => drained = resolve);
  return !broken;
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
 * Writes a handler's response: its head, then its body — a direct body's chunks as it sends them, a body stream's
 * chunk by chunk, or none. Resolves false when the connection must be dropped (the client went away, or the body broke
 * on purpose, as `Deno.serve` drops it).
 */
export async function writeResponse(
  conn: Deno.Conn,
  res: Response,
  keepAlive: boolean,
  direct: DirectBody | undefined,
): Promise<boolean> {
  let head = `HTTP/1.1 ${res.status} ${res.statusText || REASONS[res.status] || ""}\r\n`;
  for (const [name, value] of res.headers) {
    if (name !== "content-length" && name !== "transfer-encoding" && name !== "connection") {
      head += `${name}: ${value}\r\n`;
    }
  }
  if (!keepAlive) head += "connection: close\r\n";
  if (direct) {
    await writeAll(conn, encoder.encode(`${head}transfer-encoding: chunked\r\n\r\n`));
    if (!await writeDirect(conn, direct)) return false;
    await writeAll(conn, LAST_CHUNK);
  } else if (!res.body) {
    await writeAll(conn, encoder.encode(`${head}content-length: 0\r\n\r\n`));
  } else {
    await writeAll(conn, encoder.encode(`${head}transfer-encoding: chunked\r\n\r\n`));
    const reader = res.body.getReader();
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch {
        return false; // the handler broke its stream on purpose: drop the connection, as Deno.serve does
      }
      if (next.done) break;
      if (next.value.length === 0) continue;
      const framed = frame(next.value);
      try {
        await writeAll(conn, framed);
      } catch {
        reader.cancel().catch(() => {}); // the client went away
        return false;
      }
    }
    await writeAll(conn, LAST_CHUNK);
  }
  return true;
}
