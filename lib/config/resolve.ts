import type { z } from "zod";
import { ConfigError, redactUrls } from "../errors.ts";
import { peekDatasetFormat } from "../sampler/formats.ts";
import {
  type ChatConfig,
  type ChatConfigInput,
  ChatConfigSchema,
  type RunConfig,
  RunConfigFields,
  type RunConfigInput,
  RunConfigSchema,
  SAMBANOVA_DEFAULT_BASE,
} from "./schema.ts";

/** How errors name a configuration field: the field itself in code, its flag on the command line (see lib/cli/). */
export type FieldNamer = (field: string) => string;

/** Options of the parsers: how errors name fields, and which fields came from which environment variable. */
export interface ParseOptions {
  /** @default the field's own name (`meanInputTokens`) */
  nameOf?: FieldNamer;
  /** Field → the environment variable it was read from (errors then name the variable). */
  sources?: Record<string, string>;
  /** The schema parsed with: an unknown key is then answered with the keys it takes, and the nearest one. */
  schema?: z.ZodType;
}

/** The keys of the object schema at `path` inside `schema` (through defaults, optionals and refinements). */
function keysAt(schema: z.ZodType | undefined, path: readonly PropertyKey[]): string[] {
  // deno-lint-ignore no-explicit-any
  let node: any = schema;
  const unwrap = () => {
    while (node?._zod?.def && !node._zod.def.shape && (node._zod.def.innerType || node._zod.def.in)) {
      node = node._zod.def.innerType ?? node._zod.def.in;
    }
  };
  unwrap();
  for (const key of path) {
    node = node?._zod?.def?.shape?.[key as string];
    unwrap();
  }
  return node?._zod?.def?.shape ? Object.keys(node._zod.def.shape) : [];
}

/** The Levenshtein distance of two strings (how many one-character edits make one the other). */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length][b.length];
}

/** "did you mean maxBatch?" and the keys accepted, for an unknown key. */
function suggestion(unknown: string, known: readonly string[]): string {
  if (known.length === 0) return "";
  const near = known.map((k) => [k, editDistance(k.toLowerCase(), unknown.toLowerCase())] as const)
    .sort((a, b) => a[1] - b[1])[0];
  const mean = near[1] <= Math.max(2, Math.floor(unknown.length / 3)) ? ` (did you mean ${near[0]}?)` : "";
  return `${mean}; accepted: ${known.join(", ")}`;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const key of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return `expected ${issue.expected === "int" ? "an integer" : `a ${issue.expected}`}`;
    case "too_small":
      if (issue.origin === "string") {
        return Number(issue.minimum) <= 1 ? "must not be empty" : `must be at least ${issue.minimum} characters`;
      }
      if (issue.origin === "array") {
        return `needs at least ${issue.minimum} item${Number(issue.minimum) > 1 ? "s" : ""}`;
      }
      return `must be ${issue.inclusive === false ? ">" : "≥"} ${issue.minimum}`;
    case "too_big":
      return `must be ${issue.inclusive === false ? "<" : "≤"} ${issue.maximum}`;
    case "invalid_value":
      return `accepted values: ${issue.values.map(String).join(", ")}`;
    case "unrecognized_keys":
      return `unknown option${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")}`;
    case "invalid_format":
      return issue.message.startsWith("Invalid") ? `must be a valid ${issue.format}` : issue.message;
    default:
      return issue.message;
  }
}

/**
 * Turns a zod error into one line naming the field (as `nameOf` writes it), what was wrong, the value given and what
 * is accepted. Values of fields whose name mentions a key are never echoed.
 */
