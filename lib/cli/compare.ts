/**
 * `deno task compare BASELINE CANDIDATE [MORE…]`: are the runs really different? Each figure with its difference, a
 * 95 % bootstrap interval and a verdict; what differs between the workloads first; `--fail-on` as a CI gate.
 * @module
 */
import { resolve } from "node:path";
import { type ComparedRun, compareRuns, type Comparison, groupAsRun } from "../compare/compare.ts";
import { formatComparisonJson, formatComparisonMarkdown, formatComparisonTable } from "../compare/format.ts";
import { evaluateGate, type GateOutcome, type GateRule, parseGate } from "../compare/gate.ts";
import { loadRunArgument, type RunArgument } from "../compare/load.ts";
import { GateSpecError, RunNotFoundError } from "../errors.ts";
import type { LoadedRun } from "../results/files.ts";
import { formatFlagRows, helpWidth } from "./help.ts";
import { fail, parseTaskArgs } from "./task.ts";
import { paint, wantsColour } from "./style.ts";
import { outputColumns } from "../text.ts";

const FORMATS = ["table", "markdown", "json", "html"] as const;
type Format = typeof FORMATS[number];

function help(): string {
  const w = helpWidth();
  return [
    "deno task compare BASELINE CANDIDATE [MORE…] [flags]",
    "",
    "Compares runs: for TTFT, inter-token latency, E2E, TPOT and output throughput per request (p50, p90, p99, mean),",
    "error rate, SLO attainment and run-level throughput it prints baseline, candidate, difference, relative change, a",
    "95 % bootstrap interval of the difference and a verdict (better / worse / no significant difference). What differs",
    "between the workloads (concurrency, lengths, model, dataset, …) is printed first. MORE runs are each compared with",
    "the baseline. A run is a stem (in --results-dir), a _summary.json or _individual_responses.jsonl path, or a folder",
    "with one run; two sweep folders compare point by point (same swept values).",
    "",
    "Flags:",
    ...formatFlagRows([
      [
        "--format table|markdown|json|html",
        "output format (default table; html: the table and overlaid distributions)",
      ],
      ["--output FILE", "write there instead of standard output (html: default <candidate>_vs_<baseline>.html)"],
      ["--fail-on SPEC", 'CI gate, e.g. "ttft.p99>+10%,itl.p50>+5%,error_rate>1%": exit 1 when a rule fires'],
      ["--resamples N", "bootstrap resamples per figure (default 2000)"],
      ["--seed N", "seed of the bootstrap (default 1): the same seed gives the same intervals"],
      ["--results-dir DIR", "where bare stems are looked up (default data/results)"],
      ["-h, --help", "show this help"],
      ["--version", "print llm-bench's and Deno's versions"],
    ], w),
    "",
    "Gate rules: METRIC[.STAT] OP THRESHOLD, comma-separated. METRIC: ttft, itl, e2e, tpot, request_tps, stall_ms, ttfat,",
    "reasoning_ms, reasoning_tokens",
    "(with .p50, .p90, .p99 or .mean), stall_share, error_rate, slo_attainment, output_throughput, request_throughput,",
    "goodput. OP is the way the metric gets worse: > for latencies, stalls and error rate, < for throughput and",
    "attainment. THRESHOLD: +10% (relative to the baseline; for error_rate, stall_share and slo_attainment, percentage",
    "points) or an absolute amount (+20ms, -50tok/s).",
    "A rule fires when the candidate is worse by more than the threshold AND the interval excludes 0; run-level",
    "throughput has no interval, so its threshold alone decides.",
    "",
    "Exit codes: 0 compared (gate passed), 1 a gate rule fired, 2 bad input (unreadable run, bad flag or rule).",
  ].join("\n");
}

const named = (name: string, run: LoadedRun): ComparedRun => ({ name, summary: run.summary, records: run.records });

/** Pairs to compare: baseline with each other argument; sweeps point by point. */
function pairsOf(args: RunArgument[]): { pairs: [ComparedRun, ComparedRun][]; notes: string[] } | string {
  const [base, ...rest] = args;
  const pairs: [ComparedRun, ComparedRun][] = [];
  const notes: string[] = [];
  // Repeated runs are one side: their requests pooled, their run-level figures the runs' mean.
  const side = (a: RunArgument): ComparedRun | undefined =>
    a.kind === "run" ? named(a.name, a.run) : a.kind === "group" ? groupAsRun(a.name, a.runs) : undefined;
  for (const a of args) {
    if (a.kind === "group") {
      console.error(
        `note: ${a.name}: ${a.runs.length} repeated runs, their requests pooled — the intervals are over requests ` +
          "and leave the runs' drift out (their repeat table shows it); throughput is the runs' mean",
      );
    }
  }
  for (const other of rest) {
    const b = side(base);
    const c = side(other);
    if (b && c) {
      pairs.push([b, c]);
      continue;
    }
    if (base.kind === "sweep" && other.kind === "sweep") {
      if (base.field !== other.field) {
        notes.push(`the sweeps vary different fields: baseline ${base.field}, candidate ${other.field}`);
      }
      for (const p of base.points) {
        const q = other.points.find((x) => x.value === p.value);
        if (!q) {
          notes.push(`${base.field} = ${p.value}: only in the baseline sweep`);
          continue;
        }
        pairs.push([
          named(`${base.name} @ ${base.field}=${p.value}`, p.run),
          named(`${other.name} @ ${other.field}=${q.value}`, q.run),
        ]);
      }
      for (const q of other.points) {
        if (!base.points.some((p) => p.value === q.value)) {
          notes.push(`${other.field} = ${q.value}: only in ${other.name}`);
        }
      }
      continue;
    }
    return `${base.kind === "sweep" ? base.name : other.name} is a sweep and ${
      base.kind === "sweep" ? other.name : base.name
    } ${
      base.kind === "group" || other.kind === "group" ? "repeated runs" : "a single run"
    }: compare a sweep with a sweep, or name one of the sweep's runs`;
  }
  if (pairs.length === 0) return "no pairs to compare (the sweeps share no swept value)";
  return { pairs, notes };
}

