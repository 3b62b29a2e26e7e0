import { type IntendedLoad, recordsIn, steadyWindow } from "./window.ts";
import { precisionState } from "./precision.ts";
import type { PrecisionTarget } from "../config/precision.ts";
import { clusteredIntervals, rateInterval } from "./intervals.ts";
import {
  METRIC_FIELDS,
  type MetricField,
  type RequestRecord,
  type RunSummary,
  type Statistics,
} from "../results/schema.ts";
import type { Slo } from "../config/slo.ts";
import { sloChecks } from "./capacity.ts";
import { meetsSlo } from "./goodput.ts";
import { computeStatistics } from "./statistics.ts";
import { assessHealth, type ClientLoad } from "./health.ts";
import { DEFAULT_READING_SPEED } from "../config/schema.ts";

/** The context of a run that the summary records beside its statistics. */
export interface SummaryContext {
  /** The run's identity (its file stem). */
  runId?: string;
  /** The dataset the requests came from, by content. */
  dataset?: RunSummary["dataset"];
  /** A shard's place in its run. */
  shard?: RunSummary["shard"];
  config: Record<string, unknown>;
  startedAt: string;
  stopReason: RunSummary["run"]["stopReason"];
  tokenizer: string;
  endpoint: RunSummary["endpoint"];
  environment: RunSummary["environment"];
  /** `--tokenizer server`: the calibration the prompts were sized by. */
  calibration?: RunSummary["calibration"];
  /** The run's SLOs: the summary then reports goodput and attainment. */
  slo?: Slo;
  /** The client's own load during the run, for the health verdict. */
  clientLoad?: ClientLoad;
  /** Precision targets: where each stands over the records, and when all were first found reached. */
  precision?: { targets: readonly PrecisionTarget[]; reached?: { afterRequests: number; atS: number } };
}

/** The label every summary of the simulated endpoint carries. */
export const SIMULATED_LABEL =
  "SIMULATED ENDPOINT — numbers come from llm-bench's built-in simulator, not a model server";

/** The per-request values of one metric over successful records (inter-token latency pools every gap). */
export function metricValues(records: readonly RequestRecord[], field: MetricField): number[] {
  const ok = records.filter((r) => r.status === "ok" && !r.warmup);
  if (field === "interTokenLatencyMs") return ok.flatMap((r) => r.interTokenLatenciesMs);
  if (field === "reasoningItlMs" || field === "answerItlMs") return ok.flatMap((r) => phaseGaps(r, field));
  // Queue time is a figure of open-loop runs only; in a closed loop it is 0 by definition.
  if (field === "clientQueueMs") return ok.filter((r) => r.scheduledOffsetMs !== undefined).map((r) => r.clientQueueMs);
  return ok.map((r) => r[field]).filter((v): v is number => typeof v === "number");
}

const FIELDS: readonly MetricField[] = METRIC_FIELDS;

/**
 * A reasoning answer's inter-token gaps of one phase: those between its reasoning events, or between its answer's
 * (the gap from the last reasoning event to the first answer event belongs to neither). None for other answers.
 */
export function phaseGaps(r: RequestRecord, phase: "reasoningItlMs" | "answerItlMs"): number[] {
  const n = r.reasoningEvents;
  if (n === undefined) return [];
  // Gap i lies between text events i and i + 1.
  return phase === "reasoningItlMs"
    ? r.interTokenLatenciesMs.slice(0, Math.max(0, n - 1))
    : r.interTokenLatenciesMs.slice(n > 0 ? n : 0);
}

function readingSpeedOf(config: Record<string, unknown>): number {
  return typeof config.readingSpeed === "number" ? config.readingSpeed : DEFAULT_READING_SPEED;
}

/** The stall figures of successful answers that carry them (none when no record does: batch mode, older files). */
function stallSummary(ok: readonly RequestRecord[], readingSpeed: number): RunSummary["stalls"] {
  const judged = ok.filter((r) => r.stallCount !== undefined);
  if (judged.length === 0) return undefined;
  const withStall = judged.filter((r) => (r.stallCount ?? 0) > 0).length;
  return {
    readingSpeedTokensPerS: readingSpeed,
    answers: judged.length,
    answersWithStall: withStall,
    share: withStall / judged.length,
    stallMs: computeStatistics(judged.map((r) => r.stallMs)),
    longestStallMs: computeStatistics(judged.map((r) => r.longestStallMs)),
    stallCount: computeStatistics(judged.map((r) => r.stallCount)),
  };
}

