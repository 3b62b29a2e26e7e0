/**
 * Where a run's precision targets stand (lib/config/precision.ts): each named figure's 95 % interval and its
 * half-width (the larger side) as a share of the figure.
 * @module
 */
import type { MetricField, RequestRecord } from "../results/schema.ts";
import { type PrecisionTarget, targetName } from "../config/precision.ts";
import { clusteredIntervals, type Interval } from "./intervals.ts";
import { computeStatistics } from "./statistics.ts";

/** Where a target stands: the figure, its interval, its relative half-width, and whether that is within the target. */
export interface TargetState {
  figure: string;
  target: number;
  value: number | null;
  interval: Interval;
  /** The larger side of the interval over the figure; null when there is no interval yet (too few). */
  halfWidth: number | null;
  reached: boolean;
}

/** The state of each target over the measured, successful records so far. */
export function precisionState(records: readonly RequestRecord[], targets: readonly PrecisionTarget[]): TargetState[] {
  const ok = records.filter((r) => r.status === "ok" && !r.warmup);
  return targets.map((t) => {
    let value: number | null;
    let interval: Interval;
    if (t.metric === "interTokenLatencyMs") {
      const gaps = ok.map((r) => r.interTokenLatenciesMs);
      value = computeStatistics(gaps.flat())[t.statistic];
      interval = clusteredIntervals(gaps)[t.statistic];
    } else {
      const field = t.metric as Exclude<MetricField, "interTokenLatencyMs" | "reasoningItlMs" | "answerItlMs">;
      const stats = computeStatistics(ok.map((r) => r[field] as number | null | undefined), { intervals: true });
      value = stats[t.statistic];
      interval = stats.ci?.[t.statistic] ?? null;
    }
    const halfWidth = interval && value ? Math.max(value - interval[0], interval[1] - value) / Math.abs(value) : null;
    return {
      figure: targetName(t),
      target: t.relative,
      value,
      interval,
      halfWidth,
      reached: halfWidth !== null && halfWidth <= t.relative,
    };
  });
}
