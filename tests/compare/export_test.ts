// deno task export as a user runs it (a subprocess): one row per request with the run's id and configuration, rows
// of many runs under one header, the CSV read back into the same records; a summaries table; sweeps compared point by
// point.
import assert from "node:assert/strict";
import { benchmark } from "../../mod.ts";
import { parseCsv, recordsFromCsv, RUN_COLUMNS, SUMMARY_CSV_HEADER, toCsv } from "../../lib/results/csv.ts";
import { loadRun } from "../../lib/results/files.ts";
import { runTask } from "../_helpers.ts";

const task = (name: string, ...args: string[]) => runTask(name, args);

Deno.test("CSV quoting: commas, quotes, line breaks and leading spaces survive a round trip", () => {
  const rows = [["a,b", 'say "hi"', "two\nlines", " padded", "", 3.5, true, null]];
  const text = toCsv(["h1", "h2", "h3", "h4", "h5", "h6", "h7", "h8"], rows);
  assert.deepEqual(parseCsv(text), [
    ["h1", "h2", "h3", "h4", "h5", "h6", "h7", "h8"],
    ["a,b", 'say "hi"', "two\nlines", " padded", "", "3.5", "true", ""],
  ]);
});

Deno.test("deno task export: one row per request with the run's columns; the CSV reads back into the same records", async () => {
  const dir = await Deno.makeTempDir();
  // Failures too (an HTTP 500 with its body, a malformed chunk): the error's fields are columns.
  const a = await benchmark({
    maxNumCompletedRequests: 6,
    numConcurrentRequests: 2,
    meanOutputTokens: 12,
    warmupRequests: 1,
    resultsDir: `${dir}/a`,
    sim: { faults: { plan: ["none", "none", "status-500", "none", "malformed-chunk"] } },
  });
  const b = await benchmark({
    maxNumCompletedRequests: 4,
    numConcurrentRequests: 4,
    meanOutputTokens: 8,
    resultsDir: `${dir}/b`,
  });
  assert.ok(
    a.records.every((r) => r.runId === a.summary.runId) && a.summary.runId === a.files!.stem,
    "runId everywhere",
  );

  const out = await task("export", a.files!.summary, `${dir}/b`, "--format", "csv", "--output", `${dir}/requests.csv`);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stderr, /CSV: .*requests\.csv \(11 rows\)/);
  const text = await Deno.readTextFile(`${dir}/requests.csv`);
  const [header, ...rows] = parseCsv(text.trimEnd());
  assert.deepEqual(header.slice(0, RUN_COLUMNS.length), [...RUN_COLUMNS]);
  assert.equal(rows.length, a.records.length + b.records.length, "every request of both runs, warm-up included");
  const col = (name: string) => header.indexOf(name);
  assert.deepEqual(new Set(rows.map((r) => r[col("runId")])), new Set([a.summary.runId, b.summary.runId]));
  assert.deepEqual(new Set(rows.map((r) => r[col("concurrency")])), new Set(["2", "4"]));
  assert.ok(
    rows.some((r) => r[col("error.code")] === "HTTP_STATUS" && r[col("error.httpStatus")] === "500"),
    "the failure's code is a column",
  );

  // Round trip: the CSV gives back the records (of both runs, in order).
  const loaded = [...(await loadRun(a.files!.summary)).records, ...(await loadRun(b.files!.summary)).records];
  assert.deepEqual(recordsFromCsv(text), loaded);

  // Summaries: one row per run.
  const sums = await task("export", "--summaries", `${dir}/a`);
  assert.equal(sums.code, 0, sums.stderr);
  const table = parseCsv(sums.stdout.trimEnd());
  assert.deepEqual(table[0], [...SUMMARY_CSV_HEADER]);
  assert.equal(table.length, 2);
  assert.equal(table[1][table[0].indexOf("runId")], a.summary.runId);
  assert.equal(Number(table[1][table[0].indexOf("ttftMs.p50")]), a.summary.metrics.ttftMs.p50);

  const bad = await task("export", "--format", "xlsx", a.files!.summary);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^error: --format: accepted values: csv \(got "xlsx"\)$/m);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("deno task compare on two sweep folders compares point by point", async () => {
  const dir = await Deno.makeTempDir();
  const sweep = (out: string, seed: string) =>
    task(
      "bench",
      "--sweep",
      "num-concurrent-requests=2,4",
      "--max-num-completed-requests",
      "12",
      "--mean-output-tokens",
      "10",
      "--seed",
      seed,
      "--results-dir",
      out,
    );
  for (const [out, seed] of [[`${dir}/s1`, "1"], [`${dir}/s2`, "2"]]) {
    const r = await sweep(out, seed);
    assert.equal(r.code, 0, r.stderr);
  }
  const out = await task("compare", `${dir}/s1`, `${dir}/s2`, "--format", "json");
  assert.equal(out.code, 0, out.stderr);
  const pairs = JSON.parse(out.stdout) as { baseline: { name: string }; candidate: { name: string } }[];
  assert.equal(pairs.length, 2);
  assert.match(pairs[0].baseline.name, /@ numConcurrentRequests=2$/);
  assert.match(pairs[1].candidate.name, /@ numConcurrentRequests=4$/);
  const mixed = await task(
    "compare",
    `${dir}/s1`,
    (await Array.fromAsync(Deno.readDir(`${dir}/s2`)))
      .map((e) => `${dir}/s2/${e.name}`).find((p) => p.endsWith("_summary.json"))!,
  );
  assert.equal(mixed.code, 2);
  assert.match(mixed.stderr, /is a sweep and .* a single run/);
  await Deno.remove(dir, { recursive: true });
});
