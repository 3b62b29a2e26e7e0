/**
 * Are two runs really different? Each figure of a baseline and a candidate run side by side with the difference, the
 * relative change, a 95 % bootstrap interval of the difference (requests resampled, see ./bootstrap.ts) and a verdict;
 * and, before the figures, what differs between the two workloads.
 * @module
 */
import type { RequestRecord, RunSummary } from "../results/schema.ts";
import {
  type BootStatistic,
  bootstrapDifference,
  type GroupedSample,
  groupedSample,
  QUANTILE,
  statisticOf,
} from "./bootstrap.ts";

/** A run to compare: its summary and records (what `loadRun` returns), and a name to show. */
export interface ComparedRun {
  name: string;
  summary: RunSummary;
  records: readonly RequestRecord[];
}

/** How a figure is better: lower (latency, error rate) or higher (throughput). */
export type Better = "lower" | "higher";

/** A metric the comparison knows, by the name the gate (`--fail-on`) uses. */
export interface ComparedMetric {
  /** Gate name, e.g. `ttft`, `itl`, `error_rate`. */
  name: string;
  label: string;
  /** Label for narrow tables: `TTFT`, `ITL`. */
  short: string;
  unit: string;
  better: Better;
  /** Per-request figures have statistics (p50 …); a run-level figure has one value. */
  kind: "distribution" | "proportion" | "run";
}

/** The metrics compared, in table order. */
export const COMPARED_METRICS: readonly ComparedMetric[] = [
  { name: "ttft", label: "Time to first token", short: "TTFT", unit: "ms", better: "lower", kind: "distribution" },
  { name: "itl", label: "Inter-token latency", short: "ITL", unit: "ms", better: "lower", kind: "distribution" },
  { name: "e2e", label: "End-to-end latency", short: "E2E", unit: "ms", better: "lower", kind: "distribution" },
  { name: "tpot", label: "Time per output token", short: "TPOT", unit: "ms", better: "lower", kind: "distribution" },
  {
    name: "request_tps",
    label: "Output throughput / request",
    short: "Tok/s per req.",
    unit: "tok/s",
    better: "higher",
    kind: "distribution",
  },
  {
    name: "stall_ms",
    label: "Reader stall time / answer",
    short: "Stall time",
    unit: "ms",
    better: "lower",
    kind: "distribution",
  },
  {
    name: "stall_share",
    label: "Answers with a stall",
    short: "Stalled answers",
    unit: "",
    better: "lower",
    kind: "proportion",
  },
  { name: "error_rate", label: "Error rate", short: "Error rate", unit: "", better: "lower", kind: "proportion" },
  {
    name: "slo_attainment",
    label: "SLO attainment",
    short: "SLO attainment",
    unit: "",
    better: "higher",
    kind: "proportion",
  },
  {
    name: "output_throughput",
    label: "Total output throughput",
    short: "Output tok/s (total)",
    unit: "tok/s",
    better: "higher",
    kind: "run",
  },
  {
    name: "request_throughput",
    label: "Request throughput",
    short: "Request rate",
    unit: "req/s",
    better: "higher",
    kind: "run",
  },
  { name: "goodput", label: "Goodput", short: "Goodput req/s", unit: "req/s", better: "higher", kind: "run" },
  // Reasoning models' figures (compared only where a run has them; last, so the others keep their resampling seeds).
  {
    name: "ttfat",
    label: "Time to first answer token",
    short: "TTFAT",
    unit: "ms",
    better: "lower",
    kind: "distribution",
  },
  {
    name: "reasoning_ms",
    label: "Reasoning duration",
    short: "Reasoning",
    unit: "ms",
    better: "lower",
    kind: "distribution",
  },
  {
    name: "reasoning_tokens",
    label: "Reasoning tokens",
    short: "Reasoning tok.",
    unit: "",
    better: "lower",
    kind: "distribution",
  },
];

/** Statistics of per-request metrics, in table order. */
export const COMPARED_STATISTICS: readonly BootStatistic[] = ["p50", "p90", "p99", "mean"];

/** The verdict on one figure. */
export type Verdict = "better" | "worse" | "no significant difference" | "too few requests" | "single value";

