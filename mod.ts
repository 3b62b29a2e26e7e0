/**
 * llm-bench — benchmark LLM inference endpoints from Deno: connectors, request sampler, concurrent runner, metrics,
 * results files and the built-in simulated endpoint. Notebooks and the CLI import everything from here.
 *
 * @example
 * ```ts ignore
 * import { benchmark, formatSummaryTable } from "./mod.ts";
 * const { summary } = await benchmark({ maxNumCompletedRequests: 8, numConcurrentRequests: 4 });
 * console.log(formatSummaryTable(summary));
 * ```
 * @module
 */
export * from "./lib/errors.ts";
export * from "./lib/config/mod.ts";
export * from "./lib/sampler/mod.ts";
export * from "./lib/connectors/mod.ts";
export * from "./lib/simulator/mod.ts";
export * from "./lib/metrics/mod.ts";
export * from "./lib/results/mod.ts";
export * from "./lib/runner/mod.ts";
export * from "./lib/report/mod.ts";
export * from "./lib/charts/mod.ts";
export * from "./lib/notebook/mod.ts";
export * from "./lib/chat/mod.ts";
