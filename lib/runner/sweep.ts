import type { RunConfigInput } from "../config/schema.ts";
import { benchmark, type BenchmarkOptions, type BenchmarkResult } from "./benchmark.ts";

/** Config fields a sweep can vary. */
export type SweepField = "numConcurrentRequests" | "requestRate" | "meanInputTokens" | "meanOutputTokens";

/** The sweepable fields by CLI name (`--sweep num-concurrent-requests=1,2,4`). */
export const SWEEP_FIELDS: Record<string, SweepField> = {
  "num-concurrent-requests": "numConcurrentRequests",
  "request-rate": "requestRate",
  "mean-input-tokens": "meanInputTokens",
  "mean-output-tokens": "meanOutputTokens",
};

/** One run of a sweep: the value it used and what it produced. */
export interface SweepRun {
  value: number;
  result: BenchmarkResult;
}

/** Options of {@link runSweep}: the benchmark options, plus a hook before each run. */
export interface SweepOptions extends BenchmarkOptions {
  /** Called before each run with its value and position. */
  onRunStart?: (value: number, index: number, count: number) => void | Promise<void>;
}

/**
 * Runs one benchmark per value of `field`, one after another, with everything else from `base`. Stops early (keeping
 * the finished runs) when `signal` aborts.
 */
export async function runSweep(
  base: RunConfigInput,
  field: SweepField,
  values: readonly number[],
  options: SweepOptions = {},
): Promise<SweepRun[]> {
  const runs: SweepRun[] = [];
  for (const [i, value] of values.entries()) {
    if (options.signal?.aborted) break;
    await options.onRunStart?.(value, i, values.length);
    runs.push({ value, result: await benchmark({ ...base, [field]: value }, options) });
  }
  return runs;
}

/** One row of a sweep summary: the swept value and the figures that make the load curve. */
export interface SweepRow {
  value: number;
  stem: string | null;
  simulated: boolean;
  requestsSucceeded: number;
  errorRate: number | null;
  ttftP50Ms: number | null;
  ttftP99Ms: number | null;
  e2eP50Ms: number | null;
  e2eP99Ms: number | null;
  interTokenLatencyP50Ms: number | null;
  tpotP50Ms: number | null;
  outputTokensPerS: number | null;
  requestsPerS: number | null;
  goodputRequestsPerS: number | null;
}

/** The sweep's summary: one row per value. */
export interface SweepSummary {
  field: SweepField;
  startedAt: string;
  simulated: boolean;
  rows: SweepRow[];
}

/** Summarizes a sweep: one row per run. */
export function sweepSummary(field: SweepField, runs: readonly SweepRun[]): SweepSummary {
  const rows = runs.map(({ value, result }): SweepRow => {
    const s = result.summary;
    return {
      value,
      stem: result.files?.stem ?? null,
      simulated: s.simulated,
      requestsSucceeded: s.run.requestsSucceeded,
      errorRate: s.errors.rate,
      ttftP50Ms: s.metrics.ttftMs.p50,
      ttftP99Ms: s.metrics.ttftMs.p99,
      e2eP50Ms: s.metrics.e2eMs.p50,
      e2eP99Ms: s.metrics.e2eMs.p99,
      interTokenLatencyP50Ms: s.metrics.interTokenLatencyMs.p50,
      tpotP50Ms: s.metrics.tpotMs.p50,
      outputTokensPerS: s.throughput.outputTokensPerS,
      requestsPerS: s.throughput.requestsPerS,
      goodputRequestsPerS: s.goodput?.requestsPerS ?? null,
    };
  });
  return {
    field,
    startedAt: runs[0]?.result.summary.run.startedAt ?? new Date().toISOString(),
    simulated: rows.some((r) => r.simulated),
    rows,
  };
}
