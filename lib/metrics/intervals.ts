/**
 * How precise a run's own figures are: 95 % intervals for a metric's quantiles and mean (DESIGN.md §9, README
 * "How precise is it").
 *
 * - A quantile of per-request values gets the distribution-free order-statistic interval: the ranks l and u for which
 *   the number of values below the true quantile, Binomial(n, p), lies in [l, u − 1] with probability ≥ 95 % — exact
 *   binomial sums up to 2,000 values, the normal approximation beyond. Where no such ranks exist inside the sample (p99
 *   of 40 requests) there is no interval: "too few", never a number with false precision.
 * - Inter-token gaps are clustered (a request's gaps travel together), so their quantiles get Woodruff's interval: the
 *   share of gaps below the quantile, with its variance over requests (a ratio estimator), mapped back through the
 *   pooled gaps' quantile function.
 * - The mean gets Student's t-interval.
 * @module
 */

/** A 95 % interval `[low, high]`, or null where the sample cannot give one. */
export type Interval = [number, number] | null;

/** The statistics an interval is given for. */
export const INTERVAL_STATISTICS = ["mean", "p50", "p90", "p95", "p99"] as const;
/** One of {@link INTERVAL_STATISTICS}. */
export type IntervalStatistic = typeof INTERVAL_STATISTICS[number];
/** The 95 % intervals of a metric's statistics. */
export type Intervals = Record<IntervalStatistic, Interval>;

const Z95 = 1.959963984540054;
const TAIL = 0.025;
const P_OF: Record<Exclude<IntervalStatistic, "mean">, number> = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 };

/** ln Γ(x) (Lanczos), for binomial coefficients of large n. */
function logGamma(x: number): number {
  const g = 7;
  const c = [
    0.99999999999980993,
    676.5203681218851,
    -1259.1392167224028,
    771.32342877765313,
    -176.61502916214059,
    12.507343278686905,
    -0.13857109526572012,
    9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + g + 0.5;
  for (let i = 1; i < g + 2; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** P(X = k) for X ~ Binomial(n, p), all k, in log space (no underflow at n in the thousands). */
function binomialPmf(n: number, p: number): Float64Array {
  const out = new Float64Array(n + 1);
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  const lnN = logGamma(n + 1);
  for (let k = 0; k <= n; k++) out[k] = Math.exp(lnN - logGamma(k + 1) - logGamma(n - k + 1) + k * lp + (n - k) * lq);
  return out;
}

/**
 * The 1-based ranks `[l, u]` of the order statistics that bound quantile `p` of a sample of `n` with ≥ 95 %
 * confidence, or null when they would lie outside the sample.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { quantileRanks } from "./intervals.ts";
 * assert.deepEqual(quantileRanks(40, 0.5), [14, 27]); // the median of 40: between the 14th and the 27th value
 * assert.equal(quantileRanks(40, 0.99), null); // p99 of 40 requests: too few
 * ```
 */
export function quantileRanks(n: number, p: number): [number, number] | null {
  if (n < 1) return null;
  let l: number;
  let u: number;
  if (n <= 2000) {
    const pmf = binomialPmf(n, p);
    // l: the largest rank with P(B ≤ l − 1) ≤ 2.5 %; u: the smallest with P(B ≥ u) ≤ 2.5 %.
    let below = 0;
    l = 0;
    for (let k = 0; k <= n; k++) {
      if (below + pmf[k] > TAIL) break;
      below += pmf[k];
      l = k + 1;
    }
    let above = 0;
    u = n + 1;
    for (let k = n; k >= 0; k--) {
      if (above + pmf[k] > TAIL) break;
      above += pmf[k];
      u = k;
    }
  } else {
    const sd = Math.sqrt(n * p * (1 - p));
    l = Math.floor(n * p - Z95 * sd);
    u = Math.ceil(n * p + Z95 * sd) + 1;
  }
  return l >= 1 && u <= n && l < u ? [l, u] : null;
}

/**
 * The fewest values for which quantile `p` has an interval.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { valuesNeeded } from "./intervals.ts";
 * assert.equal(valuesNeeded(0.5), 6);
 * assert.ok(valuesNeeded(0.99) > 300); // a p99 needs several hundred requests
 * ```
 */
export function valuesNeeded(p: number): number {
  // The upper rank needs P(B = n) = pⁿ ≤ 2.5 % and the lower (1 − p)ⁿ ≤ 2.5 %; then walk up to the first n that works.
  let n = Math.max(1, Math.ceil(Math.log(TAIL) / Math.log(Math.max(p, 1 - p))));
  while (quantileRanks(n, p) === null) n++;
  return n;
}

/** Student's t quantile at 97.5 % for `df` degrees of freedom (a table to 30, Cornish–Fisher beyond). */
export function t975(df: number): number {
  const TABLE = [
    12.706,
    4.303,
    3.182,
    2.776,
    2.571,
    2.447,
    2.365,
    2.306,
    2.262,
    2.228,
    2.201,
    2.179,
    2.16,
    2.145,
    2.131,
    2.12,
    2.11,
    2.101,
    2.093,
    2.086,
    2.08,
    2.074,
    2.069,
    2.064,
    2.06,
    2.056,
    2.052,
    2.048,
    2.045,
    2.042,
  ];
  if (df >= 1 && df <= 30) return TABLE[Math.round(df) - 1];
  const z = Z95;
  const z3 = z ** 3;
  const z5 = z ** 5;
  return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df ** 2);
}

/** The t-interval of a sample's mean; null for fewer than 2 values. */
export function meanInterval(values: ArrayLike<number>): Interval {
  const n = values.length;
  if (n < 2) return null;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  const m = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i] - m) ** 2;
  const half = t975(n - 1) * Math.sqrt(ss / (n - 1) / n);
  return [m - half, m + half];
}

