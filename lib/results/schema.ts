import { z } from "zod";
import { SloSchema } from "../config/slo.ts";

const ms = z.number();
const maybe = z.number().nullable();

/** One flat statistics record of a per-request metric (DESIGN.md §2); `null` where there is no value. */
/** A 95 % interval, or null where there is none. */
const IntervalSchema = z.tuple([z.number(), z.number()]).nullable();

export const StatisticsSchema = z.object({
  count: z.int().min(0),
  mean: maybe,
  stddev: maybe,
  min: maybe,
  p5: maybe,
  p25: maybe,
  p50: maybe,
  p75: maybe,
  p90: maybe,
  p95: maybe,
  p99: maybe,
  max: maybe,
  /**
   * 95 % intervals of the mean and of p50 … p99 (README "How precise is it"): `[low, high]`, or null where the
   * values are too few for one. Present for the per-request metrics of a summary.
   */
  ci: z.object({
    mean: IntervalSchema,
    p50: IntervalSchema,
    p90: IntervalSchema,
    p95: IntervalSchema,
    p99: IntervalSchema,
  }).optional(),
});
/** The statistics of no values. */
export const NO_VALUES = {
  count: 0,
  mean: null,
  stddev: null,
  min: null,
  p5: null,
  p25: null,
  p50: null,
  p75: null,
  p90: null,
  p95: null,
  p99: null,
  max: null,
};
/** count, mean, sample stddev, min, p5 … p99, max, and (per-request metrics) their 95 % intervals. */
export type Statistics = z.infer<typeof StatisticsSchema>;

/** A failed request's error: a stable code, a message, and the HTTP status and body excerpt where there is one. */
export const RecordErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  httpStatus: z.int().optional(),
  bodyExcerpt: z.string().optional(),
  /** `Retry-After` of a 429 response, seconds. */
  retryAfterS: z.number().optional(),
  /**
   * A 429's rate-limit headers, as sent: `x-ratelimit-remaining-requests` / `-tokens`, `x-ratelimit-reset-requests` /
   * `-tokens` (OpenAI, Azure, Together, SambaNova Cloud …), `x-ratelimit-limit-requests` / `-tokens`, keyed by the header
   * name without `x-ratelimit-`.
   */
  rateLimit: z.record(z.string(), z.string()).optional(),
  /** For TIMEOUT: which limit struck — first token, idle between chunks, or the whole request. */
  phase: z.enum(["first-token", "idle", "total"]).optional(),
});

/**
 * One request's outcome and metrics (one line of `<stem>_individual_responses.jsonl`). Times are ms; offsets are from
 * the run's start. Metrics that a request does not define (TTFT of a failed request, TPOT of a 1-token answer) are
 * `null`.
 */
