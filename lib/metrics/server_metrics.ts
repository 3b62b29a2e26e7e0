/**
 * The server's own metrics (`--server-metrics`, DESIGN.md §9): which engine's names a `/metrics` exposition uses, each
 * scrape reduced to the figures that explain a run (running and waiting requests, KV-cache use, token counters,
 * latency histograms), and their summary over the measured window — gauges as mean and max, counters as increases and
 * rates (resets handled as Prometheus' `increase()` does, without its extrapolation), histograms' quantiles as
 * `histogram_quantile()` computes them.
 * @module
 */
import type { MetricFamily } from "./prometheus_text.ts";

/** The figures llm-bench reads from a server's metrics. */
export type ServerRole =
  | "running"
  | "waiting"
  | "kvCache"
  | "preemptions"
  | "promptTokens"
  | "generationTokens"
  | "prefixHits"
  | "prefixQueries"
  | "ttft"
  | "itl"
  | "queueTime"
  | "e2e";

const GAUGES = ["running", "waiting", "kvCache"] as const;
const COUNTERS = ["preemptions", "promptTokens", "generationTokens", "prefixHits", "prefixQueries"] as const;
const HISTOGRAMS = ["ttft", "itl", "queueTime", "e2e"] as const;
type Gauge = typeof GAUGES[number];
type CounterRole = typeof COUNTERS[number];
type HistogramRole = typeof HISTOGRAMS[number];

/** An engine's names for the figures (the first name present wins: newer names first). */
export interface EngineNames {
  /** `vllm`, `sglang`, `tgi`. */
  engine: string;
  /** As shown: `vLLM`. */
  label: string;
  metrics: Partial<Record<ServerRole, readonly string[]>>;
}

/**
 * The engines whose names llm-bench knows, from their documentation: vLLM (`vllm:`; `gpu_cache_usage_perc` and the
 * `gpu_prefix_cache_*` counters before v0.10), SGLang (`sglang:`), Hugging Face TGI (`tgi_`; its token counts are
 * histograms, whose sums count tokens).
 */
export const ENGINE_NAMES: readonly EngineNames[] = [
  {
    engine: "vllm",
    label: "vLLM",
    metrics: {
      running: ["vllm:num_requests_running"],
      waiting: ["vllm:num_requests_waiting"],
      kvCache: ["vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc"],
      preemptions: ["vllm:num_preemptions_total", "vllm:num_preemptions"],
      promptTokens: ["vllm:prompt_tokens_total", "vllm:prompt_tokens"],
      generationTokens: ["vllm:generation_tokens_total", "vllm:generation_tokens"],
      prefixHits: ["vllm:prefix_cache_hits_total", "vllm:gpu_prefix_cache_hits_total"],
      prefixQueries: ["vllm:prefix_cache_queries_total", "vllm:gpu_prefix_cache_queries_total"],
      ttft: ["vllm:time_to_first_token_seconds"],
      itl: ["vllm:inter_token_latency_seconds", "vllm:time_per_output_token_seconds"],
      queueTime: ["vllm:request_queue_time_seconds"],
      e2e: ["vllm:e2e_request_latency_seconds"],
    },
  },
  {
    engine: "sglang",
    label: "SGLang",
    metrics: {
      running: ["sglang:num_running_reqs"],
      waiting: ["sglang:num_queue_reqs"],
      kvCache: ["sglang:token_usage"],
      promptTokens: ["sglang:prompt_tokens_total"],
      generationTokens: ["sglang:generation_tokens_total"],
      prefixHits: ["sglang:cached_tokens_total"],
      ttft: ["sglang:time_to_first_token_seconds"],
      itl: ["sglang:inter_token_latency_seconds", "sglang:time_per_output_token_seconds"],
      queueTime: ["sglang:queue_time_seconds"],
      e2e: ["sglang:e2e_request_latency_seconds"],
    },
  },
  {
    engine: "tgi",
    label: "TGI",
    metrics: {
      running: ["tgi_batch_current_size"],
      waiting: ["tgi_queue_size"],
      promptTokens: ["tgi_request_input_length"],
      generationTokens: ["tgi_request_generated_tokens"],
      itl: ["tgi_request_mean_time_per_token_duration"],
      queueTime: ["tgi_request_queue_duration"],
      e2e: ["tgi_request_duration"],
    },
  },
];

