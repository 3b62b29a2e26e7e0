import { DEFAULT_CONCURRENCY, DEFAULT_REQUESTS, OPEN_LOOP_MAX_IN_FLIGHT, type RunConfig } from "../config/schema.ts";
import { loadCorpus } from "../sampler/corpus.ts";
import { loadDataset } from "../sampler/dataset.ts";
import { createSampler, type RequestSpec } from "../sampler/sampler.ts";
import type { Tokenizer } from "../sampler/tokenizer.ts";
import { arrivalSchedule } from "./schedule.ts";

/** What a run will send: its requests (drawn or from a dataset), warm-up requests, schedule, concurrency, count. */
export interface RunPlan {
  requests: RequestSpec[];
  warmup: RequestSpec[];
  /** Requests to send in all (Infinity when only a duration bounds the run). */
  max: number;
  concurrency: number;
  /** Open loop: send times, ms from the run's start. */
  schedule?: number[];
}

/** Largest number of distinct prompts drawn for a duration-bound run; beyond it they are reused. */
const DURATION_POOL = 1000;

/** Requests a run keeps in flight at most: the closed loop's concurrency, or an open loop's cap. */
export function runConcurrency(config: RunConfig): number {
  return config.numConcurrentRequests ?? (config.requestRate ? OPEN_LOOP_MAX_IN_FLIGHT : DEFAULT_CONCURRENCY);
}

/** Works out a run's requests and schedule from its configuration (prompts are drawn before the run starts). */
export async function planRun(config: RunConfig, tokenizer: Tokenizer): Promise<RunPlan> {
  const corpus = await loadCorpus();
  const sampler = createSampler(config, tokenizer, corpus);
  let requests: RequestSpec[];
  let max: number;
  if (config.dataset) {
    const outputs = createSampler({ ...config, seed: config.seed + 1 }, tokenizer, corpus);
    requests = await loadDataset(config.dataset, tokenizer, {
      order: config.datasetOrder,
      seed: config.seed,
      defaultMaxTokens: () => outputs.next().maxTokens,
    });
    max = config.maxNumCompletedRequests ?? (config.durationS ? Infinity : requests.length);
  } else {
    max = config.maxNumCompletedRequests ?? (config.durationS ? Infinity : DEFAULT_REQUESTS);
    requests = Array.from({ length: Number.isFinite(max) ? max : DURATION_POOL }, () => sampler.next());
  }
  const warmupSampler = createSampler({ ...config, seed: config.seed + 7919 }, tokenizer, corpus);
  const warmup = Array.from({ length: config.warmupRequests }, (_, i) => ({ ...warmupSampler.next(), index: i }));
  const concurrency = runConcurrency(config);
  let schedule: number[] | undefined;
  if (config.requestRate) {
    // A duration-bound open loop needs arrivals for the whole duration (and some to spare).
    const count = Number.isFinite(max) ? max : Math.ceil(config.requestRate * config.durationS! * 1.5) + 16;
    schedule = arrivalSchedule({
      rate: config.requestRate,
      arrival: config.arrival,
      burstiness: config.burstiness,
      count,
      seed: config.seed,
    });
  }
  return { requests, warmup, max, concurrency, schedule };
}
