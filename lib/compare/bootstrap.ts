/**
 * Bootstrap intervals for the difference of a statistic between two runs, resampling **requests** (README "Comparing
 * runs"). A request contributes a group of values — one TTFT, or all its inter-token gaps — and a resample draws
 * requests with replacement and pools their groups: gaps of one request are not independent, so they are never
 * resampled one by one.
 * @module
 */
import { createPrng, type Prng } from "../sampler/prng.ts";

/** A statistic the bootstrap can compute on a (weighted) pooled sample. */
export type BootStatistic = "mean" | "p50" | "p90" | "p99";

/** The quantile each percentile statistic stands for. */
export const QUANTILE: Record<Exclude<BootStatistic, "mean">, number> = { p50: 0.5, p90: 0.9, p99: 0.99 };

/**
 * One run's values of one metric, grouped by request and prepared for resampling: the pooled values sorted, each with
 * the request it came from, and each request's sum and count (for the mean).
 */
export interface GroupedSample {
  /** Requests (resampling units), including those that contributed no value. */
  readonly units: number;
  /** Values pooled over all requests. */
  readonly values: number;
  readonly sorted: Float64Array;
  readonly owner: Int32Array;
  readonly sums: Float64Array;
  readonly counts: Int32Array;
}

/** Prepares groups of values (one array per request) for {@link statisticOf} and {@link bootstrapDifference}. */
export function groupedSample(groups: readonly (readonly number[])[]): GroupedSample {
  const pairs: [number, number][] = [];
  const sums = new Float64Array(groups.length);
  const counts = new Int32Array(groups.length);
  groups.forEach((g, unit) => {
    for (const v of g) {
      if (!Number.isFinite(v)) continue;
      pairs.push([v, unit]);
      sums[unit] += v;
      counts[unit]++;
    }
  });
  pairs.sort((a, b) => a[0] - b[0]);
  return {
    units: groups.length,
    values: pairs.length,
    sorted: Float64Array.from(pairs, (p) => p[0]),
    owner: Int32Array.from(pairs, (p) => p[1]),
    sums,
    counts,
  };
}

/**
 * The statistic of the pooled sample in which request `u` appears `weights[u]` times (all 1: the sample itself).
 * Quantiles interpolate linearly between order statistics (numpy's default, as the summary's), found by one pass over
 * the sorted values — no re-sorting per resample. Null when the pooled sample is empty.
 */
export function statisticOf(sample: GroupedSample, stat: BootStatistic, weights?: Int32Array): number | null {
  const w = (u: number) => (weights ? weights[u] : 1);
  if (stat === "mean") {
    let sum = 0;
    let n = 0;
    for (let u = 0; u < sample.units; u++) {
      sum += w(u) * sample.sums[u];
      n += w(u) * sample.counts[u];
    }
    return n > 0 ? sum / n : null;
  }
  let n = 0;
  for (let u = 0; u < sample.units; u++) n += w(u) * sample.counts[u];
  if (n === 0) return null;
  const h = (n - 1) * QUANTILE[stat];
  const lo = Math.floor(h);
  const frac = h - lo;
  // Walk the sorted values, each repeated by its request's weight, to the order statistics lo and lo + 1.
  let seen = 0;
  let xLo: number | undefined;
  for (let i = 0; i < sample.sorted.length; i++) {
    const c = w(sample.owner[i]);
    if (c === 0) continue;
    seen += c;
    if (xLo === undefined && seen > lo) {
      xLo = sample.sorted[i];
      if (frac === 0 || seen > lo + 1) return xLo + frac * (sample.sorted[i] - xLo);
      continue;
    }
    if (xLo !== undefined) return xLo + frac * (sample.sorted[i] - xLo);
  }
  return xLo ?? null;
}

function resampleWeights(units: number, prng: Prng, into: Int32Array): Int32Array {
  into.fill(0);
  for (let i = 0; i < units; i++) into[prng.int(units)]++;
  return into;
}

/** A bootstrap interval of candidate − baseline. */
export interface DifferenceInterval {
  /** 2.5th percentile of the resampled differences. */
  low: number;
  /** 97.5th percentile. */
  high: number;
  /** Resamples that gave a value on both sides (a resample with no values is skipped). */
  resamples: number;
}

/**
 * A 95 % percentile-bootstrap interval of `stat(candidate) − stat(baseline)`: each resample draws the requests of
 * each run with replacement (independently), pools their values and takes the difference of the statistic. The same
 * seed gives the same interval.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bootstrapDifference, groupedSample } from "./bootstrap.ts";
 * const a = groupedSample(Array.from({ length: 50 }, (_, i) => [100 + (i % 10)]));
 * const b = groupedSample(Array.from({ length: 50 }, (_, i) => [130 + (i % 10)]));
 * const ci = bootstrapDifference(a, b, "p50", { resamples: 500, seed: 1 })!;
 * assert.ok(ci.low > 20 && ci.high < 40); // about +30, and clearly not 0
 * ```
 */
export function bootstrapDifference(
  baseline: GroupedSample,
  candidate: GroupedSample,
  stat: BootStatistic,
  options: { resamples: number; seed: number },
): DifferenceInterval | null {
  const prng = createPrng(options.seed);
  const wb = new Int32Array(baseline.units);
  const wc = new Int32Array(candidate.units);
  const diffs: number[] = [];
  for (let i = 0; i < options.resamples; i++) {
    const b = statisticOf(baseline, stat, resampleWeights(baseline.units, prng, wb));
    const c = statisticOf(candidate, stat, resampleWeights(candidate.units, prng, wc));
    if (b !== null && c !== null) diffs.push(c - b);
  }
  if (diffs.length < Math.min(100, options.resamples)) return null;
  const xs = Float64Array.from(diffs).sort();
  const at = (p: number) => {
    const h = (xs.length - 1) * p;
    const lo = Math.floor(h);
    return xs[lo] + (h - lo) * ((xs[Math.min(lo + 1, xs.length - 1)]) - xs[lo]);
  };
  return { low: at(0.025), high: at(0.975), resamples: xs.length };
}
