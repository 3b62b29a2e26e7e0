import type { ChunkLogEntry } from "../simulator/server.ts";
import type { RequestRecord, Statistics } from "../results/schema.ts";
import { computeStatistics } from "../metrics/statistics.ts";
import { arrivalsOf } from "../metrics/stalls.ts";

/** Measured − true, per metric, over a set of requests. */
export interface MeasurementErrors {
  /** The send side: server's receipt of the request − the client's t0. */
  sendMs: Statistics;
  /** The whole TTFT error: client TTFT − server TTFT (first text send − receipt) = send side + receive side. */
  ttftMs: Statistics;
  interTokenMs: Statistics;
  e2eMs: Statistics;
  /** Requests compared (matched to the server's log by index). */
  requests: number;
  /** Text chunks compared. */
  chunks: number;
}

/** One request's times on both sides, epoch ms (`deno task selftest --details`). */
export interface RequestDetail {
  index: number;
  /** The client's t0, its last request byte's write (llm-bench's HTTP client), and the server's receipt. */
  t0: number;
  written: number | null;
  receipt: number;
  /** How long opening a connection took, when the request opened one. */
  connectMs?: number;
  /** The client's arrival stamps of the text chunks, and the server's sends of them. */
  arrivals: number[];
  sends: number[];
  clientEnd: number;
  serverEnd: number | null;
}

/**
 * Compares what the client measured with the server's own log of when it received each request and sent each chunk
 * (both as epoch ms, so the two processes' clocks agree). Per request: send-side error = server's receipt − client's
 * t0; TTFT error = client TTFT − server TTFT, i.e. (first-text arrival − t0) − (first send − receipt), the whole of it;
 * each inter-token error = measured gap − the gap between the server's two sends; E2E error = client's last byte −
 * server's end of stream. The client's times are rebuilt from the record: run start + start offset (t0), + TTFT, then
 * the inter-token gaps in turn.
 */
export function measurementErrors(
  records: readonly RequestRecord[],
  runStartEpochMs: number,
  log: Record<string, ChunkLogEntry>,
  onRequest?: (pair: RequestDetail) => void,
): MeasurementErrors {
  const send: number[] = [];
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
    const arrivals = arrivalsOf(r).map((t) => sent + t);
    send.push(entry.arrival - sent);
    ttft.push((arrivals[0] - sent) - (entry.sends[0] - entry.arrival));
    const n = Math.min(arrivals.length, entry.sends.length);
    chunks += n;
    for (let i = 1; i < n; i++) itl.push((arrivals[i] - arrivals[i - 1]) - (entry.sends[i] - entry.sends[i - 1]));
    if (entry.end !== null) e2e.push(runStartEpochMs + r.endOffsetMs - entry.end);
    onRequest?.({
      index: r.index,
      t0: sent,
      written: r.requestWrittenMs === undefined ? null : sent + r.requestWrittenMs,
      receipt: entry.arrival,
      ...(r.connectMs === undefined ? {} : { connectMs: r.connectMs }),
      arrivals,
      sends: entry.sends,
      clientEnd: runStartEpochMs + r.endOffsetMs,
      serverEnd: entry.end,
    });
  }
  return {
    sendMs: computeStatistics(send),
    ttftMs: computeStatistics(ttft),
    interTokenMs: computeStatistics(itl),
    e2eMs: computeStatistics(e2e),
    requests,
    chunks,
  };
}

/** The accuracy targets of one concurrency level, ms (a target left out does not apply at that level). */
export interface Targets {
  /** Send side (server receipt − t0), p99. */
  sendP99Ms?: number;
  /** Whole TTFT error, p99. */
  ttftP99Ms?: number;
  /** Whole TTFT error, p50. */
  ttftP50Ms?: number;
  /** End of stream, p99. */
  e2eP99Ms: number;
  interTokenP50Ms: number;
}

/** The accuracy targets for one concurrency level. */
export function targetsFor(concurrency: number): Targets {
  return concurrency <= 64
    ? { sendP99Ms: 1, ttftP99Ms: 5, e2eP99Ms: 0.5, interTokenP50Ms: 0.5 }
    : { ttftP50Ms: 20, e2eP99Ms: 5, interTokenP50Ms: 0.5 };
}

/** The targets as one line, for the verdict. */
export function describeTargets(t: Targets): string {
  const parts: string[] = [];
  if (t.sendP99Ms !== undefined) parts.push(`send p99 ≤ ${t.sendP99Ms} ms`);
  if (t.ttftP99Ms !== undefined) parts.push(`TTFT p99 ≤ ${t.ttftP99Ms} ms`);
  if (t.ttftP50Ms !== undefined) parts.push(`TTFT p50 ≤ ${t.ttftP50Ms} ms`);
  parts.push(`E2E p99 ≤ ${t.e2eP99Ms} ms`, `inter-token p50 ≤ ${t.interTokenP50Ms} ms`);
  return parts.join(", ");
}

/** Whether a level meets its targets, with the reasons it does not. */
export function verdict(concurrency: number, e: MeasurementErrors): { pass: boolean; misses: string[] } {
  const t = targetsFor(concurrency);
  const misses: string[] = [];
  const abs = (x: number | null) => (x === null ? Infinity : Math.abs(x));
  const check = (what: string, value: number | null, limit: number | undefined) => {
    if (limit !== undefined && abs(value) > limit) misses.push(`${what} error ${value?.toFixed(3)} ms > ${limit}`);
  };
  check("send p99", e.sendMs.p99, t.sendP99Ms);
  check("TTFT p99", e.ttftMs.p99, t.ttftP99Ms);
  check("TTFT p50", e.ttftMs.p50, t.ttftP50Ms);
  check("E2E p99", e.e2eMs.p99, t.e2eP99Ms);
  if (abs(e.interTokenMs.p50) > t.interTokenP50Ms) {
    misses.push(`inter-token p50 error ${e.interTokenMs.p50?.toFixed(3)} ms > ${t.interTokenP50Ms}`);
  }
  return { pass: misses.length === 0, misses };
}
