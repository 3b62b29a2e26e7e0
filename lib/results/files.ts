import { ConfigError } from "../errors.ts";
import {
  type RequestRecord,
  RequestRecordSchema,
  type RunInfo,
  RunInfoSchema,
  type RunSummary,
  RunSummarySchema,
} from "./schema.ts";
import { ResultsFileError } from "../errors.ts";

/** Names of a run's files. */
export interface RunFiles {
  stem: string;
  records: string;
  summary: string;
  /** Self-contained HTML report with the summary table and charts. */
  report: string;
  /** What the run is, written at its start. */
  run: string;
  /** The server's metrics as scraped (one JSON line per scrape), when they were. */
  serverMetrics: string;
}

/** Parts of the file stem (DESIGN.md §6). */
export interface StemParts {
  model: string;
  meanInputTokens: number;
  meanOutputTokens: number;
  /** Concurrency, or a label such as `rate4` for open-loop runs. */
  numConcurrentRequests: number | string;
  mode: string;
  /** A dataset run's file: its name stands in the stem for the token means, which the dataset does not follow. */
  dataset?: string;
}

/** A name as a file name's part: non-word characters as `-`, none at either end (`fallback` when nothing is left). */
export function fileSafe(s: string, fallback: string): string {
  return s.replace(/\W+/g, "-").replace(/^-+|-+$/g, "") || fallback;
}

/**
 * `<model>_<in>_<out>_<concurrency>_<mode>_<suffix>` (a dataset run: `<model>_<dataset>_<concurrency>_…`): the model
 * with non-word characters as `-`, and a short unique suffix (UTC time and random hex) so runs never overwrite each
 * other.
 */
export function resultStem(parts: StemParts, suffix = uniqueSuffix()): string {
  const clean = fileSafe;
  const model = clean(parts.model, "model");
  const lengths = parts.dataset
    ? clean(parts.dataset.replace(/^.*[\\/]/, "").replace(/\.[^.]*$/, ""), "dataset")
    : `${parts.meanInputTokens}_${parts.meanOutputTokens}`;
  return `${model}_${lengths}_${parts.numConcurrentRequests}_${parts.mode}_${suffix}`;
}

function uniqueSuffix(): string {
  const time = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return `${time}-${crypto.randomUUID().slice(0, 6)}`;
}

/** Paths of a run's files in `dir`. */
export function runFiles(dir: string, stem: string): RunFiles {
  const base = dir.replace(/\/+$/, "");
  return {
    stem,
    records: `${base}/${stem}_individual_responses.jsonl`,
    summary: `${base}/${stem}_summary.json`,
    report: `${base}/${stem}_report.html`,
    run: `${base}/${stem}_run.json`,
    serverMetrics: `${base}/${stem}_server_metrics.jsonl`,
  };
}

/** Appends records to a JSONL file, one synchronous write per record: a record is on disk when `append` returns. */
export interface RecordWriter extends Disposable {
  readonly path: string;
  append(record: RequestRecord): void;
  close(): void;
}

/**
 * Opens the records file of a run for appending, creating its folder. Fails with a {@link ConfigError} when the
 * folder cannot be written — before any request is sent.
 */
export function openRecordWriter(path: string): RecordWriter {
  const dir = path.replace(/\/[^/]*$/, "");
  let file: Deno.FsFile;
  try {
    if (dir && dir !== path) Deno.mkdirSync(dir, { recursive: true });
    file = Deno.openSync(path, { append: true, create: true });
  } catch (e) {
    // Deno's own wording for a path it will not let programs write ("run again with --allow-all") misleads here.
    const denied = e instanceof Deno.errors.PermissionDenied || (e as Error).name === "NotCapable";
    const why = denied ? "permission denied" : (e as Error).message.split("\n")[0];
    throw new ConfigError(`cannot write results to ${dir} (${why})`, { field: "resultsDir" });
  }
  const encoder = new TextEncoder();
  let open = true;
  const close = () => {
    if (open) file.close();
    open = false;
  };
  return {
    path,
    append(record) {
      const bytes = encoder.encode(JSON.stringify(record) + "\n");
      let written = 0;
      while (written < bytes.length) written += file.writeSync(bytes.subarray(written));
    },
    close,
    [Symbol.dispose]: close,
  };
}

