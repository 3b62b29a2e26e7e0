import type { ChunkLogEntry } from "../simulator/server.ts";
import type { RequestRecord, Statistics } from "../results/schema.ts";
import { describe } from "../metrics/statistics.ts";

/** Measured − true, per metric, over a set of requests. */
export interface MeasurementErrors {
  ttftMs: Statistics;
  interTokenMs: Statistics;
  e2eMs: Statistics;
  /** Requests compared (matched to the server's log by index). */
  requests: number;
  /** Text chunks compared. */
  chunks: number;
}

/**
 * Compares what the client measured with the server's own log of when it sent each chunk (both as epoch ms, so the
 * two processes' clocks agree). Per request: TTFT error = client's first-text arrival − server's first send; each
 * inter-token error = measured gap − the gap between the server's two sends; E2E error = client's last byte − server's
 * end of stream. The client's arrival times are rebuilt from the record: run start + start offset + TTFT, then the
 * inter-token gaps in turn.
 */
export function measurementErrors(
  records: readonly RequestRecord[],
  runStartEpochMs: number,
  log: Record<string, ChunkLogEntry>,
  onRequest?: (
    pair: { index: number; arrivals: number[]; sends: number[]; clientEnd: number; serverEnd: number | null },
  ) => void,
): MeasurementErrors {
  const ttft: number[] = [];
  const itl: number[] = [];
  const e2e: number[] = [];
  let requests = 0;
  let chunks = 0;
  for (const r of records) {
    const entry = log[String(r.index)];
    if (r.status !== "ok" || r.ttftMs === null || !entry || entry.sends.length === 0) continue;
    requests++;
    const sent = runStartEpochMs + r.startOffsetMs;
    const arrivals = [sent + r.ttftMs];
    for (const gap of r.interTokenLatenciesMs) arrivals.push(arrivals[arrivals.length - 1] + gap);
    ttft.push(arrivals[0] - entry.sends[0]);
    const n = Math.min(arrivals.length, entry.sends.length);
    chunks += n;
    for (let i = 1; i < n; i++) itl.push((arrivals[i] - arrivals[i - 1]) - (entry.sends[i] - entry.sends[i - 1]));
    if (entry.end !== null) e2e.push(runStartEpochMs + r.endOffsetMs - entry.end);
    onRequest?.({
      index: r.index,
      arrivals,
      sends: entry.sends,
      clientEnd: runStartEpochMs + r.endOffsetMs,
      serverEnd: entry.end,
    });
  }
  return { ttftMs: describe(ttft), interTokenMs: describe(itl), e2eMs: describe(e2e), requests, chunks };
}

/** The accuracy targets for one concurrency level (DESIGN: TTFT and E2E p99, inter-token p50). */
export function targetsFor(concurrency: number): { ttftE2eP99Ms: number; interTokenP50Ms: number } {
  return concurrency <= 64 ? { ttftE2eP99Ms: 0.5, interTokenP50Ms: 0.5 } : { ttftE2eP99Ms: 5, interTokenP50Ms: 0.5 };
}

/** Whether a level meets its targets, with the reasons it does not. */
export function verdict(concurrency: number, e: MeasurementErrors): { pass: boolean; misses: string[] } {
  const t = targetsFor(concurrency);
  const misses: string[] = [];
  const abs = (x: number | null) => (x === null ? Infinity : Math.abs(x));
  if (abs(e.ttftMs.p99) > t.ttftE2eP99Ms) {
    misses.push(`TTFT p99 error ${e.ttftMs.p99?.toFixed(3)} ms > ${t.ttftE2eP99Ms}`);
  }
  if (abs(e.e2eMs.p99) > t.ttftE2eP99Ms) misses.push(`E2E p99 error ${e.e2eMs.p99?.toFixed(3)} ms > ${t.ttftE2eP99Ms}`);
  if (abs(e.interTokenMs.p50) > t.interTokenP50Ms) {
    misses.push(`inter-token p50 error ${e.interTokenMs.p50?.toFixed(3)} ms > ${t.interTokenP50Ms}`);
  }
  return { pass: misses.length === 0, misses };
}