export const RequestRecordSchema = z.object({
  /** The run this request belongs to (its file stem): rows of many runs stay apart when concatenated. */
  runId: z.string().optional(),
  index: z.int().min(0),
  /** Multi-turn: the session this request belongs to, and its turn (from 1). */
  sessionId: z.string().optional(),
  turn: z.int().min(1).optional(),
  /** The dataset line (or JSON array item, 1-based) the request came from. */
  datasetLine: z.int().min(1).optional(),
  status: z.enum(["ok", "error", "aborted"]),
  error: RecordErrorSchema.optional(),
  /** When the request was handed to the HTTP client, ms from run start. */
  startOffsetMs: ms,
  /** When its last byte (or its failure) arrived, ms from run start. */
  endOffsetMs: ms,
  /** The request opened a connection, which took this long (inside its TTFT); absent when it reused a kept-alive one. */
  connectMs: z.number().optional(),
  /** From t0 to the request's last byte written to the socket (llm-bench's HTTP client only): how late it left. */
  requestWrittenMs: z.number().optional(),
  /** Actual send − scheduled send (0 in a closed loop). */
  clientQueueMs: ms,
  /** Open loop: when the request was due, ms from run start. */
  scheduledOffsetMs: z.number().optional(),
  /** Open loop: TTFT measured from the scheduled send (client queueing included). */
  ttftFromScheduleMs: z.number().optional(),
  /** Open loop: end-to-end latency measured from the scheduled send (client queueing included). */
  e2eFromScheduleMs: z.number().optional(),
  /** The response's first chunk carried no text (role-only or empty): skipped for TTFT. */
  firstChunkEmpty: z.boolean().optional(),
  /** A warm-up request: sent first, kept in the records, left out of the summary. */
  warmup: z.boolean().optional(),
  /**
   * A reader at the run's reading speed (`--reading-speed`) waited this many times for more text after the first token
   * (successful streamed answers only; README "Stalls").
   */
  stallCount: z.int().min(0).optional(),
  /** Total time that reader waited, ms. */
  stallMs: z.number().optional(),
  /** Its longest wait, ms. */
  longestStallMs: z.number().optional(),
  /** The waits: when each began (ms after t0) and how long it was (at most 50 kept). */
  stalls: z.array(z.object({ atMs: z.number(), ms: z.number() })).optional(),
  /** `--on-rate-limit wait`: the 429s this request was answered before the attempt it records. */
  rateLimitRetries: z.int().min(1).optional(),
  /** `--on-rate-limit wait`: from its first attempt's t0 to the recorded attempt's, ms — waited, not measured. */
  rateLimitWaitMs: z.number().min(0).optional(),
  /** `--on-rate-limit wait`: the longest Retry-After its 429s asked for, s. */
  rateLimitRetryAfterS: z.number().min(0).optional(),
  /** Whether the request met every SLO of the run (`--slo`); absent when the run set none. */
  meetsSlo: z.boolean().optional(),
  /** HTTP status of the response, when one arrived. */
  httpStatus: z.int().nullable(),
  ttfbMs: maybe,
  ttftMs: maybe,
  e2eMs: maybe,
  tpotMs: maybe,
  /** Gaps between consecutive text-carrying events after the first. */
  interTokenLatenciesMs: z.array(z.number()),
  /** Events that carried generated text. */
  textEvents: z.int().min(0),
  /** Events that carried no text (role-only, empty content, usage-only). */
  emptyEvents: z.int().min(0),
  /** Output tokens per text-carrying event (1 when every event is one token). */
  tokensPerEvent: maybe,
  // Reasoning models (present when the answer carried reasoning text: reasoning_content / reasoning, or <think>).
  /** Time to first answer token: the first `content` text after any reasoning − t0, ms (absent: no answer text). */
  ttfatMs: z.number().optional(),
  /** How long the reasoning streamed: from its first text to the answer's first (or its own last), ms. */
  reasoningMs: z.number().optional(),
  /** Text events of the reasoning phase (the first `reasoningEvents` of the text events). */
  reasoningEvents: z.int().min(0).optional(),
  /** Reasoning tokens: usage.completion_tokens_details.reasoning_tokens when reported, else the tokenizer's count. */
  reasoningTokens: z.int().min(0).optional(),
  reasoningTokenSource: z.enum(["server", "tokenizer"]).optional(),
  /** Answer tokens: output tokens less reasoning tokens. */
  answerTokens: z.int().min(0).optional(),
  requestedInputTokens: z.int(),
  inputTokens: z.int().nullable(),
  inputTokenSource: z.enum(["server", "tokenizer"]),
  /** Input tokens the server found in its prefix cache (usage.prompt_tokens_details.cached_tokens), when it says. */
  cachedInputTokens: z.int().min(0).optional(),
  requestedOutputTokens: z.int(),
  outputTokens: z.int().nullable(),
  outputTokenSource: z.enum(["server", "tokenizer"]),
  outputTokensPerS: maybe,
  decodeTokensPerS: maybe,
  finishReason: z.string().nullable(),
  generatedText: z.string(),
  // Server-side timings, present only when the server reported them (SambaNova usage block, SambaStudio final
  // event). A reported 0 is a value; a field the server did not send is absent.
  /** Server's time to first token, ms. */
  serverTtftMs: z.number().optional(),
  /** Server's total latency, ms. */
  serverE2eMs: z.number().optional(),
  /** Server's output tokens per second after the first token. */
  serverDecodeTokensPerS: z.number().optional(),
  /** Server's output tokens per second over the whole request. */
  serverOutputTokensPerS: z.number().optional(),
  /** Server's (input + output) tokens per second. */
  serverTotalTokensPerS: z.number().optional(),
  /** Batch size the server used for this request. */
  serverBatchSize: z.number().optional(),
  /** Speculative-decoding acceptance rate the server reported. */
  serverAcceptanceRate: z.number().optional(),
  serverInputTokens: z.number().optional(),
  serverOutputTokens: z.number().optional(),
  /** Client TTFT − server TTFT: network, gateway, queueing before the server's clock starts, client overhead. */
  ttftOverheadMs: z.number().optional(),
});
/** One request's outcome and metrics. */
export type RequestRecord = z.infer<typeof RequestRecordSchema>;