/** Writes a run summary as pretty JSON. */
export async function writeSummary(path: string, summary: RunSummary): Promise<void> {
  await Deno.writeTextFile(path, JSON.stringify(summary, null, 2) + "\n");
}

/** Writes a run's start record. */
export async function writeRunInfo(path: string, info: RunInfo): Promise<void> {
  await Deno.writeTextFile(path, JSON.stringify(info, null, 2) + "\n");
}

/** Reads a run's start record, or undefined when there is none. */
export async function readRunInfo(path: string): Promise<RunInfo | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ResultsFileError(`${path}: not JSON (the file is cut short or not a run file)`);
  }
  const parsed = RunInfoSchema.safeParse(value);
  if (!parsed.success) {
    throw new ResultsFileError(`${path}: ${parsed.error.issues[0].path.join(".")}: ${parsed.error.issues[0].message}`);
  }
  return parsed.data;
}

/**
 * Reads and validates a records file. A last line cut short by a crash (no closing newline, not JSON) is skipped;
 * any other bad line is an error naming its line number.
 */
export async function readRecords(path: string): Promise<RequestRecord[]> {
  const text = await Deno.readTextFile(path);
  const lines = text.split("\n");
  const out: RequestRecord[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      if (i === lines.length - 1) break; // torn final write
      throw new ResultsFileError(`${path}:${i + 1}: not JSON`);
    }
    const parsed = RequestRecordSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ResultsFileError(`${path}:${i + 1}: ${issue.path.join(".") || "record"}: ${issue.message}`);
    }
    out.push(parsed.data);
  }
  return out;
}

/** Reads and validates a summary file. */
export async function readSummary(path: string): Promise<RunSummary> {
  const parsed = RunSummarySchema.safeParse(JSON.parse(await Deno.readTextFile(path)));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ResultsFileError(`${path}: ${issue.path.join(".") || "summary"}: ${issue.message}`);
  }
  return parsed.data;
}

/** A run read back from disk: the same shapes as a fresh run. */
export interface LoadedRun {
  files: RunFiles;
  summary: RunSummary;
  records: RequestRecord[];
}

/**
 * Loads a run from its summary path, its records path or its stem in `dir`: the same shapes a fresh run returns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { benchmark, loadRun } from "../../mod.ts";
 * const dir = await Deno.makeTempDir();
 * const fresh = await benchmark({ maxNumCompletedRequests: 3, resultsDir: dir });
 * const again = await loadRun(fresh.files!.summary);
 * assert.deepEqual(again.summary, fresh.summary);
 * assert.deepEqual(again.records, fresh.records);
 * ```
 */
export async function loadRun(pathOrStem: string, dir = "data/results"): Promise<LoadedRun> {
  const m = /^(.*\/)?(.+?)(_summary\.json|_individual_responses\.jsonl)?$/.exec(pathOrStem)!;
  const folder = m[1] ? m[1].replace(/\/$/, "") : m[3] ? "." : dir;
  const files = runFiles(folder, m[2]);
  return { files, summary: await readSummary(files.summary), records: await readRecords(files.records) };
}

/**
 * Lists the runs in a results folder, newest first (by the summary's start time).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { benchmark, listRuns } from "../../mod.ts";
 * const dir = await Deno.makeTempDir();
 * const { files } = await benchmark({ maxNumCompletedRequests: 2, resultsDir: dir });
 * assert.deepEqual((await listRuns(dir)).map((r) => r.stem), [files!.stem]);
 * ```
 */
export async function listRuns(dir = "data/results"): Promise<{ stem: string; startedAt: string; model: string }[]> {
  const out: { stem: string; startedAt: string; model: string }[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.isFile || !entry.name.endsWith("_summary.json")) continue;
      try {
        const s = await readSummary(`${dir}/${entry.name}`);
        out.push({
          stem: entry.name.replace(/_summary\.json$/, ""),
          startedAt: s.run.startedAt,
          model: s.endpoint.model,
        });
      } catch {
        // Not one of ours, or from another version: listing skips it.
      }
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}