/**
 * Summarizes a run's records (DESIGN.md §2): statistics of every per-request metric over successful requests; run
 * wall time = last completion − first send; total output throughput = Σ output tokens of successful requests / wall
 * time; request throughput = successful requests / wall time; error rate = failed / started (requests aborted by the run's
 * own stop are started but not failed).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { summarize } from "./summary.ts";
 * const s = summarize([], {
 *   config: {},
 *   startedAt: new Date().toISOString(),
 *   stopReason: "completed",
 *   tokenizer: "llama-3",
 *   endpoint: { api: "openai", url: "http://127.0.0.1:8000/v1/chat/completions", model: "m", simulated: false },
 *   environment: { deno: "2.9.6", v8: "15.0", typescript: "6.0", os: "linux", arch: "x86_64", cpuCount: 2, startTime: "" },
 * });
 * assert.equal(s.run.requestsStarted, 0);
 * assert.equal(s.errors.rate, null); // no request, no rate: null, never NaN
 * ```
 */
export function summarize(all: readonly RequestRecord[], context: SummaryContext): RunSummary {
  const records = all.filter((r) => !r.warmup);
  const ok = records.filter((r) => r.status === "ok");
  const failed = records.filter((r) => r.status === "error");
  const aborted = records.filter((r) => r.status === "aborted");
  let firstSend: number | null = null;
  let lastEnd: number | null = null;
  for (const r of records) {
    if (firstSend === null || r.startOffsetMs < firstSend) firstSend = r.startOffsetMs;
    if (lastEnd === null || r.endOffsetMs > lastEnd) lastEnd = r.endOffsetMs;
  }
  const wallS = firstSend !== null && lastEnd !== null && lastEnd > firstSend ? (lastEnd - firstSend) / 1000 : null;
  const outTokens = ok.reduce((n, r) => n + (r.outputTokens ?? 0), 0);
  const byCode: Record<string, number> = {};
  for (const r of failed) byCode[r.error?.code ?? "UNKNOWN"] = (byCode[r.error?.code ?? "UNKNOWN"] ?? 0) + 1;

  const metrics = metricsOf(records);

  const simulated = context.endpoint.simulated;
  let goodput: RunSummary["goodput"];
  if (context.slo) {
    // A record judged when it finished (the runner does) is not judged again.
    const met = records.filter((r) => r.meetsSlo ?? meetsSlo(r, context.slo!)).length;
    const judged = records.length - aborted.length;
    // Each percentile's limit judged on its own (ttft.p99<=500ms: at least 99 % of requests within 500 ms).
    const percentiles = sloChecks(records.filter((r) => r.status !== "aborted"), context.slo, null);
    goodput = {
      slo: context.slo,
      met,
      attainment: judged > 0 ? met / judged : null,
      requestsPerS: wallS ? met / wallS : null,
      ...(percentiles.length ? { percentiles } : {}),
    };
  }
  const stalls = stallSummary(ok, readingSpeedOf(context.config));
  const turnNumbers = [...new Set(ok.map((r) => r.turn).filter((t): t is number => t !== undefined))].sort((a, b) =>
    a - b
  );
  const turns = turnNumbers.length
    ? turnNumbers.map((turn) => {
      const rs = ok.filter((r) => r.turn === turn);
      const ttft = computeStatistics(rs.map((r) => r.ttftMs));
      return {
        turn,
        requests: rs.length,
        ttftP50Ms: ttft.p50,
        ttftP99Ms: ttft.p99,
        inputTokensMean: computeStatistics(rs.map((r) => r.inputTokens)).mean,
      };
    })
    : undefined;
  const withCache = ok.filter((r) => r.cachedInputTokens !== undefined);
  const cachedTokens = withCache.reduce((n, r) => n + (r.cachedInputTokens ?? 0), 0);
  const cacheInput = withCache.reduce((n, r) => n + (r.inputTokens ?? 0), 0);
  const cache = withCache.length
    ? {
      cachedInputTokens: cachedTokens,
      inputTokens: cacheInput,
      hitShare: cacheInput > 0 ? cachedTokens / cacheInput : null,
      requestsWithHits: withCache.filter((r) => (r.cachedInputTokens ?? 0) > 0).length,
    }
    : undefined;
  const health = assessHealth(all, context.clientLoad);
  const rateLimit = rateLimitBlock(records, context.config);
  const limits = rateLimit.rateLimit;
  if (limits) {
    health.notes.push(
      `rate limited: ${limits.requests} of ${records.length} requests answered 429 — the endpoint's quota, not its ` +
        `speed, set the pace: ${
          limits.onRateLimit === "wait"
            ? `${limits.waitedOut} waited out (${limits.waitedS} s waiting, in no latency)`
            : "they are failures, and their latency is not measured"
        }`,
    );
  }
  if (stalls && stalls.answersWithStall > 0) {
    health.notes.push(
      `${stalls.answersWithStall} of ${stalls.answers} answers stalled a reader at ${stalls.readingSpeedTokensPerS} tokens/s ` +
        `(longest stall ${
          Math.round(stalls.longestStallMs.max ?? 0)
        } ms): the text paused longer than the reader's buffer`,
    );
  }
  return {
    schemaVersion: 1,
    ...(context.runId ? { runId: context.runId } : {}),
    simulated,
    ...(context.dataset ? { dataset: context.dataset } : {}),
    ...(context.shard ? { shard: context.shard } : {}),
    label: simulated ? SIMULATED_LABEL : `${context.endpoint.api} endpoint ${context.endpoint.url}`,
    config: context.config,
    environment: context.environment,
    tokenizer: context.tokenizer,
    ...(context.calibration ? { calibration: context.calibration } : {}),
    endpoint: context.endpoint,
    run: {
      startedAt: context.startedAt,
      stopReason: context.stopReason,
      // Stopped before it sent what it was asked to: Ctrl-C, its timeout, failing, a backlog.
      partial: ["interrupted", "timeout", "failing", "backlog"].includes(context.stopReason),
      wallTimeS: wallS,
      requestsStarted: records.length,
      requestsSucceeded: ok.length,
      requestsFailed: failed.length,
      requestsAborted: aborted.length,
      warmupRequests: all.length - records.length,
    },
    throughput: {
      outputTokensPerS: wallS ? outTokens / wallS : null,
      requestsPerS: wallS ? ok.length / wallS : null,
      requestsPerMin: wallS ? (ok.length / wallS) * 60 : null,
      ...(firstSend !== null && lastEnd !== null
        ? {
          ci: {
            outputTokensPerS: rateInterval(
              ok.map((r) => ({
                fromMs: r.startOffsetMs + (r.ttftMs ?? 0),
                toMs: r.endOffsetMs,
                amount: r.outputTokens ?? 0,
              })),
              firstSend,
              lastEnd,
            ),
            requestsPerS: rateInterval(
              ok.map((r) => ({ fromMs: r.endOffsetMs, toMs: r.endOffsetMs, amount: 1 })),
              firstSend,
              lastEnd,
            ),
          },
        }
        : {}),
    },
    health,
    ...(stalls ? { stalls } : {}),
    ...(context.precision ? { precision: precisionBlock(records, context.precision) } : {}),
    ...windowBlock(records, context),
    ...(cache ? { cache } : {}),
    ...(turns ? { turns } : {}),
    ...(goodput ? { goodput } : {}),
    errors: {
      rate: records.length > 0 ? failed.length / records.length : null,
      count: failed.length,
      rateLimited: byCode.RATE_LIMITED ?? 0,
      ...rateLimit,
      byCode,
    },
    metrics,
  };
}

