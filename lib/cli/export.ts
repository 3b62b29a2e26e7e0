/**
 * `deno task export RUN --format csv [--output FILE]`: a run's requests as CSV, one row per request with the run's id
 * and key configuration as columns (rows of many runs concatenate); `--summaries DIR`: one row per run in a folder.
 * @module
 */
import { resolve } from "node:path";
import { loadRunArgument } from "../compare/load.ts";
import { RunNotFoundError } from "../errors.ts";
import { recordsCsv, summariesCsv } from "../results/csv.ts";
import { readSummary } from "../results/files.ts";
import type { RunSummary } from "../results/schema.ts";
import { formatFlagRows, helpWidth } from "./help.ts";
import { fail, parseTaskArgs } from "./task.ts";

function help(): string {
  return [
    "deno task export RUN [RUN…] --format csv [--output FILE]",
    "deno task export --summaries DIR [--output FILE]",
    "",
    "Writes runs as CSV: one row per request (warm-up requests too, marked), with the run's id and configuration",
    "(runId, api, model, concurrency, rate, token means, dataset, seed) as columns, so rows of many runs concatenate",
    "into one table. A RUN is a stem (in --results-dir), a _summary.json or _individual_responses.jsonl path, or a",
    "folder with one run (a sweep's folder: every run of the sweep). --summaries DIR: one row per run summary in DIR.",
    "",
    "Flags:",
    ...formatFlagRows([
      ["--format csv", "the format (csv, the only one so far; JSON is what the results files already are)"],
      ["--output FILE", "write there instead of standard output"],
      ["--summaries DIR", "one row per run summary in DIR instead of one per request"],
      ["--results-dir DIR", "where bare stems are looked up (default data/results)"],
      ["-h, --help", "show this help"],
      ["--version", "print llm-bench's and Deno's versions"],
    ], helpWidth()),
    "",
    'In pandas:  import pandas as pd; df = pd.read_csv("requests.csv"); df.groupby("runId").ttftMs.computeStatistics()',
    "",
    "Exit codes: 0 written, 2 bad input (unreadable run, bad flag).",
  ].join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const parsed = parseTaskArgs("export", argv, {
    format: { type: "string", default: "csv" },
    output: { type: "string" },
    summaries: { type: "string" },
    "results-dir": { type: "string" },
  }, help);
  if (typeof parsed === "number") return parsed;
  const { values: flags, positionals } = parsed;
  if (flags.format !== "csv") return fail(`--format: accepted values: csv (got "${flags.format}")`);
  const cwd = Deno.env.get("INIT_CWD") ?? Deno.cwd(); // deno task runs in the project root; paths are the user's
  const resultsDir = flags["results-dir"] ? resolve(cwd, flags["results-dir"]) : resolve(Deno.cwd(), "data/results");
  let text: string;
  let rowCount = 0;
  if (flags.summaries !== undefined) {
    if (positionals.length) return fail("--summaries DIR exports a folder's summaries: name no run beside it");
    const dir = resolve(cwd, flags.summaries);
    const summaries: RunSummary[] = [];
    let skipped = 0;
    try {
      for await (const e of Deno.readDir(dir)) {
        if (!e.isFile || !e.name.endsWith("_summary.json")) continue;
        try {
          summaries.push(await readSummary(`${dir}/${e.name}`));
        } catch {
          skipped++;
        }
      }
    } catch {
      return fail(`--summaries: ${dir}: no such folder`);
    }
    if (summaries.length === 0) return fail(`--summaries: ${dir} holds no run summary (*_summary.json)`);
    summaries.sort((a, b) => a.run.startedAt.localeCompare(b.run.startedAt));
    if (skipped) console.error(`note: ${skipped} file(s) named *_summary.json could not be read and were left out`);
    text = summariesCsv(summaries);
    rowCount = summaries.length;
  } else {
    if (positionals.length === 0) return fail("name a run to export (or --summaries DIR); see --help");
    const parts: string[] = [];
    for (const p of positionals) {
      let arg;
      try {
        arg = await loadRunArgument(p, { cwd, resultsDir });
      } catch (e) {
        if (e instanceof RunNotFoundError) return fail(e.message);
        throw e;
      }
      const runs = arg.kind === "run" ? [arg.run] : arg.kind === "group" ? arg.runs : arg.points.map((x) => x.run);
      for (const run of runs) {
        parts.push(recordsCsv(run.summary, run.records));
        rowCount += run.records.length;
      }
    }
    // One header: the runs' rows concatenate under it.
    text = parts.map((t, i) => (i === 0 ? t : t.slice(t.indexOf("\n") + 1))).join("");
  }
  if (flags.output) {
    const path = resolve(cwd, flags.output);
    try {
      await Deno.writeTextFile(path, text);
    } catch (e) {
      return fail(`--output: cannot write ${path} (${(e as Error).message.split("\n")[0]})`);
    }
    console.error(`CSV: ${path} (${rowCount} rows)`);
  } else await Deno.stdout.write(new TextEncoder().encode(text));
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