export function formatConfigIssues(error: z.ZodError, input: unknown, options: ParseOptions = {}): string {
  const nameOf = options.nameOf ?? ((field: string) => field);
  const sources = options.sources ?? {};
  const parts = error.issues.map((issue) => {
    const [head, ...rest] = issue.path.map(String);
    const name = head === undefined
      ? "config"
      : sources[head]
      ? `${sources[head]} (from .env or the environment)`
      : options.nameOf
      ? nameOf(head) + (rest.length ? ` ${rest.join(".")}` : "")
      : [head, ...rest].join(".");
    const value = valueAt(input, issue.path);
    const secret = issue.path.some((p) => /key|token|secret/i.test(String(p)) && !/tokens/i.test(String(p)));
    const shown = value === undefined || secret || issue.code === "unrecognized_keys" || issue.code === "custom"
      ? ""
      : ` (got ${
        typeof value === "number" && !Number.isFinite(value)
          ? (Number.isNaN(value) ? "a non-number" : String(value))
          : redactUrls(JSON.stringify(value))
      })`;
    // Custom messages name other fields as `{field}`.
    let text = describeIssue(issue).replace(/\{(\w+)\}/g, (_, field: string) => nameOf(field));
    if (issue.code === "unrecognized_keys" && options.schema) {
      text += suggestion(issue.keys[0], keysAt(options.schema, issue.path));
    }
    return `${name}: ${text}${shown}`;
  });
  return `Invalid configuration: ${parts.join("; ")}`;
}

/**
 * Parses a run configuration with its defaults, or throws a {@link ConfigError} with a one-line message.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRunConfig } from "./resolve.ts";
 * assert.equal(parseRunConfig({}).meanInputTokens, 550);
 * assert.throws(() => parseRunConfig({ meanInputTokens: 0 }), /meanInputTokens: must be ≥ 1 \(got 0\)/);
 * ```
 */
export function parseRunConfig(input: RunConfigInput, options: ParseOptions = {}): RunConfig {
  // A dataset that recorded its answers gives each request's length, unless an output length is asked for.
  if (input.dataset !== undefined && input.meanOutputTokens !== undefined && input.outputTokensFrom === undefined) {
    input = { ...input, outputTokensFrom: "sampled" };
  }
  // The dataset's format is a setting like any other (a trace is an open loop): told from the file, when it can be.
  if (input.dataset !== undefined && (input.datasetFormat ?? "auto") === "auto") {
    const format = peekDatasetFormat(input.dataset);
    if (format) input = { ...input, datasetFormat: format };
  }
  const result = RunConfigSchema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(formatConfigIssues(result.error, input, { schema: RunConfigFields, ...options }));
  }
  const clash = contradiction(input);
  if (clash) {
    const nameOf = options.nameOf ?? ((field: string) => field);
    const text = clash.message.replace(/\{(\w+)\}/g, (_, field: string) => nameOf(field));
    throw new ConfigError(`Invalid configuration: ${nameOf(clash.field)}: ${text}`, { cause: clash });
  }
  return result.data;
}

/**
 * Settings that would be silently ignored, or that cannot work together: a base URL for the built-in simulator,
 * simulator parameters for a real endpoint, an arrival shape without an open loop, a first-token limit in batch mode.
 */
function contradiction(input: RunConfigInput): { field: string; message: string } | undefined {
  const sim = (input.llmApi ?? "sim") === "sim";
  if (sim && input.baseUrl !== undefined) {
    return { field: "baseUrl", message: "is not used with {llmApi} sim (the built-in simulator): drop one of them" };
  }
  if (!sim && input.sim !== undefined) {
    return { field: "sim", message: "only applies to the simulated endpoint ({llmApi} sim)" };
  }
  if (input.requestRate === undefined) {
    if (input.arrival !== undefined) return { field: "arrival", message: "needs {requestRate} (an open loop)" };
    if (input.burstiness !== undefined) {
      return { field: "burstiness", message: "needs {requestRate} with gamma arrivals" };
    }
  } else if (input.burstiness !== undefined && (input.arrival ?? "poisson") !== "gamma") {
    return { field: "burstiness", message: "only shapes gamma arrivals: add {arrival} gamma" };
  }
  if (input.mode === "batch" && input.ttftTimeoutS !== undefined) {
    return {
      field: "ttftTimeoutS",
      message: "has no first token to wait for in batch mode (one JSON body): use {requestTimeoutS}",
    };
  }
  return undefined;
}

