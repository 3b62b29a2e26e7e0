/**
 * How much load an endpoint carries within its SLOs (`--find-max`, README "Capacity"): probes at rising load —
 * doubling until one fails, then bisecting to the asked precision — each a whole run with its own files, judged by
 * the interval of its attainment over its steady-state window.
 * @module
 */
import { type ParseOptions, parseRunConfig } from "../config/resolve.ts";
import type { RunConfigInput } from "../config/schema.ts";
import { type Slo, sloTerms } from "../config/slo.ts";
import { ConfigError } from "../errors.ts";
import {
  attainmentInterval,
  attainmentOf,
  capacityAnswer,
  type Knee,
  kneeOf,
  nextLoad,
  overallVerdict,
  type ProbeVerdict,
  requestsToPass,
  serverReason,
  type SloCheck,
  sloChecks,
} from "../metrics/capacity.ts";
import { recordsIn } from "../metrics/window.ts";
import { type BenchmarkOptions, type BenchmarkResult, runParsed } from "./pipeline.ts";

/** What is searched: the closed loop's concurrency, or the open loop's arrival rate. */
export type CapacityDimension = "concurrency" | "rate";

/** Options of {@link findCapacity}. */
export interface CapacityOptions extends BenchmarkOptions {
  dimension: CapacityDimension;
  /** The share of requests that must meet the per-request limits (a percentile's limit carries its own). @default 0.9 */
  attainment?: number;
  /** How close (relative) the highest PASS and the lowest failing load must come. @default 0.1 */
  precision?: number;
  /** Probes at most (extensions included). @default 12 */
  maxProbes?: number;
  /** The first load. @default 1 */
  start?: number;
  /** How configuration errors name fields (the CLI: by flag). */
  parse?: ParseOptions;
  /** Before each probe: its load and number (1-based). */
  onProbeStart?: (load: number, probe: number) => void | Promise<void>;
  /** After each probe, judged. */
  onProbe?: (probe: CapacityProbe) => void | Promise<void>;
}

/** One probe: its load, how it was judged, and its run. */
export interface CapacityProbe {
  load: number;
  verdict: ProbeVerdict;
  /**
   * Requests judged (the steady-state window's when it held enough of them, else the run's) and how many met every
   * SLO; the verdict comes from `checks`.
   */
  met: number;
  judged: number;
  attainment: number | null;
  interval: [number, number] | null;
  /** Which requests were judged. */
  scope: "steady" | "all";
  /** Each group of limits judged: the per-request limits against the attainment target, each percentile's own. */
  checks: SloCheck[];
  /** A rate probe stopped because requests piled up past `maxBacklog` in flight (FAIL). */
  backlog?: { maxInFlight: number };
  /** A repeat of an INDETERMINATE probe with twice the requests. */
  extension: boolean;
  /** Requests the endpoint answered 429 (rate limited), of `requests` sent; absent when none was. */
  rateLimited?: { requests: number; of: number };
  result: BenchmarkResult;
}

/** Why a search ended. */
export type CapacityStop = "precision" | "max-probes" | "interrupted" | "lowest-load-failed";

/** A finished search. */
export interface CapacityResult {
  dimension: CapacityDimension;
  slo: Slo;
  attainmentTarget: number;
  precision: number;
  probes: CapacityProbe[];
  /** The highest load that passed below the lowest one that did not (null: none passed). */
  max: number | null;
  /** The lowest load that did not pass (null: every probe passed). */
  upper: number | null;
  /** Where throughput stopped growing with load (each load's last probe), or null: no bend, or too few loads. */
  knee: Knee | null;
  /**
   * Why, in the server's own metrics: from the knee (or the highest load that passed) to the highest load probed
   * (null: no server metrics).
   */
  kneeReason: string | null;
  /**
   * `quota` when the lowest load that failed was rate limited (429s for at least a tenth of its requests): the limit
   * found is the endpoint's quota, not the server's capacity. Null otherwise.
   */
  limitedBy: "quota" | null;
  stoppedBy: CapacityStop;
}

/**
 * Requests a probe sends when the run names no count: enough that its steady-state window (which leaves out about a
 * wave at each end) still holds what the strictest check needs to pass at all — 35 for 90 % of requests, 381 for a
 * p99 — with a margin.
 */
