import { z } from "zod";
import { SimParamsSchema } from "../simulator/params.ts";
import { SloSchema } from "./slo.ts";
import { PrecisionTargetsSchema } from "./precision.ts";
import { DATASET_FORMATS } from "../sampler/formats.ts";

/** The groups a command's help lists its settings in, in order. */
export const FIELD_GROUPS = [
  "Endpoint",
  "Answers",
  "Load",
  "Requests & datasets",
  "Limits & timeouts",
  "Output",
  "Simulated endpoint",
  "Other",
] as const;
/** One of {@link FIELD_GROUPS}. */
export type FieldGroup = typeof FIELD_GROUPS[number];

/**
 * How a field is set from the command line, kept on the field (zod `.meta()`), so the flags, `--help` and the defaults
 * it shows come from the schema alone: lib/cli/ turns each field that has one into a flag. `{field}` in the text names
 * another field's flag, `{no}` this field's `--no-` form.
 */
export interface FieldHelp {
  group: FieldGroup;
  /** The help text, lower case, no full stop. */
  help: string;
  /** The argument's name (`N`, `SECONDS`); an enum's values when absent. */
  arg?: string;
  /** The default as help says it, where it depends on other settings (else the schema's default is shown). */
  default?: string;
}

/** The `.meta()` of a field that is set from the command line. */
function flag(group: FieldGroup, help: string, more: Omit<FieldHelp, "group" | "help"> = {}): { cli: FieldHelp } {
  return { cli: { group, help, ...more } };
}

/** A field's command-line help, when it has one. */
export function fieldHelp(schema: z.ZodType): FieldHelp | undefined {
  return (schema.meta() as { cli?: FieldHelp } | undefined)?.cli;
}

/** Wire protocols llm-bench can speak. `sim` starts the built-in simulated endpoint in-process. */
export const LLM_APIS = ["sim", "openai", "sambanova", "sambastudio"] as const;
/** One of {@link LLM_APIS}. */
export type LlmApi = typeof LLM_APIS[number];

/** SambaNova Cloud's API, the default base URL of `--llm-api sambanova`. */
export const SAMBANOVA_DEFAULT_BASE = "https://api.sambanova.ai/v1";

/**
 * What each real API needs, named as a person sets it. `{field}` stands for a configuration field and is written by
 * whoever reports the error: the flag `--base-url` on the command line, the field `baseUrl` in a notebook.
 */
const NEEDS: Record<Exclude<LlmApi, "sim">, { url: string; key?: string }> = {
  openai: { url: "{baseUrl} (or OPENAI_API_BASE)" },
  sambanova: { url: "{baseUrl} (or SAMBANOVA_API_BASE)", key: "SAMBANOVA_API_KEY" },
  sambastudio: {
    url: "SAMBASTUDIO_URL (or BASE_URL, PROJECT_ID and ENDPOINT_ID) in .env or the environment",
    key: "SAMBASTUDIO_API_KEY (or API_KEY) in .env or the environment",
  },
};

/** Default model name used against the simulated endpoint. */
export const SIM_MODEL = "llm-bench-sim";

/** The longest time limit, seconds: timers hold at most 2³¹ − 1 ms (about 24.8 days). */
export const MAX_TIMER_S = 2_147_483;

/** Requests in flight at once in a closed loop when the run does not say. */
export const DEFAULT_CONCURRENCY = 8;
/** Requests a run sends when it names no count, dataset or duration. */
export const DEFAULT_REQUESTS = 40;
/** Synthetic multi-turn sessions when the run names no count. */
export const DEFAULT_SESSIONS = 8;
/** Turns per synthetic session when the run names no count. */
export const DEFAULT_TURNS = 3;
/** The in-flight cap of an open-loop run that sets none (in effect, no cap). */
export const OPEN_LOOP_MAX_IN_FLIGHT = 100_000;

/**
 * Default reading speed, tokens per second: 238 words per minute — the average silent reading rate of English
 * non-fiction in Brysbaert's meta-analysis (Journal of Memory and Language 109, 2019, "How many words do we read per
 * minute?", 190 studies, 18,573 readers) — at 0.75 words per token (OpenAI's rule of thumb for English: "1 token ≈ ¾
 * of a word"): 238 / 0.75 / 60 = 5.29 tokens/s.
 */
export const DEFAULT_READING_SPEED = 5.3;

/** Configuration fields a sweep can vary (`--sweep`), one run per value. */
export const SWEEP_FIELDS = ["numConcurrentRequests", "requestRate", "meanInputTokens", "meanOutputTokens"] as const;
/** One of {@link SWEEP_FIELDS}. */
export type SweepField = typeof SWEEP_FIELDS[number];

/**
 * Every field of a run's configuration, with its default. The run schema and the chat schema are made from it, so an
 * endpoint field is declared once.
 */