/** One row of the comparison: a figure of both runs, their difference, its interval and the verdict. */
export interface ComparisonRow {
  metric: string;
  /** `p50`, `p90`, `p99`, `mean`, or `value` for a proportion or a run-level figure. */
  statistic: BootStatistic | "value";
  label: string;
  short: string;
  unit: string;
  better: Better;
  baseline: number | null;
  candidate: number | null;
  /** candidate − baseline. */
  difference: number | null;
  /** difference / baseline. */
  relative: number | null;
  /** 95 % bootstrap interval of the difference; null when there is none (see `why`). */
  interval: { low: number; high: number } | null;
  verdict: Verdict;
  /** Why there is no interval, when there is none. */
  why?: string;
  /** Too few values for the statistic: how many each run needs, and the fewer of the two runs' counts. */
  needs?: { values: number; have: number };
  /** Requests behind each side (resampling units). */
  units: { baseline: number; candidate: number };
  resamples?: number;
}

/** One side of a comparison: its name, id, health verdict and the load that produced it. */
export interface ComparedSide {
  name: string;
  runId?: string;
  simulated: boolean;
  health?: "valid" | "suspect";
  load?: Pick<RunSummary, "config" | "endpoint" | "simulated" | "dataset">;
}

/** What was compared, with what, and how. */
export interface Comparison {
  baseline: ComparedSide;
  candidate: ComparedSide;
  /** How the two workloads differ ("candidate had 2× the concurrency"); empty when they look the same. */
  differences: string[];
  rows: ComparisonRow[];
  method: { resamples: number; seed: number; confidence: 0.95; minTail: number };
}

/** Options of {@link compareRuns}. */
export interface CompareOptions {
  /** Bootstrap resamples per figure. @default 2000 */
  resamples?: number;
  /** Seed of the bootstrap. @default 1 */
  seed?: number;
}

/** A quantile is given an interval only when at least this many values lie beyond it (n·min(p, 1 − p) ≥ this). */
export const MIN_TAIL_VALUES = 5;
/** Fewer requests than this on either side: no interval for any per-request figure. */
export const MIN_REQUESTS = 10;
/** Resampling work per figure (resamples × pooled values) above which the resamples are reduced (never below 200). */
const WORK_BUDGET = 4e8;

const measured = (records: readonly RequestRecord[]) => records.filter((r) => !r.warmup);
const succeeded = (records: readonly RequestRecord[]) => measured(records).filter((r) => r.status === "ok");

/** Per-request values of a metric, one group per resampling unit (request). */
function groupsOf(metric: string, records: readonly RequestRecord[], summary: RunSummary): number[][] | null {
  const one = (v: number | null | undefined) => (typeof v === "number" ? [v] : []);
  switch (metric) {
    case "ttft":
      return succeeded(records).map((r) => one(r.ttftMs));
    case "itl":
      return succeeded(records).map((r) => r.interTokenLatenciesMs);
    case "e2e":
      return succeeded(records).map((r) => one(r.e2eMs));
    case "tpot":
      return succeeded(records).map((r) => one(r.tpotMs));
    case "request_tps":
      return succeeded(records).map((r) => one(r.outputTokensPerS));
    case "ttfat":
      return succeeded(records).map((r) => one(r.ttfatMs));
    case "reasoning_ms":
      return succeeded(records).map((r) => one(r.reasoningMs));
    case "reasoning_tokens":
      return succeeded(records).map((r) => one(r.reasoningTokens));
    case "stall_ms":
      if (succeeded(records).every((r) => r.stallMs === undefined)) return null;
      return succeeded(records).filter((r) => r.stallMs !== undefined).map((r) => [r.stallMs!]);
    case "stall_share":
      if (succeeded(records).every((r) => r.stallCount === undefined)) return null;
      return succeeded(records).filter((r) => r.stallCount !== undefined).map((r) => [r.stallCount! > 0 ? 1 : 0]);
    case "error_rate":
      // As the summary: failed / started, requests the run itself aborted count as started, not failed.
      return measured(records).map((r) => [r.status === "error" ? 1 : 0]);
    case "slo_attainment":
      if (!summary.goodput) return null;
      return measured(records).filter((r) => r.status !== "aborted").map((r) => [r.meetsSlo ? 1 : 0]);
    default:
      return null;
  }
}

function runValue(metric: string, summary: RunSummary): number | null {
  if (metric === "output_throughput") return summary.throughput.outputTokensPerS;
  if (metric === "request_throughput") return summary.throughput.requestsPerS;
  if (metric === "goodput") return summary.goodput?.requestsPerS ?? null;
  return null;
}

function verdictOf(better: Better, low: number, high: number): Verdict {
  if (low <= 0 && high >= 0) return "no significant difference";
  const up = low > 0;
  return (up === (better === "higher")) ? "better" : "worse";
}

