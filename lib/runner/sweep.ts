import type { RunConfigInput, SweepField } from "../config/schema.ts";
import type { SweepRun } from "../metrics/sweep.ts";
import { benchmark, type BenchmarkOptions, type BenchmarkResult } from "./pipeline.ts";

/** Options of {@link runSweep}: the benchmark options, plus a hook before each run. */
export interface SweepOptions extends BenchmarkOptions {
  /** Called before each run with its value and position. */
  onRunStart?: (value: number, index: number, count: number) => void | Promise<void>;
}

/**
 * Runs one benchmark per value of `field`, one after another, with everything else from `base`. Stops early (keeping
 * the finished runs) when `signal` aborts.
 */
export async function runSweep(
  base: RunConfigInput,
  field: SweepField,
  values: readonly number[],
  options: SweepOptions = {},
): Promise<SweepRun<BenchmarkResult>[]> {
  const runs: SweepRun<BenchmarkResult>[] = [];
  for (const [i, value] of values.entries()) {
    if (options.signal?.aborted) break;
    await options.onRunStart?.(value, i, values.length);
    runs.push({ value, result: await benchmark({ ...base, [field]: value }, options) });
  }
  return runs;
}