export const RunConfigFields = z.object({
  /** Wire protocol; `sim` = built-in simulated endpoint. @default "sim" */
  llmApi: z.enum(LLM_APIS).default("sim").meta(
    flag("Endpoint", "wire protocol; sim = built-in simulated endpoint", {
      default: "openai when a base URL is set, else sim",
    }),
  ),
  /** Model name sent in each request. Required for real endpoints. @default "llm-bench-sim" with `sim` */
  model: z.string().trim().min(1, "must not be empty").optional().meta(
    flag("Endpoint", "model name sent in each request (default with sim: llm-bench-sim)", { arg: "NAME" }),
  ),
  /** Base URL of an OpenAI-compatible API, up to and including `/v1`. */
  baseUrl: z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" }).optional().meta(
    flag("Endpoint", "OpenAI-compatible base URL incl. /v1 (env OPENAI_API_BASE); key from env OPENAI_API_KEY", {
      arg: "URL",
    }),
  ),
  /** API key (sent as a bearer token; never written anywhere). */
  apiKey: z.string().optional(),
  /**
   * `think`: a model that writes its reasoning inside its answer between `<think>` and `</think>` (DeepSeek-R1, Qwen3
   * served without a reasoning parser) — that text is counted as reasoning: TTFT stays the first text, the time to first
   * answer token is the first text after `</think>`.
   */
  reasoningTags: z.enum(["think"]).optional().meta(
    flag(
      "Endpoint",
      "think: text between <think> and </think> in the answer is reasoning (a model served without a reasoning parser)",
    ),
  ),
  /** `chat` = /chat/completions with messages, `completions` = /completions with a raw prompt. @default "chat" */
  endpoint: z.enum(["chat", "completions"]).default("chat").meta(
    flag("Endpoint", "/chat/completions with messages or /completions with a raw prompt"),
  ),
  /**
   * HTTP client: `llm-bench` (its own HTTP/1.1 client, less CPU per chunk than fetch), `fetch` (Deno's), or `auto`
   * (llm-bench's unless an HTTP(S)_PROXY applies, which only fetch honours). @default "auto"
   */
  httpClient: z.enum(["auto", "llm-bench", "fetch"]).default("auto").meta(
    flag(
      "Endpoint",
      "HTTP client: llm-bench's own HTTP/1.1 client (least CPU per chunk) or Deno's fetch (proxies, HTTP/2); auto = llm-bench's unless an HTTPS_PROXY/HTTP_PROXY applies",
    ),
  ),
  /**
   * Worker threads that read the streams, each with its own event loop and HTTP client (at most one per concurrency
   * slot): for many concurrent streams on a machine with cores to spare. @default 1
   */
  clientThreads: z.int().min(1).max(64).default(1).meta(
    flag(
      "Load",
      'worker threads reading the streams, each with its own event loop (for hundreds of streams on a machine with cores to spare — see README "How accurate is it")',
      { arg: "N" },
    ),
  ),
  /**
   * Open the connections the run will use before its clock starts (as many as its concurrency), so its first requests
   * do not pay for them; off, the first wave's TTFT includes connecting, shown per record as `connectMs`. @default true
   */
  warmConnections: z.boolean().default(true).meta(
    flag(
      "Load",
      "open the run's connections before its clock starts ({no}: the first wave's TTFT includes connecting, shown as connectMs per record)",
    ),
  ),
  /**
   * Before the run, check that the endpoint answers and (where it lists its models) serves the model; a failure is one
   * line and no run. Off, every request of an unreachable endpoint is recorded as failed. @default true
   */
  preflight: z.boolean().default(true).meta(
    flag(
      "Endpoint",
      "check before the run that the endpoint answers and serves the model ({no}: record every request's failure instead)",
    ),
  ),
  /**
   * The server's Prometheus metrics, scraped every second during the run and summarized beside the client's figures:
   * `auto` = `<origin of the endpoint>/metrics` when it answers in Prometheus text (else nothing), `off`, or a URL
   * (an error before the run when it does not answer in Prometheus text). @default "auto"
   */
  serverMetrics: z.string().refine((v) => v === "auto" || v === "off" || /^https?:\/\/\S+$/.test(v), {
    message: "expected auto, off or an http(s):// URL of a Prometheus /metrics",
  }).default("auto").meta(
    flag(
      "Endpoint",
      "scrape the server's Prometheus metrics every second: auto = <origin>/metrics when it answers, off, or a URL",
      { arg: "URL|auto|off" },
    ),
  ),
  /** Send `x-request-id: <request index>` with every request, to find the requests in the server's logs. */
  requestIdHeader: z.boolean().default(false).meta(
    flag("Endpoint", "send x-request-id: <request index> with each request, to find requests in the server's logs"),
  ),
  /** `stream` = server-sent events, `batch` = one JSON response per request. @default "stream" */
  mode: z.enum(["stream", "batch"]).default("stream").meta(
    flag("Endpoint", "stream = server-sent events; batch = one JSON response"),
  ),
  /** Mean input (prompt) tokens per request. @default 550 */
  meanInputTokens: z.int().min(1).max(2_000_000).default(550).meta(
    flag("Requests & datasets", "mean prompt length in tokens", { arg: "N" }),
  ),
  /** Standard deviation of input tokens. @default 150 */
  stddevInputTokens: z.number().min(0).default(150).meta(
    flag("Requests & datasets", "standard deviation of prompt length", { arg: "N" }),
  ),
  /** Mean output tokens requested per request (`max_tokens`). @default 150 */
  meanOutputTokens: z.int().min(1).max(2_000_000).default(150).meta(
    flag("Requests & datasets", "mean output length requested as max_tokens", { arg: "N" }),
  ),
  /** Standard deviation of output tokens. @default 20 */
  stddevOutputTokens: z.number().min(0).default(20).meta(
    flag("Requests & datasets", "standard deviation of output length", { arg: "N" }),
  ),
  /**
   * Requests in flight at once: the closed loop's concurrency, or the cap of an open-loop run.
   * @default {@link DEFAULT_CONCURRENCY} in a closed loop; {@link OPEN_LOOP_MAX_IN_FLIGHT} (no cap) in an open loop
   */
  numConcurrentRequests: z.int().min(1).max(OPEN_LOOP_MAX_IN_FLIGHT).optional().meta(
    flag("Load", "requests in flight at once, closed loop; an open loop's cap", { arg: "N" }),
  ),
  /**
   * Stop after this many requests have finished.
   * @default {@link DEFAULT_REQUESTS}; every turn of synthetic sessions; the dataset's size (resolved when the run is
   * planned); unbounded with a duration
   */
  maxNumCompletedRequests: z.int().min(1).optional().meta(
    flag("Load", "stop after this many requests have finished (a dataset: its size)", { arg: "N" }),
  ),
  /** Open loop: mean requests per second; requests are sent on a schedule computed before the run. */
  requestRate: z.number().positive().optional().meta(
    flag(
      "Load",
      "open loop: send R requests/s on a schedule computed before the run (capped by {numConcurrentRequests} if given)",
      { arg: "R" },
    ),
  ),
  /** Open loop: inter-arrival distribution. @default "poisson" */
  arrival: z.enum(["poisson", "gamma", "constant"]).default("poisson").meta(
    flag("Load", "open loop: inter-arrival distribution"),
  ),
  /** Open loop with gamma arrivals: shape; 1 = Poisson, < 1 burstier. @default 1 */
  burstiness: z.number().positive().default(1).meta(
    flag("Load", "open loop, gamma arrivals: shape; 1 = Poisson, < 1 burstier", { arg: "B" }),
  ),
  /** Requests sent first, marked `warmup` in the records and left out of the summary. @default 0 */
  warmupRequests: z.int().min(0).default(0).meta(
    flag("Load", "send N requests first, marked warmup in the records and left out of the summary", { arg: "N" }),
  ),
  /** Stop sending new requests after this many seconds (requests in flight finish). */
  durationS: z.number().positive().max(MAX_TIMER_S).optional().meta(
    flag(
      "Load",
      "stop sending after this long (in-flight requests finish); without {maxNumCompletedRequests} the count is unbounded",
      { arg: "SECONDS" },
    ),
  ),
  /** JSONL file of requests (`prompt` or `messages`, optional `max_tokens`) instead of sampled prompts. */
  dataset: z.string().min(1).optional().meta(
    flag(
      "Requests & datasets",
      'requests from a file: llm-bench JSONL ({"prompt": …} or {"messages": […]}), ShareGPT, OpenAI chat JSONL or a Mooncake trace',
      { arg: "FILE.jsonl" },
    ),
  ),
  /**
   * The dataset's format (README "Datasets"): detected from the file by default. @default "auto"
   */
  datasetFormat: z.enum(DATASET_FORMATS).default("auto").meta(
    flag("Requests & datasets", "the dataset's format (auto: detected from its first line; the run says which)"),
  ),
  /**
   * Where a dataset request's output length comes from when the file recorded an answer (ShareGPT, OpenAI chat):
   * `dataset` = the answer's token count; `sampled` = drawn from the output-token distribution (what an explicit
   * `meanOutputTokens` asks for). @default "dataset"
   */
  outputTokensFrom: z.enum(["dataset", "sampled"]).default("dataset"),
  /**
   * Every sampled prompt begins with one of `prefixGroups` fixed prefixes of this many tokens (a shared system
   * prompt), counted inside `meanInputTokens`.
   */
  sharedPrefixTokens: z.int().min(1).max(1_000_000).optional().meta(
    flag(
      "Requests & datasets",
      "every prompt begins with one of {prefixGroups} fixed prefixes of K tokens (counted in {meanInputTokens})",
      { arg: "K" },
    ),
  ),
  /** How many different shared prefixes (request i gets prefix i mod G). @default 1 */
  prefixGroups: z.int().min(1).max(100_000).default(1).meta(
    flag("Requests & datasets", "how many different shared prefixes (request i gets prefix i mod G)", { arg: "G" }),
  ),
  /**
   * Multi-turn sessions (README "Multi-turn sessions"): each conversation of a ShareGPT or OpenAI chat dataset, or
   * `sessions` synthetic ones of `turns` turns, sent turn by turn with the conversation so far — the model's actual
   * answers included; sessions run concurrently up to the concurrency. @default false
   */
  multiTurn: z.boolean().default(false).meta(
    flag(
      "Requests & datasets",
      "multi-turn sessions: a ShareGPT/chat dataset's conversations, or {sessions} × {turns} synthetic ones",
    ),
  ),
  /** Synthetic multi-turn: how many sessions. @default {@link DEFAULT_SESSIONS} */
  sessions: z.int().min(1).max(1_000_000).optional().meta(
    flag("Requests & datasets", "synthetic multi-turn: sessions", { arg: "N" }),
  ),
  /** Synthetic multi-turn: turns per session. @default {@link DEFAULT_TURNS} */
  turns: z.int().min(1).max(10_000).optional().meta(
    flag("Requests & datasets", "synthetic multi-turn: turns per session", { arg: "T" }),
  ),
  /** Multi-turn: think time between an answer and the next turn, seconds. @default 0 */
  turnDelayS: z.number().min(0).max(MAX_TIMER_S).default(0).meta(
    flag("Requests & datasets", "multi-turn: think time between an answer and the next turn", { arg: "SECONDS" }),
  ),
  /** A Mooncake trace's time scale: 2 replays it twice as fast. @default 1 */
  traceSpeed: z.number().positive().max(1_000_000).default(1).meta(
    flag("Requests & datasets", "a Mooncake trace: replay X times as fast (the concurrency cap still applies)", {
      arg: "X",
    }),
  ),
  /** Tokens per hash-id block of a Mooncake trace. @default 512 */
  traceBlockTokens: z.int().min(1).max(1_000_000).default(512).meta(
    flag(
      "Requests & datasets",
      "a Mooncake trace: tokens per hash-id block (the same hash id is the same block of text)",
      { arg: "N" },
    ),
  ),
  /** Order of the dataset's requests. @default "sequential" */
  datasetOrder: z.enum(["sequential", "shuffle"]).default("sequential").meta(
    flag("Requests & datasets", "order of the dataset's requests (shuffle uses {seed})"),
  ),
  /**
   * Keep the run going until each named figure's 95 % interval is narrow enough: `ttft.p99:5%` = until p99 TTFT is
   * known within ±5 % (README "How precise is it"). Checked every few seconds; bounded by `maxNumCompletedRequests`
   * (unbounded when not given) and `timeoutS`. The summary says whether and when the targets were reached.
   */
  targetPrecision: PrecisionTargetsSchema.optional().meta(
    flag(
      "Load",
      "keep sending until each figure's 95 % interval is within ± its share, e.g. ttft.p99:5%,itl.p50:2% " +
        "(bounded by {maxNumCompletedRequests} if given, and {timeoutS}); metrics ttft, e2e, itl, tpot, ttfb",
      { arg: "SPEC" },
    ),
  ),
  /** Service-level objectives per request; the summary reports goodput against them. */
  slo: SloSchema.optional().meta(
    flag(
      "Requests & datasets",
      "SLOs, e.g. ttft.p99<=500ms,tpot.p50<=50ms,e2e<=10s (a limit per request, or on a percentile): " +
        "the summary reports goodput, attainment and each percentile's verdict",
      { arg: "SPEC" },
    ),
  ),
  /** Stop the whole run after this many seconds; requests in flight are aborted and recorded. @default 600 */
  timeoutS: z.number().positive().max(MAX_TIMER_S).default(600).meta(
    flag("Limits & timeouts", "stop the run after this long; requests in flight are aborted and recorded", {
      arg: "SECONDS",
    }),
  ),
  /** Per request: fail with TIMEOUT when no first token arrives within this many seconds. */
  ttftTimeoutS: z.number().positive().max(MAX_TIMER_S).optional().meta(
    flag("Limits & timeouts", "per request: fail (TIMEOUT) without a first token by then", {
      arg: "SECONDS",
      default: "none",
    }),
  ),
  /** Per request: fail with TIMEOUT after this many seconds without data once the response started. @default 60 */
  idleTimeoutS: z.number().positive().max(MAX_TIMER_S).default(60).meta(
    flag("Limits & timeouts", "per request: fail (TIMEOUT) after this long without data mid-response", {
      arg: "SECONDS",
    }),
  ),
  /**
   * Fail fast: stop the run (stop reason `failing`) when its first N finished requests all failed — nothing works, so
   * sending more only repeats the failure. `off` never stops. @default 50, or 10 % of the requests when fewer (at
   * least 10, or all of a smaller run)
   */
  maxFailures: z.union([z.int().min(1), z.literal("off")], { error: "expected a whole number ≥ 1, or off" }).optional()
    .meta(
      flag(
        "Limits & timeouts",
        "stop the run when its first N finished requests all failed (the server's first message per error code is " +
          "printed); off: never",
        { arg: "N|off", default: "50, or 10 % of the requests (at least 10)" },
      ),
    ),
  /**
   * A 429 (rate limited): `fail` records it as a failure (RATE_LIMITED), as a measurement should; `wait` waits as its
   * `Retry-After` says (1 s when it says nothing; at most {@link RunConfig.maxRateLimitWaitS} in all) and sends the
   * request again, recording the wait apart from the latency (of the attempt that succeeded). @default "fail"
   */
  onRateLimit: z.enum(["fail", "wait"]).default("fail").meta(
    flag(
      "Limits & timeouts",
      "a 429: fail (a failure, RATE_LIMITED) or wait as its Retry-After says and send it again (the wait recorded " +
        "apart from the latency)",
    ),
  ),
  /** With `onRateLimit: "wait"`: the most one request waits for rate limits in all, seconds; then it fails. */
  maxRateLimitWaitS: z.number().positive().max(MAX_TIMER_S).default(60).meta(
    flag("Limits & timeouts", "with --on-rate-limit wait: the most a request waits in all, then it fails", {
      arg: "SECONDS",
    }),
  ),
  /** Per request: fail with TIMEOUT when the whole request takes longer than this many seconds. */
  requestTimeoutS: z.number().positive().max(MAX_TIMER_S).optional().meta(
    flag("Limits & timeouts", "per request: fail (TIMEOUT) when the whole request takes longer", {
      arg: "SECONDS",
      default: "none",
    }),
  ),
  /**
   * The figures the summary table shows: `steady` — those of the steady-state window (ramp-up and drain left out) when
   * it holds enough of the run's requests, else the whole run's (the table says which); `all` — the whole run's. The
   * summary file has both. @default "steady"
   */
  window: z.enum(["steady", "all"]).default("steady").meta(
    flag(
      "Output",
      "the figures the table shows: the steady-state window's (where the intended load was held; ramp-up and drain " +
        "left out) when it holds enough requests, or the whole run's",
    ),
  ),
  /** Folder for results files. @default "data/results" */
  resultsDir: z.string().min(1).default("data/results").meta(
    flag("Output", "folder for results files", { arg: "DIR" }),
  ),
  /** Extra fields merged into every request body (e.g. temperature). @default {} */
  additionalSamplingParams: z.record(z.string(), z.unknown()).default({}).meta(
    flag("Endpoint", "object merged into every request body, e.g. '{\"temperature\": 0}'", { arg: "JSON" }),
  ),
  /**
   * Reading speed of the reader the stall figures model, tokens per second (README "Stalls").
   * @default {@link DEFAULT_READING_SPEED} (238 words/min at 0.75 words per token)
   */
  readingSpeed: z.number().positive().max(100_000).default(DEFAULT_READING_SPEED).meta(
    flag(
      "Output",
      'reading speed of the reader the stall figures model (238 words/min ≈ 5.3 tokens/s; README "Stalls")',
      { arg: "TOKENS/S" },
    ),
  ),
  /**
   * One run spread over this many shards (processes or pods, README "Load beyond one machine"): together they send
   * exactly what one run with the same flags and seed sends. Needs `shardIndex` (or JOB_COMPLETION_INDEX).
   */
  shards: z.int().min(1).max(10_000).optional().meta(
    flag(
      "Load",
      "this run is one of N shards (processes or pods) that together send what one run sends; see deno task merge",
      { arg: "N" },
    ),
  ),
  /** This shard's index, 0 … shards − 1: it takes the run's requests (and arrivals) I, I + N, I + 2N, … */
  shardIndex: z.int().min(0).optional().meta(
    flag("Load", "which shard, 0 … N − 1: requests I, I + N, … of the run", {
      arg: "I",
      default: "env JOB_COMPLETION_INDEX",
    }),
  ),
  /**
   * Start the measured requests when this machine's clock says so (ISO 8601, or epoch milliseconds): every shard
   * prepares and warms its connections first, then waits. The clocks are assumed NTP-synchronised; each shard records
   * how late it started.
   */
  startAt: z.union([z.string().min(1), z.number()]).optional().meta(
    flag(
      "Load",
      "prepare and warm up, then start the measured requests at TIME (ISO 8601 or epoch ms) — shards start together",
      { arg: "TIME" },
    ),
  ),
  /** The run's name across its shards. @default derived from the configuration and `startAt` */
  runId: z.string().regex(/^[\w.-]{1,100}$/, "letters, digits, '.', '_' or '-' (at most 100)").optional().meta(
    flag("Load", "the run's name across its shards", { arg: "ID", default: "derived from the flags and {startAt}" }),
  ),
  /** Seed of the request sampler: the same seed gives the same requests. @default 0 */
  seed: z.int().min(0).max(2 ** 32 - 1).default(0).meta(
    flag("Requests & datasets", "seed of the request sampler; same seed, same requests", { arg: "N" }),
  ),
  /**
   * Path of a Hugging Face tokenizer.json; the bundled Llama 3 tokenizer when absent. `server`: size prompts by the
   * endpoint's own counts (`usage.prompt_tokens`), calibrated before the run (lib/plan/calibrate.ts).
   */
  tokenizer: z.string().min(1).optional().meta(
    flag(
      "Endpoint",
      "Hugging Face tokenizer.json to count tokens with (default: bundled Llama 3); server: size prompts by the " +
        "endpoint's own usage.prompt_tokens, calibrated on a few requests first (hosted models)",
      { arg: "PATH|server" },
    ),
  ),
  /** Send `ignore_eos: true` so servers that accept it generate exactly `max_tokens`. @default false */
  ignoreEos: z.boolean().default(false).meta(
    flag("Endpoint", "send ignore_eos: true so the server generates exactly max_tokens (vLLM, SGLang, SambaNova)"),
  ),
  /** Ask for `stream_options.include_usage`; turn off for servers that reject it. @default true */
  includeUsage: z.boolean().default(true).meta(
    flag("Endpoint", "ask for stream_options.include_usage ({no} for servers that reject it)"),
  ),
  /** Serving-model parameters of the simulated endpoint (only with `llmApi: "sim"`). */
  sim: SimParamsSchema.default(SimParamsSchema.parse({})).meta(
    flag("Simulated endpoint", 'simulated endpoint\'s serving model, e.g. \'{"maxBatch": 16, "decodeBaseMs": 20}\'', {
      arg: "JSON",
    }),
  ),
});

