/**
 * The simulated endpoint's `/metrics`: its engine's state in Prometheus' text format with vLLM's names (running and
 * waiting requests, KV-cache use, preemptions, token and prefix-cache counters, TTFT / queue-time / E2E histograms),
 * served by prom-client — so `--server-metrics` runs end to end on the built-in default.
 * @module
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Engine } from "./engine.ts";
import type { SimParams } from "./params.ts";

/**
 * Latency buckets (seconds): vLLM's TTFT buckets, also for the queue time — vLLM's own queue-time buckets start at
 * 0.3 s, so a queue of a few ms would read as ~150 ms once `histogram_quantile()` interpolates inside the first one.
 */
const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80];
const REQUEST_BUCKETS = [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920];

/** The registry serving the engine's metrics; its gauges and counters are read from the engine at each scrape. */
export function createSimMetrics(engine: Engine, params: SimParams): Registry {
  const registry = new Registry();
  const labels = { model_name: params.model, engine: "0" };
  const labelNames = ["model_name", "engine"] as const;
  const state = engine.state;
  const kvCapacity = params.kvCacheTokens ?? params.maxBatch * 2048;
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.set(labels, read());
      },
    });
  const counter = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(labels, read());
      },
    });
  gauge("vllm:num_requests_running", "Number of requests in model execution batches.", () => state.running);
  gauge("vllm:num_requests_waiting", "Number of requests waiting to be processed.", () => state.waiting);
  gauge(
    "vllm:kv_cache_usage_perc",
    "KV-cache usage. 1 means 100 percent usage.",
    () => Math.min(1, state.kvTokens / kvCapacity),
  );
  counter("vllm:num_preemptions_total", "Cumulative number of preemption from the engine.", () => state.preemptions);
  counter("vllm:prompt_tokens_total", "Number of prefill tokens processed.", () => state.promptTokens);
  counter("vllm:generation_tokens_total", "Number of generation tokens processed.", () => state.generationTokens);
  counter(
    "vllm:prefix_cache_queries_total",
    "Prefix cache queries, in terms of number of queried tokens.",
    () => state.prefixQueries,
  );
  counter(
    "vllm:prefix_cache_hits_total",
    "Prefix cache hits, in terms of number of cached tokens.",
    () => state.prefixHits,
  );
  const histogram = (name: string, help: string, buckets: number[]) =>
    new Histogram({ name, help, labelNames, buckets, registers: [registry] }).labels(labels);
  const ttft = histogram(
    "vllm:time_to_first_token_seconds",
    "Histogram of time to first token in seconds.",
    TTFT_BUCKETS,
  );
  const queue = histogram(
    "vllm:request_queue_time_seconds",
    "Histogram of time spent in WAITING phase for request.",
    TTFT_BUCKETS,
  );
  const e2e = histogram(
    "vllm:e2e_request_latency_seconds",
    "Histogram of e2e request latency in seconds.",
    REQUEST_BUCKETS,
  );
  engine.observer = {
    admitted: (ms) => queue.observe(ms / 1000),
    firstToken: (ms) => ttft.observe(ms / 1000),
    finished: (ms) => e2e.observe(ms / 1000),
  };
  return registry;
}
