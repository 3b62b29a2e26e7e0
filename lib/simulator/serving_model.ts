import { createPrng, type Prng } from "../sampler/prng.ts";
import type { SimParams } from "./params.ts";

/** The shared state of a simulated serving engine: batch slots, the sequences decoding, and seeded jitter. */
export interface ServingModel {
  readonly params: SimParams;
  /** Sequences currently holding a batch slot. */
  readonly inBatch: number;
  /** Requests waiting for a batch slot. */
  readonly queued: number;
  /** Waits for a batch slot (FIFO). Rejects if `signal` aborts while waiting. */
  admit(signal?: AbortSignal): Promise<void>;
  /** Gives a batch slot back. */
  release(): void;
  /** Time from admission to the first token, ms. */
  prefillMs(inputTokens: number): number;
  /** Duration of the next decode step given the sequences in the batch now, ms. */
  decodeStepMs(): number;
}

function jitterFactor(prng: Prng, sigma: number): number {
  if (sigma === 0) return 1;
  // Log-normal with mean 1: exp(σZ − σ²/2).
  return Math.exp(sigma * prng.normal(0, 1) - (sigma * sigma) / 2);
}

/** Creates the serving model of DESIGN.md §5 with the given parameters. */
export function createServingModel(params: SimParams): ServingModel {
  const prng = createPrng(params.seed);
  let inBatch = 0;
  const waiting: { resolve: () => void; reject: (e: unknown) => void; signal?: AbortSignal }[] = [];
  return {
    params,
    get inBatch() {
      return inBatch;
    },
    get queued() {
      return waiting.length;
    },
    admit(signal) {
      if (inBatch < params.maxBatch && waiting.length === 0) {
        inBatch++;
        return Promise.resolve();
      }
      return new Promise((resolve, reject) => {
        const entry = { resolve, reject, signal };
        waiting.push(entry);
        signal?.addEventListener("abort", () => {
          const i = waiting.indexOf(entry);
          if (i >= 0) waiting.splice(i, 1);
          reject(signal.reason);
        }, { once: true });
      });
    },
    release() {
      const next = waiting.shift();
      if (next) next.resolve(); // the slot passes straight to the next request
      else inBatch--;
    },
    prefillMs(inputTokens) {
      return (params.prefillBaseMs + (inputTokens / params.prefillTokensPerS) * 1000) *
        jitterFactor(prng, params.jitter);
    },
    decodeStepMs() {
      return (params.decodeBaseMs + params.decodePerSeqMs * inBatch) * jitterFactor(prng, params.jitter);
    },
  };
}