/** The endpoint a configuration names must be complete: a model, a base URL and, where the API needs one, a key. */
function checkEndpoint(
  cfg: { llmApi: LlmApi; model?: string; baseUrl?: string; apiKey?: string },
  ctx: z.RefinementCtx,
): void {
  if (cfg.llmApi === "sim") return;
  if (cfg.model === undefined) {
    ctx.addIssue({ code: "custom", path: ["model"], message: `is required with {llmApi} ${cfg.llmApi}` });
  }
  const needs = NEEDS[cfg.llmApi];
  if (cfg.baseUrl === undefined) {
    ctx.addIssue({ code: "custom", path: ["llmApi"], message: `${cfg.llmApi} needs ${needs.url}` });
  }
  if (needs.key && !cfg.apiKey) {
    ctx.addIssue({ code: "custom", path: ["llmApi"], message: `${cfg.llmApi} needs an API key: set ${needs.key}` });
  }
}

/** `--tokenizer server`: the endpoint's own counts size the prompts. */
export const SERVER_TOKENIZER = "server";

/** The tokenizer.json to load for counting on this machine: none (the bundled one) for `server`. */
export function localTokenizer(tokenizer: string | undefined): string | undefined {
  return tokenizer === SERVER_TOKENIZER ? undefined : tokenizer;
}

