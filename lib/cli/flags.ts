/**
 * The command line's flags, made from the configuration schema: each field with command-line help (`.meta()` in
 * lib/config/schema.ts) is a flag named after it, of the kind its type says. Only the names that are not the field's
 * in kebab case, and the flags that are no field (`--sweep`), are written here.
 * @module
 */
import type { z } from "zod";
import {
  ChatConfigSchema,
  type FieldGroup,
  fieldHelp,
  RunConfigFields,
  SWEEP_FIELDS,
  type SweepField,
} from "../config/schema.ts";
import type { ConfigError } from "../errors.ts";

/** Flags whose name is not the field's name in kebab case. */
const FLAG_NAMES: Record<string, string> = {
  timeoutS: "--timeout",
  sim: "--sim-params",
  ttftTimeoutS: "--ttft-timeout",
  idleTimeoutS: "--idle-timeout",
  requestTimeoutS: "--request-timeout",
  durationS: "--duration",
  maxRateLimitWaitS: "--max-rate-limit-wait",
  turnDelayS: "--turn-delay",
  start: "--start-load",
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

/** How a flag's text becomes a value: as it is, a number, JSON, on/off, an SLO list, a sweep. */
export type FlagKind = "string" | "number" | "json" | "boolean" | "slo" | "sweep" | "countOrOff";

/** A flag: its config field, value kind, help text and group. */
export interface FlagSpec {
  field: string;
  kind: FlagKind;
  help: string;
  group: FieldGroup;
  arg?: string;
  /** The default, where it depends on other flags (otherwise `--help` shows the schema's default). */
  defaultText?: string;
}

/** Fields whose text is read otherwise than their type says. */
const KIND_OF_FIELD: Record<string, FlagKind> = { slo: "slo", maxFailures: "countOrOff" };

/** The zod type under defaults and optionals. */
function innerDef(schema: z.ZodType): { type: string; entries?: Record<string, string> } {
  // deno-lint-ignore no-explicit-any
  let def: any = schema._zod.def;
  while (def.innerType) def = def.innerType._zod.def;
  return def;
}

function kindOf(field: string, schema: z.ZodType): FlagKind {
  if (KIND_OF_FIELD[field]) return KIND_OF_FIELD[field];
  const type = innerDef(schema).type;
  if (type === "boolean") return "boolean";
  if (type === "number") return "number";
  if (type === "object" || type === "record") return "json";
  return "string";
}

/** `{field}` as that field's flag, `{no}` as this flag's `--no-` form. */
function helpText(field: string, text: string): string {
  return text.replace(/\{no\}/g, `--no-${flagName(field).slice(2)}`).replace(/\{(\w+)\}/g, (_, f) => flagName(f));
}

/** The flags of an object schema's fields that have command-line help, in the schema's order. */
export function flagsOf(schema: { shape: Record<string, z.ZodType> }): FlagSpec[] {
  const out: FlagSpec[] = [];
  for (const [field, type] of Object.entries(schema.shape)) {
    const help = fieldHelp(type);
    if (!help) continue;
    const entries = innerDef(type).entries;
    const arg = help.arg ?? (entries ? Object.values(entries).join("|") : undefined);
    out.push({
      field,
      kind: kindOf(field, type),
      help: helpText(field, help.help),
      group: help.group,
      ...(arg ? { arg } : {}),
      ...(help.default !== undefined ? { defaultText: helpText(field, help.default) } : {}),
    });
  }
  return out;
}

/** Every flag of `deno task bench`: the run's fields, `--sweep`, and how the summary is shown. */
export const BENCH_FLAGS: FlagSpec[] = [
  ...flagsOf(RunConfigFields),
  {
    field: "findMax",
    group: "Load",
    kind: "string",
    arg: "concurrency|rate",
    help: "search the highest load that meets --slo for --attainment of the requests: probes doubling until one " +
      "fails, then bisecting to --precision",
  },
  {
    field: "attainment",
    group: "Load",
    kind: "number",
    arg: "P",
    help: "with --find-max: the share of requests that must meet every SLO, 0 < P ≤ 1 (default 0.9)",
  },
  {
    field: "precision",
    group: "Load",
    kind: "string",
    arg: "N%",
    help: "with --find-max: how close the highest passing and the lowest failing load must come (default 10%)",
  },
  {
    field: "maxProbes",
    group: "Load",
    kind: "number",
    arg: "N",
    help: "with --find-max: probes at most (default 12)",
  },
  {
    field: "start",
    group: "Load",
    kind: "number",
    arg: "LOAD",
    help: "with --find-max: the first load probed (default 1); a rate search of a fast endpoint saves probes " +
      "starting nearer its capacity",
  },
  {
    field: "repeat",
    group: "Load",
    kind: "number",
    arg: "N",
    help: "run the same workload N times (seeds s, s + 1, …; fresh connections) and set each figure's run-to-run " +
      "spread beside each run's own 95 % interval",
  },
  {
    field: "repeatSameSeed",
    group: "Load",
    kind: "boolean",
    help: "with --repeat: the same seed every time (the same prompts)",
  },
  {
    field: "intervals",
    group: "Output",
    kind: "boolean",
    help: 'under the summary table, every metric\'s 95 % intervals (mean, p50, p90, p99; "too few" where none)',
  },
  {
    field: "sweep",
    group: "Load",
    kind: "sweep",
    arg: "FIELD=V1,V2,…",
    help: `one run per value of ${Object.keys(SWEEP_FLAGS).join(", ").replace(/, ([^,]+)$/, " or $1")}`,
  },
];

/** The flags of `deno task chat`: the endpoint fields it shares with a run, and the answer's parameters. */
export const CHAT_FLAGS: FlagSpec[] = flagsOf(ChatConfigSchema);