/**
 * The engine whose names the exposition uses most, or null (none of the known names: the server is summarized by
 * nothing, and the run says so).
 */
export function detectEngine(families: Record<string, MetricFamily>): EngineNames | null {
  let best: { engine: EngineNames; found: number } | null = null;
  for (const engine of ENGINE_NAMES) {
    const found = Object.values(engine.metrics).filter((names) => names.some((n) => n in families)).length;
    if (found > 0 && (!best || found > best.found)) best = { engine, found };
  }
  return best?.engine ?? null;
}

/** A histogram at one scrape, summed over its label sets: cumulative counts by upper bound, its sum and count. */
export interface HistogramSnapshot {
  /** [upper bound (s), cumulative count], ascending, `+Inf` last. */
  buckets: [number, number][];
  sum: number;
  count: number;
}

/** One scrape reduced to the figures: `t` ms from the run's start. */
export interface ServerSample {
  t: number;
  values: Partial<Record<Gauge | CounterRole, number>>;
  histograms: Partial<Record<HistogramRole, HistogramSnapshot>>;
}

/** The family that names a role in this exposition (the first of the engine's names present). */
function familyFor(
  families: Record<string, MetricFamily>,
  engine: EngineNames,
  role: ServerRole,
): [string, MetricFamily] | null {
  for (const name of engine.metrics[role] ?? []) if (families[name]) return [name, families[name]];
  return null;
}

/** Every name the engine's figures may come from (what a scrape needs to parse). */
export function engineFamilies(engine: EngineNames): Set<string> {
  return new Set(Object.values(engine.metrics).flat());
}

/** The names of the families the engine's figures come from, in this exposition (what the raw samples keep). */
export function familiesUsed(families: Record<string, MetricFamily>, engine: EngineNames): string[] {
  return (Object.keys(engine.metrics) as ServerRole[]).flatMap((role) => {
    const found = familyFor(families, engine, role);
    return found ? [found[0]] : [];
  });
}

function histogramOf(name: string, family: MetricFamily): HistogramSnapshot | null {
  const buckets = new Map<number, number>();
  let sum = 0;
  let count = 0;
  const [bucketName, sumName, countName] = [`${name}_bucket`, `${name}_sum`, `${name}_count`];
  for (const s of family.samples) {
    if (s.name === bucketName && s.labels.le !== undefined) {
      const le = s.labels.le === "+Inf" ? Infinity : Number(s.labels.le);
      buckets.set(le, (buckets.get(le) ?? 0) + s.value);
    } else if (s.name === sumName) sum += s.value;
    else if (s.name === countName) count += s.value;
  }
  if (buckets.size === 0) return null;
  return { buckets: [...buckets].sort((a, b) => a[0] - b[0]), sum, count };
}

/**
 * Reduces a scrape to the figures: gauges and counters summed over their label sets (KV-cache use: the largest, a
 * share per engine), a histogram's buckets summed by bound; a counter the engine keeps as a histogram (TGI's token
 * counts) is read from the histogram's sum.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePrometheusText } from "./prometheus_text.ts";
 * import { ENGINE_NAMES, sampleOf } from "./server_metrics.ts";
 * const { families } = parsePrometheusText(`# TYPE vllm:num_requests_waiting gauge
 * vllm:num_requests_waiting{model_name="a"} 2
 * vllm:num_requests_waiting{model_name="b"} 3`);
 * assert.equal(sampleOf(families, ENGINE_NAMES[0], 0).values.waiting, 5);
 * ```
 */