/** Measuring threads are each given their list of requests up front: a bound keeps that list in memory. */
export const MAX_THREADED_REQUESTS = 10_000_000;

/** A start time as epoch ms: ISO 8601 text, or epoch milliseconds (a number, or digits). NaN when unreadable. */
export function startAtEpochMs(value: string | number): number {
  if (typeof value === "number") return value;
  return /^\d+$/.test(value.trim()) ? Number(value.trim()) : Date.parse(value);
}

/** How far in the past a `startAt` may be (a shard that starts late is recorded, one far too late is refused). */
export const START_AT_PAST_LIMIT_MS = 5_000;

function checkShards(cfg: z.output<typeof RunConfigFields>, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
  if (cfg.shardIndex !== undefined && cfg.shards === undefined) {
    issue("shardIndex", "needs {shards} (how many shards the run has)");
  }
  if (cfg.shards !== undefined) {
    if (cfg.shardIndex === undefined) {
      issue("shardIndex", `required with {shards}: 0 … ${cfg.shards - 1} (or JOB_COMPLETION_INDEX in the environment)`);
    } else if (cfg.shardIndex >= cfg.shards) {
      issue("shardIndex", `must be < {shards} (${cfg.shards}): 0 … ${cfg.shards - 1} (got ${cfg.shardIndex})`);
    }
    if (!cfg.requestRate && cfg.numConcurrentRequests !== undefined && cfg.numConcurrentRequests < cfg.shards) {
      issue("numConcurrentRequests", `must be ≥ {shards} (${cfg.shards}): each shard keeps at least one in flight`);
    }
    if (cfg.maxNumCompletedRequests !== undefined && cfg.maxNumCompletedRequests < cfg.shards) {
      issue("maxNumCompletedRequests", `must be ≥ {shards} (${cfg.shards}): each shard sends at least one`);
    }
  }
  if (!cfg.multiTurn) {
    for (const f of ["sessions", "turns"] as const) if (cfg[f] !== undefined) issue(f, "needs {multiTurn}");
    if (cfg.turnDelayS > 0) issue("turnDelayS", "needs {multiTurn}");
  } else {
    if (cfg.requestRate !== undefined) issue("multiTurn", "runs sessions in a closed loop: drop {requestRate}");
    if (cfg.clientThreads > 1) issue("multiTurn", "runs on one measuring thread: drop {clientThreads}");
    if (cfg.dataset !== undefined && (cfg.sessions !== undefined || cfg.turns !== undefined)) {
      issue("sessions", "and {turns} make synthetic sessions; a {dataset}'s conversations are its sessions");
    }
    if (cfg.sharedPrefixTokens !== undefined) issue("sharedPrefixTokens", "is not combined with {multiTurn} yet");
  }
  if (cfg.sharedPrefixTokens !== undefined) {
    if (cfg.dataset !== undefined) issue("sharedPrefixTokens", "applies to sampled prompts, not to a {dataset}'s");
    else if (cfg.sharedPrefixTokens >= cfg.meanInputTokens - 32) {
      issue(
        "sharedPrefixTokens",
        `must leave room in {meanInputTokens} (${cfg.meanInputTokens}) for the prompt's own text: at most ${
          cfg.meanInputTokens - 33
        }`,
      );
    }
  }
  if (cfg.targetPrecision !== undefined) {
    if (cfg.clientThreads > 1) issue("targetPrecision", "runs on one measuring thread for now: drop {clientThreads}");
    if (cfg.multiTurn) issue("targetPrecision", "is not combined with {multiTurn} yet");
    if (cfg.shards !== undefined && cfg.shards > 1) issue("targetPrecision", "is not combined with {shards} yet");
  }
  if (cfg.shards !== undefined && cfg.shards > 1 && cfg.clientThreads > 1) {
    issue("clientThreads", "one thread per shard: run more shards instead of {clientThreads} > 1 with {shards}");
  }
  if (cfg.reasoningTags !== undefined) {
    // Reasoning is a chat answer's: the completions endpoint and SambaStudio's generic API have none.
    if (cfg.endpoint !== "chat") issue("reasoningTags", "needs the chat endpoint: drop {endpoint} completions");
    else if (cfg.llmApi === "sambastudio" && !(cfg.baseUrl ?? "").includes("chat/completions")) {
      issue("reasoningTags", "needs an OpenAI-compatible chat endpoint, not SambaStudio's generic API");
    }
  }
  if (cfg.startAt !== undefined) {
    const at = startAtEpochMs(cfg.startAt);
    if (!Number.isFinite(at)) {
      issue("startAt", `expected an ISO 8601 time (2026-12-01T12:00:00Z) or epoch milliseconds (got "${cfg.startAt}")`);
    } else if (at < Date.now() - START_AT_PAST_LIMIT_MS) {
      issue("startAt", `${new Date(at).toISOString()} is ${((Date.now() - at) / 1000).toFixed(0)} s in the past`);
    }
  }
}

