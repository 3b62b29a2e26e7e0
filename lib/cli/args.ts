/**
 * `deno task bench`'s command line: the flags parsed (lib/cli/flags.ts makes them from the schema), its `--help`, and
 * the run configurations they resolve to.
 * @module
 */
import { parseArgs } from "node:util";
import { isAbsolute, resolve } from "node:path";
import { applyEnv, editDistance, type ParseOptions, parseRunConfig } from "../config/resolve.ts";
import {
  configDefaults,
  dependentDefaults,
  FIELD_GROUPS,
  type RunConfig,
  type RunConfigInput,
  SERVER_TOKENIZER,
  type SweepField,
} from "../config/schema.ts";
import { parseSlo } from "../config/slo.ts";
import { ConfigError } from "../errors.ts";
import { BENCH_FLAGS, flagName, type FlagSpec, SWEEP_FLAGS } from "./flags.ts";
import { formatFlagRows, helpWidth } from "./help.ts";

function toNumber(raw: string): number | string {
  const n = raw.trim() === "" ? NaN : Number(raw);
  return Number.isNaN(n) ? raw : n;
}

/** Result of parsing the command line. */
export type ParsedArgs =
  | { help: true; version?: false }
  | { help: false; version: true }
  | {
    help: false;
    version?: false;
    config: RunConfigInput;
    sweep?: Sweep;
    intervals?: boolean;
    repeat?: Repeat;
    findMax?: FindMax;
  };

/** A `--find-max`: what is searched, and how. */
export interface FindMax {
  dimension: "concurrency" | "rate";
  attainment: number;
  precision: number;
  maxProbes: number;
  /** The first load probed. */
  start: number;
}

/** A `--repeat`: how many runs, and whether each keeps the seed. */
export interface Repeat {
  times: number;
  sameSeed: boolean;
}

/** A `--sweep`: the config field and its values. */
export interface Sweep {
  field: SweepField;
  values: number[];
}

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
      case "number":
        config[f.field] = toNumber(text);
        break;
      case "countOrOff":
        config[f.field] = text === "off" ? "off" : toNumber(text);
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
  // How the summary is shown, and how many times the run is made, are not part of the run.
  const intervals = config.intervals === true;
  const { repeat: times, repeatSameSeed } = config;
  delete config.intervals;
  delete config.repeat;
  delete config.repeatSameSeed;
  let repeat: Repeat | undefined;
  if (times !== undefined) {
    if (typeof times !== "number" || !Number.isInteger(times) || times < 2 || times > 1000) {
      throw new ConfigError(`--repeat: expected a whole number of runs, 2 … 1000 (got ${JSON.stringify(times)})`);
    }
    if (sweep) throw new ConfigError("--repeat: one workload repeated, or a --sweep over several: not both");
    repeat = { times, sameSeed: repeatSameSeed === true };
  } else if (repeatSameSeed) throw new ConfigError("--repeat-same-seed: needs --repeat N");
  const findMax = readFindMax(config, { sweep: sweep !== undefined, repeat: repeat !== undefined });
  return {
    help: false,
    config: config as RunConfigInput,
    ...(sweep ? { sweep } : {}),
    ...(intervals ? { intervals } : {}),
    ...(repeat ? { repeat } : {}),
    ...(findMax ? { findMax } : {}),
  };
}