/** A row's figures: both values, their difference and relative change; no interval yet. */
function baseRow(
  metric: ComparedMetric,
  statistic: BootStatistic | "value",
  b: number | null,
  c: number | null,
  verdict: Verdict,
  units: ComparisonRow["units"],
): ComparisonRow {
  const difference = b !== null && c !== null ? c - b : null;
  return {
    metric: metric.name,
    statistic,
    label: metric.label,
    short: metric.short,
    unit: metric.unit,
    better: metric.better,
    baseline: b,
    candidate: c,
    difference,
    relative: difference !== null && b !== null && b !== 0 ? difference / b : null,
    interval: null,
    verdict,
    units,
  };
}

function rowOf(
  metric: ComparedMetric,
  statistic: BootStatistic | "value",
  base: GroupedSample,
  cand: GroupedSample,
  options: Required<CompareOptions>,
  salt: number,
): ComparisonRow {
  const stat: BootStatistic = statistic === "value" ? "mean" : statistic;
  const row = baseRow(metric, statistic, statisticOf(base, stat), statisticOf(cand, stat), "too few requests", {
    baseline: base.units,
    candidate: cand.units,
  });
  const difference = row.difference;
  const fewest = Math.min(base.units, cand.units);
  const tail = stat === "mean" ? 1 : Math.min(QUANTILE[stat], 1 - QUANTILE[stat]);
  const needValues = stat === "mean" ? MIN_REQUESTS : Math.ceil(MIN_TAIL_VALUES / tail - 1e-9);
  const fewestValues = Math.min(base.values, cand.values);
  if (difference === null) return { ...row, why: "no values on one side" };
  if (fewest < MIN_REQUESTS) {
    return {
      ...row,
      why: `${fewest} requests (an interval needs ≥ ${MIN_REQUESTS})`,
      needs: { values: MIN_REQUESTS, have: fewest },
    };
  }
  if (fewestValues < needValues) {
    return {
      ...row,
      why: `${fewestValues} values (${statistic} needs ≥ ${needValues}: ${MIN_TAIL_VALUES} beyond it)`,
      needs: { values: needValues, have: fewestValues },
    };
  }
  const work = Math.max(base.values, cand.values);
  const resamples = Math.max(200, Math.min(options.resamples, Math.floor(WORK_BUDGET / Math.max(1, work))));
  const ci = bootstrapDifference(base, cand, stat, { resamples, seed: (options.seed + salt) >>> 0 });
  if (!ci) return { ...row, why: "too few resamples gave a value" };
  return {
    ...row,
    interval: { low: ci.low, high: ci.high },
    verdict: verdictOf(metric.better, ci.low, ci.high),
    resamples: ci.resamples,
  };
}

/**
 * Compares a candidate run with a baseline: every figure of {@link COMPARED_METRICS} (p50, p90, p99 and mean of the
 * per-request ones), with a 95 % interval of the difference and a verdict, and what differs between the workloads.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { benchmark, compareRuns } from "../../mod.ts";
 * const run = async (name: string, seed: number) => {
 *   const { summary, records } = await benchmark({ maxNumCompletedRequests: 12, seed }, { writeFiles: false });
 *   return { name, summary, records };
 * };
 * const comparison = compareRuns(await run("a", 1), await run("b", 2), { resamples: 200 });
 * const ttft = comparison.rows.find((r) => r.metric === "ttft" && r.statistic === "p50")!;
 * assert.ok(ttft.interval !== null || ttft.why); // an interval of the difference, or why there is none
 * ```
 */
export function compareRuns(baseline: ComparedRun, candidate: ComparedRun, options: CompareOptions = {}): Comparison {
  const opts: Required<CompareOptions> = { resamples: options.resamples ?? 2000, seed: options.seed ?? 1 };
  const rows: ComparisonRow[] = [];
  COMPARED_METRICS.forEach((metric, m) => {
    if (metric.kind === "run") {
      const b = runValue(metric.name, baseline.summary);
      const c = runValue(metric.name, candidate.summary);
      if (b === null && c === null) return;
      rows.push({
        ...baseRow(metric, "value", b, c, "single value", {
          baseline: measured(baseline.records).length,
          candidate: measured(candidate.records).length,
        }),
        why: "one value per run (the run's wall time): no interval",
      });
      return;
    }
    const gb = groupsOf(metric.name, baseline.records, baseline.summary);
    const gc = groupsOf(metric.name, candidate.records, candidate.summary);
    if (!gb || !gc) return;
    const base = groupedSample(gb);
    const cand = groupedSample(gc);
    if (base.values === 0 && cand.values === 0) return;
    const stats = metric.kind === "proportion" ? ["value" as const] : COMPARED_STATISTICS;
    stats.forEach((s, k) => rows.push(rowOf(metric, s, base, cand, opts, m * 16 + k)));
  });
  const side = (r: ComparedRun): ComparedSide => ({
    name: r.name,
    runId: r.summary.runId,
    simulated: r.summary.simulated,
    ...(r.summary.health ? { health: r.summary.health.verdict } : {}),
    load: {
      config: r.summary.config,
      endpoint: r.summary.endpoint,
      simulated: r.summary.simulated,
      ...(r.summary.dataset ? { dataset: r.summary.dataset } : {}),
    },
  });
  return {
    baseline: side(baseline),
    candidate: side(candidate),
    differences: workloadDifferences(baseline.summary, candidate.summary),
    rows,
    method: { resamples: opts.resamples, seed: opts.seed, confidence: 0.95, minTail: MIN_TAIL_VALUES },
  };
}

