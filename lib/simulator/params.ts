import { z } from "zod";

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
  /** Output length when a request sets no `max_tokens`. @default 256 */
  defaultMaxTokens: z.int().min(1).default(256),
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