export async function main(argv: string[]): Promise<number> {
  const parsed = parseTaskArgs("compare", argv, {
    format: { type: "string", default: "table" },
    output: { type: "string" },
    "fail-on": { type: "string" },
    resamples: { type: "string", default: "2000" },
    seed: { type: "string", default: "1" },
    "results-dir": { type: "string" },
  }, help);
  if (typeof parsed === "number") return parsed;
  const { values: flags, positionals } = parsed;
  const format = flags.format as Format;
  if (!FORMATS.includes(format)) {
    return fail(`--format: accepted values: ${FORMATS.join(", ")} (got "${flags.format}")`);
  }
  const resamples = Number(flags.resamples);
  if (!Number.isInteger(resamples) || resamples < 200 || resamples > 100_000) {
    return fail(`--resamples: expected an integer from 200 to 100000 (got "${flags.resamples}")`);
  }
  const seed = Number(flags.seed);
  if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 32 - 1) {
    return fail(`--seed: expected an integer from 0 to 4294967295 (got "${flags.seed}")`);
  }
  let rules: GateRule[] = [];
  if (flags["fail-on"] !== undefined) {
    try {
      rules = parseGate(flags["fail-on"]);
    } catch (e) {
      if (e instanceof GateSpecError) return fail(e.message.replace(/^--fail-on: /, "--fail-on: "));
      throw e;
    }
  }
  if (positionals.length < 2) {
    return fail(`expected a baseline and at least one candidate run (got ${positionals.length}); see --help`);
  }
  const cwd = Deno.env.get("INIT_CWD") ?? Deno.cwd(); // deno task runs in the project root; paths are the user's
  const resultsDir = flags["results-dir"] ? resolve(cwd, flags["results-dir"]) : resolve(Deno.cwd(), "data/results");
  const args: RunArgument[] = [];
  for (const p of positionals) {
    try {
      args.push(await loadRunArgument(p, { cwd, resultsDir }));
    } catch (e) {
      if (e instanceof RunNotFoundError) return fail(e.message);
      throw e;
    }
  }
  const pairing = pairsOf(args);
  if (typeof pairing === "string") return fail(pairing);
  const results: { comparison: Comparison; runs: [ComparedRun, ComparedRun]; gate: GateOutcome[] }[] = [];
  for (const [b, c] of pairing.pairs) {
    const comparison = compareRuns(b, c, { resamples, seed });
    if (pairing.notes.length) comparison.differences.unshift(...pairing.notes);
    results.push({ comparison, runs: [b, c], gate: rules.length ? evaluateGate(comparison, rules) : [] });
  }
  let text: string;
  if (format === "json") {
    text = results.length === 1
      ? formatComparisonJson(results[0].comparison, results[0].gate)
      : `[\n${results.map((r) => formatComparisonJson(r.comparison, r.gate)).join(",\n")}\n]`;
  } else if (format === "markdown") {
    text = results.map((r) => formatComparisonMarkdown(r.comparison, r.gate)).join("\n\n");
  } else if (format === "html") {
    const { comparisonPageHtml } = await import("../compare/html.ts");
    text = comparisonPageHtml(results);
  } else {
    const width = flags.output ? Infinity : outputColumns(); // a file keeps every column
    text = results.map((r) => formatComparisonTable(r.comparison, r.gate, { width })).join("\n\n");
    if (wantsColour(Deno.stdout)) {
      text = text.split("\n").map((l) =>
        /^\*\*\* SIMULATED|^Workloads DIFFER/.test(l)
          ? paint(l, "warn", true)
          : /^Gate: FAILED|^ {2}FIRED/.test(l)
          ? paint(l, "bad", true)
          : / worse$/.test(l)
          ? paint(l, "bad", true)
          : / better$/.test(l)
          ? paint(l, "good", true)
          : l
      ).join("\n");
    }
  }
  const output = flags.output ??
    (format === "html"
      ? `${results[0].runs[1].name}_vs_${results[0].runs[0].name}.html`.replace(/[^\w.@=-]+/g, "_")
      : undefined);
  if (output) {
    const path = resolve(cwd, output);
    try {
      await Deno.writeTextFile(path, text.endsWith("\n") ? text : `${text}\n`);
    } catch (e) {
      return fail(`--output: cannot write ${path} (${(e as Error).message.split("\n")[0]})`);
    }
    console.error(`Comparison: ${path}`);
  } else console.log(text);
  const fired = results.flatMap((r) => r.gate).filter((o) => o.fired);
  if (output && rules.length) {
    console.error(fired.length ? `Gate: FAILED (${fired.map((o) => o.rule.text).join(", ")})` : "Gate: passed");
  }
  return fired.length ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
