// A run spread over shards, tested the way a Kubernetes Indexed Job runs it: N `deno task bench` processes, each with
// JOB_COMPLETION_INDEX set and one --start-at, against one simulated endpoint in another process; then `deno task
// merge`. Every request once, merged percentiles equal to those of the union of the records, an open-loop rate split
// over the shards adding up to the requested rate, a missing shard refused.
import { clusteredIntervals } from "../../lib/metrics/intervals.ts";
import assert from "node:assert/strict";
import { computeStatistics } from "../../lib/metrics/statistics.ts";
import { arrivalSchedule } from "../../lib/plan/schedule.ts";
import { readRecords, readSummary } from "../../lib/results/files.ts";
import type { RequestRecord } from "../../lib/results/schema.ts";
import { spawnSimProcess } from "../../lib/simulator/process.ts";
import { runTask } from "../_helpers.ts";

const task = runTask;

/** Starts N shards of one run (JOB_COMPLETION_INDEX = 0 … N − 1, one --start-at a few seconds ahead), waits for all. */
async function shards(n: number, dir: string, base: string, flags: string[]) {
  const startAt = String(Date.now() + 7000);
  const runs = Array.from({ length: n }, (_, i) =>
    task("bench", [
      "--base-url",
      `${base}/v1`,
      "--model",
      "llm-bench-sim",
      "--shards",
      String(n),
      "--start-at",
      startAt,
      "--results-dir",
      `${dir}/shard${i}`,
      ...flags,
    ], { JOB_COMPLETION_INDEX: String(i) }));
  const results = await Promise.all(runs);
  for (const r of results) assert.equal(r.code, 0, r.stderr);
  return results;
}

async function recordsIn(dir: string): Promise<RequestRecord[]> {
  const out: RequestRecord[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.name.endsWith("_individual_responses.jsonl")) out.push(...await readRecords(`${dir}/${e.name}`));
  }
  return out;
}