/** Parses a chat session's configuration, or throws a {@link ConfigError} with a one-line message. */
export function parseChatConfig(input: ChatConfigInput, options: ParseOptions = {}): ChatConfig {
  const result = ChatConfigSchema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(formatConfigIssues(result.error, input, { schema: ChatConfigSchema, ...options }));
  }
  return result.data;
}

/**
 * Fills a run configuration from the environment where the caller left fields unset: `OPENAI_API_BASE` /
 * `OPENAI_API_KEY`; `SAMBANOVA_API_BASE` (default SambaNova Cloud) / `SAMBANOVA_API_KEY`; `SAMBASTUDIO_URL` /
 * `SAMBASTUDIO_API_KEY` or the original kit's `BASE_URL`, `PROJECT_ID`, `ENDPOINT_ID`, `API_KEY`. With a base URL and
 * no `llmApi`, the API is `openai`; with neither, the simulated endpoint.
 */
export function applyEnv(
  input: RunConfigInput,
  env: Record<string, string>,
  sources: Record<string, string> = {},
): RunConfigInput {
  const out: RunConfigInput = { ...input };
  const api = out.llmApi ?? (out.baseUrl !== undefined || env.OPENAI_API_BASE ? "openai" : "sim");
  out.llmApi = api;
  const fill = (url: string | undefined, urlVar: string, key: string | undefined, keyVar: string) => {
    if (out.baseUrl === undefined && url) {
      out.baseUrl = url;
      sources.baseUrl = urlVar;
    }
    if (out.apiKey === undefined && key) {
      out.apiKey = key;
      sources.apiKey = keyVar;
    }
  };
  // A pod of a Kubernetes Indexed Job knows its shard by JOB_COMPLETION_INDEX.
  if (out.shards !== undefined && out.shardIndex === undefined && env.JOB_COMPLETION_INDEX !== undefined) {
    const index = Number(env.JOB_COMPLETION_INDEX);
    out.shardIndex = Number.isInteger(index) ? index : (env.JOB_COMPLETION_INDEX as unknown as number);
    sources.shardIndex = "JOB_COMPLETION_INDEX";
  }
  if (api === "openai") fill(env.OPENAI_API_BASE, "OPENAI_API_BASE", env.OPENAI_API_KEY, "OPENAI_API_KEY");
  if (api === "sambanova") {
    fill(env.SAMBANOVA_API_BASE, "SAMBANOVA_API_BASE", env.SAMBANOVA_API_KEY, "SAMBANOVA_API_KEY");
    out.baseUrl ??= SAMBANOVA_DEFAULT_BASE;
    // SambaNova honours ignore_eos: outputs then have the requested length.
    out.ignoreEos ??= true;
  }
  if (api === "sambastudio") {
    const fromParts = env.BASE_URL && env.PROJECT_ID && env.ENDPOINT_ID
      ? `${env.BASE_URL.replace(/\/+$/, "")}/api/predict/generic/stream/${env.PROJECT_ID}/${env.ENDPOINT_ID}`
      : undefined;
    fill(
      env.SAMBASTUDIO_URL || fromParts,
      env.SAMBASTUDIO_URL ? "SAMBASTUDIO_URL" : "BASE_URL",
      env.SAMBASTUDIO_API_KEY || env.API_KEY,
      env.SAMBASTUDIO_API_KEY ? "SAMBASTUDIO_API_KEY" : "API_KEY",
    );
  }
  return out;
}

/** Removes credentials from a URL (user:password@ and key-like query parameters). */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    for (const name of [...u.searchParams.keys()]) {
      if (/key|token|secret|auth/i.test(name)) u.searchParams.set(name, "[redacted]");
    }
    return u.toString().replace(/\/$/, "");
  } catch {
    return "[unparseable URL]";
  }
}

/** The configuration as results files record it: no API key, no credentials in URLs. */
export function publicConfig(config: RunConfig): Record<string, unknown> {
  const { apiKey: _apiKey, ...rest } = config;
  return { ...rest, ...(rest.baseUrl ? { baseUrl: safeUrl(rest.baseUrl) } : {}), apiKeySet: Boolean(config.apiKey) };
}