/**
 * A benchmark run's configuration. `RunConfigInput` is what a caller passes; `RunConfig` is the resolved config with
 * every default filled in — the defaults live here and nowhere else.
 */
export const RunConfigSchema = RunConfigFields.strict().superRefine(checkEndpoint).superRefine(checkShards).superRefine(
  (cfg, ctx) => {
    if (cfg.clientThreads > 1 && (cfg.maxNumCompletedRequests ?? 0) > MAX_THREADED_REQUESTS) {
      ctx.addIssue({
        code: "custom",
        path: ["maxNumCompletedRequests"],
        message: `must be ≤ ${MAX_THREADED_REQUESTS} with {clientThreads} > 1 (one thread has no such limit)`,
      });
    }
  },
).transform((cfg) => {
  const model = cfg.model ?? cfg.sim.model;
  // The simulated endpoint serves whatever model the run names.
  return { ...cfg, ...dependentDefaults(cfg), model, sim: cfg.llmApi === "sim" ? { ...cfg.sim, model } : cfg.sim };
});

/** The settings whose defaults depend on the run's shape, as {@link dependentDefaults} reads them. */
export interface RunShape {
  numConcurrentRequests?: number;
  maxNumCompletedRequests?: number;
  requestRate?: number;
  durationS?: number;
  dataset?: string;
  datasetFormat?: string;
  multiTurn?: boolean;
  sessions?: number;
  turns?: number;
  targetPrecision?: unknown;
}

