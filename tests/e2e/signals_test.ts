// Interrupting a run: Ctrl-C (SIGINT) and SIGTERM still write the summary; after kill -9 the records file holds every
// finished request and `deno task summarize` rebuilds the summary from it.
import assert from "node:assert/strict";
import { readRecords, readSummary } from "../../lib/results/files.ts";

const root = new URL("../../", import.meta.url).pathname;

/** A run long enough to interrupt: 400 requests, 4 at a time. */
const runArgs = (dir: string) => [
  "--max-num-completed-requests",
  "400",
  "--num-concurrent-requests",
  "4",
  "--mean-output-tokens",
  "60",
  "--stddev-output-tokens",
  "0",
  "--results-dir",
  dir,
];

function startBench(dir: string) {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `--config=${root}deno.json`,
      `${root}lib/cli/bench.ts`,
      ...runArgs(dir),
    ],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Waits until the run has finished `n` requests (the records file has n lines), polling the file. */
async function untilRecords(dir: string, n: number): Promise<string> {
  for (let i = 0; i < 600; i++) {
    for (const e of Deno.readDirSync(dir)) {
      if (e.name.endsWith("_individual_responses.jsonl")) {
        const path = `${dir}/${e.name}`;
        const lines = (await Deno.readTextFile(path)).split("\n").filter(Boolean).length;
        if (lines >= n) return path;
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the run did not finish requests in time");
}

/**
 * `deno task bench` in a process group of its own, as a terminal runs it: a signal sent to the group reaches both
 * `deno task` and the benchmark, and `deno task` forwards it too — the benchmark sees it twice.
 */
function startTaskBench(dir: string) {
  return new Deno.Command("setsid", {
    args: [
      Deno.execPath(),
      "task",
      "--config",
      `${root}deno.json`,
      "bench",
      ...runArgs(dir),
    ],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Reads a child's stderr until it has printed `pattern`; the rest is returned by `rest()`. */
function watchStderr(child: Deno.ChildProcess) {
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  return {
    async until(pattern: RegExp): Promise<void> {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stderr ended before ${pattern}: ${text}`);
        text += value;
      }
    },
    async rest(): Promise<string> {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return text;
        text += value;
      }
    },
  };
}

function summaryIn(dir: string): string {
  const names = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith("_summary.json"));
  assert.equal(names.length, 1, `one run in ${dir}: ${names.join(", ")}`);
  return `${dir}/${names[0]}`;
}

async function outputOf(child: Deno.ChildProcess) {
  const [status, stdout, stderr] = await Promise.all([
    child.status,
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ]);
  return { code: status.code, signal: status.signal, stdout, stderr };
}

for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
  Deno.test(`${signal} stops the run: in-flight requests aborted, summary written, exit ${code}`, async () => {
    const dir = await Deno.makeTempDir();
    const child = startBench(dir);
    const records = await untilRecords(dir, 3);
    child.kill(signal);
    const out = await outputOf(child);
    assert.equal(out.code, code, out.stderr);
    assert.match(out.stderr, new RegExp(`${signal}: stopping`));
    const summary = await readSummary(records.replace("_individual_responses.jsonl", "_summary.json"));
    const all = await readRecords(records);
    assert.equal(summary.run.stopReason, "interrupted");
    assert.equal(summary.run.requestsStarted, all.length);
    assert.ok(all.length < 400);
    assert.ok(summary.run.requestsAborted >= 1, "requests in flight recorded as aborted");
    assert.ok(all.filter((r) => r.status === "aborted").every((r) => r.error?.code === "ABORTED"));
    assert.match(out.stdout, /stop: interrupted/);
    // It looks interrupted: the summary says partial, the console and the report open with it.
    assert.equal(summary.run.partial, true);
    const banner = new RegExp(
      `Interrupted after [\\d.]+ s — partial results: ${summary.run.requestsSucceeded + summary.run.requestsFailed} ` +
        `of 400 requests \\(${summary.run.requestsAborted} aborted\\)`,
    );
    assert.match(out.stdout, new RegExp(`^!!! ${banner.source}`, "m"));
    const report = await Deno.readTextFile(records.replace("_individual_responses.jsonl", "_report.html"));
    assert.match(report, banner);
  });
}

for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
  Deno.test(`${signal} to deno task's process group mid-run is one interrupt: summary and report written, exit ${code}`, async () => {
    const dir = await Deno.makeTempDir();
    const child = startTaskBench(dir);
    const stderr = watchStderr(child);
    const records = await untilRecords(dir, 3);
    Deno.kill(-child.pid, signal);
    const [status, text, stdout] = await Promise.all([child.status, stderr.rest(), new Response(child.stdout).text()]);
    assert.equal(status.code, code, text);
    const summary = await readSummary(summaryIn(dir));
    assert.equal(summary.run.stopReason, "interrupted");
    assert.equal(summary.run.requestsStarted, (await readRecords(records)).length);
    assert.ok(summary.run.requestsAborted >= 1, "requests in flight recorded as aborted");
    assert.ok((await Deno.stat(records.replace("_individual_responses.jsonl", "_report.html"))).isFile);
    assert.match(stdout, /stop: interrupted/);
    assert.equal(text.match(/stopping —/g)?.length, 1, "the copies of the signal were one interrupt");
  });

  Deno.test(`${signal} to deno task's process group while the run is prepared stops it, summary written, exit ${code}`, async () => {
    const dir = await Deno.makeTempDir();
    const child = startTaskBench(dir);
    const stderr = watchStderr(child);
    await stderr.until(/Preparing:/);
    Deno.kill(-child.pid, signal);
    const [status, text] = await Promise.all([child.status, stderr.rest(), child.stdout.cancel()]);
    assert.equal(status.code, code, text);
    const summary = await readSummary(summaryIn(dir));
    assert.equal(summary.run.stopReason, "interrupted");
    assert.equal(summary.run.requestsStarted, 0, "nothing was sent");
    assert.doesNotMatch(text, /Running \d+ requests/, "the run never started");
  });
}

Deno.test("kill -9: every finished request is on disk, and `deno task summarize` rebuilds the summary", async () => {
  const dir = await Deno.makeTempDir();
  const child = startBench(dir);
  const records = await untilRecords(dir, 5);
  child.kill("SIGKILL");
  await outputOf(child);
  const onDisk = await readRecords(records);
  assert.ok(onDisk.length >= 5);
  const summaryPath = records.replace("_individual_responses.jsonl", "_summary.json");
  await assert.rejects(Deno.stat(summaryPath), Deno.errors.NotFound);
  const rebuild = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--config", `${root}deno.json`, "summarize", records],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(rebuild.stdout);
  assert.equal(rebuild.code, 0, new TextDecoder().decode(rebuild.stderr));
  const summary = await readSummary(summaryPath);
  assert.equal(summary.run.requestsStarted, onDisk.length);
  assert.equal(summary.run.requestsSucceeded, onDisk.filter((r) => r.status === "ok").length);
  assert.equal(summary.simulated, true, "the run's start record says it was simulated");
  assert.equal(summary.endpoint.api, "sim");
  assert.match(stdout, /Rebuilt from \d+ records/);
  assert.ok((await Deno.readTextFile(records.replace("_individual_responses.jsonl", "_report.html"))).includes("<svg"));
});

Deno.test("deno task summarize: a cut-short run file or an empty records file is one line, exit 2", async () => {
  const dir = await Deno.makeTempDir();
  const stem = "m_1_1_1_stream_X";
  const summarizeIt = () =>
    new Deno.Command(Deno.execPath(), {
      args: ["task", "--config", `${root}deno.json`, "summarize", `${dir}/${stem}_individual_responses.jsonl`],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
  await Deno.writeTextFile(`${dir}/${stem}_individual_responses.jsonl`, "");
  let out = await summarizeIt();
  let stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 2, stderr);
  assert.match(stderr, /error: .*_individual_responses\.jsonl holds no records/);
  // A finished run's records (a one-request run) under the stem, with its run file cut short.
  const run = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--config", `${root}deno.json`, "bench", "--max-num-completed-requests", "1", "--results-dir", dir],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(run.code, 0, new TextDecoder().decode(run.stderr));
  const made = [...Deno.readDirSync(dir)].find((e) =>
    e.name.endsWith("_individual_responses.jsonl") && !e.name.startsWith(stem)
  )!;
  await Deno.writeTextFile(`${dir}/${stem}_individual_responses.jsonl`, await Deno.readTextFile(`${dir}/${made.name}`));
  await Deno.writeTextFile(`${dir}/${stem}_run.json`, '{"schemaVersion": 1, "simul');
  out = await summarizeIt();
  stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 2, stderr);
  const lines = stderr.trim().split("\n").filter((l) => l.startsWith("error:"));
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0], /_run\.json: not JSON \(the file is cut short or not a run file\)/);
  assert.doesNotMatch(stderr, /^\s+at /m, "no stack trace");
  // A summary that cannot be written (here a folder stands where the file would go) is one line too.
  await Deno.remove(`${dir}/${stem}_run.json`);
  await Deno.mkdir(`${dir}/${stem}_summary.json`);
  out = await summarizeIt();
  stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 1, stderr);
  assert.match(stderr, /^error: cannot write .*_summary\.json \(/m);
  assert.doesNotMatch(stderr, /^\s+at /m, "no stack trace");
});
