import type { RepeatSummary } from "../metrics/repeat.ts";
import { wrap } from "../text.ts";
import { formatNumber, workloadLine, wrapAtDots } from "./summary_table.ts";

const pct = (x: number | null) => (x === null ? "–" : `${(x * 100).toFixed(x < 0.1 ? 1 : 0)} %`);

/**
 * Repeated runs as a plain-text table (80 columns): each headline figure's mean over the runs, their standard
 * deviation, range and spread, beside the interval each run gave itself — and which figures drifted between runs by
 * more than one run's interval allows.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatRepeatTable } from "./repeat_table.ts";
 * const row = { figure: "ttft.p50", label: "TTFT p50 (ms)", values: [80, 90], mean: 85, stddev: 7.07, min: 80, max: 90,
 *   spread: 10 / 85, withinHalfWidth: 0.02, driftsBeyondInterval: true };
 * const table = formatRepeatTable({ runs: 2, seeds: [0, 1], startedAt: "", simulated: false, stems: [], rows: [row] });
 * assert.match(table, /^TTFT p50 \(ms\) +85\.0 +7\.070 +80\.0–90\.0 +12 % +±2\.0 %$/m);
 * assert.match(table, /drifted between runs beyond one run's interval: TTFT p50/);
 * ```
 */
export function formatRepeatTable(repeat: RepeatSummary): string {
  const seeds = repeat.seeds.every((s) => s === repeat.seeds[0])
    ? `seed ${repeat.seeds[0]} each`
    : `seeds ${repeat.seeds.join(", ")}`;
  const head = ["figure", "mean", "sd", "min–max", "spread", "within-run ±"];
  const rows = repeat.rows.filter((r) => r.mean !== null).map((r) => [
    r.label,
    formatNumber(r.mean),
    formatNumber(r.stddev),
    `${formatNumber(r.min)}–${formatNumber(r.max)}`,
    pct(r.spread),
    r.withinHalfWidth === null ? "too few" : `±${pct(r.withinHalfWidth)}`,
  ]);
  const w = head.map((_, i) => Math.max(...[head, ...rows].map((r) => r[i].length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[0]) : c.padStart(w[i]))).join("  ");
  const drifted = repeat.rows.filter((r) => r.driftsBeyondInterval).map((r) => r.label.replace(/ \(.*\)$/, ""));
  return [
    ...(repeat.simulated
      ? ["*** SIMULATED ENDPOINT — the repeated runs measured llm-bench's built-in simulator ***"]
      : []),
    ...wrap(
      `${repeat.runs} runs of one workload (${seeds}): how far apart they landed, beside each run's own 95 % interval`,
      80,
    ),
    ...(repeat.load ? wrapAtDots(`load: ${workloadLine(repeat.load)}`, 80) : []),
    "",
    fmt(head),
    fmt(w.map((n) => "-".repeat(n))),
    ...rows.map(fmt),
    "",
    ...wrap(
      drifted.length
        ? `drifted between runs beyond one run's interval: ${drifted.join(", ")} — the spread, not one run's ` +
          "interval, is the error bar here"
        : "every figure's runs landed within one run's interval of each other",
      80,
    ),
  ].join("\n");
}
