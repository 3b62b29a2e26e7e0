import { z } from "zod";

/** Faults the simulated endpoint can inject into a request, on every wire format (lib/simulator/faults.ts). */
export const FAULT_KINDS = [
  "none",
  "status-429",
  "status-500",
  "status-503",
  "reset",
  "stall-first-byte",
  "stall-mid-stream",
  "pause-mid-stream",
  "slow-headers",
  "malformed-chunk",
  "no-done",
  "oversized-line",
  "wrong-content-type",
  "error-event",
] as const;
/** One of {@link FAULT_KINDS}. */
export type FaultKind = typeof FAULT_KINDS[number];

/** Fault injection: at random with a rate, or by scenario (request i gets `plan[i mod plan.length]`). */
export const FaultsSchema = z.object({
  /** Probability that a request gets a fault drawn from `kinds`. @default 0 */
  rate: z.number().min(0).max(1).default(0),
  /** Faults drawn from at random. @default every kind but "none" */
  kinds: z.array(z.enum(FAULT_KINDS)).min(1).default(FAULT_KINDS.filter((k) => k !== "none")),
  /** A scenario: the n-th request (from 0) gets `plan[n % plan.length]`; overrides `rate`. @default [] */
  plan: z.array(z.enum(FAULT_KINDS)).default([]),
  /** How long a stall lasts, ms (the server gives up on it when it shuts down). @default 60000 */
  stallMs: z.number().min(0).default(60_000),
  /**
   * How long a "pause-mid-stream" answer pauses halfway through, ms; then it goes on to its end as if nothing happened
   * (what a preempted sequence looks like to a client). @default 2000
   */
  pauseMs: z.number().min(0).default(2000),
  /** Delay before the headers of a "slow-headers" response, ms. @default 1500 */
  slowHeadersMs: z.number().min(0).default(1500),
  /**
   * A hosted API's quota: more than this many generation requests in any second are answered 429 (the
   * "status-429" fault: `Retry-After`, `x-ratelimit-*` headers), whatever else the plan says. @default none
   */
  quotaRps: z.number().positive().optional(),
  /** `Retry-After` of a 429, seconds. @default 2 */
  retryAfterS: z.int().min(0).default(2),
  /** Size of the "oversized-line" event, bytes (sent without a newline). @default 10 MiB */
  oversizedBytes: z.int().min(1).default(10 * 1024 * 1024),
}).strict();

/**
 * Parameters of the simulated endpoint's serving model (DESIGN.md §5). Every request is admitted into a batch of at
 * most `maxBatch` sequences (beyond it requests wait in a FIFO queue); its first token arrives after
 * `prefillBaseMs + inputTokens / prefillTokensPerS`; every further token takes one decode step of
 * `decodeBaseMs + decodePerSeqMs × (sequences decoding at that moment)`. Every duration is multiplied by a seeded
 * log-normal jitter of spread `jitter`.
 */
export const SimParamsSchema = z.object({
  /** Model name the endpoint serves and lists under `/v1/models`. @default "llm-bench-sim" */
  model: z.string().min(1).default("llm-bench-sim"),
  /** Fixed part of prefill (scheduling, first forward pass), ms. @default 35 */
  prefillBaseMs: z.number().min(0).default(35),
  /** Prefill speed, input tokens per second. @default 12000 */
  prefillTokensPerS: z.number().positive().default(12_000),
  /** Decode step time with a single sequence, ms. @default 9 */
  decodeBaseMs: z.number().min(0).default(9),
  /** Extra decode step time per sequence decoding at once, ms (continuous batching). @default 0.25 */
  decodePerSeqMs: z.number().min(0).default(0.25),
  /** Most sequences decoding at once; more requests wait in the queue. @default 64 */
  maxBatch: z.int().min(1).default(64),
  /** Spread (σ of the log-normal factor) applied to every duration; 0 for exact timings. @default 0.08 */
  jitter: z.number().min(0).max(2).default(0.08),
  /** Seed of the jitter and of the generated text. @default 1 */
  seed: z.int().min(0).default(1),
  /**
   * Prefix cache size in blocks of 64 characters (lib/simulator/prefix_cache.ts): cached leading tokens skip prefill
   * and are reported as `usage.prompt_tokens_details.cached_tokens`; 0 turns it off. @default 16384
   */
  prefixCacheBlocks: z.int().min(0).default(16_384),
  /**
   * KV-cache capacity in tokens, for `/metrics`' `vllm:kv_cache_usage_perc` (the prompt and output tokens of the
   * sequences in the batch over it; the serving model does not preempt on it). @default 2,048 per batch slot
   */
  kvCacheTokens: z.int().min(1).optional(),
  /**
   * A reasoning model: the first this many tokens of each chat answer (at most all but its last) stream as
   * `reasoning_content` deltas, then the answer as `content`; usage reports them as
   * `completion_tokens_details.reasoning_tokens` (counted in `completion_tokens`, as OpenAI and vLLM do). @default 0
   */
  reasoningTokens: z.int().min(0).default(0),
  /**
   * The context length `/v1/models` lists (vLLM's `max_model_len`): a run against `deno task sim` refuses requests
   * beyond it before sending. Requests beyond it are answered 400, as vLLM answers them. @default 131072
   */
  maxModelLen: z.int().min(1).default(131_072),
  /** Output length when a request sets no `max_tokens`. @default 256 */
  defaultMaxTokens: z.int().min(1).default(256),
  /** Faults to inject (see {@link FaultsSchema}). @default none */
  faults: FaultsSchema.default(FaultsSchema.parse({})),
  /** Experts a SambaStudio Composition-of-Experts request may select (`select_expert`). */
  experts: z.array(z.string().min(1)).default([
    "Meta-Llama-3.1-8B-Instruct",
    "Meta-Llama-3.1-70B-Instruct",
    "Meta-Llama-3.3-70B-Instruct",
    "Mistral-7B-Instruct-V0.2",
  ]),
}).strict();

/** What a user may pass (every field optional). */
export type SimParamsInput = z.input<typeof SimParamsSchema>;
/** Resolved parameters with defaults filled in. */
export type SimParams = z.output<typeof SimParamsSchema>;
