/**
 * Capacity under SLOs (`--find-max`, DESIGN.md §9): each probe's attainment — the share of its requests that met every
 * SLO — with a 95 % interval, a verdict from that interval (never from the point estimate), and the search that
 * doubles the load until a probe fails and then bisects to the asked precision.
 * @module
 */
import { type Slo, type SloTerm, sloTerms, sloValue } from "../config/slo.ts";
import type { RequestRecord } from "../results/schema.ts";
import { quantileSorted } from "simple-statistics";

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

/**
 * PASS when the attainment interval lies at or above `target`, FAIL when below, INDETERMINATE when it straddles; a
 * target of 1 (every request) passes only with no miss.
 */
export function probeVerdict(met: number, n: number, target: number): ProbeVerdict {
  const ci = attainmentInterval(met, n);
  if (!ci) return "INDETERMINATE";
  // Every request must meet them: one miss proves the target missed, and no interval could ever reach 100 %.
  if (target >= 1) return met === n ? "PASS" : "FAIL";
  if (ci[0] >= target) return "PASS";
  if (ci[1] < target) return "FAIL";
  return "INDETERMINATE";
}

/** How a group of SLO limits fared: the share of requests within them, its interval, and the verdict against a target. */
export interface SloCheck {
  /** The limits as the user writes them (`ttft.p99<=500ms`; per-request limits together: `ttft<=500ms tpot<=50ms`). */
  name: string;
  /** As the report shows them (`TTFT p99 ≤ 500 ms`). */
  label: string;
  /** The share that must be within: a percentile's (0.99 for p99), or the attainment target for per-request limits. */
  target: number;
  met: number;
  n: number;
  share: number | null;
  interval: [number, number] | null;
  verdict: ProbeVerdict;
  /**
   * Each limit's figure at the check's share — the percentile a percentile's limit names, the attainment target's for
   * per-request limits (90 % of requests within 300 ms ⇔ p90 ≤ 300 ms) — over the judged requests, a failed one
   * counted as too slow (null: the figure lies among the failures).
   */
  figures: SloFigure[];
}

/** A limit's figure: `TTFT p99` (its label), its value and its limit. */
export interface SloFigure {
  metric: SloTerm["metric"];
  /** 99 for p99. */
  percentile: number;
  label: string;
  ms: number | null;
  maxMs: number;
}

/** The value at quantile `q` (type 7) of a metric over `records`, failed ones at +∞; null when it lies there. */
function figureAt(records: readonly RequestRecord[], field: SloTerm["field"], q: number): number | null {
  const values = Float64Array.from(
    records.flatMap((r) => {
      const v = r.status === "ok" ? sloValue(r, field) : Infinity;
      return v === null ? [] : [v];
    }),
  ).sort();
  if (values.length === 0) return null;
  const v = quantileSorted(values as unknown as number[], q);
  return Number.isFinite(v) ? v : null;
}

/**
 * Judges `records` against each group of limits: the per-request limits together (share within all of them against
 * `attainment`), and each percentile's limit on its own (share within it against the percentile: `ttft.p99<=500ms`
 * holds when at least 99 % of requests are within 500 ms). A failed request is within no limit. Warm-up requests are
 * left out; `attainment` null leaves the per-request group out (a run with no target).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sloChecks } from "./capacity.ts";
 * const records = [100, 200, 300, 900].map((ttftMs) => ({ status: "ok", ttftMs, tpotMs: 10, e2eMs: 1000 }));
 * const [check] = sloChecks(records as never, { percentiles: [{ metric: "ttft", percentile: 50, maxMs: 500 }] }, null);
 * assert.deepEqual([check.met, check.n, check.target], [3, 4, 0.5]);
 * ```
 */
