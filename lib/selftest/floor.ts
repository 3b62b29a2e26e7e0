import { createChunkedDecoder, indexOfHeadEnd } from "../connectors/h1.ts";
import { computeStatistics } from "../metrics/statistics.ts";
import type { Statistics } from "../results/schema.ts";
import type { ChunkLogEntry } from "../simulator/server.ts";

const encoder = new TextEncoder();

/**
 * The machine's floor: the one-way latency from the simulator's write of a chunk to a bare read loop in this process
 * seeing it — a raw socket, no HTTP client, no parsing beyond counting lines. No client on this machine can measure
 * closer to the truth than this, so the selftest prints it beside its errors. Needs a simulator started with
 * `--log-chunks --http-server h1` (its `/debug/clock-stream`).
 */
export async function measureFloor(origin: string, n = 200, intervalMs = 20): Promise<Statistics> {
  const { hostname, port } = new URL(origin);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  conn.setNoDelay(true);
  const arrivals: number[] = [];
  try {
    await conn.write(encoder.encode(
      `GET /debug/clock-stream?n=${n}&intervalMs=${intervalMs} HTTP/1.1\r\nhost: ${hostname}\r\n` +
        `x-request-id: floor\r\nconnection: close\r\n\r\n`,
    ));
    const buf = new Uint8Array(65_536);
    let head = true;
    let pending = new Uint8Array(0);
    const body = createChunkedDecoder();
    for (;;) {
      const got = await conn.read(buf);
      const t = performance.timeOrigin + performance.now();
      if (got === null) break;
      let bytes = buf.subarray(0, got);
      if (head) {
        const joined = new Uint8Array(pending.length + bytes.length);
        joined.set(pending);
        joined.set(bytes, pending.length);
        const end = indexOfHeadEnd(joined);
        if (end < 0) {
          pending = joined;
          continue;
        }
        head = false;
        bytes = joined.subarray(end);
      }
      for (const b of body.push(bytes)) if (b === 10) arrivals.push(t);
      if (body.done) break;
    }
  } finally {
    conn.close();
  }
  const log = await (await fetch(`${origin}/debug/chunk-log`)).json() as Record<string, ChunkLogEntry>;
  const sends = log.floor?.sends ?? [];
  const count = Math.min(sends.length, arrivals.length);
  return computeStatistics(Array.from({ length: count }, (_, i) => arrivals[i] - sends[i]));
}