const num = (v: unknown) => (typeof v === "number" ? v : undefined);

function ratio(b: number, c: number): string {
  return b === 0 || c === 0 ? "" : ` (${formatRatio(c / b)}× the baseline)`;
}

function formatRatio(r: number): string {
  return Math.abs(r - Math.round(r)) < 0.05 ? String(Math.round(r)) : r.toFixed(2);
}

function show(v: unknown): string {
  if (v === undefined || v === null) return "not set";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/**
 * What differs between the workloads of two runs, one sentence each: the endpoint (API, model, simulated or not), the
 * load (concurrency, rate, arrival), the requests (token means and spreads asked for and achieved, dataset by content
 * hash), warm-up, the simulated endpoint's serving model, and the client's health. Nothing is refused; the comparison
 * shows these at the top.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { benchmark, workloadDifferences } from "../../mod.ts";
 * const one = await benchmark({ maxNumCompletedRequests: 2, numConcurrentRequests: 1 }, { writeFiles: false });
 * const two = await benchmark({ maxNumCompletedRequests: 2, numConcurrentRequests: 2 }, { writeFiles: false });
 * assert.ok(workloadDifferences(one.summary, two.summary).some((d) => d.startsWith("concurrency: baseline 1")));
 * ```
 */
export function workloadDifferences(b: RunSummary, c: RunSummary): string[] {
  const out: string[] = [];
  const cb = b.config;
  const cc = c.config;
  if (b.simulated !== c.simulated) {
    out.push(
      `endpoint: baseline ${b.simulated ? "simulated" : "real"}, candidate ${c.simulated ? "simulated" : "real"}`,
    );
  }
  if (b.endpoint.api !== c.endpoint.api) out.push(`API: baseline ${b.endpoint.api}, candidate ${c.endpoint.api}`);
  if (b.endpoint.model !== c.endpoint.model) {
    out.push(`model: baseline ${b.endpoint.model}, candidate ${c.endpoint.model}`);
  }
  if (!b.simulated && !c.simulated && b.endpoint.url !== c.endpoint.url) {
    out.push(`endpoint URL: baseline ${b.endpoint.url}, candidate ${c.endpoint.url}`);
  }
  const numeric: [string, string][] = [
    ["numConcurrentRequests", "concurrency"],
    ["requestRate", "request rate (req/s)"],
    ["meanInputTokens", "mean input tokens asked for"],
    ["stddevInputTokens", "input tokens stddev asked for"],
    ["meanOutputTokens", "mean output tokens asked for"],
    ["stddevOutputTokens", "output tokens stddev asked for"],
    ["warmupRequests", "warm-up requests"],
    ["burstiness", "burstiness"],
  ];
  const dataset = (s: RunSummary) =>
    s.dataset?.sha256 ?? (typeof s.config.dataset === "string" ? s.config.dataset : undefined);
  const bothSynthetic = dataset(b) === undefined && dataset(c) === undefined;
  for (const [key, label] of numeric) {
    if (!bothSynthetic && /Tokens$/.test(key)) continue; // a dataset sets the lengths
    const vb = num(cb[key]);
    const vc = num(cc[key]);
    if (vb === vc) continue;
    if (key === "burstiness" && (cb.requestRate === undefined || cc.requestRate === undefined)) continue;
    out.push(
      `${label}: baseline ${show(vb)}, candidate ${show(vc)}${
        vb !== undefined && vc !== undefined ? ratio(vb, vc) : ""
      }`,
    );
  }
  for (const key of ["mode", "arrival", "endpoint"]) {
    if (key === "arrival" && (cb.requestRate === undefined && cc.requestRate === undefined)) continue;
    if (show(cb[key]) !== show(cc[key])) out.push(`${key}: baseline ${show(cb[key])}, candidate ${show(cc[key])}`);
  }
  if (dataset(b) !== dataset(c)) {
    const name = (s: RunSummary) =>
      s.dataset ? `${s.dataset.path} (sha256 ${s.dataset.sha256.slice(0, 12)})` : show(s.config.dataset);
    out.push(`dataset: baseline ${name(b)}, candidate ${name(c)}`);
  }
  // Achieved lengths: what the server actually produced can differ even when the same was asked for.
  // Flagged when the means differ by more than 5 % and by more than three standard errors (drawing lengths with a
  // spread gives runs of different seeds somewhat different means: that is the same workload).
  for (const [field, label] of [["inputTokens", "input"], ["outputTokens", "output"]] as const) {
    const sb = b.metrics[field];
    const sc = c.metrics[field];
    const mb = sb.mean;
    const mc = sc.mean;
    const se = Math.sqrt((sb.stddev ?? 0) ** 2 / Math.max(1, sb.count) + (sc.stddev ?? 0) ** 2 / Math.max(1, sc.count));
    if (mb && mc && Math.abs(mc - mb) / mb > 0.05 && Math.abs(mc - mb) > 3 * se) {
      out.push(`achieved mean ${label} tokens: baseline ${mb.toFixed(1)}, candidate ${mc.toFixed(1)}${ratio(mb, mc)}`);
    }
  }
  if (b.simulated && c.simulated) {
    const sb = (cb.sim ?? {}) as Record<string, unknown>;
    const sc = (cc.sim ?? {}) as Record<string, unknown>;
    for (const key of new Set([...Object.keys(sb), ...Object.keys(sc)])) {
      if (key === "seed" || key === "experts") continue;
      if (show(sb[key]) !== show(sc[key])) {
        out.push(`simulated endpoint's ${key}: baseline ${show(sb[key])}, candidate ${show(sc[key])}`);
      }
    }
  }
  for (const [side, s] of [["baseline", b], ["candidate", c]] as const) {
    if (s.health?.verdict === "suspect") {
      out.push(`${side} run's health is SUSPECT: ${s.health.reasons.join("; ")}`);
    }
  }
  return out;
}

/**
 * Repeated runs of one workload compared as one side: their requests pooled (a figure's interval is then over the
 * requests of every run — the runs' own drift is not in it: `repeatSummary` shows that), their run-level figures
 * (throughput, goodput) the runs' mean, the first run's configuration as the group's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { benchmark } from "../../mod.ts";
 * import { groupAsRun } from "./compare.ts";
 * const runs = [];
 * for (const seed of [0, 1]) runs.push(await benchmark({ maxNumCompletedRequests: 3, seed }, { writeFiles: false }));
 * const group = groupAsRun("two runs", runs);
 * assert.equal(group.records.length, 6);
 * const mean = (runs[0].summary.throughput.outputTokensPerS! + runs[1].summary.throughput.outputTokensPerS!) / 2;
 * assert.equal(group.summary.throughput.outputTokensPerS, mean);
 * ```
 */
export function groupAsRun(
  name: string,
  runs: readonly { summary: RunSummary; records: readonly RequestRecord[] }[],
): ComparedRun {
  const mean = (f: (s: RunSummary) => number | null | undefined) => {
    const xs = runs.map((r) => f(r.summary)).filter((x): x is number => typeof x === "number");
    return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
  };
  const first = runs[0].summary;
  const summary: RunSummary = {
    ...first,
    throughput: {
      outputTokensPerS: mean((s) => s.throughput.outputTokensPerS),
      requestsPerS: mean((s) => s.throughput.requestsPerS),
      requestsPerMin: mean((s) => s.throughput.requestsPerMin),
    },
    ...(first.goodput ? { goodput: { ...first.goodput, requestsPerS: mean((s) => s.goodput?.requestsPerS) } } : {}),
    // Suspect when any run was.
    ...(first.health
      ? {
        health: {
          ...first.health,
          verdict: runs.some((r) => r.summary.health?.verdict === "suspect") ? "suspect" : "valid",
          reasons: runs.flatMap((r) => r.summary.health?.reasons ?? []),
        },
      }
      : {}),
  };
  return { name: `${name} (${runs.length} runs)`, summary, records: runs.flatMap((r) => r.records) };
}
