import type { SweepField } from "../config/schema.ts";
import type { RunSummary } from "../results/schema.ts";
import type { Interval } from "./intervals.ts";

/** One run of a sweep: the value it used and what it produced (at least its summary, and its files' stem if any). */
export interface SweepRun<R extends SweepResult = SweepResult> {
  value: number;
  result: R;
}

/** What a sweep's summary needs of each run. */
export interface SweepResult {
  summary: RunSummary;
  files: { stem: string } | null;
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
  /**
   * The runs' own 95 % intervals of their latency percentiles and throughput (null: too few; absent: a run from before
   * intervals), for whiskers on the load curves.
   */
  ci?: {
    ttftP50Ms: Interval;
    ttftP99Ms: Interval;
    e2eP50Ms: Interval;
    e2eP99Ms: Interval;
    outputTokensPerS: Interval;
  };
  /** The run's health verdict, and why when suspect (null: a run from before verdicts). */
  health: "valid" | "suspect" | null;
  healthReasons: string[];
}

/** The sweep's summary: one row per value. */
export interface SweepSummary {
  field: SweepField;
  startedAt: string;
  simulated: boolean;
  /** What every run shared (the first run's configuration and endpoint), for the report to state the load. */
  load?: Pick<RunSummary, "config" | "endpoint" | "simulated" | "dataset">;
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
      ...(s.metrics.ttftMs.ci
        ? {
          ci: {
            ttftP50Ms: s.metrics.ttftMs.ci.p50,
            ttftP99Ms: s.metrics.ttftMs.ci.p99,
            e2eP50Ms: s.metrics.e2eMs.ci?.p50 ?? null,
            e2eP99Ms: s.metrics.e2eMs.ci?.p99 ?? null,
            outputTokensPerS: s.throughput.ci?.outputTokensPerS ?? null,
          },
        }
        : {}),
      health: s.health?.verdict ?? null,
      healthReasons: s.health?.reasons ?? [],
    };
  });
  return {
    field,
    startedAt: runs[0]?.result.summary.run.startedAt ?? new Date().toISOString(),
    simulated: rows.some((r) => r.simulated),
    ...(runs[0]
      ? {
        load: {
          config: runs[0].result.summary.config,
          endpoint: runs[0].result.summary.endpoint,
          simulated: runs[0].result.summary.simulated,
          ...(runs[0].result.summary.dataset ? { dataset: runs[0].result.summary.dataset } : {}),
        },
      }
      : {}),
    rows,
  };
}
