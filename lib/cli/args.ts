import { parseArgs } from "node:util";
import { isAbsolute, resolve } from "node:path";
import { applyEnv, editDistance, parseRunConfig, safeUrl } from "../config/resolve.ts";
import { listModels } from "../connectors/openai.ts";
import {
  configDefaults,
  DEFAULT_CONCURRENCY,
  DEFAULT_REQUESTS,
  LLM_APIS,
  type RunConfig,
  type RunConfigInput,
  SWEEP_FIELDS,
  type SweepField,
} from "../config/schema.ts";
import { parseSlo } from "../config/slo.ts";
import { ConfigError } from "../errors.ts";
import { formatFlagRows, helpWidth } from "./help.ts";

/** Flags whose name is not the field's name in kebab case. */
const FLAG_NAMES: Record<string, string> = {
  timeoutS: "--timeout",
  sim: "--sim-params",
  ttftTimeoutS: "--ttft-timeout",
  idleTimeoutS: "--idle-timeout",
  requestTimeoutS: "--request-timeout",
  durationS: "--duration",
  turnDelayS: "--turn-delay",
};

/** The CLI flag a config field is set with: `meanInputTokens` → `--mean-input-tokens`. */
export function flagName(field: string): string {
  return FLAG_NAMES[field] ?? `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** A configuration error as the command line says it: naming the flag of the field at fault. */
export function cliMessage(e: ConfigError): string {
  return e.field ? `${flagName(e.field)}: ${e.detail}` : e.message;
}

/** The sweepable fields by CLI name (`--sweep num-concurrent-requests=1,2,4`). */
export const SWEEP_FLAGS: Record<string, SweepField> = Object.fromEntries(
  SWEEP_FIELDS.map((f) => [flagName(f).slice(2), f]),
);

type Kind = "string" | "int" | "number" | "json" | "boolean" | "slo" | "sweep";

/** A `deno task bench` flag: its config field, value kind and help text. */
export interface FlagSpec {
  field: string;
  kind: Kind;
  help: string;
  arg?: string;
  /** The default, where it depends on other flags (otherwise `--help` shows the schema's default). */
  defaultText?: string;
  /** The `--help` group it is listed in. */
  group?: FlagGroup;
}

/** The groups of `--help`, in order. */
export const FLAG_GROUPS = [
  "Endpoint",
  "Answers",
  "Load",
  "Requests & datasets",
  "Limits & timeouts",
  "Output",
  "Simulated endpoint",
  "Other",
] as const;
/** One of {@link FLAG_GROUPS}. */
export type FlagGroup = typeof FLAG_GROUPS[number];

/** Every flag of `deno task bench`, in help order. */
export const BENCH_FLAGS: FlagSpec[] = [
  {
    field: "model",
    group: "Endpoint",
    kind: "string",
    arg: "NAME",
    help: "model name sent in each request (default with sim: llm-bench-sim)",
  },
  {
    field: "llmApi",
    group: "Endpoint",
    kind: "string",
    arg: LLM_APIS.join("|"),
    help: "wire protocol; sim = built-in simulated endpoint",
    defaultText: "openai when a base URL is set, else sim",
  },
  {
    field: "baseUrl",
    group: "Endpoint",
    kind: "string",
    arg: "URL",
    help: "OpenAI-compatible base URL incl. /v1 (env OPENAI_API_BASE); key from env OPENAI_API_KEY",
  },
  {
    field: "endpoint",
    group: "Endpoint",
    kind: "string",
    arg: "chat|completions",
    help: "/chat/completions with messages or /completions with a raw prompt",
  },
  {
    field: "httpClient",
    group: "Endpoint",
    kind: "string",
    arg: "auto|llm-bench|fetch",
    help: "HTTP client: llm-bench's own HTTP/1.1 client (least CPU per chunk) or Deno's fetch (proxies, HTTP/2); " +
      "auto = llm-bench's unless an HTTPS_PROXY/HTTP_PROXY applies",
  },
  {
    field: "clientThreads",
    group: "Load",
    kind: "int",
    arg: "N",
    help: "worker threads reading the streams, each with its own event loop (for hundreds of streams on " +
      'a machine with cores to spare — see README "How accurate is it")',
  },
  {
    field: "preflight",
    group: "Endpoint",
    kind: "boolean",
    help: "check before the run that the endpoint answers and serves the model (--no-preflight: record every " +
      "request's failure instead)",
  },
  {
    field: "warmConnections",
    group: "Load",
    kind: "boolean",
    help: "open the run's connections before its clock starts (--no-warm-connections: the first wave's TTFT " +
      "includes connecting, shown as connectMs per record)",
  },
  {
    field: "requestIdHeader",
    group: "Endpoint",
    kind: "boolean",
    help: "send x-request-id: <request index> with each request, to find requests in the server's logs",
  },
  {
    field: "mode",
    group: "Endpoint",
    kind: "string",
    arg: "stream|batch",
    help: "stream = server-sent events; batch = one JSON response",
  },
  {
    field: "meanInputTokens",
    group: "Requests & datasets",
    kind: "int",
    arg: "N",
    help: "mean prompt length in tokens",
  },
  {
    field: "stddevInputTokens",
    group: "Requests & datasets",
    kind: "number",
    arg: "N",
    help: "standard deviation of prompt length",
  },
  {
    field: "meanOutputTokens",
    group: "Requests & datasets",
    kind: "int",
    arg: "N",
    help: "mean output length requested as max_tokens",
  },
  {
    field: "stddevOutputTokens",
    group: "Requests & datasets",
    kind: "number",
    arg: "N",
    help: "standard deviation of output length",
  },
  {
    field: "numConcurrentRequests",
    group: "Load",
    kind: "int",
    arg: "N",
    help: "requests in flight at once, closed loop",
    defaultText: `${DEFAULT_CONCURRENCY}`,
  },
  {
    field: "maxNumCompletedRequests",
    group: "Load",
    kind: "int",
    arg: "N",
    help: "stop after this many requests have finished",
    defaultText: `${DEFAULT_REQUESTS}`,
  },
  {
    field: "timeoutS",
    group: "Limits & timeouts",
    kind: "number",
    arg: "SECONDS",
    help: "stop the run after this long; requests in flight are aborted and recorded",
  },
  {
    field: "requestRate",
    group: "Load",
    kind: "number",
    arg: "R",
    help:
      "open loop: send R requests/s on a schedule computed before the run (capped by --num-concurrent-requests if given)",
  },
  {
    field: "arrival",
    group: "Load",
    kind: "string",
    arg: "poisson|gamma|constant",
    help: "open loop: inter-arrival distribution",
  },
  {
    field: "burstiness",
    group: "Load",
    kind: "number",
    arg: "B",
    help: "open loop, gamma arrivals: shape; 1 = Poisson, < 1 burstier",
  },
  {
    field: "shards",
    group: "Load",
    kind: "int",
    arg: "N",
    help: "this run is one of N shards (processes or pods) that together send what one run sends; see deno task merge",
  },
  {
    field: "shardIndex",
    group: "Load",
    kind: "int",
    arg: "I",
    help: "which shard, 0 … N − 1: requests I, I + N, … of the run",
    defaultText: "env JOB_COMPLETION_INDEX",
  },
  {
    field: "startAt",
    group: "Load",
    kind: "string",
    arg: "TIME",
    help:
      "prepare and warm up, then start the measured requests at TIME (ISO 8601 or epoch ms) — shards start together",
  },
  {
    field: "runId",
    group: "Load",
    kind: "string",
    arg: "ID",
    help: "the run's name across its shards",
    defaultText: "derived from the flags and --start-at",
  },
  {
    field: "warmupRequests",
    group: "Load",
    kind: "int",
    arg: "N",
    help: "send N requests first, marked warmup in the records and left out of the summary",
  },
  {
    field: "durationS",
    group: "Load",
    kind: "number",
    arg: "SECONDS",
    help:
      "stop sending after this long (in-flight requests finish); without --max-num-completed-requests the count is unbounded",
  },
  {
    field: "dataset",
    group: "Requests & datasets",
    kind: "string",
    arg: "FILE.jsonl",
    help:
      'requests from a file: llm-bench JSONL ({"prompt": …} or {"messages": […]}), ShareGPT, OpenAI chat JSONL or a Mooncake trace',
  },
  {
    field: "multiTurn",
    group: "Requests & datasets",
    kind: "boolean",
    help: "multi-turn sessions: a ShareGPT/chat dataset's conversations, or --sessions × --turns synthetic ones",
  },
  {
    field: "sessions",
    group: "Requests & datasets",
    kind: "int",
    arg: "N",
    help: "synthetic multi-turn: sessions",
    defaultText: "8",
  },
  {
    field: "turns",
    group: "Requests & datasets",
    kind: "int",
    arg: "T",
    help: "synthetic multi-turn: turns per session",
    defaultText: "3",
  },
  {
    field: "turnDelayS",
    group: "Requests & datasets",
    kind: "number",
    arg: "SECONDS",
    help: "multi-turn: think time between an answer and the next turn",
  },
  {
    field: "sharedPrefixTokens",
    group: "Requests & datasets",
    kind: "int",
    arg: "K",
    help: "every prompt begins with one of --prefix-groups fixed prefixes of K tokens (counted in --mean-input-tokens)",
  },
  {
    field: "prefixGroups",
    group: "Requests & datasets",
    kind: "int",
    arg: "G",
    help: "how many different shared prefixes (request i gets prefix i mod G)",
  },
  {
    field: "datasetFormat",
    group: "Requests & datasets",
    kind: "string",
    arg: "auto|jsonl|sharegpt|openai-chat|mooncake",
    help: "the dataset's format (auto: detected from its first line; the run says which)",
  },
  {
    field: "traceSpeed",
    group: "Requests & datasets",
    kind: "number",
    arg: "X",
    help: "a Mooncake trace: replay X times as fast (the concurrency cap still applies)",
  },
  {
    field: "traceBlockTokens",
    group: "Requests & datasets",
    kind: "int",
    arg: "N",
    help: "a Mooncake trace: tokens per hash-id block (the same hash id is the same block of text)",
  },
  {
    field: "datasetOrder",
    group: "Requests & datasets",
    kind: "string",
    arg: "sequential|shuffle",
    help: "order of the dataset's requests (shuffle uses --seed)",
  },
  {
    field: "slo",
    group: "Requests & datasets",
    kind: "slo",
    arg: "SPEC",
    help: "per-request SLOs, e.g. ttft=500ms,tpot=50ms,e2e=10s: the summary reports goodput and attainment",
  },
  {
    field: "sweep",
    group: "Load",
    kind: "sweep",
    arg: "FIELD=V1,V2,…",
    help: "one run per value of num-concurrent-requests, request-rate, mean-input-tokens or mean-output-tokens",
  },
  {
    field: "ttftTimeoutS",
    group: "Limits & timeouts",
    kind: "number",
    arg: "SECONDS",
    help: "per request: fail (TIMEOUT) without a first token by then",
    defaultText: "none",
  },
  {
    field: "idleTimeoutS",
    group: "Limits & timeouts",
    kind: "number",
    arg: "SECONDS",
    help: "per request: fail (TIMEOUT) after this long without data mid-response",
  },
  {
    field: "requestTimeoutS",
    group: "Limits & timeouts",
    kind: "number",
    arg: "SECONDS",
    help: "per request: fail (TIMEOUT) when the whole request takes longer",
    defaultText: "none",
  },
  { field: "resultsDir", group: "Output", kind: "string", arg: "DIR", help: "folder for results files" },
  {
    field: "readingSpeed",
    group: "Output",
    kind: "number",
    arg: "TOKENS/S",
    help: 'reading speed of the reader the stall figures model (238 words/min ≈ 5.3 tokens/s; README "Stalls")',
  },
  {
    field: "additionalSamplingParams",
    group: "Endpoint",
    kind: "json",
    arg: "JSON",
    help: "object merged into every request body, e.g. '{\"temperature\": 0}'",
  },
  {
    field: "seed",
    group: "Requests & datasets",
    kind: "int",
    arg: "N",
    help: "seed of the request sampler; same seed, same requests",
  },
  {
    field: "tokenizer",
    group: "Endpoint",
    kind: "string",
    arg: "PATH",
    help: "Hugging Face tokenizer.json to count tokens with (default: bundled Llama 3)",
  },
  {
    field: "ignoreEos",
    group: "Endpoint",
    kind: "boolean",
    help: "send ignore_eos: true so the server generates exactly max_tokens (vLLM, SGLang, SambaNova)",
  },
  {
    field: "includeUsage",
    group: "Endpoint",
    kind: "boolean",
    help: "ask for stream_options.include_usage (--no-include-usage for servers that reject it)",
  },
  {
    field: "sim",
    group: "Simulated endpoint",
    kind: "json",
    arg: "JSON",
    help: 'simulated endpoint\'s serving model, e.g. \'{"maxBatch": 16, "decodeBaseMs": 20}\'',
  },
];

function toNumber(raw: string): number | string {
  const n = raw.trim() === "" ? NaN : Number(raw);
  return Number.isNaN(n) ? raw : n;
}

/** Result of parsing the command line. */
export type ParsedArgs =
  | { help: true; version?: false }
  | { help: false; version: true }
  | { help: false; version?: false; config: RunConfigInput; sweep?: Sweep };

/** A `--sweep`: the config field and its values. */
export interface Sweep {
  field: SweepField;
  values: number[];
}

/** The flags that choose an endpoint and model, shared by `deno task bench` and `deno task chat`. */
export const ENDPOINT_FIELDS = ["model", "llmApi", "baseUrl", "tokenizer", "additionalSamplingParams", "sim"];

/**
 * Parses `deno task bench` arguments into a run configuration (not yet validated against the schema; that happens
 * in `parseRunConfig`). Throws a {@link ConfigError} with one line for unknown flags, missing values and bad JSON.
 */
export function parseBenchArgs(argv: readonly string[], flags: FlagSpec[] = BENCH_FLAGS): ParsedArgs {
  const names = new Map(flags.map((f) => [flagName(f.field).slice(2), f]));
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {
    help: { type: "boolean", short: "h" },
    version: { type: "boolean" },
  };
  for (const [name, f] of names) {
    options[name] = { type: f.kind === "boolean" ? "boolean" : "string" };
    if (f.kind === "boolean") options[`no-${name}`] = { type: "boolean" };
  }
  let parsed;
  try {
    // `--timeout -5`: a negative number is a value, not a flag (the schema then says what is accepted).
    const args = argv.flatMap((a, i) =>
      /^-\d|^-\.\d/.test(a) && /^--[\w-]+$/.test(argv[i - 1] ?? "")
        ? []
        : /^--[\w-]+$/.test(a) && /^-\d|^-\.\d/.test(argv[i + 1] ?? "")
        ? [`${a}=${argv[i + 1]}`]
        : [a]
    );
    parsed = parseArgs({ args, options, strict: true, allowPositionals: false });
  } catch (e) {
    const msg = (e as Error).message;
    const unknown = /Unknown option '([^']+)'/.exec(msg)?.[1];
    if (unknown) {
      const bare = unknown.replace(/^-+/, "").split("=")[0];
      const close = [...names.keys()].map((n) => [n, editDistance(n, bare)] as const).sort((a, b) => a[1] - b[1])[0];
      const hint = close && close[1] <= 3 ? ` Did you mean --${close[0]}?` : "";
      throw new ConfigError(`Unknown flag ${unknown}.${hint} Run with --help for the flags.`);
    }
    const missing = /Option '(?:-\w, )?(--[\w-]+) <value>' argument missing/.exec(msg)?.[1];
    if (missing) throw new ConfigError(`${missing}: needs a value (see --help)`);
    const positional = /Unexpected argument '([^']+)'/.exec(msg)?.[1];
    if (positional) throw new ConfigError(`Unexpected argument '${positional}': every option is a --flag (see --help)`);
    throw new ConfigError(msg.split("\n")[0]);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) return { help: true };
  if (values.version) return { help: false, version: true };
  const config: Record<string, unknown> = {};
  let sweep: Sweep | undefined;
  for (const [name, f] of names) {
    const raw = values[name];
    if (f.kind === "boolean") {
      if (values[`no-${name}`]) config[f.field] = false;
      else if (raw) config[f.field] = true;
      continue;
    }
    if (raw === undefined) continue;
    const text = raw as string;
    switch (f.kind) {
      case "slo": {
        const slo = parseSlo(text);
        if (typeof slo === "string") throw new ConfigError(`--slo: ${slo}`);
        config[f.field] = slo;
        break;
      }
      case "sweep": {
        const m = /^([\w-]+)=(.+)$/.exec(text);
        const field = m ? SWEEP_FLAGS[m[1]] : undefined;
        if (!m || !field) {
          throw new ConfigError(
            `--sweep: expected FIELD=V1,V2,… with FIELD one of ${Object.keys(SWEEP_FLAGS).join(", ")} (got ${
              JSON.stringify(text)
            })`,
          );
        }
        const values = m[2].split(",").map((v) => Number(v.trim()));
        if (values.some((v) => !Number.isFinite(v) || v <= 0)) {
          throw new ConfigError(`--sweep: the values must be positive numbers (got ${JSON.stringify(m[2])})`);
        }
        sweep = { field, values };
        break;
      }
      case "string":
        config[f.field] = text;
        break;
      case "int":
      case "number":
        config[f.field] = toNumber(text);
        break;
      case "json": {
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch (e) {
          throw new ConfigError(
            `--${name}: not valid JSON (${
              (e as Error).message.split("\n")[0]
            }); expected an object like '{"temperature": 0.7}'`,
          );
        }
        if (value === null || typeof value !== "object" || Array.isArray(value)) {
          throw new ConfigError(`--${name}: expected a JSON object like '{"temperature": 0.7}' (got ${text})`);
        }
        config[f.field] = value;
        break;
      }
    }
  }
  return sweep
    ? { help: false, config: config as RunConfigInput, sweep }
    : { help: false, config: config as RunConfigInput };
}

/** A flag's default as `--help` shows it: the schema's default, or what the flag says it depends on. */
function defaultOf(f: FlagSpec, defaults: Record<string, unknown>): string | undefined {
  if (f.defaultText !== undefined) return f.defaultText;
  const v = defaults[f.field];
  if (v === undefined || (typeof v === "object" && v !== null)) return undefined;
  if (typeof v === "boolean") return v ? "on" : undefined;
  return String(v);
}

/** Help rows of some flags: the flag with its argument, and its text with its default (taken from the schema). */
export function flagRows(
  flags: readonly FlagSpec[],
  defaults: Record<string, unknown> = configDefaults(),
  width = helpWidth(),
): string[] {
  const row = (f: FlagSpec) => {
    const d = defaultOf(f, defaults);
    const flag = `${flagName(f.field)}${f.arg ? ` ${f.arg}` : ""}`;
    return [flag, d === undefined ? f.help : `${f.help} (default ${d})`] as const;
  };
  const out: string[] = [];
  for (const group of FLAG_GROUPS) {
    const rows = flags.filter((f) => (f.group ?? "Other") === group).map(row);
    if (group === "Other") rows.push(["-h, --help", "show this help"], ["--version", "print the version and Deno's"]);
    if (rows.length === 0) continue;
    if (out.length) out.push("");
    out.push(`${group}:`, ...formatFlagRows(rows, width));
  }
  return out;
}

/** The `--help` text. */
export function benchHelp(flags: FlagSpec[] = BENCH_FLAGS): string {
  return [
    "llm-bench — benchmark an LLM inference endpoint: time to first token, inter-token latency,",
    "end-to-end latency, throughput, errors, under concurrent streaming load.",
    "",
    "Usage: deno task bench [flags]",
    "",
    "With no endpoint configured it runs against the built-in SIMULATED endpoint (labelled as such",
    "everywhere). Settings are read from .env in the folder you run from, then the project's:",
    "OPENAI_API_BASE, OPENAI_API_KEY; SAMBANOVA_API_BASE, SAMBANOVA_API_KEY; SAMBASTUDIO_URL,",
    "SAMBASTUDIO_API_KEY (or the original kit's BASE_URL, PROJECT_ID, ENDPOINT_ID, API_KEY).",
    "Environment variables win over .env. A flag given twice: the last one counts.",
    "",
    ...flagRows(flags),
    "",
    "Examples:",
    "  deno task bench",
    "  deno task bench --num-concurrent-requests 16 --max-num-completed-requests 100",
    "  deno task bench --request-rate 4 --arrival gamma --burstiness 0.5 --duration 60 \\",
    "    --warmup-requests 4",
    "  deno task bench --sweep num-concurrent-requests=1,2,4,8,16 --slo ttft=500ms,tpot=50ms",
    "  deno task bench --dataset prompts.jsonl --dataset-order shuffle --num-concurrent-requests 4",
    "  deno task bench --llm-api openai --base-url http://127.0.0.1:8000/v1 \\",
    "    --model meta-llama/Llama-3.1-8B-Instruct --mean-input-tokens 1000 --mean-output-tokens 200 \\",
    "    --num-concurrent-requests 8 --ignore-eos",
    "  deno task bench --llm-api sambanova --model Meta-Llama-3.1-8B-Instruct     # SAMBANOVA_API_KEY",
    "  deno task bench --llm-api sambastudio --model COE/Meta-Llama-3.1-8B-Instruct   # .env",
    "",
    "Results: <results-dir>/<stem>_individual_responses.jsonl  one record per request, as each finishes",
    "         <results-dir>/<stem>_summary.json  configuration without secrets, environment, statistics",
    "         <results-dir>/<stem>_report.html  tables and charts, one self-contained page",
    "Exit codes: 0 done · 1 no request succeeded, or the run failed · 2 bad flags or configuration ·",
    "            130 interrupted (Ctrl-C) · 143 terminated (SIGTERM)",
  ].join("\n");
}

/** What `deno task bench` is to run: one configuration, or one per value of a sweep — each parsed once. */
export type BenchPlan =
  | { help: true; version?: false }
  | { help: false; version: true }
  | {
    help: false;
    version?: false;
    input: RunConfigInput;
    config: RunConfig;
    sweep?: Sweep & { configs: RunConfig[] };
  };

/**
 * Everything `deno task bench` does with its input before sending anything: flags, then the environment and `.env`
 * (`env`), then the schema — each run's configuration parsed once, here. Throws a {@link ConfigError} with one line
 * naming the flag or variable at fault.
 */
export function resolveBenchConfig(argv: readonly string[], env: Record<string, string>): BenchPlan {
  const parsed = parseBenchArgs(argv);
  if (parsed.help) return { help: true };
  if (parsed.version) return { help: false, version: true };
  const sources: Record<string, string> = {};
  const input = applyEnv(fromUserFolder(parsed.config, env.INIT_CWD), env, sources);
  const options = { sources, nameOf: flagName };
  if (!parsed.sweep) return { help: false, input, config: parseRunConfig(input, options) };
  // Every value must make a valid run, before the first run starts (the swept field may be one the others need).
  const configs = parsed.sweep.values.map((v) => parseRunConfig({ ...input, [parsed.sweep!.field]: v }, options));
  return { help: false, input, config: configs[0], sweep: { ...parsed.sweep, configs } };
}

/**
 * Paths given on the command line are the user's: `deno task` runs in the project's folder and says in INIT_CWD where
 * the user ran it from, so a relative `--dataset`, `--results-dir` or `--tokenizer` is taken from there.
 */
function fromUserFolder(config: RunConfigInput, initCwd: string | undefined): RunConfigInput {
  if (!initCwd) return config;
  const out = { ...config };
  for (const field of ["dataset", "resultsDir", "tokenizer"] as const) {
    const v = out[field];
    if (typeof v === "string" && v !== "" && !isAbsolute(v)) out[field] = resolve(initCwd, v);
  }
  return out;
}

/**
 * With an OpenAI-compatible endpoint and no `--model`, asks the server which models it serves: one → the arguments
 * name it (and `say` tells the user); several → a {@link ConfigError} listing them; none or no such route → the
 * arguments as they were (the schema then says `--model` is required).
 */
export async function withDiscoveredModel(
  argv: readonly string[],
  env: Record<string, string>,
  say: (line: string) => void,
  options: { flags?: FlagSpec[]; list?: (baseUrl: string, apiKey?: string) => Promise<string[] | null> } = {},
): Promise<readonly string[]> {
  const list = options.list ?? ((b: string, k?: string) => listModels(b, { apiKey: k }));
  const parsed = parseBenchArgs(argv, options.flags);
  if (!("config" in parsed)) return argv;
  const input = applyEnv(parsed.config, env);
  if (input.model !== undefined || (input.llmApi !== "openai" && input.llmApi !== "sambanova") || !input.baseUrl) {
    return argv;
  }
  const models = await list(input.baseUrl, input.apiKey);
  if (!models || models.length === 0) return argv;
  const where = `${safeUrl(input.baseUrl)}/models`;
  if (models.length === 1) {
    say(`--model not given: using ${models[0]}, the one model ${where} lists`);
    return [...argv, "--model", models[0]];
  }
  throw new ConfigError(`--model: required — ${where} lists ${models.length} models: ${models.join(", ")}`);
}