export function sampleOf(families: Record<string, MetricFamily>, engine: EngineNames, t: number): ServerSample {
  const out: ServerSample = { t, values: {}, histograms: {} };
  for (const role of [...GAUGES, ...COUNTERS]) {
    const found = familyFor(families, engine, role);
    if (!found) continue;
    const [name, family] = found;
    if (family.type === "histogram" || family.type === "summary") {
      const sums = family.samples.filter((s) => s.name === `${name}_sum`);
      if (sums.length) out.values[role] = sums.reduce((a, s) => a + s.value, 0);
      continue;
    }
    const values = family.samples.filter((s) => s.name === name || s.name === `${name}_total`).map((s) => s.value);
    if (values.length === 0) continue;
    out.values[role] = role === "kvCache" ? Math.max(...values) : values.reduce((a, v) => a + v, 0);
  }
  for (const role of HISTOGRAMS) {
    const found = familyFor(families, engine, role);
    if (!found || found[1].type !== "histogram") continue;
    const h = histogramOf(found[0], found[1]);
    if (h) out.histograms[role] = h;
  }
  return out;
}

/**
 * A counter's increase over samples in order, resets handled as Prometheus does: a drop means the counter restarted
 * from zero, so the new value is the increase since.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { counterIncrease } from "./server_metrics.ts";
 * assert.equal(counterIncrease([10, 15, 3, 7]), 5 + 3 + 4); // restarted after 15
 * ```
 */
export function counterIncrease(values: readonly number[]): number {
  let total = 0;
  for (let i = 1; i < values.length; i++) total += values[i] >= values[i - 1] ? values[i] - values[i - 1] : values[i];
  return total;
}

/**
 * The q-quantile of a histogram's cumulative buckets as `histogram_quantile()` computes it: linear within the bucket
 * the rank falls in (from 0 for the first bucket); in the `+Inf` bucket, the highest finite bound. Null when empty.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { histogramQuantile } from "./server_metrics.ts";
 * const buckets: [number, number][] = [[0.1, 50], [0.2, 100], [Infinity, 100]];
 * assert.ok(Math.abs(histogramQuantile(0.75, buckets)! - 0.15) < 1e-12); // rank 75: halfway through (0.1, 0.2]
 * ```
 */
export function histogramQuantile(q: number, buckets: readonly [number, number][]): number | null {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let prevBound = 0;
  let prevCount = 0;
  for (const [bound, count] of buckets) {
    if (count >= rank) {
      if (bound === Infinity) return prevBound;
      const inBucket = count - prevCount;
      return inBucket > 0 ? prevBound + (bound - prevBound) * ((rank - prevCount) / inBucket) : bound;
    }
    prevBound = bound;
    prevCount = count;
  }
  return prevBound;
}

/** The summary of the server's metrics over a run's measured window (`serverMetrics` in the summary). */
export interface ServerMetricsSummary {
  /** Where they were scraped, with any credentials removed. */
  url: string;
  /** The engine whose names were found (`vLLM`), or null. */
  engine: string | null;
  scrapes: number;
  /** The window summarized, seconds from the run's start. */
  fromS: number;
  toS: number;
  /** Gauges over the window's scrapes: running and waiting requests, KV-cache use (0…1). */
  gauges: Partial<Record<Gauge, { mean: number; max: number }>>;
  /** Counters: increase over the window and its rate per second. */
  counters: Partial<Record<CounterRole, { increase: number; perS: number }>>;
  /** Prefix-cache hits / queries over the window (tokens), when the server counts both. */
  prefixCacheHitRate: number | null;
  /** Histograms: requests observed in the window, mean, p50 and p99, ms. */
  histograms: Partial<
    Record<HistogramRole, { count: number; meanMs: number | null; p50Ms: number | null; p99Ms: number | null }>
  >;
  /** The figures over time, for the charts: seconds from the run's start, and the values at each scrape. */
  series: {
    t: number[];
    running: (number | null)[];
    waiting: (number | null)[];
    kvCache: (number | null)[];
    /** Generation tokens per second since the previous scrape. */
    generationTokensPerS: (number | null)[];
  };
}

