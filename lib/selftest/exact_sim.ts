/**
 * The exact simulated endpoint that measurements of the client are made against: a separate process, no jitter, a fixed
 * time to first token and between tokens, no batching limit, llm-bench's HTTP/1.1 server logging each chunk's write.
 * @module
 */
import { parseRunConfig } from "../config/resolve.ts";
import type { RunConfig, RunConfigInput } from "../config/schema.ts";
import { type SimProcess, spawnSimProcess } from "../simulator/process.ts";

/** Serving-model parameters with fixed timings: TTFT `ttftMs`, `itlMs` between tokens, whatever the load. */
export function exactSimParams(ttftMs: number, itlMs: number) {
  return {
    jitter: 0,
    prefillBaseMs: ttftMs,
    prefillTokensPerS: 1e12,
    decodeBaseMs: itlMs,
    decodePerSeqMs: 0,
    maxBatch: 100_000,
    prefixCacheBlocks: 0,
  };
}

/**
 * Starts the exact simulator in its own process (chunk log on, HTTP/1.1 server, warmed up before it is used, a large
 * young generation), on `cpus` when given (see lib/selftest/cpus.ts).
 */
export function spawnExactSim(ttftMs: number, itlMs: number, cpus?: string): Promise<SimProcess> {
  return spawnSimProcess([
    "--log-chunks",
    "--http-server",
    "h1",
    // The selftest's prompts are the sampler's: the table counts them exactly, at a fifth of the tokenizer's CPU.
    "--token-counter",
    "table",
    "--params",
    JSON.stringify(exactSimParams(ttftMs, itlMs)),
  ], {
    cpus,
    // A young generation of 64 MB from the start: its scavenges come far less often than with the default size, and a
    // pause while a burst of requests arrives would stamp their receipts late (README "How accurate is it" measures it).
    v8Flags: ["--max-semi-space-size=64", "--min-semi-space-size=64"],
  });
}

/**
 * A run at `concurrency` against the exact simulator at `origin`, as `deno task bench` would make it: every request
 * 60 input and `outputTokens` output tokens, tagged with `x-request-id` so the simulator's log matches it; `more` sets
 * anything else.
 */
export function exactRunConfig(
  origin: string,
  concurrency: number,
  outputTokens: number,
  more: RunConfigInput = {},
): RunConfig {
  return parseRunConfig({
    llmApi: "openai",
    baseUrl: `${origin}/v1`,
    model: "llm-bench-sim",
    requestIdHeader: true,
    meanInputTokens: 60,
    stddevInputTokens: 0,
    meanOutputTokens: outputTokens,
    stddevOutputTokens: 0,
    seed: concurrency,
    maxNumCompletedRequests: 2 * concurrency,
    numConcurrentRequests: concurrency,
    ...more,
  });
}