/** The value at 1-based rank `r` of a sorted sample. */
const at = (sorted: ArrayLike<number>, r: number) => sorted[r - 1];

/**
 * 95 % intervals of the mean and the quantiles of independent values (one per request), from the values sorted.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sampleIntervals } from "./intervals.ts";
 * const sorted = Array.from({ length: 40 }, (_, i) => i + 1); // 1 … 40
 * const ci = sampleIntervals(sorted);
 * assert.deepEqual(ci.p50, [14, 27]);
 * assert.equal(ci.p99, null);
 * ```
 */
export function sampleIntervals(sorted: ArrayLike<number>): Intervals {
  const out = { mean: meanInterval(sorted) } as Intervals;
  for (const [name, p] of Object.entries(P_OF) as [Exclude<IntervalStatistic, "mean">, number][]) {
    const ranks = quantileRanks(sorted.length, p);
    out[name] = ranks ? [at(sorted, ranks[0]), at(sorted, ranks[1])] : null;
  }
  return out;
}

/**
 * 95 % intervals of the pooled values of clusters (a request's inter-token gaps): Woodruff's interval for each
 * quantile, with the share below it varying by cluster; the mean's from the clusters' sums (a ratio estimator). Null
 * with fewer than 2 clusters, or where the interval of the share reaches past 0 or 1 (too few).
 */
export function clusteredIntervals(clusters: readonly (readonly number[])[]): Intervals {
  const groups = clusters.filter((c) => c.length > 0);
  const m = groups.length;
  const none: Intervals = { mean: null, p50: null, p90: null, p95: null, p99: null };
  if (m < 2) return none;
  let total = 0;
  for (const g of groups) total += g.length;
  const pooled = new Float64Array(total);
  let o = 0;
  for (const g of groups) for (const v of g) pooled[o++] = v;
  pooled.sort();
  const nBar = total / m;
  // Sorted copies per cluster: the count at or below a value is a binary search.
  const sortedGroups = groups.map((g) => Float64Array.from(g).sort());
  const countAtMost = (g: Float64Array, x: number) => {
    let lo = 0;
    let hi = g.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (g[mid] <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const quantileOf = (q: number) => pooled[Math.min(total - 1, Math.max(0, Math.ceil(q * total) - 1))];
  const out = { ...none };
  for (const [name, p] of Object.entries(P_OF) as [Exclude<IntervalStatistic, "mean">, number][]) {
    const xq = quantileOf(p);
    const below = sortedGroups.map((g) => countAtMost(g, xq));
    const f = below.reduce((a, b) => a + b, 0) / total;
    let ss = 0;
    for (let i = 0; i < m; i++) ss += ((below[i] - f * sortedGroups[i].length) / nBar) ** 2;
    const se = Math.sqrt(ss / (m * (m - 1)));
    const lo = p - Z95 * se;
    const hi = p + Z95 * se;
    // A share interval that reaches the sample's ends, or one with no spread to judge (a single request's gaps
    // decide it), says nothing: too few.
    const tail = Math.min(p, 1 - p) * total;
    out[name] = lo * total < 1 || hi * total > total - 1 || tail < 5 || se === 0
      ? null
      : [quantileOf(lo), quantileOf(hi)];
  }
  // The mean of pooled gaps is a ratio of sums: its variance over clusters.
  const meanAll = pooled.reduce((s, v) => s + v, 0) / total;
  let ss = 0;
  for (const g of groups) {
    let s = 0;
    for (const v of g) s += v;
    ss += ((s - meanAll * g.length) / nBar) ** 2;
  }
  const half = t975(m - 1) * Math.sqrt(ss / (m * (m - 1)));
  out.mean = [meanAll - half, meanAll + half];
  return out;
}

/**
 * The interval of a rate measured over a run, by batch means: the run cut into `batches` windows of equal length, the
 * amount in each (an amount spread evenly over its span — a stream's tokens from its first to its last — or counted at
 * one instant), and the t-interval of the windows' rates. Null for a run too short to cut, or with fewer than 2
 * batches.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rateInterval } from "./intervals.ts";
 * const steady = Array.from({ length: 100 }, (_, i) => ({ fromMs: i * 10, toMs: i * 10, amount: 1 }));
 * const [low, high] = rateInterval(steady, 0, 1000)!; // 100 per second, evenly
 * assert.ok(low <= 100 && 100 <= high && high - low < 1);
 * ```
 */
export function rateInterval(
  spans: readonly { fromMs: number; toMs: number; amount: number }[],
  startMs: number,
  endMs: number,
  batches = 10,
): Interval {
  const span = endMs - startMs;
  if (!(span > 0) || batches < 2 || spans.length < batches) return null;
  const width = span / batches;
  const sums = new Float64Array(batches);
  for (const { fromMs, toMs, amount } of spans) {
    const a = Math.max(startMs, Math.min(fromMs, toMs));
    const b = Math.min(endMs, Math.max(fromMs, toMs));
    if (b - a <= 0) {
      sums[Math.min(batches - 1, Math.max(0, Math.floor((a - startMs) / width)))] += amount;
      continue;
    }
    const first = Math.floor((a - startMs) / width);
    const last = Math.min(batches - 1, Math.floor((b - startMs) / width));
    for (let i = first; i <= last; i++) {
      const lo = Math.max(a, startMs + i * width);
      const hi = Math.min(b, startMs + (i + 1) * width);
      if (hi > lo) sums[i] += (amount * (hi - lo)) / (b - a);
    }
  }
  return meanInterval(Array.from(sums, (s) => s / (width / 1000)));
}
