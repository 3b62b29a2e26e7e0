/**
 * `deno task merge PATH…`: the shards of one run (`deno task bench --shards N`) merged into one run — records,
 * summary and report in --results-dir, with exact statistics from the union of the raw records.
 * @module
 */
import { resolve } from "node:path";
import { mergeShards } from "../metrics/merge.ts";
import { MergeError, ResultsFileError } from "../errors.ts";
import {
  fileSafe,
  type LoadedRun,
  loadRun,
  openRecordWriter,
  runFiles,
  writeRunInfo,
  writeSummary,
} from "../results/files.ts";
import { formatSummaryTable } from "../report/summary_table.ts";
import { formatFlagRows, helpWidth } from "./help.ts";
import { fail, parseTaskArgs } from "./task.ts";
import { emphasize, wantsColour } from "./style.ts";

function help(): string {
  return [
    "deno task merge PATH… [--results-dir DIR] [--allow-partial]",
    "",
    "Merges the shards of one run (deno task bench --shards N --shard-index I, e.g. the pods of a Kubernetes Indexed",
    "Job) into one run: <stem>_individual_responses.jsonl, _summary.json and _report.html in --results-dir. A PATH is a",
    "shard's _summary.json or _individual_responses.jsonl, or a folder (every shard in it). Every shard must have the",
    "same run id and configuration (apart from its index), each index 0 … N − 1 once, no request twice. Statistics come",
    "from the union of the raw records (exact percentiles); wall time and throughput from the earliest first send to the",
    "latest completion, on the shards' clocks (NTP-synchronised nodes assumed; each shard records how late it started).",
    "",
    "Flags:",
    ...formatFlagRows([
      ["--results-dir DIR", "where the merged run is written (default data/results)"],
      ["--allow-partial", "merge even when shards are missing (the summary says which)"],
      ["-h, --help", "show this help"],
      ["--version", "print llm-bench's and Deno's versions"],
    ], helpWidth()),
    "",
    "Exit codes: 0 merged, 2 bad input (shards of different runs or configurations, a shard missing or given twice).",
  ].join("\n");
}

async function shardsAt(path: string): Promise<string[]> {
  const info = await Deno.stat(path).catch(() => null);
  if (!info) throw new MergeError(`${path}: no such file or folder`);
  if (!info.isDirectory) return [path];
  const out: string[] = [];
  for await (const e of Deno.readDir(path)) {
    if (e.isFile && e.name.endsWith("_summary.json") && /_shard\d+of\d+_summary\.json$/.test(e.name)) {
      out.push(`${path}/${e.name}`);
    }
  }
  if (out.length === 0) throw new MergeError(`${path}: no shard in this folder (no *_shard<I>of<N>_summary.json)`);
  return out.sort();
}

export async function main(argv: string[]): Promise<number> {
  const parsed = parseTaskArgs("merge", argv, {
    "results-dir": { type: "string", default: "data/results" },
    "allow-partial": { type: "boolean" },
  }, help);
  if (typeof parsed === "number") return parsed;
  const { values: flags, positionals } = parsed;
  if (positionals.length === 0) return fail("name the shards to merge (files or folders); see --help");
  const cwd = Deno.env.get("INIT_CWD") ?? Deno.cwd(); // deno task runs in the project root; paths are the user's
  const runs: LoadedRun[] = [];
  let merged;
  try {
    const paths = (await Promise.all(positionals.map((p) => shardsAt(resolve(cwd, p))))).flat();
    for (const p of paths) runs.push(await loadRun(p));
    merged = mergeShards(runs, { allowPartial: flags["allow-partial"] });
  } catch (e) {
    if (e instanceof MergeError && e.missing) return fail(`${e.message} (--allow-partial merges the rest)`);
    if (e instanceof MergeError || e instanceof ResultsFileError) return fail(e.message);
    if (e instanceof Deno.errors.NotFound) return fail(`${(e as Error).message.split("\n")[0]}`);
    throw e;
  }
  const dir = resolve(flags["results-dir"] === "data/results" ? Deno.cwd() : cwd, flags["results-dir"]!);
  const model = fileSafe(merged.summary.endpoint.model, "model");
  const files = runFiles(dir, `${model}_${merged.runId}_merged`);
  try {
    await Deno.mkdir(dir, { recursive: true });
    await Deno.remove(files.records).catch(() => {});
    using writer = openRecordWriter(files.records);
    for (const r of merged.records) writer.append(r);
  } catch (e) {
    return fail(`--results-dir: cannot write ${dir} (${(e as Error).message.split("\n")[0]})`);
  }
  const s = merged.summary;
  await writeRunInfo(files.run, {
    schemaVersion: 1,
    runId: merged.runId,
    simulated: s.simulated,
    config: s.config,
    environment: s.environment,
    tokenizer: s.tokenizer,
    endpoint: s.endpoint,
    startedAt: s.run.startedAt,
    ...(s.dataset ? { dataset: s.dataset } : {}),
  });
  await writeSummary(files.summary, s);
  const { writeRunReport } = await import("../report/html_report.ts");
  await writeRunReport({ summary: s, records: merged.records, files });
  console.log(emphasize(formatSummaryTable(s), wantsColour(Deno.stdout)));
  console.log("");
  console.log(`Records: ${files.records}`);
  console.log(`Summary: ${files.summary}`);
  console.log(`Report:  ${files.report}`);
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
