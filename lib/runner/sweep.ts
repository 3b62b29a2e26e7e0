import { type ParseOptions, parseRunConfig } from "../config/resolve.ts";
import type { RunConfig, RunConfigInput, SweepField } from "../config/schema.ts";
import type { SweepRun } from "../metrics/sweep.ts";
import { type BenchmarkOptions, type BenchmarkResult, runParsed } from "./pipeline.ts";

/** Options of {@link runSweep}: the benchmark options, hooks around each run, and how errors name fields. */
export interface SweepOptions extends BenchmarkOptions {
  /** Called before each run with its value and position. */
  onRunStart?: (value: number, index: number, count: number) => void | Promise<void>;
  /** Called after each run with its result and position. */
  onRunEnd?: (run: SweepRun<BenchmarkResult>, index: number, count: number) => void | Promise<void>;
  /** How a configuration error names the field at fault (the CLI by its flag). */
  parse?: ParseOptions;
}

/**
 * Runs one benchmark per value of `field`, one after another, with everything else from `base`. Every value's
 * configuration is parsed before the first run starts (a value that cannot run is a {@link ConfigError} before anything
 * is sent). Stops early (keeping the finished runs) when `signal` aborts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runSweep } from "../../mod.ts";
 * const runs = await runSweep({ maxNumCompletedRequests: 2 }, "numConcurrentRequests", [1, 2], { writeFiles: false });
 * assert.deepEqual(runs.map((r) => r.result.summary.config.numConcurrentRequests), [1, 2]);
 * ```
 */
export function runSweep(
  base: RunConfigInput,
  field: SweepField,
  values: readonly number[],
  options: SweepOptions = {},
): Promise<SweepRun<BenchmarkResult>[]> {
  const configs = values.map((value) => parseRunConfig({ ...base, [field]: value }, options.parse));
  return runEach(configs, values, options);
}

/** Runs parsed configurations one after another, `values[i]` naming run i; stops early when `signal` aborts. */
async function runEach(
  configs: readonly RunConfig[],
  values: readonly number[],
  options: SweepOptions,
): Promise<SweepRun<BenchmarkResult>[]> {
  const runs: SweepRun<BenchmarkResult>[] = [];
  for (const [i, value] of values.entries()) {
    if (options.signal?.aborted) break;
    await options.onRunStart?.(value, i, values.length);
    const run = { value, result: await runParsed(configs[i], options) };
    runs.push(run);
    await options.onRunEnd?.(run, i, values.length);
  }
  return runs;
}

/**
 * Runs one workload `times` times, one after another, each with fresh connections (and, unless `sameSeed`, the seeds
 * s, s + 1, …: other prompts of the same lengths), so the runs' spread can be set beside each run's own intervals
 * (`repeatSummary`). Each run is named by its seed. Stops early (keeping the finished runs) when `signal` aborts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runRepeats } from "../../mod.ts";
 * const runs = await runRepeats({ maxNumCompletedRequests: 2, seed: 5 }, 2, { writeFiles: false });
 * assert.deepEqual(runs.map((r) => r.value), [5, 6]);
 * ```
 */
export function runRepeats(
  base: RunConfigInput,
  times: number,
  options: SweepOptions & { sameSeed?: boolean } = {},
): Promise<SweepRun<BenchmarkResult>[]> {
  const first = parseRunConfig(base, options.parse);
  const seeds = Array.from({ length: times }, (_, i) => first.seed + (options.sameSeed ? 0 : i));
  const configs = seeds.map((seed) => parseRunConfig({ ...base, seed }, options.parse));
  return runEach(configs, seeds, options);
}
