import { publicConfig, safeUrl } from "../config/resolve.ts";
import { parseRunConfig } from "../config/resolve.ts";
import type { RunConfig, RunConfigInput } from "../config/schema.ts";
import { createConnector, displayModel } from "../connectors/factory.ts";
import type { Connector } from "../connectors/types.ts";
import { environmentInfo, summarize } from "../metrics/summary.ts";
import { runReportHtml } from "../report/html_report.ts";
import { openRecordWriter, resultStem, type RunFiles, runFiles, writeRunInfo, writeSummary } from "../results/files.ts";
import type { RequestRecord, RunSummary } from "../results/schema.ts";
import { planRun } from "./plan.ts";
import { startTokenizerWorker, type TokenizerWorker } from "../sampler/tokenizer_worker.ts";
import { startClientMonitor } from "./monitor.ts";
import { runInThreads } from "./threads.ts";
import { meetsSlo } from "../metrics/goodput.ts";
import type { Tokenizer } from "../sampler/tokenizer.ts";
import { type SimWorker, startSimWorker } from "../simulator/worker.ts";
import { runBenchmark, type RunProgress } from "./runner.ts";

/** What a run is about to do, reported once before the first request. */
export interface BenchmarkStart {
  config: RunConfig;
  files: RunFiles | null;
  endpoint: RunSummary["endpoint"];
  tokenizer: string;
  /** Requests to send (Infinity when only a duration bounds the run). */
  requests: number;
  /** Requests in flight at most. */
  concurrency: number;
  warmupRequests: number;
}

/** Options of {@link benchmark}. */
export interface BenchmarkOptions {
  /** Aborting it stops the run; the summary is still written (stop reason `interrupted`). */
  signal?: AbortSignal;
  onStart?: (start: BenchmarkStart) => void;
  onProgress?: (progress: RunProgress) => void;
  /** Progress of the warm-up requests, before the measured ones. */
  onWarmupProgress?: (progress: RunProgress) => void;
  onRecord?: (record: RequestRecord) => void;
  /**
   * A tokenizer already loaded, used on this thread. When absent, the tokenizer of the config runs in a worker thread
   * (recommended: its heap then never pauses the thread that stamps the chunks).
   */
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
  // Without a tokenizer handed in, it runs in a worker of its own: its large heap then never pauses the thread that
  // stamps the chunks (see README › How accurate is it).
  const worker: TokenizerWorker | undefined = options.tokenizer
    ? undefined
    : await startTokenizerWorker(config.tokenizer);
  try {
    return await runWith(config, options, worker ?? options.tokenizer!, worker);
  } finally {
    await worker?.close();
  }
}

async function runWith(
  config: RunConfig,
  options: BenchmarkOptions,
  source: Tokenizer | TokenizerWorker,
  worker: TokenizerWorker | undefined,
): Promise<BenchmarkResult> {
  const tokenizer = { name: source.name, count: (text: string) => source.count(text) };
  const plan = worker ? await worker.plan(config) : await planRun(config, source as Tokenizer);

  const writeFiles = options.writeFiles ?? true;
  const files = writeFiles
    ? runFiles(
      config.resultsDir,
      resultStem({
        ...config,
        model: displayModel(config.model),
        numConcurrentRequests: config.requestRate ? `rate${config.requestRate}` : plan.concurrency,
      }),
    )
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
      httpClient: connector.httpClient?.kind,
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
    options.onStart?.({
      config,
      files,
      endpoint,
      tokenizer: tokenizer.name,
      requests: plan.max,
      concurrency: plan.concurrency,
      warmupRequests: plan.warmup.length,
    });

    const common = {
      connector,
      concurrency: plan.concurrency,
      timeoutMs: config.timeoutS * 1000,
      countTokens: tokenizer.count,
      streamed: config.mode === "stream",
      signal: options.signal,
      timeouts: {
        firstTokenMs: config.ttftTimeoutS === undefined ? undefined : config.ttftTimeoutS * 1000,
        idleMs: config.idleTimeoutS * 1000,
        totalMs: config.requestTimeoutS === undefined ? undefined : config.requestTimeoutS * 1000,
      },
      onRecord(record: RequestRecord) {
        if (config.slo && !record.warmup) record.meetsSlo = meetsSlo(record, config.slo);
        writer?.append(record);
        options.onRecord?.(record);
      },
    };
    let warmupRecords: RequestRecord[] = [];
    if (plan.warmup.length > 0) {
      const w = await runBenchmark({
        ...common,
        requests: plan.warmup,
        warmup: true,
        onProgress: options.onWarmupProgress,
      });
      warmupRecords = w.records;
    }
    const monitor = startClientMonitor();
    const before = connector.httpClient?.stats ? { ...connector.httpClient.stats } : undefined;
    const measured = {
      ...common,
      requests: plan.requests,
      maxRequests: plan.max,
      schedule: plan.schedule,
      durationMs: config.durationS === undefined ? undefined : config.durationS * 1000,
      onProgress: options.onProgress,
    };
    const threaded = Math.min(config.clientThreads, plan.concurrency) > 1
      ? await runInThreads({ ...measured, config, baseUrl, threads: config.clientThreads })
      : undefined;
    const run = threaded ?? await runBenchmark(measured);
    const clientLoad = monitor.stop();
    const after = connector.httpClient?.stats;
    if (threaded) {
      // The main thread only relayed: the lag that matters is the measuring threads'.
      clientLoad.lagMs = threaded.threadLoad.lagMs;
      clientLoad.threads = threaded.threadLoad.threads;
      clientLoad.connections = threaded.threadLoad.connections;
    } else if (before && after) {
      clientLoad.connections = {
        opened: after.connectionsOpened - before.connectionsOpened,
        requests: after.requests - before.requests,
        reused: after.reused - before.reused,
        concurrency: plan.concurrency,
      };
    }
    // A simulator reached by URL is still a simulator: its responses say so.
    if (run.simulatedResponses > 0) endpoint.simulated = true;
    const records = [...warmupRecords, ...run.records];
    const summary = summarize(records, {
      config: publicConfig(config),
      startedAt: run.startedAt,
      stopReason: run.stopReason,
      tokenizer: tokenizer.name,
      endpoint,
      slo: config.slo,
      clientLoad,
    });
    if (files) {
      await writeSummary(files.summary, summary);
      await Deno.writeTextFile(files.report, runReportHtml(summary, records));
    }
    return { config, summary, records, files };
  } finally {
    await connector?.close();
    await sim?.close();
  }
}
