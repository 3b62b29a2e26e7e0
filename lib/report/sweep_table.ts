import type { SweepSummary } from "../metrics/sweep.ts";
import { formatNumber, TOO_FEW_LEGEND, TOO_FEW_MARK, workloadLine } from "./summary_table.ts";
import { valuesNeeded } from "../metrics/intervals.ts";
import { wrap, wrapAtDots } from "../text.ts";

/** How a sweep's field is named in its table and charts. */
export const SWEEP_LABELS: Record<string, string> = {
  numConcurrentRequests: "Concurrent requests",
  requestRate: "Request rate (req/s)",
  meanInputTokens: "Mean input tokens",
  meanOutputTokens: "Mean output tokens",
};

type SweepRow = SweepSummary["rows"][number];

/** The sweep table's columns: a heading, the row's figure, and the percentile it is (for the too-few mark). */
export const SWEEP_COLUMNS: [string, (r: SweepRow) => number | null, number?][] = [
  ["ok", (r) => r.requestsSucceeded],
  ["error rate %", (r) => (r.errorRate === null ? null : r.errorRate * 100)],
  ["TTFT p50 ms", (r) => r.ttftP50Ms, 0.5],
  ["TTFT p99 ms", (r) => r.ttftP99Ms, 0.99],
  ["E2E p50 ms", (r) => r.e2eP50Ms, 0.5],
  ["E2E p99 ms", (r) => r.e2eP99Ms, 0.99],
  ["ITL p50 ms", (r) => r.interTokenLatencyP50Ms],
  ["output tok/s", (r) => r.outputTokensPerS],
  ["req/s", (r) => r.requestsPerS],
  ["goodput req/s", (r) => r.goodputRequestsPerS],
];

/** A table cell: whole numbers as they are, others as the summary table formats them. */
export const sweepCell = (v: number | null) => (v !== null && Number.isInteger(v) ? String(v) : formatNumber(v));

/**
 * A row's figure as its cell, marked ({@link TOO_FEW_MARK}) when it is a percentile of fewer successful requests than
 * its 95 % interval needs.
 */
export function markedCell(r: SweepRow, f: (r: SweepRow) => number | null, p?: number): string {
  const v = f(r);
  return sweepCell(v) + (v !== null && p !== undefined && r.requestsSucceeded < valuesNeeded(p) ? TOO_FEW_MARK : "");
}

/** A row's health as its table cell: `valid`, `SUSPECT`, or `–` for a run from before verdicts. */
export const healthCell = (r: SweepSummary["rows"][number]) => r.health === "suspect" ? "SUSPECT" : r.health ?? "–";

/** The load the sweep's runs shared, the swept field marked as such ("" for a sweep from before it was recorded). */
export function sweepLoadText(sweep: SweepSummary): string {
  return sweep.load ? workloadLine(sweep.load, { except: sweep.field }) : "";
}

/** Short names of a sweep's field, for the compact table. */
const SWEEP_SHORT: Record<string, string> = {
  numConcurrentRequests: "concurrency",
  requestRate: "req/s",
  meanInputTokens: "input tok",
  meanOutputTokens: "output tok",
};

/** The compact table's columns: the group a column belongs to ("" for none), its heading, and the row's figure. */
const COMPACT_COLUMNS: [string, string, (r: SweepRow) => number | null, number?][] = [
  ["", "ok", (r) => r.requestsSucceeded],
  ["", "err %", (r) => (r.errorRate === null ? null : r.errorRate * 100)],
  ["TTFT ms", "p50", (r) => r.ttftP50Ms, 0.5],
  ["TTFT ms", "p99", (r) => r.ttftP99Ms, 0.99],
  ["E2E ms", "p50", (r) => r.e2eP50Ms, 0.5],
  ["E2E ms", "p99", (r) => r.e2eP99Ms, 0.99],
  ["ITL ms", "p50", (r) => r.interTokenLatencyP50Ms],
  ["output", "tok/s", (r) => r.outputTokensPerS],
  ["", "req/s", (r) => r.requestsPerS],
  ["goodput", "req/s", (r) => r.goodputRequestsPerS],
];

/** What the compact table leaves out first when it is still too wide: the least looked-at figures. */
const COMPACT_DROP = ["goodput req/s", "ok", "ITL ms p50", "req/s", "E2E ms p50"];

/**
 * The sweep as a plain-text table, one row per value, with each run's health; the shared load above it. Within
 * `width` columns (default: unlimited): when the full table is wider, a compact one with two-line headings, no column
 * that holds no figure, and, if it must, fewer columns (the figures left out are said).
 */
