/**
 * What `deno task compare` and `deno task export` accept as a run: a stem (in the results folder), a summary or
 * records path, or a folder — holding one run, or a sweep (its `_sweep.json` names the runs, one per value).
 * @module
 */
import { resolve } from "node:path";
import { type LoadedRun, loadRun } from "../results/files.ts";
import { ResultsFileError, RunNotFoundError } from "../errors.ts";

/** A run, a sweep's runs by swept value, or repeated runs of one workload (a group). */
export type RunArgument =
  | { kind: "run"; name: string; run: LoadedRun }
  | { kind: "sweep"; name: string; field: string; points: { value: number; run: LoadedRun }[] }
  | { kind: "group"; name: string; runs: LoadedRun[] };

const ACCEPTED = "a stem, a <stem>_summary.json, a <stem>_individual_responses.jsonl, or a folder with one run, " +
  "a sweep or repeated runs";

async function statOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.stat(path);
  } catch {
    return null;
  }
}

async function load(pathOrStem: string, dir: string): Promise<LoadedRun> {
  try {
    return await loadRun(pathOrStem, dir);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      const records = pathOrStem.replace(/_summary\.json$/, "").replace(/_individual_responses\.jsonl$/, "");
      const m = /^(.*\/)?([^/]+)$/.exec(records)!;
      const recordsPath = `${m[1] ?? `${dir}/`}${m[2]}_individual_responses.jsonl`;
      if (await statOrNull(recordsPath)) {
        throw new RunNotFoundError(
          `${pathOrStem}: the run has records but no summary (its process was stopped?): deno task summarize ${recordsPath}`,
        );
      }
      throw new RunNotFoundError(`${pathOrStem}: no run there (accepted: ${ACCEPTED})`);
    }
    if (e instanceof ResultsFileError) throw new RunNotFoundError(e.message);
    throw e;
  }
}

/**
 * Resolves one argument. Relative paths are taken from `cwd` (the folder the user ran from); a bare stem is looked
 * up in `resultsDir`.
 */
export async function loadRunArgument(arg: string, options: { cwd: string; resultsDir: string }): Promise<RunArgument> {
  const path = resolve(options.cwd, arg);
  const info = await statOrNull(path);
  if (info?.isDirectory) {
    const summaries: string[] = [];
    const sweeps: string[] = [];
    const repeats: string[] = [];
    for await (const e of Deno.readDir(path)) {
      if (!e.isFile) continue;
      if (e.name.endsWith("_summary.json")) summaries.push(e.name);
      if (e.name.endsWith("_sweep.json")) sweeps.push(e.name);
      if (e.name.endsWith("_repeat.json")) repeats.push(e.name);
    }
    if (repeats.length === 1 && sweeps.length === 0) {
      const repeat = JSON.parse(await Deno.readTextFile(`${path}/${repeats[0]}`)) as { stems: (string | null)[] };
      const runs: LoadedRun[] = [];
      for (const stem of repeat.stems) if (stem) runs.push(await load(`${path}/${stem}_summary.json`, path));
      return { kind: "group", name: repeats[0].replace(/_repeat\.json$/, ""), runs };
    }
    if (repeats.length + sweeps.length > 1) {
      throw new RunNotFoundError(
        `${arg}: the folder holds ${repeats.length + sweeps.length} sweeps or repeats; name one run or one folder each`,
      );
    }
    if (sweeps.length === 1) {
      const sweep = JSON.parse(await Deno.readTextFile(`${path}/${sweeps[0]}`)) as {
        field: string;
        rows: { value: number; stem: string | null }[];
      };
      const points: { value: number; run: LoadedRun }[] = [];
      for (const row of sweep.rows) {
        if (row.stem) points.push({ value: row.value, run: await load(`${path}/${row.stem}_summary.json`, path) });
      }
      return { kind: "sweep", name: sweeps[0].replace(/_sweep\.json$/, ""), field: sweep.field, points };
    }
    if (sweeps.length > 1) {
      throw new RunNotFoundError(
        `${arg}: the folder holds ${sweeps.length} sweeps; name one run or one sweep's folder`,
      );
    }
    if (summaries.length === 1) {
      const run = await load(`${path}/${summaries[0]}`, path);
      return { kind: "run", name: run.files.stem, run };
    }
    throw new RunNotFoundError(
      summaries.length === 0
        ? `${arg}: the folder holds no run (no *_summary.json)`
        : `${arg}: the folder holds ${summaries.length} runs; name one: ${
          summaries.slice(0, 3).map((s) => s.replace(/_summary\.json$/, "")).join(", ")
        }${summaries.length > 3 ? ", …" : ""}`,
    );
  }
  // A path to a file, or a stem in the results folder.
  const looksLikePath = arg.includes("/") || /\.(json|jsonl)$/.test(arg);
  const run = await load(looksLikePath ? path : arg, resolve(options.cwd, options.resultsDir));
  return { kind: "run", name: run.files.stem, run };
}
