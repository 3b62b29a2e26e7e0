/**
 * `deno task summarize <records.jsonl>`: rebuilds a run's summary and HTML report from its records file — for a run
 * whose process was killed before it could write them (the records file holds every request that finished).
 * @module
 */
import { environmentInfo } from "../runner/environment.ts";
import { fitHelp } from "../text.ts";
import { summarize } from "../metrics/summary.ts";
import { versionText } from "./help.ts";
import { readRecords, readRunInfo, readSummary, runFiles, writeSummary } from "../results/files.ts";
import { writeRunReport } from "../report/html_report.ts";
import { formatSummaryTable } from "../report/summary_table.ts";

const HELP = `deno task summarize <stem>_individual_responses.jsonl

Rebuilds <stem>_summary.json and <stem>_report.html from a records file (e.g. after the benchmark process was killed).
The run's configuration and endpoint come from <stem>_run.json, written when the run started.`;

export async function main(args: string[]): Promise<number> {
  if (args[0] === "--version") {
    console.log(versionText());
    return 0;
  }
  if (args.length !== 1 || args[0] === "--help" || args[0] === "-h") {
    console.log(fitHelp(HELP));
    return args.length === 1 ? 0 : 2;
  }
  const path = args[0];
  const m = /^(.*?)([^/]+)_individual_responses\.jsonl$/.exec(path);
  if (!m) {
    console.error(`error: ${path}: expected a file named <stem>_individual_responses.jsonl`);
    return 2;
  }
  const files = runFiles(m[1].replace(/\/$/, "") || ".", m[2]);
  let records;
  try {
    records = await readRecords(path);
  } catch (e) {
    console.error(`error: ${e instanceof Deno.errors.NotFound ? `${path}: no such file` : (e as Error).message}`);
    return 2;
  }
  if (records.length === 0) {
    console.error(`error: ${path} holds no records: there is nothing to summarize`);
    return 2;
  }
  let info;
  try {
    info = await readRunInfo(files.run);
  } catch (e) {
    console.error(`error: ${(e as Error).message} — fix or remove it to summarize without it`);
    return 2;
  }
  const previous = await readSummary(files.summary).catch(() => undefined);
  const summary = summarize(records, {
    runId: info?.runId ?? records.find((r) => r.runId)?.runId ?? m[2],
    dataset: info?.dataset,
    config: info?.config ?? {},
    startedAt: info?.startedAt ?? new Date(0).toISOString(),
    stopReason: previous?.run.stopReason ?? "interrupted",
    tokenizer: info?.tokenizer ?? "unknown",
    endpoint: info?.endpoint ?? { api: "unknown", url: "unknown", model: m[2].split("_")[0], simulated: false },
    environment: info?.environment ?? environmentInfo(info?.startedAt),
  });
  try {
    await writeSummary(files.summary, summary);
    await writeRunReport({ summary, records, files });
  } catch (e) {
    const why = e instanceof Deno.errors.PermissionDenied || (e as Error).name === "NotCapable"
      ? "permission denied"
      : (e as Error).message.split("\n")[0];
    console.error(`error: cannot write ${files.summary} (${why})`);
    return 1;
  }
  if (!info) console.error(`warning: no ${files.run}: the summary has no configuration or endpoint`);
  console.log(formatSummaryTable(summary));
  console.log("");
  console.log(`Rebuilt from ${records.length} records:`);
  console.log(`Summary: ${files.summary}`);
  console.log(`Report:  ${files.report}`);
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
