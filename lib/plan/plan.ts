import type { RunConfig } from "../config/schema.ts";
import { loadCorpus } from "../sampler/corpus.ts";
import { loadDataset, loadSessions, type Session } from "../sampler/dataset.ts";
import {
  type CorpusTable,
  corpusTokenIds,
  createOutputLengths,
  createSampler,
  createTableSampler,
  type RequestSpec,
  type Sampler,
} from "../sampler/sampler.ts";
import type { Tokenizer } from "../sampler/tokenizer.ts";
import { createPrng } from "../sampler/prng.ts";
import { arrivalSchedule } from "./schedule.ts";

/**
 * A run's requests in sending order. An array is one; a run drawn from a {@link CorpusTable} draws each as it is first
 * asked for (so a run of a million requests starts as fast as one of forty).
 */
export interface RequestList {
  /** How many (Infinity for a run bounded only by its duration). */
  readonly length: number;
  /** The request at `index` (0 ≤ index < length). */
  at(index: number): RequestSpec | undefined;
}

/** What a run will send: its requests (drawn or from a dataset), warm-up requests, schedule, concurrency, count. */
export interface RunPlan<R extends RequestList = RequestList> {
  requests: R;
  warmup: RequestSpec[];
  /** Requests to send in all (Infinity when only a duration bounds the run). */
  max: number;
  concurrency: number;
  /** Open loop: send times, ms from the run's start. */
  schedule?: number[];
  /** The dataset's format, when the requests came from one (`jsonl`, `sharegpt`, `openai-chat`, `mooncake`). */
  datasetFormat?: string;
  /** Multi-turn: the sessions, sent turn by turn (then `requests` is empty and `max` counts every turn). */
  sessions?: Session[];
}

/** Largest number of distinct prompts drawn for a duration-bound run; beyond it they are reused. */
const DURATION_POOL = 1000;

/** Options of {@link planRun}. */
export interface PlanOptions {
  /** Progress of a dataset's lines being counted (the one preparation that can take long). */
  onProgress?: (done: number, total: number) => void;
}

/** Requests drawn as they are asked for, in order; the last few thousand are kept (asking again before them redraws). */
export function lazyRequests(length: number, start: () => Sampler): RequestList {
  const KEEP = 4096;
  let sampler = start();
  let drawn = 0;
  const kept = new Map<number, RequestSpec>();
  return {
    length,
    at(index) {
      if (!(index >= 0 && index < length)) return undefined;
      const hit = kept.get(index);
      if (hit) return hit;
      if (index < drawn) {
        sampler = start();
        drawn = 0;
        kept.clear();
      }
      while (drawn <= index) {
        kept.set(drawn, sampler.next());
        kept.delete(drawn - KEEP);
        drawn++;
      }
      return kept.get(index);
    },
  };
}

/**
 * Works out a run's requests and schedule from its configuration. With a tokenizer the prompts are drawn now, each
 * counted by it; with the bundled tokenizer's {@link CorpusTable} they are drawn as the run needs them, in O(1) each.
 */
export async function planRun(
  config: RunConfig,
  source: Tokenizer,
  options?: PlanOptions,
): Promise<RunPlan<RequestSpec[]>>;
export async function planRun(config: RunConfig, source: CorpusTable, options?: PlanOptions): Promise<RunPlan>;
export async function planRun(
  config: RunConfig,
  source: Tokenizer | CorpusTable,
  options: PlanOptions = {},
): Promise<RunPlan> {
  if ("pieces" in source) return planFromTable(config, source);
  const tokenizer = source;
  const corpus = await loadCorpus();
  if (config.multiTurn) return await planSessions(config, tokenizer, corpus, options);
  let requests: RequestSpec[];
  let max: number;
  let traceSchedule: number[] | undefined;
  let format: string | undefined;
  if (config.dataset) {
    const outputLength = createOutputLengths({ ...config, seed: config.seed + 1 });
    const loaded = await loadDataset(config.dataset, tokenizer, {
      order: config.datasetOrder,
      seed: config.seed,
      format: config.datasetFormat,
      defaultMaxTokens: outputLength,
      sampledOutput: config.outputTokensFrom === "sampled",
      traceSpeed: config.traceSpeed,
      traceBlockTokens: config.traceBlockTokens,
      corpus,
      onProgress: options.onProgress,
    });
    requests = loaded.requests;
    traceSchedule = loaded.schedule;
    format = loaded.format;
    // The one setting a dataset resolves: its size is the request count, unless a count or a duration bounds the run.
    max = config.maxNumCompletedRequests ?? (config.durationS ? Infinity : requests.length);
  } else {
    max = config.maxNumCompletedRequests ?? Infinity;
    const sampler = config.sharedPrefixTokens
      ? sharedPrefixSampler(config, tokenizer, corpus)
      : createSampler(config, tokenizer, corpus);
    requests = Array.from({ length: Number.isFinite(max) ? max : DURATION_POOL }, () => sampler.next());
  }
  const warmupSampler = createSampler({ ...config, seed: config.seed + 7919 }, tokenizer, corpus);
  const warmup = Array.from({ length: config.warmupRequests }, (_, i) => ({ ...warmupSampler.next(), index: i }));
  // A trace is sent at its own timestamps (an open loop), capped by the concurrency.
  const schedule = traceSchedule ?? scheduleOf(config, max);
  const concurrency = config.numConcurrentRequests;
  return { requests, warmup, max, concurrency, schedule, ...(format ? { datasetFormat: format } : {}) };
}