export function probeRequests(dimension: CapacityDimension, load: number, strictest: number): number {
  const needed = Math.ceil(1.25 * requestsToPass(strictest));
  return dimension === "concurrency"
    ? Math.max(80, 8 * load, needed + 2 * load)
    : Math.max(80, Math.ceil(15 * load), needed + Math.ceil(4 * load));
}

/**
 * The most requests a rate probe lets pile up in flight before it stops and fails: by Little's law, requests meeting
 * their SLOs are in flight about rate × their latency, so 4 × rate × the longest a request may take within the SLOs
 * (the E2E limit, else the TTFT limit + the TPOT limit — 100 ms when none — × the mean output), at least 64.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { backlogLimit } from "./capacity.ts";
 * assert.equal(backlogLimit(10, { e2eMs: 10_000 }, 100), 400); // 4 × 10 req/s × 10 s
 * assert.equal(backlogLimit(1, { ttftMs: 500 }, 100), 64); // at least 64
 * ```
 */
export function backlogLimit(rate: number, slo: Slo, meanOutputTokens: number): number {
  const longest = (metric: string) =>
    Math.max(0, ...sloTerms(slo).filter((t) => t.metric === metric).map((t) => t.maxMs));
  const e2e = longest("e2e");
  const tpot = longest("tpot") || 100;
  const boundMs = e2e > 0 ? e2e : longest("ttft") + tpot * meanOutputTokens;
  return Math.max(64, Math.ceil((4 * rate * boundMs) / 1000));
}

/**
 * Searches the highest load that meets the SLOs (`base.slo`) for `attainment` of its requests: PASS / FAIL /
 * INDETERMINATE from the 95 % interval of each probe's attainment; an INDETERMINATE probe is repeated once with twice
 * the requests. Stops at the asked precision, after `maxProbes`, or when `signal` aborts (every finished probe kept).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findCapacity } from "./capacity.ts";
 * // The simulator serves at most 2 at once here: beyond it requests queue, and their TTFT grows past 1 s.
 * const result = await findCapacity({
 *   slo: { ttftMs: 1000 },
 *   maxNumCompletedRequests: 12,
 *   meanOutputTokens: 10,
 *   stddevOutputTokens: 0,
 *   sim: { maxBatch: 2, jitter: 0 },
 * }, { dimension: "concurrency", attainment: 0.5, maxProbes: 2, writeFiles: false }); // 12 requests decide 50 %
 * assert.deepEqual(result.probes.map((p) => p.load), [1, 2]); // doubling while the probes pass
 * assert.equal(result.probes[0].verdict, "PASS");
 * ```
 */
