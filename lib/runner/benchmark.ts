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
import { loadDataset } from "../sampler/dataset.ts";
import { createSampler, type RequestSpec } from "../sampler/sampler.ts";
import { arrivalSchedule } from "./schedule.ts";
import { startClientMonitor } from "./monitor.ts";
import { meetsSlo } from "../metrics/goodput.ts";
import { loadTokenizer, type Tokenizer } from "../sampler/tokenizer.ts";
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
  const plan = await planRun(config, tokenizer);

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
    const run = await runBenchmark({
      ...common,
      requests: plan.requests,
      maxRequests: plan.max,
      schedule: plan.schedule,
      durationMs: config.durationS === undefined ? undefined : config.durationS * 1000,
      onProgress: options.onProgress,
    });
    const clientLoad = monitor.stop();
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

/** What a run will send: its requests (drawn or from a dataset), warm-up requests, schedule, concurrency, count. */
export interface RunPlan {
  requests: RequestSpec[];
  warmup: RequestSpec[];
  /** Requests to send in all (Infinity when only a duration bounds the run). */
  max: number;
  concurrency: number;
  /** Open loop: send times, ms from the run's start. */
  schedule?: number[];
}

/** Largest number of distinct prompts drawn for a duration-bound run; beyond it they are reused. */
const DURATION_POOL = 1000;

/** Works out a run's requests and schedule from its configuration (prompts are drawn before the run starts). */
export async function planRun(config: RunConfig, tokenizer: Tokenizer): Promise<RunPlan> {
  const corpus = await loadCorpus();
  const sampler = createSampler(config, tokenizer, corpus);
  let requests: RequestSpec[];
  let max: number;
  if (config.dataset) {
    const outputs = createSampler({ ...config, seed: config.seed + 1 }, tokenizer, corpus);
    requests = await loadDataset(config.dataset, tokenizer, {
      order: config.datasetOrder,
      seed: config.seed,
      defaultMaxTokens: () => outputs.next().maxTokens,
    });
    max = config.maxNumCompletedRequests ?? (config.durationS ? Infinity : requests.length);
  } else {
    max = config.maxNumCompletedRequests ?? (config.durationS ? Infinity : 40);
    requests = Array.from({ length: Math.min(max, DURATION_POOL) }, () => sampler.next());
  }
  const warmupSampler = createSampler({ ...config, seed: config.seed + 7919 }, tokenizer, corpus);
  const warmup = Array.from({ length: config.warmupRequests }, (_, i) => ({ ...warmupSampler.next(), index: i }));
  const concurrency = config.numConcurrentRequests ?? (config.requestRate ? 100_000 : 8);
  let schedule: number[] | undefined;
  if (config.requestRate) {
    // A duration-bound open loop needs arrivals for the whole duration (and some to spare).
    const count = Number.isFinite(max) ? max : Math.ceil(config.requestRate * config.durationS! * 1.5) + 16;
    schedule = arrivalSchedule({
      rate: config.requestRate,
      arrival: config.arrival,
      burstiness: config.burstiness,
      count,
      seed: config.seed,
    });
  }
  return { requests, warmup, max, concurrency, schedule };
}