export function formatSweepTable(sweep: SweepSummary, options: { width?: number } = {}): string {
  const width = options.width ?? Infinity;
  const head = [SWEEP_LABELS[sweep.field] ?? sweep.field, ...SWEEP_COLUMNS.map(([h]) => h), "health"];
  const rows = sweep.rows.map((
    r,
  ) => [String(r.value), ...SWEEP_COLUMNS.map(([, f, p]) => markedCell(r, f, p)), healthCell(r)]);
  let table = layout(head, rows, 2);
  let left: string[] = [];
  if (table[0].length > width) [table, left] = compact(sweep, width);
  const wrapAt = Number.isFinite(width) ? Math.min(width, 100) : 100;
  return [
    ...(sweep.simulated
      ? wrap("*** SIMULATED ENDPOINT — the sweep ran against llm-bench's simulator ***", wrapAt)
      : []),
    ...(sweep.load ? wrapAtDots(`load: ${sweepLoadText(sweep)}`, wrapAt) : []),
    ...table,
    ...(table.some((l) => l.includes(TOO_FEW_MARK)) ? wrap(TOO_FEW_LEGEND, wrapAt) : []),
    ...(left.length ? wrap(`(left out to fit ${width} columns: ${left.join(", ")}; piped: every column)`, wrapAt) : []),
    ...suspectLines(sweep).flatMap((l) => wrap(l, wrapAt)),
  ].join("\n");
}

/**
 * A heading row, a rule, and the rows, each column as wide as its widest cell, right-aligned, `gap` spaces between;
 * with `groups`, a line above the headings where a group's name (`null`: the group goes on) spans its columns.
 */
function layout(head: string[], rows: string[][], gap: number, groups?: (string | null)[]): string[] {
  // A marked cell's mark stands in the gap after it, so the figures stay aligned.
  const bare = (c: string) => (c.endsWith(TOO_FEW_MARK) ? c.slice(0, -1) : c);
  const w = head.map((_, i) => Math.max(...[head, ...rows].map((r) => bare(r[i]).length)));
  const sep = " ".repeat(gap - 1);
  const line = (r: string[]) =>
    r.map((c, i) => bare(c).padStart(w[i]) + (c.endsWith(TOO_FEW_MARK) ? TOO_FEW_MARK : " ")).join(sep).trimEnd();
  const out = [line(head), line(w.map((n) => "-".repeat(n))), ...rows.map(line)];
  if (!groups) return out;
  // Widen a group's last column until its name fits over the group.
  const spans: [number, number][] = [];
  groups.forEach((g, i) => (g === null ? (spans[spans.length - 1][1] = i) : spans.push([i, i])));
  for (const [a, b] of spans) {
    const have = w.slice(a, b + 1).reduce((x, y) => x + y, 0) + gap * (b - a);
    if ((groups[a] ?? "").length > have) w[b] += groups[a]!.length - have;
  }
  const start = (i: number) => w.slice(0, i).reduce((x, y) => x + y + gap, 0);
  let top = "";
  for (const [a] of spans) if (groups[a]) top = top.padEnd(start(a)) + groups[a];
  return [top.trimEnd(), line(head), line(w.map((n) => "-".repeat(n))), ...rows.map(line)];
}

function compact(sweep: SweepSummary, width: number): [string[], string[]] {
  let cols = COMPACT_COLUMNS.filter(([, , f]) => sweep.rows.some((r) => f(r) !== null));
  const name = ([group, head]: typeof cols[number]) => `${group} ${head}`.trim();
  const left: string[] = [];
  for (;;) {
    const groups = ["", ...cols.map(([g], i) => (g && i > 0 && cols[i - 1][0] === g ? null : g)), ""];
    const head = [SWEEP_SHORT[sweep.field] ?? sweep.field, ...cols.map(([, h]) => h), "health"];
    const rows = sweep.rows.map((
      r,
    ) => [String(r.value), ...cols.map(([, , f, p]) => markedCell(r, f, p)), healthCell(r)]);
    let table: string[] = [];
    // One space between columns only where no mark needs the space after its figure.
    const marked = rows.some((r) => r.some((c) => c.endsWith(TOO_FEW_MARK)));
    for (const gap of marked ? [2] : [2, 1]) {
      table = layout(head, rows, gap, groups);
      if (table.every((l) => l.length <= width)) return [table, left];
    }
    const next = COMPACT_DROP.find((d) => cols.some((c) => name(c) === d));
    if (!next) return [table, left];
    left.push(next);
    cols = cols.filter((c) => name(c) !== next);
  }
}

function suspectLines(sweep: SweepSummary): string[] {
  return sweep.rows.filter((r) => r.health === "suspect").map((r) =>
    `SUSPECT at ${SWEEP_LABELS[sweep.field] ?? sweep.field} = ${r.value}: ${r.healthReasons.join("; ")}`
  );
}