Deno.test("closed loop over 3 shards: every request once; merged statistics are the union's; a missing shard refused", async () => {
  await using sim = await spawnSimProcess();
  const dir = await Deno.makeTempDir();
  const runs = await shards(3, dir, sim.origin, [
    "--max-num-completed-requests",
    "30",
    "--num-concurrent-requests",
    "6",
    "--mean-output-tokens",
    "12",
  ]);
  assert.match(runs[1].stderr, /as shard 1 of 3 \(requests 1, 4, … of run run-[0-9a-f]{12}\)/);
  assert.match(runs[0].stderr, /Ready; waiting for the common start at /);
  const parts = await Promise.all([0, 1, 2].map((i) => recordsIn(`${dir}/shard${i}`)));
  assert.deepEqual(parts.map((p) => p.length), [10, 10, 10]);
  assert.deepEqual(parts[2].map((r) => r.index).sort((a, b) => a - b), [2, 5, 8, 11, 14, 17, 20, 23, 26, 29]);

  const merged = await task("merge", [
    `${dir}/shard0`,
    `${dir}/shard1`,
    `${dir}/shard2`,
    "--results-dir",
    `${dir}/merged`,
  ]);
  assert.equal(merged.code, 0, merged.stderr);
  assert.match(merged.stdout, /^Merged from 3 of 3 shards:$/m);
  const stem = [...Deno.readDirSync(`${dir}/merged`)].find((e) => e.name.endsWith("_summary.json"))!.name;
  const summary = await readSummary(`${dir}/merged/${stem}`);
  const records = await readRecords(`${dir}/merged/${stem.replace("_summary.json", "_individual_responses.jsonl")}`);
  assert.deepEqual(records.map((r) => r.index).sort((a, b) => a - b), Array.from({ length: 30 }, (_, i) => i));
  assert.equal(summary.run.requestsStarted, 30);
  assert.equal(summary.merged!.rows.length, 3);
  assert.ok(summary.merged!.rows.every((r) => r.latenessMs !== null && r.latenessMs < 1000), "each shard's lateness");
  // Exact: the merged percentiles are those of the union of the shards' raw records.
  const union = parts.flat().filter((r) => r.status === "ok");
  for (const field of ["ttftMs", "e2eMs", "tpotMs"] as const) {
    assert.deepEqual(summary.metrics[field], computeStatistics(union.map((r) => r[field]), { intervals: true }), field);
  }
  // (Inter-token latency's intervals are by request: the union's gaps, grouped by request.)
  assert.deepEqual(
    summary.metrics.interTokenLatencyMs,
    {
      ...computeStatistics(union.flatMap((r) => r.interTokenLatenciesMs)),
      ci: clusteredIntervals(union.map((r) => r.interTokenLatenciesMs)),
    },
  );
  // Throughput over the merged wall time (earliest first send → latest completion on the shards' clocks).
  const tokens = union.reduce((n, r) => n + (r.outputTokens ?? 0), 0);
  assert.ok(Math.abs(summary.throughput.outputTokensPerS! - tokens / summary.run.wallTimeS!) < 1e-6);

  const partial = await task("merge", [`${dir}/shard0`, `${dir}/shard2`, "--results-dir", `${dir}/partial`]);
  assert.equal(partial.code, 2);
  assert.match(
    partial.stderr,
    /^error: run run-[0-9a-f]{12}: shard 1 of 0 … 2 missing \(--allow-partial merges the rest\)$/m,
  );
  const allowed = await task("merge", [
    `${dir}/shard0`,
    `${dir}/shard2`,
    "--allow-partial",
    "--results-dir",
    `${dir}/partial`,
  ]);
  assert.equal(allowed.code, 0, allowed.stderr);
  assert.match(allowed.stdout, /^1 .* MISSING \(not merged\)$/m);
  const twice = await task("merge", [`${dir}/shard0`, `${dir}/shard0`, `${dir}/shard1`, `${dir}/shard2`]);
  assert.equal(twice.code, 2);
  assert.match(twice.stderr, /^error: shard 0 given twice: /m);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("open loop over 3 shards: the arrivals are the one schedule's, and the rates add up to the requested rate", async () => {
  await using sim = await spawnSimProcess();
  const dir = await Deno.makeTempDir();
  const rate = 30;
  await shards(3, dir, sim.origin, [
    "--request-rate",
    String(rate),
    "--max-num-completed-requests",
    "60",
    "--mean-output-tokens",
    "8",
    "--seed",
    "5",
  ]);
  const want = arrivalSchedule({ rate, count: 60, seed: 5, arrival: "poisson" });
  const sums = await Promise.all([0, 1, 2].map(async (i) => {
    const f = [...Deno.readDirSync(`${dir}/shard${i}`)].find((e) => e.name.endsWith("_summary.json"))!.name;
    return await readSummary(`${dir}/shard${i}/${f}`);
  }));
  const all: RequestRecord[] = [];
  for (const [i, s] of sums.entries()) {
    const lateness = s.shard!.latenessMs!;
    for (const r of await recordsIn(`${dir}/shard${i}`)) {
      // On the common clock: the shard's schedule offset plus how late the shard's clock started.
      assert.ok(Math.abs(r.scheduledOffsetMs! + lateness - want[r.index]) < 3, `request ${r.index}`);
      all.push(r);
    }
  }
  assert.deepEqual(all.map((r) => r.index).sort((a, b) => a - b), Array.from({ length: 60 }, (_, i) => i));
  // Each shard sent a third of the arrivals; together they are the requested rate.
  const perShard = sums.map((s) => s.run.requestsStarted);
  assert.deepEqual(perShard, [20, 20, 20]);
  // What the shards sent, on the common clock: the union's rate is the one schedule's (itself a Poisson draw).
  const sent = all.map((r) => r.startOffsetMs + sums[r.index % 3].shard!.latenessMs!).sort((a, b) => a - b);
  const achieved = 59 / ((sent[59] - sent[0]) / 1000);
  const scheduled = 59 / ((want[59] - want[0]) / 1000);
  assert.ok(
    Math.abs(achieved - scheduled) / scheduled < 0.05,
    `sent at ${achieved.toFixed(2)} req/s, scheduled ${scheduled.toFixed(2)}`,
  );
  assert.ok(Math.abs(scheduled - rate) / rate < 0.35, `the schedule's rate ${scheduled.toFixed(1)} for ${rate}`);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("bad shard input: one line each, exit 2, before anything is sent", async () => {
  const cases: [string[], Record<string, string>, RegExp][] = [
    [["--shard-index", "1"], {}, /--shard-index: needs --shards/],
    [["--shards", "3", "--shard-index", "3"], {}, /--shard-index: must be < --shards \(3\): 0 … 2 \(got 3\)/],
    [["--shards", "2"], { JOB_COMPLETION_INDEX: "5" }, /JOB_COMPLETION_INDEX .*must be < --shards \(2\)/],
    [
      ["--shards", "2", "--shard-index", "0", "--start-at", "2020-01-01T00:00:00Z"],
      {},
      /--start-at: 2020-01-01T00:00:00\.000Z is \d+ s in the past/,
    ],
    [["--shards", "2", "--shard-index", "0", "--start-at", "soon"], {}, /--start-at: expected an ISO 8601 time/],
    [
      ["--shards", "4", "--shard-index", "0", "--num-concurrent-requests", "2"],
      {},
      /--num-concurrent-requests: must be ≥ --shards \(4\)/,
    ],
  ];
  for (const [args, env, want] of cases) {
    const out = await task("bench", args, env);
    assert.equal(out.code, 2, `${args.join(" ")}: ${out.stderr}`);
    const lines = out.stderr.split("\n").filter((l) => l.startsWith("error:"));
    assert.equal(lines.length, 1, out.stderr);
    assert.match(lines[0], want);
  }
});