/**
 * Summarizes the scrapes over [fromMs, toMs] (ms from the run's start): the last scrape at or before the start and the
 * first at or after the end bound the counters' and histograms' increases; the gauges are averaged over the scrapes
 * inside.
 */
export function summarizeServerMetrics(
  samples: readonly ServerSample[],
  context: { url: string; engine: string | null; fromMs: number; toMs: number },
): ServerMetricsSummary {
  const sorted = [...samples].sort((a, b) => a.t - b.t);
  const startIdx = Math.max(0, sorted.findLastIndex((s) => s.t <= context.fromMs));
  const endFound = sorted.findIndex((s) => s.t >= context.toMs);
  const endIdx = endFound < 0 ? sorted.length - 1 : endFound;
  const win = sorted.slice(startIdx, endIdx + 1);
  const spanS = win.length >= 2 ? (win.at(-1)!.t - win[0].t) / 1000 : 0;
  const gauges: ServerMetricsSummary["gauges"] = {};
  for (const g of GAUGES) {
    const values = win.map((s) => s.values[g]).filter((v): v is number => v !== undefined && Number.isFinite(v));
    if (values.length) {
      gauges[g] = { mean: values.reduce((a, v) => a + v, 0) / values.length, max: Math.max(...values) };
    }
  }
  const counters: ServerMetricsSummary["counters"] = {};
  for (const c of COUNTERS) {
    const values = win.map((s) => s.values[c]).filter((v): v is number => v !== undefined);
    if (values.length >= 2) {
      const increase = counterIncrease(values);
      counters[c] = { increase, perS: spanS > 0 ? increase / spanS : 0 };
    }
  }
  const histograms: ServerMetricsSummary["histograms"] = {};
  for (const h of HISTOGRAMS) {
    // A histogram not yet served at the start had observed nothing (engines serve it from its first observation).
    const first = win[0]?.histograms[h] ?? { buckets: [], sum: 0, count: 0 };
    const last = win.at(-1)?.histograms[h];
    if (!last || win.length < 2) continue;
    // Bucket by bucket: the increase over the window (a reset: the count since it).
    const before = new Map(first.buckets);
    const buckets = last.buckets.map(([le, n]): [number, number] => {
      const b = before.get(le) ?? 0;
      return [le, n >= b ? n - b : n];
    });
    const count = last.count >= first.count ? last.count - first.count : last.count;
    const sum = last.sum >= first.sum ? last.sum - first.sum : last.sum;
    const ms = (v: number | null) => (v === null ? null : v * 1000);
    histograms[h] = {
      count,
      meanMs: count > 0 ? (sum / count) * 1000 : null,
      p50Ms: ms(histogramQuantile(0.5, buckets)),
      p99Ms: ms(histogramQuantile(0.99, buckets)),
    };
  }
  const hits = counters.prefixHits?.increase;
  const queries = counters.prefixQueries?.increase;
  return {
    url: context.url,
    engine: context.engine,
    scrapes: win.length,
    fromS: context.fromMs / 1000,
    toS: context.toMs / 1000,
    gauges,
    counters,
    prefixCacheHitRate: hits !== undefined && queries ? hits / queries : null,
    histograms,
    series: {
      t: sorted.map((s) => Math.round(s.t) / 1000),
      running: sorted.map((s) => s.values.running ?? null),
      waiting: sorted.map((s) => s.values.waiting ?? null),
      kvCache: sorted.map((s) => s.values.kvCache ?? null),
      generationTokensPerS: sorted.map((s, i) => {
        const prev = sorted[i - 1];
        const a = prev?.values.generationTokens;
        const b = s.values.generationTokens;
        if (a === undefined || b === undefined || s.t <= prev.t) return null;
        return (b >= a ? b - a : b) / ((s.t - prev.t) / 1000);
      }),
    },
  };
}
