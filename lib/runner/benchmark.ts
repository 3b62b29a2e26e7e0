import { publicConfig, safeUrl } from "../config/resolve.ts";
import { parseRunConfig } from "../config/resolve.ts";
import type { RunConfig, RunConfigInput } from "../config/schema.ts";
import { createConnector, displayModel } from "../connectors/factory.ts";
import type { Connector } from "../connectors/types.ts";
import { environmentInfo, summarize } from "../metrics/summary.ts";
import { runReportHtml } from "../report/html_report.ts";
import { openRecordWriter, resultStem, type RunFiles, runFiles, writeRunInfo, writeSummary } from "../results/files.ts";
import type { RequestRecord, RunSummary } from "../results/schema.ts";
import { loadCorpus } from "../sampler/corpus.ts";
import { createSampler } from "../sampler/sampler.ts";
import { loadTokenizer, type Tokenizer } from "../sampler/tokenizer.ts";
import { type SimWorker, startSimWorker } from "../simulator/worker.ts";
import { runBenchmark, type RunProgress } from "./runner.ts";

/** What a run is about to do, reported once before the first request. */
export interface BenchmarkStart {
  config: RunConfig;
  files: RunFiles | null;
  endpoint: RunSummary["endpoint"];
  tokenizer: string;
  requests: number;
}

/** Options of {@link benchmark}. */
export interface BenchmarkOptions {
  /** Aborting it stops the run; the summary is still written (stop reason `interrupted`). */
  signal?: AbortSignal;
  onStart?: (start: BenchmarkStart) => void;
  onProgress?: (progress: RunProgress) => void;
  onRecord?: (record: RequestRecord) => void;
  /** A tokenizer already loaded (notebooks reuse one across runs); loaded from the config when absent. */
  tokenizer?: Tokenizer;
  /** Write the results files. @default true */
  writeFiles?: boolean;
}

/** A finished run. */
export interface BenchmarkResult {
  config: RunConfig;
  summary: RunSummary;
  records: RequestRecord[];
  /** Paths written, or null with `writeFiles: false`. */
  files: RunFiles | null;
}

/**
 * Runs one benchmark end to end: validates the configuration (a {@link ConfigError} before anything is sent),
 * draws the requests, starts the simulated endpoint when `llmApi` is `sim`, sends the requests, appends each record to
 * `<stem>_individual_responses.jsonl` as it finishes and writes `<stem>_summary.json` at the end.
 *
 * @example
 * ```ts ignore
 * import { benchmark } from "./mod.ts";
 * const { summary } = await benchmark({ maxNumCompletedRequests: 4, numConcurrentRequests: 2 });
 * console.log(summary.metrics.ttftMs.p50);
 * ```
 */
export async function benchmark(input: RunConfigInput, options: BenchmarkOptions = {}): Promise<BenchmarkResult> {
  const config = parseRunConfig(input);
  const tokenizer = options.tokenizer ?? await loadTokenizer(config.tokenizer);
  const corpus = await loadCorpus();
  const sampler = createSampler(config, tokenizer, corpus);
  const requests = Array.from({ length: config.maxNumCompletedRequests }, () => sampler.next());

  const writeFiles = options.writeFiles ?? true;
  const files = writeFiles
    ? runFiles(config.resultsDir, resultStem({ ...config, model: displayModel(config.model) }))
    : null;
  using writer = files ? openRecordWriter(files.records) : undefined;

  const simulated = config.llmApi === "sim";
  let sim: SimWorker | undefined;
  let connector: Connector | undefined;
  try {
    // In its own worker thread, so serving never delays the client's timestamps.
    if (simulated) sim = await startSimWorker({ params: config.sim, tokenizerPath: config.tokenizer });
    const baseUrl = sim ? sim.baseUrl : config.baseUrl!;
    connector = createConnector(config, { baseUrl });
    const endpoint = {
      api: config.llmApi,
      url: safeUrl(connector.endpoint),
      model: displayModel(config.model),
      simulated,
    };
    if (files) {
      await writeRunInfo(files.run, {
        schemaVersion: 1,
        simulated,
        config: publicConfig(config),
        environment: environmentInfo(),
        tokenizer: tokenizer.name,
        endpoint,
        startedAt: new Date().toISOString(),
      });
    }
    options.onStart?.({ config, files, endpoint, tokenizer: tokenizer.name, requests: requests.length });

    const run = await runBenchmark({
      connector,
      requests,
      concurrency: config.numConcurrentRequests,
      timeoutMs: config.timeoutS * 1000,
      countTokens: tokenizer.count,
      streamed: config.mode === "stream",
      timeouts: {
        firstTokenMs: config.ttftTimeoutS === undefined ? undefined : config.ttftTimeoutS * 1000,
        idleMs: config.idleTimeoutS * 1000,
        totalMs: config.requestTimeoutS === undefined ? undefined : config.requestTimeoutS * 1000,
      },
      signal: options.signal,
      onRecord(record) {
        writer?.append(record);
        options.onRecord?.(record);
      },
      onProgress: options.onProgress,
    });
    // A simulator reached by URL is still a simulator: its responses say so.
    if (run.simulatedResponses > 0) endpoint.simulated = true;
    const summary = summarize(run.records, {
      config: publicConfig(config),
      startedAt: run.startedAt,
      stopReason: run.stopReason,
      tokenizer: tokenizer.name,
      endpoint,
    });
    if (files) {
      await writeSummary(files.summary, summary);
      await Deno.writeTextFile(files.report, runReportHtml(summary, run.records));
    }
    return { config, summary, records: run.records, files };
  } finally {
    await connector?.close();
    await sim?.close();
  }
}