export async function findCapacity(base: RunConfigInput, options: CapacityOptions): Promise<CapacityResult> {
  const slo = base.slo;
  if (!slo) throw new ConfigError("needs SLOs to search against (slo: e.g. ttft=500ms,tpot=50ms)", { field: "slo" });
  const attainment = options.attainment ?? 0.9;
  const precision = options.precision ?? 0.1;
  const maxProbes = options.maxProbes ?? 12;
  const integer = options.dimension === "concurrency";
  const strictest = Math.max(
    sloTerms(slo).some((t) => t.percentile === null) ? attainment : 0,
    ...sloTerms(slo).map((t) => (t.percentile ?? 0) / 100),
  );
  // Every probe's configuration is checked before the first one runs (the first load stands for all).
  const configAt = (load: number, requests?: number) =>
    parseRunConfig({
      ...base,
      ...(options.dimension === "concurrency" ? { numConcurrentRequests: load } : { requestRate: load }),
      maxNumCompletedRequests: requests ?? base.maxNumCompletedRequests ??
        probeRequests(options.dimension, load, strictest),
    }, options.parse);
  let load: number | null = options.start ?? 1;
  configAt(load);
  const probes: CapacityProbe[] = [];
  let stoppedBy: CapacityStop = "max-probes";
  while (load !== null && probes.length < maxProbes) {
    if (options.signal?.aborted) {
      stoppedBy = "interrupted";
      break;
    }
    const extension = probes.at(-1)?.load === load && probes.at(-1)?.verdict === "INDETERMINATE";
    const requests = extension ? probes.at(-1)!.result.summary.run.requestsStarted * 2 : undefined;
    await options.onProbeStart?.(load, probes.length + 1);
    const config = configAt(load, requests);
    const maxBacklog = options.dimension === "rate"
      ? (options.maxBacklog ?? backlogLimit(load, slo, config.meanOutputTokens))
      : options.maxBacklog;
    const result = await runParsed(config, { ...options, ...(maxBacklog !== undefined ? { maxBacklog } : {}) });
    if (result.summary.run.stopReason === "interrupted") {
      stoppedBy = "interrupted";
      break;
    }
    const backlog = result.summary.run.stopReason === "backlog";
    // A backlog cut the run short: its steady state was never reached, so every request is judged.
    const window = backlog ? undefined : result.summary.window;
    const scope = window?.enough ? "steady" : "all";
    const records = scope === "steady" ? recordsIn(result.records, window!) : result.records;
    const { met, n } = attainmentOf(records, (r) => r.meetsSlo === true);
    const checks = sloChecks(records, slo, attainment);
    const probe: CapacityProbe = {
      load,
      verdict: backlog ? "FAIL" : overallVerdict(checks),
      met,
      judged: n,
      attainment: n ? met / n : null,
      interval: attainmentInterval(met, n),
      scope,
      checks,
      ...(backlog ? { backlog: { maxInFlight: maxBacklog! } } : {}),
      extension,
      ...(result.summary.errors.rateLimit
        ? {
          rateLimited: { requests: result.summary.errors.rateLimit.requests, of: result.summary.run.requestsStarted },
        }
        : {}),
      result,
    };
    probes.push(probe);
    await options.onProbe?.(probe);
    // An undecided probe gets one more try with twice the requests before the search moves on.
    if (probe.verdict === "INDETERMINATE" && !extension) continue;
    const points = probes.filter((p, i) => !(p.verdict === "INDETERMINATE" && probes[i + 1]?.load === p.load));
    load = nextLoad(points, { precision, integer });
    if (load === null) {
      stoppedBy = points.every((p) => p.verdict !== "PASS") ? "lowest-load-failed" : "precision";
    } else if (points.some((p) => p.load === load)) {
      stoppedBy = "precision";
      load = null;
    }
  }
  const judged = probes.filter((p, i) => !(p.verdict === "INDETERMINATE" && probes[i + 1]?.load === p.load));
  const answer = capacityAnswer(judged);
  const lastAtLoad = new Map(probes.map((p) => [p.load, p.result.summary.throughput.outputTokensPerS]));
  const knee = kneeOf(
    [...lastAtLoad].filter((e): e is [number, number] => e[1] !== null).map(([x, y]) => ({ x, y })),
  );
  const byLoad = new Map(probes.map((p) => [p.load, p]));
  const from = knee ? byLoad.get(knee.load) : answer.max !== null ? byLoad.get(answer.max) : undefined;
  const top = probes.length ? byLoad.get(Math.max(...byLoad.keys())) : undefined;
  const kneeReason = from && top
    ? serverReason(
      { load: from.load, server: from.result.summary.serverMetrics },
      { load: top.load, server: top.result.summary.serverMetrics },
    )
    : null;
  const failedAt = answer.upper === null ? undefined : judged.findLast((p) => p.load === answer.upper);
  const limited = failedAt?.rateLimited;
  return {
    dimension: options.dimension,
    slo,
    attainmentTarget: attainment,
    precision,
    probes,
    ...answer,
    knee,
    kneeReason,
    limitedBy: limited && limited.requests >= 0.1 * limited.of ? "quota" : null,
    stoppedBy,
  };
}

/** A probe as `<stem>_capacity.json` keeps it: its verdict and checks, its throughput, the run's files' stem. */
export interface CapacityProbeRecord extends Omit<CapacityProbe, "result"> {
  outputTokensPerS: number | null;
  stem: string | null;
}

/** A search as `<stem>_capacity.json` keeps it (the probes' runs are in their own files). */
export interface CapacityRecord extends Omit<CapacityResult, "probes"> {
  probes: CapacityProbeRecord[];
}

/** A probe without its records: what the console, the page and `_capacity.json` show. */
export function probeRecord({ result, ...probe }: CapacityProbe): CapacityProbeRecord {
  return { ...probe, outputTokensPerS: result.summary.throughput.outputTokensPerS, stem: result.files?.stem ?? null };
}

/** A search without its records (see {@link CapacityRecord}). */
export function capacityRecord(search: CapacityResult): CapacityRecord {
  return { ...search, probes: search.probes.map(probeRecord) };
}
