import type { SweepSummary } from "../metrics/sweep.ts";
import { formatNumber } from "./summary_table.ts";

/** How a sweep's field is named in its table and charts. */
export const SWEEP_LABELS: Record<string, string> = {
  numConcurrentRequests: "Concurrent requests",
  requestRate: "Request rate (req/s)",
  meanInputTokens: "Mean input tokens",
  meanOutputTokens: "Mean output tokens",
};

/** The sweep table's columns: a heading and the row's figure. */
export const SWEEP_COLUMNS: [string, (r: SweepSummary["rows"][number]) => number | null][] = [
  ["ok", (r) => r.requestsSucceeded],
  ["error rate %", (r) => (r.errorRate === null ? null : r.errorRate * 100)],
  ["TTFT p50 ms", (r) => r.ttftP50Ms],
  ["TTFT p99 ms", (r) => r.ttftP99Ms],
  ["E2E p50 ms", (r) => r.e2eP50Ms],
  ["E2E p99 ms", (r) => r.e2eP99Ms],
  ["ITL p50 ms", (r) => r.interTokenLatencyP50Ms],
  ["output tok/s", (r) => r.outputTokensPerS],
  ["req/s", (r) => r.requestsPerS],
  ["goodput req/s", (r) => r.goodputRequestsPerS],
];

/** A table cell: whole numbers as they are, others as the summary table formats them. */
export const sweepCell = (v: number | null) => (v !== null && Number.isInteger(v) ? String(v) : formatNumber(v));

/** The sweep as a plain-text table, one row per value. */
export function formatSweepTable(sweep: SweepSummary): string {
  const head = [SWEEP_LABELS[sweep.field] ?? sweep.field, ...SWEEP_COLUMNS.map(([h]) => h)];
  const rows = sweep.rows.map((r) => [String(r.value), ...SWEEP_COLUMNS.map(([, f]) => sweepCell(f(r)))]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padStart(w[i])).join("  ");
  return [
    ...(sweep.simulated ? ["*** SIMULATED ENDPOINT — the sweep ran against llm-bench's simulator ***"] : []),
    line(head),
    line(w.map((n) => "-".repeat(n))),
    ...rows.map(line),
  ].join("\n");
}