/** Metrics a summary written before they existed lacks (reasoning models'). */
export const LATER_METRIC_FIELDS = [
  "ttfatMs",
  "reasoningMs",
  "reasoningTokens",
  "answerTokens",
  "reasoningItlMs",
  "answerItlMs",
] as const;

/** Per-request metrics that the summary describes with a {@link Statistics} record each. */
export const METRIC_FIELDS = [
  "ttftMs",
  "e2eMs",
  "interTokenLatencyMs",
  "tpotMs",
  "outputTokensPerS",
  "decodeTokensPerS",
  "ttfbMs",
  "inputTokens",
  "outputTokens",
  "tokensPerEvent",
  "clientQueueMs",
  "ttftFromScheduleMs",
  "e2eFromScheduleMs",
  "serverTtftMs",
  "serverE2eMs",
  "serverDecodeTokensPerS",
  "serverTotalTokensPerS",
  "serverBatchSize",
  "serverAcceptanceRate",
  "ttftOverheadMs",
  ...LATER_METRIC_FIELDS,
] as const;
/** One of {@link METRIC_FIELDS}. */
export type MetricField = typeof METRIC_FIELDS[number];

/** The end-of-run summary (`<stem>_summary.json`). */
export const RunSummarySchema = z.object({
  schemaVersion: z.literal(1),
  /** The run's identity (its file stem); absent in files written before runs had one. */
  runId: z.string().optional(),
  /** True when the numbers come from the built-in simulated endpoint, not a model server. */
  simulated: z.boolean(),
  label: z.string(),
  /** A shard of a run spread over several processes (`--shards`): which, and when it started against the common start. */
  shard: z.object({
    shards: z.int(),
    index: z.int(),
    /** The common start (`--start-at`), ISO 8601; absent when the shards were not given one. */
    startAt: z.string().optional(),
    /** When this shard's measured run began, epoch ms on its own clock. */
    runStartEpochMs: z.number(),
    /** runStartEpochMs − startAt: how late this shard started (its clock against the others'). */
    latenessMs: z.number().optional(),
    host: z.string(),
  }).optional(),
  /** A run merged from its shards (`deno task merge`): one row per shard. */
  merged: z.object({
    shards: z.int(),
    missing: z.array(z.int()),
    rows: z.array(z.object({
      index: z.int(),
      stem: z.string(),
      host: z.string(),
      requests: z.int(),
      ok: z.int(),
      failed: z.int(),
      latenessMs: z.number().nullable(),
      health: z.string().nullable(),
      healthReasons: z.array(z.string()),
    })),
  }).optional(),
  /** The dataset the requests came from, by content: two runs of the same file have the same hash; and its format. */
  dataset: z.object({ path: z.string(), sha256: z.string(), bytes: z.int(), format: z.string().optional() }).optional(),
  /** Multi-turn runs: successful requests by turn, with their TTFT and input tokens. */
  turns: z.array(z.object({
    turn: z.int(),
    requests: z.int(),
    ttftP50Ms: z.number().nullable(),
    ttftP99Ms: z.number().nullable(),
    inputTokensMean: z.number().nullable(),
  })).optional(),
  /** Prefix caching, when the server reported cached input tokens: their share of all input tokens. */
  cache: z.object({
    cachedInputTokens: z.int(),
    inputTokens: z.int(),
    /** cachedInputTokens / inputTokens. */
    hitShare: z.number().nullable(),
    /** Requests with any cached input token. */
    requestsWithHits: z.int(),
  }).optional(),
  /** The run configuration with secrets removed. */
  config: z.record(z.string(), z.unknown()),
  environment: z.object({
    deno: z.string(),
    v8: z.string(),
    typescript: z.string(),
    os: z.string(),
    arch: z.string(),
    cpuCount: z.int(),
    startTime: z.string(),
  }),
  tokenizer: z.string(),
  endpoint: z.object({
    api: z.string(),
    url: z.string(),
    model: z.string(),
    simulated: z.boolean(),
    /** The HTTP client that measured: `llm-bench` (its own HTTP/1.1 client) or `fetch` (Deno's). */
    httpClient: z.string().optional(),
  }),
  run: z.object({
    startedAt: z.string(),
    stopReason: z.enum(["completed", "duration", "precision", "timeout", "interrupted", "backlog", "failing"]),
    /** Warm-up requests sent before the measured ones (not in any statistic). */
    warmupRequests: z.int().default(0),
    /**
     * The run stopped before it sent what it was asked to (Ctrl-C, its timeout, failing, a backlog): its figures are
     * partial. Absent in files written before it was recorded.
     */
    partial: z.boolean().optional(),
    wallTimeS: z.number().nullable(),
    requestsStarted: z.int(),
    requestsSucceeded: z.int(),
    requestsFailed: z.int(),
    requestsAborted: z.int(),
  }),
  throughput: z.object({
    outputTokensPerS: z.number().nullable(),
    requestsPerS: z.number().nullable(),
    requestsPerMin: z.number().nullable(),
    /** 95 % intervals of the two rates, by batch means over ten windows of the run (null when too short). */
    ci: z.object({ outputTokensPerS: IntervalSchema, requestsPerS: IntervalSchema }).optional(),
  }),
  /**
   * `--tokenizer server`: the calibration the prompts were sized by — each calibration request's bundled-tokenizer
   * and server counts, the fitted line (server = intercept + slope × local) and its largest relative miss.
   */
  calibration: z.object({
    requests: z.array(z.object({ localTokens: z.int(), serverTokens: z.int() })),
    intercept: z.number(),
    slope: z.number(),
    residual: z.number(),
  }).optional(),
  /** Whether the numbers can be trusted: `suspect` when the client may have distorted them. */
  health: z.object({
    verdict: z.enum(["valid", "suspect"]),
    /** Why the run is suspect. */
    reasons: z.array(z.string()),
    /** Stream-integrity findings that do not distort the timings. */
    notes: z.array(z.string()),
    figures: z.record(z.string(), z.number().nullable()),
  }).optional(),
  /** Stalls of a reader at the run's reading speed (README "Stalls"); absent in files from before they were measured. */
  stalls: z.object({
    readingSpeedTokensPerS: z.number(),
    /** Successful streamed answers judged. */
    answers: z.int(),
    /** Answers with at least one stall. */
    answersWithStall: z.int(),
    /** answersWithStall / answers. */
    share: z.number().nullable(),
    /** Per answer: total stall time, ms. */
    stallMs: StatisticsSchema,
    /** Per answer: longest stall, ms. */
    longestStallMs: StatisticsSchema,
    /** Per answer: number of stalls. */
    stallCount: StatisticsSchema,
  }).optional(),
  /**
   * The steady-state window (README "How precise is it"): where the intended load was held — its span (ms from the
   * run's start), how it was found, and the figures of the requests that started and ended inside it. `enough` when
   * it holds enough of the run's requests for its figures to be the headline ones.
   */
  window: z.object({
    startMs: z.number(),
    endMs: z.number(),
    basis: z.string(),
    requests: z.int(),
    /** Requests inside the window over the run's finished requests. */
    share: z.number(),
    enough: z.boolean(),
    throughput: z.object({ outputTokensPerS: z.number().nullable(), requestsPerS: z.number().nullable() }),
    metrics: z.record(z.string(), StatisticsSchema),
  }).optional(),
  /** Present when the run set precision targets (`--target-precision`): where each stood at the end. */
  precision: z.object({
    targets: z.array(z.object({
      figure: z.string(),
      /** The largest relative half-width allowed. */
      target: z.number(),
      value: z.number().nullable(),
      interval: IntervalSchema,
      /** The larger side of the interval over the figure; null while there is no interval (too few). */
      halfWidth: z.number().nullable(),
      reached: z.boolean(),
    })),
    /** Every target within its share at the end of the run. */
    reached: z.boolean(),
    /** When the check first found every target reached (sending stopped then; requests in flight finished). */
    reachedAfterRequests: z.int().optional(),
    reachedAtS: z.number().optional(),
  }).optional(),
  /**
   * The server's own metrics over the measured run (`--server-metrics`), scraped every second: measured by the
   * server, not the client (lib/metrics/server_metrics.ts). Absent when none were scraped.
   */
  serverMetrics: z.object({
    url: z.string(),
    engine: z.string().nullable(),
    scrapes: z.int(),
    failedScrapes: z.int(),
    fromS: z.number(),
    toS: z.number(),
    gauges: z.record(z.string(), z.object({ mean: z.number(), max: z.number() })),
    counters: z.record(z.string(), z.object({ increase: z.number(), perS: z.number() })),
    prefixCacheHitRate: z.number().nullable(),
    histograms: z.record(
      z.string(),
      z.object({
        count: z.number(),
        meanMs: z.number().nullable(),
        p50Ms: z.number().nullable(),
        p99Ms: z.number().nullable(),
      }),
    ),
    series: z.object({
      t: z.array(z.number()),
      running: z.array(z.number().nullable()),
      waiting: z.array(z.number().nullable()),
      kvCache: z.array(z.number().nullable()),
      generationTokensPerS: z.array(z.number().nullable()),
    }),
  }).optional(),
  /** Present when the run set SLOs (`--slo`). */
  goodput: z.object({
    slo: SloSchema,
    /** Requests that met every SLO. */
    met: z.int(),
    /** met / (requests started − aborted). */
    attainment: z.number().nullable(),
    /** Requests meeting every SLO per second of run wall time. */
    requestsPerS: z.number().nullable(),
    /**
     * Each percentile's limit (`ttft.p99<=500ms`), judged on its own: the share of requests within it, its 95 %
     * interval, and PASS / FAIL / INDETERMINATE against the percentile's share; the figure at that percentile.
     */
    percentiles: z.array(z.object({
      name: z.string(),
      label: z.string(),
      target: z.number(),
      met: z.int(),
      n: z.int(),
      share: z.number().nullable(),
      interval: z.tuple([z.number(), z.number()]).nullable(),
      verdict: z.enum(["PASS", "FAIL", "INDETERMINATE"]),
      figures: z.array(z.object({
        metric: z.enum(["ttft", "tpot", "e2e", "ttfat"]),
        percentile: z.number(),
        label: z.string(),
        ms: z.number().nullable(),
        maxMs: z.number(),
      })),
    })).optional(),
  }).optional(),
  errors: z.object({
    rate: z.number().nullable(),
    count: z.int(),
    /** Failures that were rate limiting (HTTP 429), counted apart from the rest. */
    rateLimited: z.int(),
    /**
     * Every request answered 429 at least once — failed, or waited out and sent again (`--on-rate-limit wait`) — with
     * the Retry-After range the server asked for and the time spent waiting; absent when none was.
     */
    rateLimit: z.object({
      requests: z.int(),
      /** Of those, the ones that succeeded after waiting. */
      waitedOut: z.int(),
      /** 429s in all (a request waited out was answered 429 once per retry). */
      responses: z.int(),
      retryAfterS: z.tuple([z.number(), z.number()]).nullable(),
      /** Σ of the requests' waits, s: time spent waiting, not in any latency. */
      waitedS: z.number(),
      onRateLimit: z.enum(["fail", "wait"]),
    }).optional(),
    byCode: z.record(z.string(), z.int()),
  }),
  // A file written before a metric existed lacks it: read as no values.
  metrics: z.object(
    Object.fromEntries(
      METRIC_FIELDS.map((f) => [
        f,
        (LATER_METRIC_FIELDS as readonly string[]).includes(f) ? StatisticsSchema.default(NO_VALUES) : StatisticsSchema,
      ]),
    ) as Record<MetricField, typeof StatisticsSchema>,
  ),
});
/** The end-of-run summary. */
export type RunSummary = z.infer<typeof RunSummarySchema>;

/**
 * What a run is, written when it starts (`<stem>_run.json`): enough to rebuild its summary from the records file if the
 * process dies before writing one (`deno task summarize`).
 */
export const RunInfoSchema = RunSummarySchema.pick({
  schemaVersion: true,
  runId: true,
  shard: true,
  dataset: true,
  simulated: true,
  config: true,
  environment: true,
  tokenizer: true,
  calibration: true,
  endpoint: true,
}).extend({ startedAt: z.string() });
/** A run's start record. */
export type RunInfo = z.infer<typeof RunInfoSchema>;
