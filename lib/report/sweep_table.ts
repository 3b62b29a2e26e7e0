import type { SweepSummary } from "../metrics/sweep.ts";
import { formatNumber, workloadLine, wrapAtDots } from "./summary_table.ts";

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

/** A row's health as its table cell: `valid`, `SUSPECT`, or `–` for a run from before verdicts. */
export const healthCell = (r: SweepSummary["rows"][number]) => r.health === "suspect" ? "SUSPECT" : r.health ?? "–";

/** The load the sweep's runs shared, the swept field marked as such ("" for a sweep from before it was recorded). */
export function sweepLoadText(sweep: SweepSummary): string {
  return sweep.load ? workloadLine(sweep.load, { except: sweep.field }) : "";
}

/** The sweep as a plain-text table, one row per value, with each run's health; the shared load above it. */
export function formatSweepTable(sweep: SweepSummary): string {
  const head = [SWEEP_LABELS[sweep.field] ?? sweep.field, ...SWEEP_COLUMNS.map(([h]) => h), "health"];
  const rows = sweep.rows.map((
    r,
  ) => [String(r.value), ...SWEEP_COLUMNS.map(([, f]) => sweepCell(f(r))), healthCell(r)]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padStart(w[i])).join("  ");
  return [
    ...(sweep.simulated ? ["*** SIMULATED ENDPOINT — the sweep ran against llm-bench's simulator ***"] : []),
    ...(sweep.load ? wrapAtDots(`load: ${sweepLoadText(sweep)}`, 100) : []),
    line(head),
    line(w.map((n) => "-".repeat(n))),
    ...rows.map(line),
    ...suspectLines(sweep),
  ].join("\n");
}

function suspectLines(sweep: SweepSummary): string[] {
  return sweep.rows.filter((r) => r.health === "suspect").map((r) =>
    `SUSPECT at ${SWEEP_LABELS[sweep.field] ?? sweep.field} = ${r.value}: ${r.healthReasons.join("; ")}`
  );
}
