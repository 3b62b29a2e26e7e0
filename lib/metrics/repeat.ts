/**
 * Repeated runs of one workload (`--repeat N`): each headline figure's run-to-run spread beside the 95 % interval each
 * run gives itself — the honest error bar on a shared machine, where the next run can differ by more than one run's
 * interval says.
 * @module
 */
import type { RunSummary } from "../results/schema.ts";
import type { Interval } from "./intervals.ts";

/** The figures a repeat summary follows: name, label, the run's value, and the run's own interval of it. */
const FIGURES: [string, string, (s: RunSummary) => number | null, (s: RunSummary) => Interval | undefined][] = [
  ["ttft.p50", "TTFT p50 (ms)", (s) => s.metrics.ttftMs.p50, (s) => s.metrics.ttftMs.ci?.p50],
  ["ttft.p99", "TTFT p99 (ms)", (s) => s.metrics.ttftMs.p99, (s) => s.metrics.ttftMs.ci?.p99],
  ["e2e.p50", "E2E p50 (ms)", (s) => s.metrics.e2eMs.p50, (s) => s.metrics.e2eMs.ci?.p50],
  ["e2e.p99", "E2E p99 (ms)", (s) => s.metrics.e2eMs.p99, (s) => s.metrics.e2eMs.ci?.p99],
  ["itl.p50", "ITL p50 (ms)", (s) => s.metrics.interTokenLatencyMs.p50, (s) => s.metrics.interTokenLatencyMs.ci?.p50],
  ["tpot.p50", "TPOT p50 (ms)", (s) => s.metrics.tpotMs.p50, (s) => s.metrics.tpotMs.ci?.p50],
  ["output_tps", "output tok/s", (s) => s.throughput.outputTokensPerS, (s) => s.throughput.ci?.outputTokensPerS],
];

/** One figure across the runs. */
export interface RepeatRow {
  figure: string;
  label: string;
  /** Each run's value, in run order. */
  values: (number | null)[];
  mean: number | null;
  /** Sample standard deviation across the runs. */
  stddev: number | null;
  min: number | null;
  max: number | null;
  /** (max − min) / mean: how far apart the runs landed. */
  spread: number | null;
  /** The median over the runs of each run's own interval half-width (the larger side) over its value; null: too few. */
  withinHalfWidth: number | null;
  /** The runs landed further apart than one run's interval allows (half the spread beyond the within-run half-width). */
  driftsBeyondInterval: boolean;
}

/** Repeated runs of one workload, summarized figure by figure. */
export interface RepeatSummary {
  runs: number;
  seeds: number[];
  startedAt: string;
  simulated: boolean;
  /** What every run shared (the first run's configuration and endpoint), for the report to state the load. */
  load?: Pick<RunSummary, "config" | "endpoint" | "simulated" | "dataset">;
  stems: (string | null)[];
  rows: RepeatRow[];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? null : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Summarizes repeated runs: for each headline figure, every run's value, their mean, spread and standard deviation,
 * and the runs' own interval half-width for comparison.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { benchmark } from "../../mod.ts";
 * import { repeatSummary } from "./repeat.ts";
 * const runs = [];
 * for (const seed of [0, 1]) {
 *   runs.push({ seed, result: await benchmark({ maxNumCompletedRequests: 12, seed }, { writeFiles: false }) });
 * }
 * const ttft = repeatSummary(runs).rows.find((r) => r.figure === "ttft.p50")!;
 * assert.equal(ttft.values.length, 2);
 * assert.ok(ttft.min! <= ttft.mean! && ttft.mean! <= ttft.max!);
 * ```
 */
export function repeatSummary(
  runs: readonly { seed: number; result: { summary: RunSummary; files: { stem: string } | null } }[],
): RepeatSummary {
  const summaries = runs.map((r) => r.result.summary);
  const rows = FIGURES.map(([figure, label, value, interval]): RepeatRow => {
    const values = summaries.map(value);
    const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
    const mean = xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
    const stddev = xs.length > 1 && mean !== null
      ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1))
      : null;
    const min = xs.length ? Math.min(...xs) : null;
    const max = xs.length ? Math.max(...xs) : null;
    const spread = mean && min !== null && max !== null ? (max - min) / Math.abs(mean) : null;
    const halves = summaries.flatMap((s) => {
      const ci = interval(s);
      const v = value(s);
      return ci && v ? [Math.max(v - ci[0], ci[1] - v) / Math.abs(v)] : [];
    });
    // Only when every run had an interval: one run's "too few" is no basis for a median.
    const withinHalfWidth = halves.length === summaries.length ? median(halves) : null;
    return {
      figure,
      label,
      values,
      mean,
      stddev,
      min,
      max,
      spread,
      withinHalfWidth,
      driftsBeyondInterval: spread !== null && withinHalfWidth !== null && spread / 2 > withinHalfWidth,
    };
  });
  const first = summaries[0];
  return {
    runs: runs.length,
    seeds: runs.map((r) => r.seed),
    startedAt: first?.run.startedAt ?? new Date().toISOString(),
    simulated: summaries.some((s) => s.simulated),
    ...(first
      ? { load: { config: first.config, endpoint: first.endpoint, simulated: first.simulated, dataset: first.dataset } }
      : {}),
    stems: runs.map((r) => r.result.files?.stem ?? null),
    rows,
  };
}