export function sloChecks(records: readonly RequestRecord[], slo: Slo, attainment: number | null): SloCheck[] {
  const judged = records.filter((r) => !r.warmup);
  const terms = sloTerms(slo);
  const perRequest = terms.filter((t) => t.percentile === null);
  const groups: { terms: SloTerm[]; target: number }[] = [
    ...(perRequest.length && attainment !== null ? [{ terms: perRequest, target: attainment }] : []),
    ...terms.filter((t) => t.percentile !== null).map((t) => ({ terms: [t], target: t.percentile! / 100 })),
  ];
  return groups.map(({ terms, target }) => {
    let met = 0;
    for (const r of judged) {
      if (r.status === "ok" && terms.every((t) => (sloValue(r, t.field) ?? -Infinity) <= t.maxMs)) met++;
    }
    const n = judged.length;
    const percentile = Math.round(target * 1000) / 10;
    return {
      name: terms.map((t) => t.name).join(" "),
      label: terms.map((t) => t.label).join(", "),
      target,
      met,
      n,
      share: n ? met / n : null,
      interval: attainmentInterval(met, n),
      verdict: probeVerdict(met, n, target),
      figures: terms.map((t) => ({
        metric: t.metric,
        percentile,
        label: `${t.label.split(" ")[0]} p${percentile}`,
        ms: figureAt(judged, t.field, target),
        maxMs: t.maxMs,
      })),
    };
  });
}

/** The verdict of several checks: FAIL when one fails, PASS when all pass, else INDETERMINATE. */
export function overallVerdict(checks: readonly SloCheck[]): ProbeVerdict {
  if (checks.some((c) => c.verdict === "FAIL")) return "FAIL";
  return checks.length && checks.every((c) => c.verdict === "PASS") ? "PASS" : "INDETERMINATE";
}

/**
 * The requests a probe judges and how many met every SLO: the measured ones (not warm-up), a request aborted by the
 * probe's own limit counted as a miss (a backlog that never cleared).
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

/**
 * Requests a probe needs before a check with this target can pass at all (every request within): Wilson's lower
 * bound n / (n + z²) reaches the target. p99 needs 381; 90 % needs 35.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { requestsToPass } from "./capacity.ts";
 * assert.equal(requestsToPass(0.99), 381);
 * assert.equal(requestsToPass(0.9), 35);
 * ```
 */
export function requestsToPass(target: number): number {
  return target >= 1 ? 1 : Math.ceil((Z95 * Z95 * target) / (1 - target));
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

/** What a probe's server reported, as its summary keeps it (`serverMetrics`). */
interface ServerView {
  gauges: Record<string, { mean: number; max: number } | undefined>;
  counters: Record<string, { increase: number; perS: number } | undefined>;
}

/**
 * Why throughput stops growing, in the server's own figures: from the load at the knee (or the highest that passed)
 * to the highest load probed — waiting requests, the running batch, KV-cache use, generated tokens per second. Null
 * when either probe has no server metrics.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serverReason } from "./capacity.ts";
 * const at = (waiting: number, running: number) => ({
 *   gauges: { waiting: { mean: waiting, max: waiting }, running: { mean: running, max: running } },
 *   counters: {},
 * });
 * assert.equal(
 *   serverReason({ load: 8, server: at(0, 8) }, { load: 16, server: at(7.5, 8) }),
 *   "from 8 to 16: waiting requests grow from 0.0 to 7.5 (mean); the running batch stays at most 8",
 * );
 * ```
 */
export function serverReason(
  from: { load: number; server?: ServerView },
  to: { load: number; server?: ServerView },
): string | null {
  if (!from.server || !to.server || from.load === to.load) return null;
  const a = from.server;
  const b = to.server;
  const parts: string[] = [];
  const wa = a.gauges.waiting;
  const wb = b.gauges.waiting;
  if (wa && wb) parts.push(`waiting requests grow from ${wa.mean.toFixed(1)} to ${wb.mean.toFixed(1)} (mean)`);
  const ra = a.gauges.running;
  const rb = b.gauges.running;
  if (ra && rb) {
    parts.push(
      rb.max <= ra.max
        ? `the running batch stays at most ${+rb.max.toFixed(1)}`
        : `the running batch grows from ${+ra.max.toFixed(1)} to ${+rb.max.toFixed(1)} (max)`,
    );
  }
  const kv = b.gauges.kvCache;
  if (kv) parts.push(`KV cache up to ${(kv.max * 100).toFixed(0)} %`);
  const ga = a.counters.generationTokens;
  const gb = b.counters.generationTokens;
  if (ga && gb) parts.push(`generated ${ga.perS.toFixed(0)} → ${gb.perS.toFixed(0)} tok/s`);
  const pb = b.counters.preemptions;
  if (pb && pb.increase > 0) parts.push(`${Math.round(pb.increase)} preemptions`);
  return parts.length ? `from ${from.load} to ${to.load}: ${parts.join("; ")}` : null;
}
