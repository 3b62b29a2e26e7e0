/**
 * A run in three named steps. **prepare** takes a configuration parsed once (defaults resolved by the schema), draws
 * the plan in the tokenizer's worker, opens the results files and starts the endpoint (the simulator, when the run
 * names none); **execute** sends the warm-up and the measured requests on one thread or several and reads the
 * client's own load; **finish** summarizes and writes the summary. Writing a report is the caller's (CLI, notebook).
 * `benchmark()` runs all three.
 * @module
 */
import { createHash } from "node:crypto";
import { parseRunConfig, publicConfig, safeUrl } from "../config/resolve.ts";
import { type RunConfig, type RunConfigInput, startAtEpochMs } from "../config/schema.ts";
import { createConnector, displayModel } from "../connectors/factory.ts";
import { checkContext, preflight } from "../connectors/preflight.ts";
import type { Connector } from "../connectors/types.ts";
import { meetsSlo } from "../metrics/goodput.ts";
import { stallFields } from "../metrics/stalls.ts";
import { precisionState } from "../metrics/precision.ts";
import type { PrecisionTarget } from "../config/precision.ts";
import { summarize } from "../metrics/summary.ts";
import { environmentInfo } from "./environment.ts";
import { planRun, type RunPlan } from "../plan/plan.ts";
import { shardPlan } from "../plan/shard.ts";
import { startTokenizerWorker, type TokenizerWorker } from "../plan/tokenizer_worker.ts";
import {
  openRecordWriter,
  type RecordWriter,
  resultStem,
  type RunFiles,
  runFiles,
  writeRunInfo,
  writeSummary,
} from "../results/files.ts";
import type { RequestRecord, RunInfo, RunSummary } from "../results/schema.ts";
import { loadCorpus, loadCorpusTable } from "../sampler/corpus.ts";
import { DEFAULT_TOKENIZER_NAME, loadTokenizer, type Tokenizer } from "../sampler/tokenizer.ts";
import { calibrate, calibratedTokenizer } from "../plan/calibrate.ts";
import { localTokenizer, SERVER_TOKENIZER } from "../config/schema.ts";
import { type SimWorker, startSimWorker } from "../simulator/worker.ts";
import { type ClientLoad, connectionDelta, startClientMonitor } from "./monitor.ts";
import { type RunPart, type RunProgress, type RunResult, sendRequests } from "./runner.ts";
import { runInThreads } from "./threads.ts";
import { probeMetrics, type RawScrape, startScraper } from "./scrape.ts";
import {
  type EngineNames,
  type ServerMetricsSummary,
  type ServerSample,
  summarizeServerMetrics,
} from "../metrics/server_metrics.ts";
import { warmRequestPath } from "./warm.ts";
import { ConfigError, PrepareInterrupted } from "../errors.ts";

/** What a run is about to do, reported once before the first request. */
export interface BenchmarkStart {
  config: RunConfig;
  /** The run's name (its stem, or the name its shards share). */
  runId: string;
  files: RunFiles | null;
  endpoint: RunSummary["endpoint"];
  tokenizer: string;
  /** `--tokenizer server`: the calibration the prompts were sized by. */
  calibration?: RunSummary["calibration"];
  /** Requests to send (Infinity when only a duration bounds the run). */
  requests: number;
  /** Requests in flight at most. */
  concurrency: number;
  warmupRequests: number;
  /** The format the dataset was read in, when there is one. */
  datasetFormat?: string;
  /** What `--server-metrics` found: the URL scraped and whose names it uses, or why nothing is scraped. */
  serverMetrics: ServerMetricsFound;
}

/** What `--server-metrics` found before the run. */
export type ServerMetricsFound =
  | { scraped: true; url: string; engine: string | null; families: number }
  | { scraped: false; url: string | null; reason: string };

/** Options of {@link prepareRun}. */
export interface PrepareOptions {
  /**
   * A tokenizer already loaded (or its worker, shared by several runs). When absent, the config's tokenizer is loaded
   * in a worker thread of its own (recommended: its heap then never pauses the thread that stamps the chunks).
   */
  tokenizer?: Tokenizer | TokenizerWorker;
  /** Write the results files. @default true */
  writeFiles?: boolean;
  /** Aborting it stops preparing at once (the workers it started are ended); prepare then rejects. */
  signal?: AbortSignal;
  /** Progress of a preparation that takes a while: a dataset's lines counted. */
  onPrepareProgress?: (done: number, total: number) => void;
}