/** Where each precision target stands at the end of the run, and when all were first reached. */
function precisionBlock(
  records: readonly RequestRecord[],
  precision: NonNullable<SummaryContext["precision"]>,
): NonNullable<RunSummary["precision"]> {
  const targets = precisionState(records, precision.targets);
  return {
    targets,
    reached: targets.every((t) => t.reached),
    ...(precision.reached
      ? { reachedAfterRequests: precision.reached.afterRequests, reachedAtS: precision.reached.atS }
      : {}),
  };
}

/** Every per-request metric's statistics and 95 % intervals over the records (warm-up left out by the caller). */
/** Metrics pooled from every request's inter-token gaps: their intervals are over requests, not gaps. */
const GAPS: readonly MetricField[] = ["interTokenLatencyMs", "reasoningItlMs", "answerItlMs"];

function metricsOf(records: readonly RequestRecord[]): Record<MetricField, Statistics> {
  const metrics = {} as Record<MetricField, Statistics>;
  for (const field of FIELDS) {
    // A request's inter-token gaps travel together: their intervals are over requests, not gaps (below).
    metrics[field] = computeStatistics(metricValues(records, field), { intervals: !GAPS.includes(field) });
  }
  const ok = records.filter((r) => r.status === "ok");
  metrics.interTokenLatencyMs.ci = clusteredIntervals(ok.map((r) => r.interTokenLatenciesMs));
  for (const phase of ["reasoningItlMs", "answerItlMs"] as const) {
    if (metrics[phase].count > 0) {
      metrics[phase].ci = clusteredIntervals(
        ok.filter((r) => r.reasoningEvents !== undefined).map((r) => phaseGaps(r, phase)),
      );
    }
  }
  return metrics;
}