/**
 * A multi-turn run's plan: the sessions of a dataset's conversations, or `sessions` synthetic ones of `turns` turns
 * (each turn's message and output length drawn like a sampled request's). `max` counts every turn.
 */
async function planSessions(
  config: RunConfig,
  tokenizer: Tokenizer,
  corpus: string,
  options: PlanOptions,
): Promise<RunPlan<RequestSpec[]>> {
  let sessions: Session[];
  let datasetFormat: string | undefined;
  if (config.dataset) {
    const outputLength = createOutputLengths({ ...config, seed: config.seed + 1 });
    ({ sessions, format: datasetFormat } = await loadSessions(config.dataset, tokenizer, {
      format: config.datasetFormat,
      defaultMaxTokens: outputLength,
      sampledOutput: config.outputTokensFrom === "sampled",
      onProgress: options.onProgress,
    }));
  } else {
    const sampler = createSampler(config, tokenizer, corpus);
    sessions = Array.from({ length: config.sessions! }, (_, i) => ({
      id: String(i),
      system: [],
      turns: Array.from({ length: config.turns! }, () => {
        const spec = sampler.next();
        return { user: spec.prompt, maxTokens: spec.maxTokens };
      }),
    }));
  }
  const total = sessions.reduce((n, s) => n + s.turns.length, 0);
  return {
    requests: [],
    warmup: [],
    max: config.maxNumCompletedRequests ? Math.min(total, config.maxNumCompletedRequests) : total,
    concurrency: config.numConcurrentRequests,
    sessions,
    ...(datasetFormat ? { datasetFormat } : {}),
  };
}

/**
 * Prompts that begin with one of `prefixGroups` fixed prefixes of `sharedPrefixTokens` tokens (a system prompt shared
 * by many requests; request i gets prefix i mod G): the prefix is cut from the corpus (from a word start, seeded by
 * the group), the rest is drawn as usual with the input lengths shifted down by the prefix, so the total keeps
 * `meanInputTokens`. The token count is the tokenizer's count of the whole prompt.
 */
function sharedPrefixSampler(config: RunConfig, tokenizer: Tokenizer, corpus: string): Sampler {
  const k = config.sharedPrefixTokens!;
  const rest = createSampler({ ...config, meanInputTokens: config.meanInputTokens - k }, tokenizer, corpus);
  const ids = corpusTokenIds(tokenizer, corpus);
  const prefixes = Array.from({ length: config.prefixGroups }, (_, g) => {
    const start = createPrng(config.seed * 1_000_003 + g + 17).int(ids.length);
    const cut = Array.from({ length: k }, (_, i) => ids[(start + i) % ids.length]);
    return `System: ${tokenizer.decode(cut).trim()}\n\n`;
  });
  let i = 0;
  return {
    minInputTokens: rest.minInputTokens + k,
    next() {
      const spec = rest.next();
      const prompt = prefixes[i++ % prefixes.length] + spec.prompt;
      const count = tokenizer.count(prompt);
      return { ...spec, prompt, promptTokens: count, requestedInputTokens: spec.requestedInputTokens + k };
    },
  };
}

/** A run's plan from the corpus table: nothing drawn yet but what the first wave needs. */
function planFromTable(config: RunConfig, table: CorpusTable): RunPlan {
  if (config.dataset) throw new TypeError("a dataset's prompts are counted with the tokenizer, not cut from the table");
  const max = config.maxNumCompletedRequests ?? Infinity;
  const requests = lazyRequests(max, () => createTableSampler(config, table));
  const concurrency = config.numConcurrentRequests;
  // The first wave is drawn now, so starting it costs no drawing (and a bad length fails before anything is sent).
  for (let i = 0; i < Math.min(concurrency, max, 4096); i++) requests.at(i);
  const warmupSampler = createTableSampler({ ...config, seed: config.seed + 7919 }, table);
  const warmup = Array.from({ length: config.warmupRequests }, (_, i) => ({ ...warmupSampler.next(), index: i }));
  return { requests, warmup, max, concurrency, schedule: scheduleOf(config, max) };
}

/** Open loop: the arrival schedule (ms from the start); a duration-bound one covers the duration and some to spare. */
function scheduleOf(config: RunConfig, max: number): number[] | undefined {
  let schedule: number[] | undefined;
  if (config.requestRate) {
    // An open loop bounded by time (a duration, or the run's timeout when precision targets bound it) needs arrivals
    // for all of it, and some to spare.
    const count = Number.isFinite(max)
      ? max
      : Math.ceil(config.requestRate * (config.durationS ?? config.timeoutS) * 1.5) + 16;
    schedule = arrivalSchedule({
      rate: config.requestRate,
      arrival: config.arrival,
      burstiness: config.burstiness,
      count,
      seed: config.seed,
    });
  }
  return schedule;
}