/** A prepared run: its plan, files and endpoint, ready to execute. Closing it stops what prepare started. */
export interface PreparedRun extends AsyncDisposable {
  readonly config: RunConfig;
  readonly plan: RunPlan;
  readonly files: RunFiles | null;
  /** The run's name: its file stem, or the name its shards share. Every record and the summary carry it. */
  readonly runId: string;
  /**
   * What the run's files say of it before its first request (`<stem>_run.json`): the configuration without secrets,
   * the endpoint, the environment, the tokenizer's name, the dataset by content hash.
   */
  readonly info: RunInfo;
  readonly connector: Connector;
  /** Where the connector sends (the simulator's URL when the run started it). */
  readonly baseUrl: string;
  /** What `--server-metrics` found; `scrape` is the URL to scrape (with any credentials) when there is one. */
  readonly serverMetrics: ServerMetricsFound & { scrape?: string; engineNames?: EngineNames | null };
  countTokens(text: string): number | Promise<number>;
  /** Appends a finished request's record to the records file (nothing when the run writes no files). */
  append(record: RequestRecord): void;
  close(): Promise<void>;
}

/**
 * Prepares a run from a parsed configuration: draws its requests and schedule (in the tokenizer's worker), opens its
 * results files (a {@link ConfigError} when the folder cannot be written — before anything is sent), writes
 * `<stem>_run.json`, and starts the simulated endpoint when `llmApi` is `sim`.
 *
 * @example The three steps one by one
 * ```ts
 * import assert from "node:assert/strict";
 * import { executeRun, finishRun, parseRunConfig, prepareRun } from "../../mod.ts";
 * const config = parseRunConfig({ maxNumCompletedRequests: 3, numConcurrentRequests: 3 });
 * await using prepared = await prepareRun(config, { writeFiles: false });
 * assert.equal(prepared.plan.requests.length, 3); // drawn before anything is sent
 * const executed = await executeRun(prepared, { onRecord: (r) => assert.equal(r.status, "ok") });
 * const { summary } = await finishRun(prepared, executed);
 * assert.equal(summary.run.requestsSucceeded, 3);
 * ```
 */