/** The fewest requests a steady-state window must hold to give the headline figures: 10, and half of the run's. */
export const WINDOW_MIN_REQUESTS = 10;

/** What a run intended to hold, from its configuration: a trace none; a shard its share of the concurrency. */
function intendedLoad(context: SummaryContext): IntendedLoad {
  const c = context.config;
  if (c.datasetFormat === "mooncake") return {};
  if (typeof c.requestRate === "number") return { openLoop: true };
  if (typeof c.numConcurrentRequests !== "number") return {};
  const shard = context.shard;
  if (!shard || shard.shards <= 1) return { concurrency: c.numConcurrentRequests };
  const n = c.numConcurrentRequests;
  return { concurrency: Math.floor(n / shard.shards) + (shard.index < n % shard.shards ? 1 : 0) };
}

/** The steady-state window's block of a summary (none when the run has no window). */
function windowBlock(records: readonly RequestRecord[], context: SummaryContext): Pick<RunSummary, "window"> {
  const finished = records.filter((r) => r.status !== "aborted");
  const window = steadyWindow(finished, intendedLoad(context));
  if (!window) return {};
  const inside = recordsIn(finished, window);
  const ok = inside.filter((r) => r.status === "ok");
  const spanS = (window.endMs - window.startMs) / 1000;
  // The tokens streamed inside the window (each answer's spread over its stream), over the window's length.
  let tokens = 0;
  for (const r of records) {
    if (r.status !== "ok" || r.ttftMs === null) continue;
    const from = r.startOffsetMs + r.ttftMs;
    const to = r.endOffsetMs;
    const overlap = Math.min(to, window.endMs) - Math.max(from, window.startMs);
    if (overlap > 0) tokens += to > from ? ((r.outputTokens ?? 0) * overlap) / (to - from) : (r.outputTokens ?? 0);
  }
  const share = finished.length ? inside.length / finished.length : 0;
  return {
    window: {
      ...window,
      requests: inside.length,
      share,
      enough: inside.length >= WINDOW_MIN_REQUESTS && share >= 0.5,
      throughput: {
        outputTokensPerS: spanS > 0 ? tokens / spanS : null,
        requestsPerS: spanS > 0 ? ok.length / spanS : null,
      },
      metrics: metricsOf(inside),
    },
  };
}

/** The run's rate limiting (`errors.rateLimit`): requests answered 429, Retry-After asked, time waited. */
function rateLimitBlock(records: readonly RequestRecord[], config: Record<string, unknown>) {
  const failed = records.filter((r) => r.status === "error" && r.error?.code === "RATE_LIMITED");
  const waited = records.filter((r) => r.rateLimitRetries !== undefined);
  if (failed.length === 0 && waited.length === 0) return {};
  const asked = [...failed.map((r) => r.error?.retryAfterS), ...waited.map((r) => r.rateLimitRetryAfterS)]
    .filter((x): x is number => typeof x === "number");
  return {
    rateLimit: {
      requests: new Set([...failed, ...waited]).size,
      waitedOut: waited.filter((r) => r.status === "ok").length,
      responses: failed.length + waited.reduce((n, r) => n + r.rateLimitRetries!, 0),
      retryAfterS: asked.length ? [Math.min(...asked), Math.max(...asked)] as [number, number] : null,
      waitedS: Math.round(waited.reduce((s, r) => s + (r.rateLimitWaitMs ?? 0), 0)) / 1000,
      onRateLimit: config.onRateLimit === "wait" ? "wait" as const : "fail" as const,
    },
  };
}
