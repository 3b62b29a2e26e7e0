/**
 * Capacity under SLOs (`--find-max`, DESIGN.md §9): each probe's attainment — the share of its requests that met every
 * SLO — with a 95 % interval, a verdict from that interval (never from the point estimate), and the search that
 * doubles the load until a probe fails and then bisects to the asked precision.
 * @module
 */
import type { RequestRecord } from "../results/schema.ts";

/** A probe's verdict: its attainment's interval lies above the target, below it, or straddles it. */
export type ProbeVerdict = "PASS" | "FAIL" | "INDETERMINATE";

const Z95 = 1.959963984540054;

/**
 * Wilson's 95 % score interval of a proportion `met / n` (null for n = 0).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { attainmentInterval } from "./capacity.ts";
 * const [lo, hi] = attainmentInterval(40, 40)!;
 * assert.ok(lo > 0.91 && lo < 0.92 && hi === 1); // 40 of 40: at least ~91 %
 * ```
 */
export function attainmentInterval(met: number, n: number): [number, number] | null {
  if (n <= 0) return null;
  const p = met / n;
  const z2 = Z95 * Z95;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (Z95 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** PASS when the attainment interval lies at or above `target`, FAIL when below, INDETERMINATE when it straddles. */
export function probeVerdict(met: number, n: number, target: number): ProbeVerdict {
  const ci = attainmentInterval(met, n);
  if (!ci) return "INDETERMINATE";
  if (ci[0] >= target) return "PASS";
  if (ci[1] < target) return "FAIL";
  return "INDETERMINATE";
}

/**
 * The requests a probe judges and how many met every SLO: the measured ones (not warm-up), a request aborted by the
 * probe's own limit counted as a miss (a backlog that never cleared), one aborted by the user left out.
 */
export function attainmentOf(
  records: readonly RequestRecord[],
  judged: (r: RequestRecord) => boolean,
): { met: number; n: number } {
  let met = 0;
  let n = 0;
  for (const r of records) {
    if (r.warmup) continue;
    n++;
    if (r.status === "ok" && judged(r)) met++;
  }
  return { met, n };
}

/** One probe of a search: its load, verdict and attainment. */
export interface ProbePoint {
  load: number;
  verdict: ProbeVerdict;
}

/**
 * The next load to probe, or null when the search is done: doubling from the last load while every probe passed;
 * then bisecting between the highest PASS and the lowest load that did not pass, until they are within `precision`
 * (relative) of each other — or 1 apart for integer loads (concurrency).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nextLoad } from "./capacity.ts";
 * assert.equal(nextLoad([{ load: 1, verdict: "PASS" }], { precision: 0.1, integer: true }), 2);
 * const probes = [1, 2, 4, 8].map((load) => ({ load, verdict: "PASS" as const }));
 * assert.equal(nextLoad([...probes, { load: 16, verdict: "FAIL" }], { precision: 0.1, integer: true }), 12);
 * ```
 */
export function nextLoad(
  probes: readonly ProbePoint[],
  options: { precision: number; integer: boolean },
): number | null {
  if (probes.length === 0) return null;
  const passed = probes.filter((p) => p.verdict === "PASS").map((p) => p.load);
  const notPassed = probes.filter((p) => p.verdict !== "PASS").map((p) => p.load);
  const lo = passed.length ? Math.max(...passed) : null;
  const hi = notPassed.length ? Math.min(...notPassed) : null;
  if (hi === null) return lo! * 2; // nothing failed yet: double
  if (lo === null) {
    // The first load already failed: halve towards the smallest load.
    const down = options.integer ? Math.floor(hi / 2) : hi / 2;
    return options.integer && down < 1 ? null : down;
  }
  if (hi <= lo) return null;
  if (options.integer ? hi - lo <= 1 : (hi - lo) / lo <= options.precision) return null;
  if (options.integer && (hi - lo) / lo <= options.precision) return null;
  const mid = (lo + hi) / 2;
  return options.integer ? Math.round(mid) : Math.round(mid * 100) / 100;
}

/** The answer of a search: the highest PASS below the lowest load that did not pass, and that load. */
export function capacityAnswer(probes: readonly ProbePoint[]): { max: number | null; upper: number | null } {
  const notPassed = probes.filter((p) => p.verdict !== "PASS").map((p) => p.load);
  const upper = notPassed.length ? Math.min(...notPassed) : null;
  const passed = probes.filter((p) => p.verdict === "PASS" && (upper === null || p.load < upper)).map((p) => p.load);
  return { max: passed.length ? Math.max(...passed) : null, upper };
}

/** Where throughput stops growing with load: the split of a two-segment fit, and the slopes on each side. */
export interface Knee {
  load: number;
  /** Throughput gained per unit of load below the knee, and above it. */
  slopeBefore: number;
  slopeAfter: number;
}

/** Least-squares line through points: its slope and its sum of squared errors. */
function fit(points: readonly { x: number; y: number }[]): { slope: number; sse: number } {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const p of points) {
    sxx += (p.x - mx) ** 2;
    sxy += (p.x - mx) * (p.y - my);
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  let sse = 0;
  for (const p of points) sse += (p.y - (my + slope * (p.x - mx))) ** 2;
  return { slope, sse };
}

/**
 * The knee of throughput against load: the split where two lines fit far better than one (less than half the error)
 * and the line after it rises at most half as steeply as the one before — or null (too few loads, or no such bend:
 * throughput still grows as it did).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { kneeOf } from "./capacity.ts";
 * const points = [[1, 100], [2, 200], [4, 400], [8, 800], [12, 820], [16, 830]].map(([x, y]) => ({ x, y }));
 * assert.equal(kneeOf(points)?.load, 8);
 * assert.equal(kneeOf(points.slice(0, 4)), null); // a straight line: no knee
 * ```
 */
export function kneeOf(points: readonly { x: number; y: number }[]): Knee | null {
  const sorted = [...points].sort((a, b) => a.x - b.x);
  if (sorted.length < 4) return null;
  const one = fit(sorted);
  let best: { k: number; sse: number; before: number; after: number } | null = null;
  for (let k = 2; k <= sorted.length - 2; k++) {
    // The segments share the split point: the bend is at a probed load.
    const left = fit(sorted.slice(0, k));
    const right = fit(sorted.slice(k - 1));
    const sse = left.sse + right.sse;
    if (!best || sse < best.sse) best = { k, sse, before: left.slope, after: right.slope };
  }
  if (!best || best.before <= 0 || best.sse >= 0.5 * one.sse || best.after > 0.5 * best.before) return null;
  return { load: sorted[best.k - 1].x, slopeBefore: best.before, slopeAfter: best.after };
}
