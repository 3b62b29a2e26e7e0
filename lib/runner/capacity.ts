/**
 * How much load an endpoint carries within its SLOs (`--find-max`, README "Capacity"): probes at rising load —
 * doubling until one fails, then bisecting to the asked precision — each a whole run with its own files, judged by
 * the interval of its attainment over its steady-state window.
 * @module
 */
import { type ParseOptions, parseRunConfig } from "../config/resolve.ts";
import type { RunConfigInput } from "../config/schema.ts";
import type { Slo } from "../config/slo.ts";
import { ConfigError } from "../errors.ts";
import {
  attainmentInterval,
  attainmentOf,
  capacityAnswer,
  type Knee,
  kneeOf,
  nextLoad,
  type ProbeVerdict,
  probeVerdict,
} from "../metrics/capacity.ts";
import { recordsIn } from "../metrics/window.ts";
import { type BenchmarkOptions, type BenchmarkResult, runParsed } from "./pipeline.ts";

/** What is searched: the closed loop's concurrency, or the open loop's arrival rate. */
export type CapacityDimension = "concurrency" | "rate";

/** Options of {@link findCapacity}. */
export interface CapacityOptions extends BenchmarkOptions {
  dimension: CapacityDimension;
  /** The share of requests that must meet every SLO. @default 0.9 */
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
  /** Requests judged (the steady-state window's when it held enough of them, else the run's) and how many met. */
  met: number;
  judged: number;
  attainment: number | null;
  interval: [number, number] | null;
  /** Which requests were judged. */
  scope: "steady" | "all";
  /** A repeat of an INDETERMINATE probe with twice the requests. */
  extension: boolean;
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
  stoppedBy: CapacityStop;
}

/**
 * Requests a probe sends when the run names no count: enough that its steady-state window (which leaves out about a
 * wave at each end) still holds the ~40 requests an interval needs to tell 90 % from 100 %.
 */
function probeRequests(dimension: CapacityDimension, load: number): number {
  return dimension === "concurrency" ? Math.max(80, 8 * load) : Math.max(80, Math.ceil(15 * load));
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
  // Every probe's configuration is checked before the first one runs (the first load stands for all).
  const configAt = (load: number, requests?: number) =>
    parseRunConfig({
      ...base,
      ...(options.dimension === "concurrency" ? { numConcurrentRequests: load } : { requestRate: load }),
      maxNumCompletedRequests: requests ?? base.maxNumCompletedRequests ?? probeRequests(options.dimension, load),
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
    const result = await runParsed(configAt(load, requests), options);
    if (result.summary.run.stopReason === "interrupted") {
      stoppedBy = "interrupted";
      break;
    }
    const window = result.summary.window;
    const scope = window?.enough ? "steady" : "all";
    const records = scope === "steady" ? recordsIn(result.records, window!) : result.records;
    const { met, n } = attainmentOf(records, (r) => r.meetsSlo === true);
    const probe: CapacityProbe = {
      load,
      verdict: probeVerdict(met, n, attainment),
      met,
      judged: n,
      attainment: n ? met / n : null,
      interval: attainmentInterval(met, n),
      scope,
      extension,
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
  return {
    dimension: options.dimension,
    slo,
    attainmentTarget: attainment,
    precision,
    probes,
    ...answer,
    knee,
    stoppedBy,
  };
}