/**
 * The defaults that depend on the run's shape, resolved from the settings given (a value given is kept): the
 * concurrency — {@link DEFAULT_CONCURRENCY} in a closed loop, {@link OPEN_LOOP_MAX_IN_FLIGHT} (no cap) in an open
 * loop or a trace; the request count — {@link DEFAULT_REQUESTS}, every turn of synthetic sessions, absent (unbounded)
 * with a duration or a precision target, absent with a dataset until its size is known (the plan resolves it);
 * synthetic sessions and turns.
 * The schema resolves a new run with it, and results files written before a setting was recorded are read with it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dependentDefaults } from "./schema.ts";
 * assert.deepEqual(dependentDefaults({}), { numConcurrentRequests: 8, maxNumCompletedRequests: 40 });
 * assert.equal(dependentDefaults({ requestRate: 2, durationS: 10 }).maxNumCompletedRequests, undefined);
 * ```
 */
export function dependentDefaults(
  cfg: RunShape,
): { numConcurrentRequests: number; maxNumCompletedRequests?: number; sessions?: number; turns?: number } {
  const openLoop = cfg.requestRate !== undefined || cfg.datasetFormat === "mooncake";
  const numConcurrentRequests = cfg.numConcurrentRequests ??
    (openLoop ? OPEN_LOOP_MAX_IN_FLIGHT : DEFAULT_CONCURRENCY);
  if (cfg.multiTurn && cfg.dataset === undefined) {
    const sessions = cfg.sessions ?? DEFAULT_SESSIONS;
    const turns = cfg.turns ?? DEFAULT_TURNS;
    const maxNumCompletedRequests = cfg.maxNumCompletedRequests ?? sessions * turns;
    return { numConcurrentRequests, maxNumCompletedRequests, sessions, turns };
  }
  // A duration, a dataset's size or a precision target bounds the run instead.
  const unknownCount = cfg.durationS !== undefined || cfg.dataset !== undefined || cfg.targetPrecision !== undefined;
  const maxNumCompletedRequests = cfg.maxNumCompletedRequests ?? (unknownCount ? undefined : DEFAULT_REQUESTS);
  return maxNumCompletedRequests === undefined
    ? { numConcurrentRequests }
    : { numConcurrentRequests, maxNumCompletedRequests };
}