/** `--find-max` and its companions, taken out of the run's flags and checked. */
function readFindMax(config: Record<string, unknown>, other: { sweep: boolean; repeat: boolean }): FindMax | undefined {
  const { findMax, attainment, precision, maxProbes, start } = config;
  for (const k of ["findMax", "attainment", "precision", "maxProbes", "start"]) delete config[k];
  if (findMax === undefined) {
    const stray = [
      ["--attainment", attainment],
      ["--precision", precision],
      ["--max-probes", maxProbes],
      ["--start-load", start],
    ]
      .find(([, v]) => v !== undefined);
    if (stray) throw new ConfigError(`${stray[0]}: needs --find-max concurrency|rate`);
    return undefined;
  }
  if (findMax !== "concurrency" && findMax !== "rate") {
    throw new ConfigError(`--find-max: accepted values: concurrency, rate (got ${JSON.stringify(findMax)})`);
  }
  if (other.sweep || other.repeat) {
    throw new ConfigError(`--find-max: a search of its own: not with ${other.sweep ? "--sweep" : "--repeat"}`);
  }
  if (config.slo === undefined) {
    throw new ConfigError("--find-max: needs --slo (e.g. --slo ttft.p99<=500ms,tpot.p50<=50ms)");
  }
  if (findMax === "concurrency" && config.requestRate !== undefined) {
    throw new ConfigError("--find-max concurrency: searches a closed loop: drop --request-rate");
  }
  if (findMax === "rate" && config.requestRate !== undefined) {
    throw new ConfigError("--find-max rate: the search sets the rate: drop --request-rate");
  }
  const a = attainment ?? 0.9;
  if (typeof a !== "number" || !(a > 0 && a <= 1)) {
    throw new ConfigError(`--attainment: expected a share 0 < P ≤ 1, e.g. 0.9 (got ${JSON.stringify(attainment)})`);
  }
  const p = precision === undefined ? 10 : Number(/^(\d+(?:\.\d+)?)\s*%$/.exec(String(precision))?.[1]);
  if (!(p > 0 && p < 100)) {
    throw new ConfigError(`--precision: expected a percentage like 10% (got ${JSON.stringify(precision)})`);
  }
  const m = maxProbes ?? 12;
  if (typeof m !== "number" || !Number.isInteger(m) || m < 1 || m > 100) {
    throw new ConfigError(`--max-probes: expected a whole number 1 … 100 (got ${JSON.stringify(maxProbes)})`);
  }
  const s = start ?? 1;
  if (typeof s !== "number" || !(s > 0) || (findMax === "concurrency" && !Number.isInteger(s))) {
    throw new ConfigError(
      `--start-load: expected ${findMax === "concurrency" ? "a whole number ≥ 1" : "a rate above 0"} (got ${
        JSON.stringify(start)
      })`,
    );
  }
  return { dimension: findMax, attainment: a, precision: p / 100, maxProbes: m, start: s };
}

/** A flag's default as `--help` shows it: the schema's default, or what the flag says it depends on. */
function defaultOf(f: FlagSpec, defaults: Record<string, unknown>): string | undefined {
  if (f.defaultText !== undefined) return f.defaultText;
  const v = defaults[f.field];
  if (v === undefined || (typeof v === "object" && v !== null)) return undefined;
  if (typeof v === "boolean") return v ? "on" : undefined;
  return String(v);
}

/** A run's defaults as `--help` shows them: the schema's, and those that depend on the run's shape as a default run's. */
function runDefaults(): Record<string, unknown> {
  return { ...configDefaults(), ...dependentDefaults({ multiTurn: true }), ...dependentDefaults({}) };
}

/** Help rows of some flags: the flag with its argument, and its text with its default (taken from the schema). */
export function flagRows(
  flags: readonly FlagSpec[],
  defaults: Record<string, unknown> = runDefaults(),
  width = helpWidth(),
): string[] {
  const row = (f: FlagSpec) => {
    const d = defaultOf(f, defaults);
    const flag = `${flagName(f.field)}${f.arg ? ` ${f.arg}` : ""}`;
    return [flag, d === undefined ? f.help : `${f.help} (default ${d})`] as const;
  };
  const out: string[] = [];
  for (const group of FIELD_GROUPS) {
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
    /** How errors of a later parse of `input` name fields: by flag or environment variable. */
    parse: ParseOptions;
    sweep?: Sweep & { configs: RunConfig[] };
    /** Show every metric's 95 % intervals under the summary table. */
    intervals?: boolean;
    /** Run the configuration this many times. */
    repeat?: Repeat;
    /** Search the highest load within the SLOs. */
    findMax?: FindMax;
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
  const shown = {
    ...(parsed.intervals ? { intervals: true } : {}),
    ...(parsed.repeat ? { repeat: parsed.repeat } : {}),
    ...(parsed.findMax ? { findMax: parsed.findMax } : {}),
  };
  if (!parsed.sweep) return { help: false, input, parse: options, config: parseRunConfig(input, options), ...shown };
  // Every value must make a valid run, before the first run starts (the swept field may be one the others need).
  const configs = parsed.sweep.values.map((v) => parseRunConfig({ ...input, [parsed.sweep!.field]: v }, options));
  return { help: false, input, parse: options, config: configs[0], sweep: { ...parsed.sweep, configs }, ...shown };
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
    // `--tokenizer server` names no file.
    if (field === "tokenizer" && v === SERVER_TOKENIZER) continue;
    if (typeof v === "string" && v !== "" && !isAbsolute(v)) out[field] = resolve(initCwd, v);
  }
  return out;
}
