/**
 * llm-bench — benchmark LLM inference endpoints from Deno: configure a run, send concurrent streaming requests, read
 * back every request's record and the run's statistics. This entry point is the core; it loads no chart code.
 * The others, named in deno.json's `exports`:
 *
 * - `./lib/charts/mod.ts` (`@llm-bench/llm-bench/charts`): Observable Plot charts of records and summaries;
 * - `./lib/report/mod.ts` (`…/report`): the HTML run and sweep reports, the sweep table;
 * - `./lib/notebook/mod.ts` (`…/notebook`): cell outputs for the Deno Jupyter kernel (progress, tables, charts, chat);
 * - `./lib/simulator/mod.ts` (`…/simulator`): the simulated endpoint as a server, a worker or a process.
 *
 * @example A run against the built-in simulated endpoint
 * ```ts
 * import assert from "node:assert/strict";
 * import { benchmark, formatSummaryTable } from "./mod.ts";
 * const { summary } = await benchmark({ maxNumCompletedRequests: 8, numConcurrentRequests: 4 }, { writeFiles: false });
 * assert.equal(summary.run.requestsSucceeded, 8);
 * assert.match(formatSummaryTable(summary), /SIMULATED ENDPOINT/);
 * ```
 * @module
 */

// Errors: each with a stable `code`. Bad configuration throws before any request is sent; a failed request is a record.
export {
  ConfigError,
  EndpointError,
  GateSpecError,
  MergeError,
  PrepareInterrupted,
  RequestError,
  type RequestErrorCode,
  ResultsFileError,
  RunNotFoundError,
} from "./lib/errors.ts";

// Configuration: one schema with every default, and where the endpoint comes from (.env, environment).
export type {
  ChatConfig,
  ChatConfigInput,
  LlmApi,
  RunConfig,
  RunConfigInput,
  SweepField,
} from "./lib/config/schema.ts";
export { parseRunConfig } from "./lib/config/resolve.ts";
export { loadEnv } from "./lib/config/dotenv.ts";
export { parseSlo, type PercentileSlo, type Slo, sloTerms, sloText } from "./lib/config/slo.ts";

// Requests: prompts of exact token counts, and the plan of a run.
export { type ChatMessage, createSampler, type RequestSpec, type Sampler } from "./lib/sampler/sampler.ts";
export { loadTokenizer, type Tokenizer } from "./lib/sampler/tokenizer.ts";
export { loadCorpus } from "./lib/sampler/corpus.ts";
export type { RunPlan } from "./lib/plan/plan.ts";

// Connectors: one wire protocol each, timestamped events out.
export { type ConnectorConfig, createConnector } from "./lib/connectors/factory.ts";
export { createOpenAIConnector, type OpenAIConnectorOptions } from "./lib/connectors/openai.ts";
export { createSambaStudioConnector, type SambaStudioConnectorOptions } from "./lib/connectors/sambastudio.ts";
export type { Connector, FetchLike, StreamEvent, Usage } from "./lib/connectors/types.ts";

// Running: `benchmark` runs one whole run; its three steps for callers that need them; a sweep of runs.
export {
  benchmark,
  type BenchmarkOptions,
  type BenchmarkResult,
  type BenchmarkStart,
  type ExecutedRun,
  type ExecuteOptions,
  executeRun,
  finishRun,
  type PreparedRun,
  type PrepareOptions,
  prepareRun,
} from "./lib/runner/pipeline.ts";
export { runRepeats, runSweep, type SweepOptions } from "./lib/runner/sweep.ts";
export { type CapacityOptions, type CapacityProbe, type CapacityResult, findCapacity } from "./lib/runner/capacity.ts";
export { type RepeatSummary, repeatSummary } from "./lib/metrics/repeat.ts";
export type { RequestTimeouts, RunProgress, RunResult } from "./lib/runner/runner.ts";

// Metrics: pure functions of records.
export { summarize, type SummaryContext } from "./lib/metrics/summary.ts";
export { computeStatistics } from "./lib/metrics/statistics.ts";
export type { SweepRun, SweepSummary } from "./lib/metrics/sweep.ts";

// Results files: written as a run goes, read back in the same shapes.
export { listRuns, type LoadedRun, loadRun, type RunFiles } from "./lib/results/files.ts";
export type { MetricField, RequestRecord, RunSummary, Statistics } from "./lib/results/schema.ts";

// Comparing runs: intervals and verdicts, what differs between workloads, the CI gate; runs as CSV.
export {
  type ComparedRun,
  compareRuns,
  type Comparison,
  type ComparisonRow,
  workloadDifferences,
} from "./lib/compare/compare.ts";
export { evaluateGate, type GateRule, parseGate } from "./lib/compare/gate.ts";
export { formatComparisonTable } from "./lib/compare/format.ts";
export { recordsCsv, summariesCsv } from "./lib/results/csv.ts";

// The console summary.
export { formatSummaryTable } from "./lib/report/summary_table.ts";

// Chat with per-answer metrics.
export { type AnswerMetrics, type ChatSession, type ChatTurn, createChatSession } from "./lib/chat/session.ts";