/** What a caller passes to configure a run. */
export type RunConfigInput = z.input<typeof RunConfigSchema>;
/** A resolved run configuration, defaults filled in. */
export type RunConfig = z.output<typeof RunConfigSchema>;

/** The defaults of every field that has one (for `--help` and the docs). */
export function configDefaults(): Partial<z.output<typeof RunConfigFields>> {
  return RunConfigFields.parse({});
}

/** The fields a chat session shares with a run: which endpoint, which model, how to count tokens. */
const CHAT_ENDPOINT_FIELDS = {
  llmApi: true,
  model: true,
  baseUrl: true,
  apiKey: true,
  httpClient: true,
  tokenizer: true,
  additionalSamplingParams: true,
  sim: true,
} as const;

/** A chat session's configuration: the endpoint fields of a run, and the answers' parameters. */
export const ChatConfigSchema = RunConfigFields.pick(CHAT_ENDPOINT_FIELDS).extend({
  /** Most tokens an answer may have (the original kit's slider went from 50 to 2048; smaller is fine). @default 256 */
  maxTokens: z.int().min(1).max(2048).default(256).meta(
    flag("Answers", "most tokens an answer may have, 1–2048", { arg: "N" }),
  ),
  temperature: z.number().min(0).max(2).optional().meta(
    flag("Answers", "sampling temperature, 0–2 (server default when absent)", { arg: "T" }),
  ),
  topK: z.int().min(1).optional().meta(flag("Answers", "top-k sampling, where the API takes it", { arg: "K" })),
  topP: z.number().gt(0).max(1).optional().meta(flag("Answers", "nucleus sampling, (0, 1]", { arg: "P" })),
  /** System prompt placed first in the conversation. */
  system: z.string().optional().meta(
    flag("Answers", "system prompt placed first in the conversation", { arg: "TEXT" }),
  ),
}).strict().superRefine(checkEndpoint);
/** What a caller passes to configure a chat session. */
export type ChatConfigInput = z.input<typeof ChatConfigSchema>;
/** A resolved chat configuration. */
export type ChatConfig = z.output<typeof ChatConfigSchema>;

/** The defaults of a chat session's fields. */
export function chatConfigDefaults(): Partial<ChatConfig> {
  return ChatConfigSchema.parse({});
}
