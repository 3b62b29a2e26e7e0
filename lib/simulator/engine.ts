/**
 * The simulated serving engine, independent of any wire format: a request's prompt size and output budget go in, its
 * tokens come out at the times of the serving model (lib/simulator/serving_model.ts), with the server's own timings.
 * @module
 */
import { createPrng } from "../sampler/prng.ts";
import type { SimParams } from "./params.ts";
import { createPrefixCache } from "./prefix_cache.ts";
import { createServingModel } from "./serving_model.ts";
import { createStepClock } from "./timing.ts";

/** One generation request, as every wire format reduces it. */
export interface Completion {
  /** The model that serves it (an expert's name for a SambaStudio Composition of Experts). */
  model: string;
  inputTokens: number;
  /** The prompt as text (messages' contents joined), for the prefix cache; absent: nothing is cached. */
  promptText?: string;
  maxTokens: number;
  /** `performance.now()` when the request arrived: the server's clock for its own timings starts here. */
  arrival: number;
}

/** What one generation produced, with the server's own timings (`performance.now()` values). */
export interface Generation {
  produced: number;
  text: string;
  tFirst: number;
  tLast: number;
  /** Sequences in the batch when this one was admitted. */
  batchSize: number;
  /** Input tokens found in the prefix cache (they skipped prefill). */
  cachedTokens: number;
}

/**
 * What the engine has done and holds now — what its `/metrics` report (lib/simulator/metrics.ts). Plain numbers,
 * updated in place: counting a token costs an addition.
 */
export interface EngineState {
  readonly running: number;
  readonly waiting: number;
  /** Prompt and output tokens of the sequences in the batch. */
  kvTokens: number;
  promptTokens: number;
  generationTokens: number;
  /** Sequences paused mid-answer (the `preempt` fault). */
  preemptions: number;
  /** Prompt tokens looked up in the prefix cache, and found. */
  prefixQueries: number;
  prefixHits: number;
}

/** Called as a request passes the engine's stages, with the server's own durations (ms). */
export interface EngineObserver {
  admitted(queuedMs: number): void;
  firstToken(ttftMs: number): void;
  finished(e2eMs: number): void;
}

/** The engine: generates token by token, and reports its timings in SambaNova's field names. */
export interface Engine {
  /** Its counters and occupancy now. */
  readonly state: EngineState;
  /** Set by the server that reports its metrics. */
  observer?: EngineObserver;
  /**
   * Runs one sequence through the serving model, calling `emit` with each token's text as it is produced; stops early
   * when `stop()` turns true (a client that went away, or a fault that strikes).
   */
  generate(
    c: Completion,
    stop: () => boolean,
    emit: (text: string, index: number) => void,
    pause?: { afterTokens: number; ms: number },
  ): Promise<Generation>;
  /** The server's timings in SambaNova's field names and units (seconds, tokens per second). */
  serverMetrics(c: Completion, g: Generation): Record<string, number>;
  /** Stops its clock (the server is closing). */
  close(): void;
}

/**
 * Creates the engine; the answers' text is `corpusTokens` (the corpus as the text of each of its tokens) token by
 * token, from seeded line starts so it reads as verse.
 */
export function createEngine(params: SimParams, corpusTokens: readonly string[]): Engine {
  const model = createServingModel(params);
  const cache = createPrefixCache(params.prefixCacheBlocks);
  const sleepUntil = createStepClock();
  const lineStarts = corpusTokens.flatMap((t, i) => (t.endsWith("\n") && i + 1 < corpusTokens.length ? [i + 1] : []));
  const textPrng = createPrng(params.seed ^ 0x5eed);
  const state: EngineState = {
    get running() {
      return model.inBatch;
    },
    get waiting() {
      return model.queued;
    },
    kvTokens: 0,
    promptTokens: 0,
    generationTokens: 0,
    preemptions: 0,
    prefixQueries: 0,
    prefixHits: 0,
  };
  const engine: Engine = {
    state,
    async generate(c, stop, emit, pause) {
      await model.admit();
      const admittedAt = performance.now();
      engine.observer?.admitted(admittedAt - c.arrival);
      const cachedTokens = c.promptText === undefined ? 0 : cache.admit(c.promptText, c.inputTokens);
      const g: Generation = { produced: 0, text: "", tFirst: 0, tLast: 0, batchSize: model.inBatch, cachedTokens };
      state.promptTokens += c.inputTokens;
      state.kvTokens += c.inputTokens;
      if (c.promptText !== undefined) {
        state.prefixQueries += c.inputTokens;
        state.prefixHits += cachedTokens;
      }
      try {
        if (stop()) return g;
        let deadline = performance.now() + model.prefillMs(c.inputTokens - cachedTokens);
        let at = lineStarts.length ? lineStarts[textPrng.int(lineStarts.length)] : textPrng.int(corpusTokens.length);
        while (g.produced < c.maxTokens) {
          await sleepUntil(deadline);
          if (stop()) break;
          const now = performance.now();
          if (g.produced === 0) {
            g.tFirst = now;
            engine.observer?.firstToken(now - c.arrival);
          }
          g.tLast = now;
          emit(corpusTokens[at], g.produced);
          g.text += corpusTokens[at];
          at = (at + 1) % corpusTokens.length;
          g.produced++;
          state.generationTokens++;
          state.kvTokens++;
          deadline += model.decodeStepMs();
          // A pause (the sequence preempted): the next token comes that much later, the rest at the usual pace.
          if (pause && g.produced === pause.afterTokens) {
            deadline += pause.ms;
            state.preemptions++;
          }
        }
      } finally {
        state.kvTokens -= c.inputTokens + g.produced;
        model.release();
        engine.observer?.finished(performance.now() - c.arrival);
      }
      return g;
    },
    serverMetrics(c, g) {
      const total = (g.tLast - c.arrival) / 1000;
      const afterFirst = (g.tLast - g.tFirst) / 1000;
      return {
        time_to_first_token: round((g.tFirst - c.arrival) / 1000),
        total_latency: round(total),
        completion_tokens_after_first_per_sec: afterFirst > 0 ? round((g.produced - 1) / afterFirst) : 0,
        completion_tokens_per_sec: total > 0 ? round(g.produced / total) : 0,
        total_tokens_per_sec: total > 0 ? round((c.inputTokens + g.produced) / total) : 0,
        batch_size_used: g.batchSize,
      };
    },
    close: () => sleepUntil.close(),
  };
  return engine;
}

/** Rounds to microseconds (or millionths), as servers print their timings. */
export function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
