import { mean, quantileSorted, sampleStandardDeviation } from "simple-statistics";
import { NO_VALUES, type Statistics } from "../results/schema.ts";
import { sampleIntervals } from "./intervals.ts";

const QUANTILES = [["p5", 0.05], ["p25", 0.25], ["p50", 0.5], ["p75", 0.75], ["p90", 0.9], ["p95", 0.95], [
  "p99",
  0.99,
]] as const;

/**
 * Describes a sample: count, mean, sample standard deviation (n − 1), min, p5 … p99 (linear interpolation, numpy's
 * default "type 7"), max — and with `intervals`, the 95 % intervals of the mean and p50 … p99 (lib/metrics/intervals.ts).
 * Non-finite values are ignored; an empty sample gives `count: 0` and `null` elsewhere.
 *
 * @example
 * ```ts
 * import { computeStatistics } from "./statistics.ts";
 * computeStatistics([1, 2, 3, 4]).p25; // 1.75
 * ```
 */
export function computeStatistics(
  values: readonly (number | null | undefined)[],
  options: { intervals?: boolean } = {},
): Statistics {
  // A typed array sorts numerically in native code: several times faster than sort() with a comparator at 10⁶ values.
  const finite = values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
  const xs = Float64Array.from(finite).sort() as unknown as number[];
  if (xs.length === 0) {
    const none = { mean: null, p50: null, p90: null, p95: null, p99: null };
    return { ...(options.intervals ? { ci: none } : {}), ...NO_VALUES };
  }
  const out = {
    count: xs.length,
    mean: mean(xs),
    stddev: xs.length > 1 ? sampleStandardDeviation(xs) : null,
    min: xs[0],
  } as Statistics;
  for (const [name, p] of QUANTILES) out[name] = quantileSorted(xs, p);
  out.max = xs[xs.length - 1];
  if (options.intervals) out.ci = sampleIntervals(xs);
  return out;
}
