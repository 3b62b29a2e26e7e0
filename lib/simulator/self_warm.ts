/**
 * The simulated endpoint's warm-up: short requests sent to itself over 127.0.0.1 through its own HTTP path (the
 * server, the wire formats, the engine), so that the first wave of a benchmark is served by warm code — V8 runs code
 * it has not seen interpreted and unoptimised, and a burst of requests meeting it is received late. A server that has
 * been up a while is warm; so is this one once {@link warmSimServer} has run. The requests carry
 * {@link SIM_WARMUP_HEADER}: the server counts, logs, caches and faults none of them. Its own plain HTTP/1.1 client,
 * as the simulator imports nothing of the client's.
 * @module
 */
import { SIM_WARMUP_HEADER } from "../wire.ts";

const encoder = new TextEncoder();
const latin1 = new TextDecoder("latin1");
const LAST_CHUNK = "\r\n0\r\n\r\n";

/** The i-th warm-up request: mostly streamed chat (what benchmarks send), some completions and unstreamed ones. */
function requestOf(host: string, model: string, i: number): Uint8Array {
  const prompt = `Warm-up ${i}: shall I compare thee to a summer's day? Thou art more lovely and more temperate.`;
  const chat = i % 4 !== 3;
  const stream = i % 8 !== 7;
  const body = JSON.stringify({
    model,
    ...(chat ? { messages: [{ role: "user", content: prompt }] } : { prompt }),
    max_tokens: 3,
    stream,
    ...(stream ? { stream_options: { include_usage: true } } : {}),
  });
  return encoder.encode(
    `POST /v1/${chat ? "chat/completions" : "completions"} HTTP/1.1\r\nhost: ${host}\r\n` +
      `content-type: application/json\r\n${SIM_WARMUP_HEADER}: 1\r\ncontent-length: ${encoder.encode(body).length}` +
      `\r\n\r\n${body}`,
  );
}

/** Reads one response to its end (chunked, or by content-length); false when the connection ended first. */
async function readResponse(conn: Deno.Conn, buf: Uint8Array): Promise<boolean> {
  let text = "";
  for (;;) {
    const n = await conn.read(buf);
    if (n === null) return false;
    text += latin1.decode(buf.subarray(0, n));
    const head = text.indexOf("\r\n\r\n");
    if (head < 0) continue;
    const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, head));
    if (length ? text.length >= head + 4 + Number(length[1]) : text.endsWith(LAST_CHUNK)) return true;
  }
}

/**
 * Sends `requests` warm-up requests (default 256) to the simulated endpoint at `hostname:port`, `concurrency` (64)
 * at a time over kept-alive connections, each asking `model` for 3 tokens, and sends no new one after `budgetMs`
 * (1,000: a slow serving model is warmed less); resolves with how many were answered. Never throws: a warm-up that
 * fails leaves the server as it was.
 */
export async function warmSimServer(
  hostname: string,
  port: number,
  model: string,
  options: { requests?: number; concurrency?: number; budgetMs?: number } = {},
): Promise<number> {
  const total = options.requests ?? 256;
  const until = performance.now() + (options.budgetMs ?? 1000);
  let next = 0;
  let answered = 0;
  const host = `${hostname}:${port}`;
  const lane = async () => {
    let conn: Deno.TcpConn | undefined;
    const buf = new Uint8Array(16_384);
    try {
      while (next < total && performance.now() < until) {
        const i = next++;
        conn ??= await Deno.connect({ hostname, port });
        const bytes = requestOf(host, model, i);
        for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
        if (!await readResponse(conn, buf)) {
          conn.close();
          conn = undefined;
        } else answered++;
      }
    } catch {
      // the server closed or refused: stop this lane
    } finally {
      try {
        conn?.close();
      } catch {
        // already closed
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 64, total) }, lane));
  return answered;
}