export async function prepareRun(config: RunConfig, options: PrepareOptions = {}): Promise<PreparedRun> {
  const signal = options.signal;
  let files: RunFiles | null = null;
  let owned: TokenizerWorker | undefined;
  let writer: RecordWriter | undefined;
  let sim: SimWorker | undefined;
  let connector: Connector | undefined;
  let starting: Promise<unknown> | undefined;
  // Ends a tokenizer still loading in the background when the run closes.
  const loading = new AbortController();
  const close = async () => {
    writer?.close();
    loading.abort();
    await starting?.catch(() => {}); // a simulator still starting is closed once it has started
    await connector?.close();
    await sim?.close();
    await owned?.close();
  };
  try {
    signal?.throwIfAborted();
    // Local inputs first (the results folder, the tokenizer, the dataset, the plan), the network second: a mistake
    // on this machine is reported before anything is sent. The files first: a folder that cannot be written fails
    // the run before anything loads.
    const { stem, runId } = runName(config);
    files = (options.writeFiles ?? true) ? runFiles(config.resultsDir, stem) : null;
    writer = files ? openRecordWriter(files.records) : undefined;
    const simulated = config.llmApi === "sim";
    // The simulated endpoint (in its own worker thread, so serving never delays the client's timestamps) starts while
    // the requests are drawn.
    starting = simulated
      ? startSimWorker({ params: config.sim, tokenizerPath: localTokenizer(config.tokenizer), signal }).then((w) =>
        sim = w
      )
      : undefined;
    starting?.catch(() => {}); // awaited below; a failure while the plan is drawn is reported there
    let plan: RunPlan | undefined;
    let tokenizerName = "";
    let countTokens: (text: string) => number | Promise<number> = () => 0;
    // --tokenizer server: the prompts are sized by the endpoint's counts, calibrated once it has been checked (below).
    const serverSized = config.tokenizer === SERVER_TOKENIZER && !options.tokenizer;
    const bundled = serverSized ? loadTokenizer() : undefined;
    bundled?.catch(() => {});
    if (serverSized) {
      // nothing to plan before the calibration
    } else if (
      !options.tokenizer && config.tokenizer === undefined && config.dataset === undefined &&
      config.sharedPrefixTokens === undefined && !config.multiTurn
    ) {
      // The bundled tokenizer's table of the corpus: prompts are drawn without the tokenizer, as the run needs them.
      // The tokenizer only counts answers a server sends without usage; it loads in its worker meanwhile (against the
      // simulator, which always reports usage, only if it is ever needed).
      const table = await untilAborted(loadCorpusTable(), signal);
      plan = await planRun(config, table);
      tokenizerName = table.tokenizer;
      let counter: Promise<TokenizerWorker> | undefined;
      const counting = () =>
        counter ??= startTokenizerWorker(config.tokenizer, { signal: loading.signal }).then((w) => owned = w);
      if (!simulated) counting().catch(() => {}); // a failure is reported by the first count that needs it
      countTokens = (text) => counting().then((w) => w.count(text));
    } else {
      owned = options.tokenizer ? undefined : await startTokenizerWorker(config.tokenizer, { signal });
      const source = options.tokenizer ?? owned!;
      const onProgress = options.onPrepareProgress;
      plan = await untilAborted(
        "plan" in source ? source.plan(config, onProgress) : planRun(config, source, { onProgress }),
        signal,
      );
      tokenizerName = source.name;
      countTokens = (text) => source.count(text);
    }
    if (plan) config = resolvedByPlan(config, plan);
    // An endpoint that cannot be used at all is one line and no run.
    let contextLength: number | undefined;
    if (config.llmApi !== "sim" && config.preflight) {
      contextLength = (await untilAborted(preflight(config, config.baseUrl!), signal)).contextLength;
    }
    await starting;
    const baseUrl = sim ? sim.baseUrl : config.baseUrl!;
    connector = createConnector(config, { baseUrl });
    let calibration: RunSummary["calibration"];
    if (serverSized) {
      const local = await untilAborted(bundled!, signal);
      calibration = await untilAborted(calibrate(connector, local, await loadCorpus(), { signal }), signal);
      const sized = calibratedTokenizer(local, calibration);
      plan = await untilAborted(planRun(config, sized, { onProgress: options.onPrepareProgress }), signal);
      tokenizerName = sized.name;
      countTokens = (text) => local.count(text);
      config = resolvedByPlan(config, plan);
    }
    if (!plan) throw new TypeError("no plan"); // every branch above plans
    // A request beyond the model's context fails on every server: refused before the first is sent.
    if (contextLength !== undefined && !plan.sessions) checkContext(plan.requests, contextLength, config.model);
    if (config.shards !== undefined && config.shards > 1) plan = shardPlan(plan, config.shards, config.shardIndex ?? 0);
    const serverMetrics = await untilAborted(findServerMetrics(config.serverMetrics, baseUrl), signal);
    const dataset = config.dataset
      ? { ...await datasetIdentity(config.dataset), ...(plan.datasetFormat ? { format: plan.datasetFormat } : {}) }
      : undefined;
    const info = runInfo(config, runId, tokenizerName, endpointOf(config, connector), dataset, calibration);
    if (files) await writeRunInfo(files.run, info);
    const out = writer;
    return {
      config,
      info,
      plan,
      files,
      runId,
      connector,
      baseUrl,
      serverMetrics,
      countTokens,
      append: (record) => out?.append(record),
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (e) {
    await close();
    if (signal?.aborted) throw new PrepareInterrupted<RunFiles>(files, e);
    // No run (a bad input, an endpoint that cannot be used): no files either.
    if (files) { for (const path of [files.records, files.run]) await Deno.remove(path).catch(() => {}); }
    throw e;
  }
}

/**
 * Resolves `--server-metrics`: `off`; `auto` = `<origin>/metrics`, scraped when it answers in Prometheus text (else
 * the reason it is not); a URL, which must (a {@link ConfigError} before anything is sent).
 */
async function findServerMetrics(
  setting: string,
  baseUrl: string,
): Promise<PreparedRun["serverMetrics"]> {
  if (setting === "off") return { scraped: false, url: null, reason: "off (--server-metrics off)" };
  const url = setting === "auto" ? `${new URL(baseUrl).origin}/metrics` : setting;
  const probe = await probeMetrics(url);
  if (!probe.ok) {
    if (setting !== "auto") throw new ConfigError(`${probe.url} ${probe.reason}`, { field: "serverMetrics" });
    return { scraped: false, url: probe.url, reason: probe.reason };
  }
  return {
    scraped: true,
    url: probe.url,
    engine: probe.engine?.label ?? null,
    families: probe.families,
    scrape: url,
    engineNames: probe.engine,
  };
}

/**
 * What only the plan can resolve, recorded with the rest of the configuration: a dataset's size as the request count
 * (when no count or duration bounds the run), the format the dataset was read in, and the failures that stop it.
 */
function resolvedByPlan(config: RunConfig, plan: RunPlan): RunConfig {
  return {
    ...config,
    ...(config.maxNumCompletedRequests === undefined && Number.isFinite(plan.max)
      ? { maxNumCompletedRequests: plan.max }
      : {}),
    ...(plan.datasetFormat ? { datasetFormat: plan.datasetFormat as RunConfig["datasetFormat"] } : {}),
    maxFailures: failFast(config.maxFailures, plan.max) ?? "off",
  };
}

/**
 * A run's file stem (DESIGN.md §6) and its name: `runId` when given, else for a sharded run one every shard derives
 * alike (a hash of the configuration without the shard index and results folder, and the common start), else the stem.
 */
function runName(config: RunConfig): { stem: string; runId: string } {
  const stem = stemOf(config);
  if (config.runId) return { stem, runId: config.runId };
  if (config.shards === undefined) return { stem, runId: stem };
  const { shardIndex: _i, resultsDir: _d, ...shared } = publicConfig(config);
  const hash = createHash("sha256").update(JSON.stringify(shared)).digest("hex").slice(0, 12);
  return { stem, runId: `run-${hash}` };
}

/** The endpoint as the results name it: where the connector sends, or the configured URL before anything started. */
function endpointOf(config: RunConfig, connector?: Connector): RunSummary["endpoint"] {
  return {
    api: config.llmApi,
    url: connector
      ? safeUrl(connector.endpoint)
      : config.baseUrl
      ? safeUrl(config.baseUrl)
      : "(simulated endpoint, not started)",
    model: displayModel(config.model),
    simulated: config.llmApi === "sim",
    ...(connector?.httpClient ? { httpClient: connector.httpClient.kind } : {}),
  };
}

/** What a run's files say of it before its first request; its configuration made public once, here. */
function runInfo(
  config: RunConfig,
  runId: string,
  tokenizer: string,
  endpoint: RunSummary["endpoint"],
  dataset?: RunSummary["dataset"],
  calibration?: RunSummary["calibration"],
): RunInfo {
  const environment = environmentInfo();
  return {
    schemaVersion: 1,
    runId,
    ...(dataset ? { dataset } : {}),
    simulated: endpoint.simulated,
    config: publicConfig(config),
    environment,
    tokenizer,
    ...(calibration ? { calibration } : {}),
    endpoint,
    startedAt: environment.startTime,
  };
}

/** A dataset file by content: its path, SHA-256 and size (read in pieces, so a large file is not held in memory). */
async function datasetIdentity(path: string): Promise<NonNullable<RunSummary["dataset"]>> {
  const hash = createHash("sha256");
  let bytes = 0;
  using file = await Deno.open(path);
  for await (const chunk of file.readable) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { path, sha256: hash.digest("hex"), bytes };
}

/** The file stem of a run: model, token means, concurrency (or rate), mode, a unique suffix. */
function stemOf(config: RunConfig): string {
  const stem = resultStem({
    ...config,
    // The workload in the name: a dataset's (or trace's) name, synthetic sessions, else the token means.
    ...(config.multiTurn && !config.dataset ? { dataset: `sessions${config.sessions}x${config.turns}` } : {}),
    model: displayModel(config.model),
    numConcurrentRequests: config.requestRate ? `rate${config.requestRate}` : config.numConcurrentRequests,
  });
  return config.shards === undefined ? stem : `${stem}_shard${config.shardIndex ?? 0}of${config.shards}`;
}

/** `promise`, or the signal's reason as soon as it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * The result of a run interrupted while it was being prepared: nothing was sent; its summary (stop reason
 * `interrupted`, no requests) is written all the same, so the run is on disk like any other.
 */
async function interruptedBeforeStart(
  config: RunConfig,
  options: PrepareOptions,
  named: RunFiles | null,
): Promise<BenchmarkResult> {
  const { stem, runId } = runName(config);
  const files = named ?? ((options.writeFiles ?? true) ? runFiles(config.resultsDir, stem) : null);
  const tokenizer = options.tokenizer?.name ?? config.tokenizer ?? DEFAULT_TOKENIZER_NAME;
  const info = runInfo(config, runId, tokenizer, endpointOf(config));
  const summary = summarize([], { ...info, stopReason: "interrupted", slo: config.slo });
  if (files) {
    openRecordWriter(files.records).close();
    await writeRunInfo(files.run, info);
    await writeSummary(files.summary, summary);
  }
  return { config, summary, records: [], files };
}

/** Options of {@link executeRun}. */
export interface ExecuteOptions {
  /** Aborting it stops the run; what finished is kept (stop reason `interrupted`). */
  signal?: AbortSignal;
  onProgress?: (progress: RunProgress) => void;
  /** Progress of the warm-up requests, before the measured ones. */
  onWarmupProgress?: (progress: RunProgress) => void;
  /** Each record as its request finishes (after it is judged against the SLOs and appended to the records file). */
  onRecord?: (record: RequestRecord) => void;
  /** Called once before waiting for a common start (`startAt`), with its epoch ms. */
  onWaitForStart?: (epochMs: number) => void | Promise<void>;
  /** Stop the measured run (reason `backlog`) once more requests than this are in flight (see `sendRequests`). */
  maxBacklog?: number;
  /** Each scrape of the server's metrics during the measured run, reduced to the figures (`serverMetrics`). */
  onServerSample?: (sample: ServerSample) => void;
}

/** What execute measured: every record (warm-up first), the measured run, and the client's own load. */
export interface ExecutedRun {
  records: RequestRecord[];
  run: RunResult;
  clientLoad: ClientLoad;
  /** When precision targets were first found reached (sending stopped then). */
  precisionReached?: PrecisionReached;
  /** The server's metrics as scraped during the measured run (times from its clock start). */
  server?: { samples: ServerSample[]; raw: RawScrape[]; failures: number };
}

/** The moment a run's precision targets were first found reached. */
export interface PrecisionReached {
  afterRequests: number;
  atS: number;
}

/** How often the precision targets are checked, ms; a check also waits for 10 % more records than the last one. */
const PRECISION_CHECK_MS = 2000;

/**
 * Checks the precision targets every few seconds against the records so far, and aborts `enough` once all are
 * reached. A check sorts the records' values, so it waits for 10 % more records than the last one: its cost over a
 * run stays small, and it runs between chunks, never inside the per-chunk path.
 */
function watchPrecision(targets: readonly PrecisionTarget[], records: readonly RequestRecord[]) {
  const enough = new AbortController();
  const started = performance.now();
  let checked = 0;
  let reached: PrecisionReached | undefined;
  const timer = setInterval(() => {
    if (records.length < Math.max(checked * 1.1, checked + 1)) return;
    checked = records.length;
    if (precisionState(records, targets).every((t) => t.reached)) {
      reached = { afterRequests: records.length, atS: (performance.now() - started) / 1000 };
      clearInterval(timer);
      enough.abort();
    }
  }, PRECISION_CHECK_MS);
  return {
    enough: enough.signal,
    get reached() {
      return reached;
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * Executes a prepared run: the warm-up requests, then the measured ones — on this thread, or spread over measuring
 * threads (`clientThreads`) — with the client's event-loop lag, CPU time and connection reuse watched meanwhile.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { executeRun, parseRunConfig, prepareRun } from "../../mod.ts";
 * await using prepared = await prepareRun(parseRunConfig({ maxNumCompletedRequests: 2 }), { writeFiles: false });
 * const executed = await executeRun(prepared);
 * assert.deepEqual(executed.records.map((r) => r.status), ["ok", "ok"]);
 * assert.ok(executed.clientLoad.lagMs.length > 0); // the client watched its own event loop meanwhile
 * ```
 */
export async function executeRun(prepared: PreparedRun, options: ExecuteOptions = {}): Promise<ExecutedRun> {
  const { config, plan, connector } = prepared;
  // With precision targets, the measured records so far: the watch reads them every few seconds.
  const measuredRecords: RequestRecord[] = [];
  const common = {
    connector,
    concurrency: plan.concurrency,
    timeoutMs: config.timeoutS * 1000,
    countTokens: (text: string) => prepared.countTokens(text),
    streamed: config.mode === "stream",
    signal: options.signal,
    timeouts: {
      firstTokenMs: config.ttftTimeoutS === undefined ? undefined : config.ttftTimeoutS * 1000,
      idleMs: config.idleTimeoutS * 1000,
      totalMs: config.requestTimeoutS === undefined ? undefined : config.requestTimeoutS * 1000,
    },
    onRecord(record: RequestRecord) {
      record.runId = prepared.runId;
      Object.assign(record, stallFields(record, config.readingSpeed));
      if (config.slo && !record.warmup) record.meetsSlo = meetsSlo(record, config.slo);
      if (!record.warmup && config.targetPrecision) measuredRecords.push(record);
      prepared.append(record);
      options.onRecord?.(record);
    },
  };
  // Connections are opened before the clock starts, and counted with the run's (the figures say how many it used).
  const threadedRun = Math.min(config.clientThreads, plan.concurrency) > 1;
  // A common start far ahead: wait until shortly before it, so the connections warmed next are still open (servers
  // close idle ones after a few seconds) when it comes.
  const startAt = config.startAt === undefined ? undefined : startAtEpochMs(config.startAt);
  if (startAt !== undefined) {
    await options.onWaitForStart?.(startAt);
    await waitUntilEpoch(startAt - WARM_LEAD_MS, options.signal);
  }
  // The per-request code runs warm from the first request on (against a stand-in on 127.0.0.1, not the endpoint).
  if (config.warmConnections && !threadedRun && config.mode === "stream" && plan.requests.length > 0) {
    await warmRequestPath(config, prepared.baseUrl, plan.requests.at(0)!, { signal: options.signal });
  }
  const warmed = config.warmConnections && !threadedRun
    ? await connector.warm?.(warmConnectionCount(plan), options.signal) ?? 0
    : 0;
  const warmup = plan.warmup.length > 0
    ? (await sendRequests({ ...common, requests: plan.warmup, warmup: true, onProgress: options.onWarmupProgress }))
      .records
    : [];
  // A common start (--start-at): wait for it; a shard that is late shortens its duration and keeps the schedule's
  // times (arrivals already due go out at once), so every shard stops at the common start + the duration.
  let lateMs = 0;
  // The run's clock starts here; the lateness is measured on it, so the schedule's times land on the common clock.
  let clockStart: number | undefined;
  if (startAt !== undefined) {
    await waitUntilEpoch(startAt, options.signal);
    clockStart = performance.now();
    lateMs = Math.max(0, performance.timeOrigin + clockStart - startAt);
  }
  const monitor = startClientMonitor();
  const before = connector.httpClient?.stats ? { ...connector.httpClient.stats } : undefined;
  const measured = {
    ...common,
    requests: plan.requests,
    maxRequests: plan.max,
    ...(plan.sessions ? { sessions: plan.sessions, turnDelayMs: config.turnDelayS * 1000 } : {}),
    schedule: plan.schedule && lateMs > 0 ? plan.schedule.map((t) => t - lateMs) : plan.schedule,
    durationMs: config.durationS === undefined ? undefined : Math.max(1, config.durationS * 1000 - lateMs),
    onProgress: options.onProgress,
    ...(options.maxBacklog !== undefined ? { maxBacklog: options.maxBacklog } : {}),
    ...(typeof config.maxFailures === "number" ? { maxFailures: config.maxFailures } : {}),
    ...(config.onRateLimit === "wait" ? { rateLimit: { maxWaitS: config.maxRateLimitWaitS } } : {}),
  };
  const threaded = threadedRun
    ? await runInThreads({
      ...measured,
      config,
      baseUrl: prepared.baseUrl,
      threads: config.clientThreads,
      warmConnections: config.warmConnections,
    })
    : undefined;
  // A shard reuses requests with indexes of its own: I, I + N, … like the requests it was given.
  const part: RunPart = {
    clockStart,
    ...(config.shards !== undefined && config.shards > 1
      ? { indexStride: config.shards, indexOffset: config.shardIndex ?? 0 }
      : {}),
  };
  const watch = config.targetPrecision ? watchPrecision(config.targetPrecision, measuredRecords) : undefined;
  const found = prepared.serverMetrics;
  // The server's metrics: one scrape just before the first request, every second meanwhile, one after the last.
  const scraper = found.scraped
    ? startScraper(found.scrape!, found.engineNames ?? null, {
      zero: performance.now(),
      ...(options.onServerSample ? { onSample: options.onServerSample } : {}),
    })
    : undefined;
  await scraper?.scrapeNow();
  scraper?.rebase(part.clockStart ?? performance.now());
  let run: RunResult;
  try {
    run = threaded ?? await sendRequests({ ...measured, part, stopSending: watch?.enough });
  } finally {
    watch?.stop();
    await scraper?.stop();
  }
  const clientLoad = monitor.stop();
  if (threaded) {
    // The main thread only relayed: the lag that matters is the measuring threads'.
    clientLoad.lagMs = threaded.threadLoad.lagMs;
    clientLoad.threads = threaded.threadLoad.threads;
    clientLoad.connections = threaded.threadLoad.connections;
  } else {
    const used = connectionDelta(before, connector.httpClient?.stats);
    if (used) {
      clientLoad.connections = {
        opened: used.connectionsOpened + warmed,
        requests: used.requests,
        reused: used.reused,
        concurrency: plan.concurrency,
      };
    }
  }
  return {
    records: [...warmup, ...run.records],
    run,
    clientLoad,
    ...(watch?.reached ? { precisionReached: watch.reached } : {}),
    ...(scraper ? { server: { samples: scraper.samples, raw: scraper.raw, failures: scraper.failures } } : {}),
  };
}

/**
 * Resolves when this machine's clock reaches `epochMs` (at once when it has), or as soon as `signal` aborts (the run
 * then stops at once, interrupted, like any other).
 */
function waitUntilEpoch(epochMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const tick = () => {
      const left = epochMs - Date.now();
      if (left <= 0) {
        signal?.removeEventListener("abort", onAbort);
        return resolve();
      }
      // Sleep most of the way, then in short steps: the start is taken within a millisecond or two.
      timer = setTimeout(tick, left > 50 ? left - 20 : 1);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    tick();
  });
}

/** How long before a common start the connections are warmed. */
const WARM_LEAD_MS = 1500;

/** Connections to open before the clock: one per request in flight at once, at most the requests sent and 1,024. */
function warmConnectionCount(plan: RunPlan): number {
  return Math.min(plan.concurrency, plan.max, 1024);
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
 * Finishes a run: summarizes its records (DESIGN.md §2) and writes `<stem>_summary.json`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { executeRun, finishRun, parseRunConfig, prepareRun } from "../../mod.ts";
 * await using prepared = await prepareRun(parseRunConfig({ maxNumCompletedRequests: 2 }), { writeFiles: false });
 * const { summary } = await finishRun(prepared, await executeRun(prepared));
 * assert.equal(summary.config.numConcurrentRequests, 8); // every setting resolved, defaults too
 * assert.equal(summary.run.requestsSucceeded, 2);
 * ```
 */
export async function finishRun(prepared: PreparedRun, executed: ExecutedRun): Promise<BenchmarkResult> {
  const { run } = executed;
  const { info } = prepared;
  // A simulator reached by URL is still a simulator: its responses say so.
  const endpoint = run.simulatedResponses > 0 ? { ...info.endpoint, simulated: true } : info.endpoint;
  const config = prepared.config;
  const shard = config.shards === undefined ? undefined : {
    shards: config.shards,
    index: config.shardIndex ?? 0,
    ...(config.startAt !== undefined ? { startAt: new Date(startAtEpochMs(config.startAt)).toISOString() } : {}),
    runStartEpochMs: run.runStartEpochMs,
    ...(config.startAt !== undefined
      ? { latenessMs: Math.round((run.runStartEpochMs - startAtEpochMs(config.startAt)) * 1000) / 1000 }
      : {}),
    host: Deno.hostname(),
  };
  const summary = summarize(executed.records, {
    runId: prepared.runId,
    dataset: info.dataset,
    shard,
    config: info.config,
    startedAt: run.startedAt,
    stopReason: run.stopReason,
    tokenizer: info.tokenizer,
    ...(info.calibration ? { calibration: info.calibration } : {}),
    endpoint,
    environment: info.environment,
    slo: prepared.config.slo,
    clientLoad: executed.clientLoad,
    ...(config.targetPrecision
      ? { precision: { targets: config.targetPrecision, reached: executed.precisionReached } }
      : {}),
  });
  const found = prepared.serverMetrics;
  if (executed.server && found.scraped) {
    const measured = executed.records.filter((r) => !r.warmup);
    const toMs = measured.reduce((m, r) => Math.max(m, r.endOffsetMs), 0);
    summary.serverMetrics = {
      ...summarizeServerMetrics(executed.server.samples, { url: found.url, engine: found.engine, fromMs: 0, toMs }),
      failedScrapes: executed.server.failures,
    };
    const note = tokenAgreement(summary.serverMetrics, measured);
    if (note && summary.health) summary.health.notes.push(note);
    if (prepared.files) {
      await Deno.writeTextFile(
        prepared.files.serverMetrics,
        executed.server.raw.map((r) => JSON.stringify(r)).join("\n") + (executed.server.raw.length ? "\n" : ""),
      );
    }
  }
  if (prepared.files) await writeSummary(prepared.files.summary, summary);
  return { config: prepared.config, summary, records: executed.records, files: prepared.files };
}

/**
 * How many leading failures stop a run: `--max-failures N`, none with `off`, else 50 — or 10 % of the requests when
 * that is fewer, but at least 10 (all of them, in a run of fewer): one early failure never stops a small run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { failFast } from "./pipeline.ts";
 * assert.deepEqual([failFast(undefined, 1e12), failFast(undefined, 300), failFast(undefined, 40)], [50, 30, 10]);
 * assert.deepEqual([failFast(undefined, 6), failFast("off", 40), failFast(3, 40)], [6, undefined, 3]);
 * ```
 */
export function failFast(setting: number | "off" | undefined, requests: number): number | undefined {
  if (setting === "off") return undefined;
  return setting ?? Math.max(Math.min(10, requests), Math.min(50, Math.ceil(0.1 * requests)));
}

/**
 * The server's generated tokens against the client's count over the run: they agree within 5 % when the server served
 * only this run and both count tokens alike; a health note when not.
 */
function tokenAgreement(server: ServerMetricsSummary, measured: readonly RequestRecord[]): string | null {
  const generated = server.counters.generationTokens?.increase;
  const counted = measured.reduce((n, r) => n + (r.outputTokens ?? 0), 0);
  if (generated === undefined || counted === 0) return null;
  const off = (generated - counted) / counted;
  if (Math.abs(off) <= 0.05) return null;
  return `the server generated ${Math.round(generated)} tokens during the run, the client counted ${counted} ` +
    `(${off > 1 ? `${(generated / counted).toFixed(1)}×` : `${off > 0 ? "+" : ""}${(off * 100).toFixed(0)} %`}): ` +
    `other traffic on the server, another tokenizer, or ` +
    `requests the client aborted`;
}

/** What the console may print of what `--server-metrics` found (no URL credentials, no scrape handle). */
function publicFound(found: PreparedRun["serverMetrics"]): ServerMetricsFound {
  const { scrape: _s, engineNames: _e, ...shown } = found;
  return shown;
}

/** Options of {@link benchmark}. */
export interface BenchmarkOptions extends PrepareOptions, ExecuteOptions {
  onStart?: (start: BenchmarkStart) => void;
}

/**
 * Runs prepare → execute → finish on a configuration already parsed (what {@link benchmark} and `runSweep` do once
 * they have parsed theirs); a run interrupted while it was prepared is written as one that sent nothing.
 */
export async function runParsed(config: RunConfig, options: BenchmarkOptions = {}): Promise<BenchmarkResult> {
  let prepared: PreparedRun;
  try {
    prepared = await prepareRun(config, options);
  } catch (e) {
    if (e instanceof PrepareInterrupted) {
      return await interruptedBeforeStart(config, options, (e as PrepareInterrupted<RunFiles>).files);
    }
    throw e;
  }
  await using _ = prepared;
  options.onStart?.({
    config: prepared.config,
    runId: prepared.runId,
    files: prepared.files,
    endpoint: prepared.info.endpoint,
    tokenizer: prepared.info.tokenizer,
    ...(prepared.info.calibration ? { calibration: prepared.info.calibration } : {}),
    requests: prepared.plan.max,
    concurrency: prepared.plan.concurrency,
    ...(prepared.plan.datasetFormat ? { datasetFormat: prepared.plan.datasetFormat } : {}),
    warmupRequests: prepared.plan.warmup.length,
    serverMetrics: publicFound(prepared.serverMetrics),
  });
  return await finishRun(prepared, await executeRun(prepared, options));
}

/**
 * Runs one benchmark end to end: validates the configuration (a {@link ConfigError} before anything is sent),
 * draws the requests, starts the simulated endpoint when `llmApi` is `sim`, sends the requests, appends each record to
 * `<stem>_individual_responses.jsonl` as it finishes and writes `<stem>_summary.json` at the end.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { benchmark } from "../../mod.ts";
 * const { summary, records } = await benchmark({ maxNumCompletedRequests: 4, numConcurrentRequests: 2 }, {
 *   writeFiles: false,
 * });
 * assert.equal(summary.simulated, true); // no endpoint configured: the built-in simulator
 * assert.equal(records.length, 4);
 * assert.ok(summary.metrics.ttftMs.p50! > 0);
 * ```
 */
export async function benchmark(input: RunConfigInput, options: BenchmarkOptions = {}): Promise<BenchmarkResult> {
  return await runParsed(parseRunConfig(input), options);
}
