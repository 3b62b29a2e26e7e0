import assert from "node:assert/strict";
import {
  listRuns,
  loadRun,
  openRecordWriter,
  readRecords,
  readSummary,
  resultStem,
  runFiles,
  writeSummary,
} from "../../lib/results/files.ts";
import { summarize } from "../../lib/metrics/summary.ts";
import { ConfigError, ResultsFileError } from "../../lib/errors.ts";
import type { RequestRecord } from "../../lib/results/schema.ts";
import { fixtureRecord } from "../_helpers.ts";
import { environmentInfo } from "../../lib/runner/environment.ts";

const record = (index: number): RequestRecord =>
  fixtureRecord({ index, startOffsetMs: index * 10, endOffsetMs: index * 10 + 500 });

Deno.test("resultStem() names model, lengths, concurrency, mode and a unique suffix", () => {
  const parts = {
    model: "meta-llama/Llama-3.1-8B Instruct",
    meanInputTokens: 550,
    meanOutputTokens: 150,
    numConcurrentRequests: 8,
    mode: "stream",
  };
  assert.equal(resultStem(parts, "X"), "meta-llama-Llama-3-1-8B-Instruct_550_150_8_stream_X");
  assert.notEqual(resultStem(parts), resultStem(parts));
  assert.match(resultStem(parts), /_stream_\d{8}T\d{6}Z-[0-9a-f]{6}$/);
  // A dataset run is named by its file, not by token means it does not follow.
  assert.equal(
    resultStem({ ...parts, dataset: "data/my prompts.v2.jsonl" }, "X"),
    "meta-llama-Llama-3-1-8B-Instruct_my-prompts-v2_8_stream_X",
  );
});

Deno.test("records appended one by one read back identical; a torn last line is skipped", async () => {
  const dir = await Deno.makeTempDir();
  const files = runFiles(dir, "m_1_1_1_stream_x");
  {
    using w = openRecordWriter(files.records);
    for (let i = 0; i < 3; i++) w.append(record(i));
    // each record is on disk as soon as append returns
    assert.equal((await Deno.readTextFile(files.records)).split("\n").filter(Boolean).length, 3);
  }
  await Deno.writeTextFile(files.records, '{"index": 3, "stat', { append: true });
  assert.deepEqual(await readRecords(files.records), [record(0), record(1), record(2)]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("readRecords() names the file and line of an invalid record", async () => {
  const path = await Deno.makeTempFile();
  await Deno.writeTextFile(
    path,
    JSON.stringify(record(0)) + "\n" + JSON.stringify({ ...record(1), status: "weird" }) + "\n",
  );
  await assert.rejects(readRecords(path), (e: Error) => {
    assert.ok(e instanceof ResultsFileError);
    assert.match(e.message, /:2: status:/);
    return true;
  });
  await Deno.remove(path);
});

Deno.test("a summary written is read back and validated; loadRun() finds a run by stem or path", async () => {
  const dir = await Deno.makeTempDir();
  const files = runFiles(dir, "m_1_1_1_stream_y");
  using w = openRecordWriter(files.records);
  w.append(record(0));
  w.append(record(1));
  const summary = summarize([record(0), record(1)], {
    config: { model: "m" },
    startedAt: new Date().toISOString(),
    stopReason: "completed",
    environment: environmentInfo(),
    tokenizer: "t",
    endpoint: { api: "sim", url: "http://127.0.0.1:1/v1/chat/completions", model: "m", simulated: true },
  });
  await writeSummary(files.summary, summary);
  assert.deepEqual(await readSummary(files.summary), summary);
  const byStem = await loadRun("m_1_1_1_stream_y", dir);
  assert.equal(byStem.records.length, 2);
  const byPath = await loadRun(files.summary);
  assert.deepEqual(byPath.summary, summary);
  assert.deepEqual((await listRuns(dir)).map((r) => r.stem), ["m_1_1_1_stream_y"]);
  assert.deepEqual(await listRuns(`${dir}/missing`), []);
  await Deno.writeTextFile(files.summary, JSON.stringify({ ...summary, simulated: "yes" }));
  await assert.rejects(readSummary(files.summary), /simulated/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a results folder that cannot be written is a ConfigError before anything runs", async () => {
  const file = await Deno.makeTempFile();
  assert.throws(() => openRecordWriter(`${file}/sub/x.jsonl`), (e: Error) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /^resultsDir: cannot write results to /);
    return true;
  });
  await Deno.remove(file);
});
