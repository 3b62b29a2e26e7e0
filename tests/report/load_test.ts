// Reports state the load that produced them: the console summary, the sweep table (with each run's health) and the
// line they share.
import assert from "node:assert/strict";
import { summarize } from "../../lib/metrics/summary.ts";
import { sweepSummary } from "../../lib/metrics/sweep.ts";
import { formatSummaryTable, workloadLine, wrapAtDots } from "../../lib/report/summary_table.ts";
import { formatSweepTable } from "../../lib/report/sweep_table.ts";
import { fixtureRecord } from "../_helpers.ts";
import { environmentInfo } from "../../lib/runner/environment.ts";

const summary = (config: Record<string, unknown>, clientLoad?: Parameters<typeof summarize>[1]["clientLoad"]) =>
  summarize([fixtureRecord(), fixtureRecord({ index: 1 })], {
    config,
    startedAt: "2026-12-01T00:00:00.000Z",
    stopReason: "completed",
    environment: environmentInfo(),
    tokenizer: "t",
    endpoint: { api: "openai", url: "http://127.0.0.1:1/v1/chat/completions", model: "llama", simulated: false },
    clientLoad,
  });

Deno.test("the load in one line: closed or open loop, counts, lengths or dataset, seed, warm-up", () => {
  const closed = {
    numConcurrentRequests: 16,
    maxNumCompletedRequests: 200,
    meanInputTokens: 550,
    stddevInputTokens: 150,
    meanOutputTokens: 150,
    stddevOutputTokens: 0,
    seed: 7,
    warmupRequests: 4,
  };
  assert.equal(
    workloadLine(summary(closed)),
    "openai · llama · closed loop, concurrency 16 · 200 requests · input 550 ± 150 tokens, output 150 tokens · seed 7 · 4 warm-up requests",
  );
  const open = {
    requestRate: 4,
    arrival: "gamma",
    burstiness: 0.5,
    numConcurrentRequests: 64,
    durationS: 60,
    dataset: "data/chat.jsonl",
    datasetOrder: "shuffle",
    seed: 0,
    warmupRequests: 0,
  };
  assert.equal(
    workloadLine(summary(open)),
    "openai · llama · open loop 4 req/s gamma (burstiness 0.5), at most 64 in flight · for 60 s · dataset chat.jsonl (shuffle) · seed 0 · no warm-up",
  );
  assert.match(workloadLine(summary(closed), { except: "numConcurrentRequests" }), /closed loop, concurrency swept/);
  for (const line of wrapAtDots(`load: ${workloadLine(summary(open))}`, 70)) assert.ok(line.length <= 72, line);
});

Deno.test("the console summary states its load; the sweep table its load and each run's health", () => {
  const text = formatSummaryTable(
    summary({ numConcurrentRequests: 8, meanInputTokens: 100, meanOutputTokens: 20, seed: 0 }),
  );
  assert.match(
    text,
    /^load: openai · llama · closed loop, concurrency 8 ·\n {2}input 100 tokens, output 20 tokens · seed 0/m,
  );
  const lagging = { lagMs: Array.from({ length: 100 }, () => 40), cpuMs: 100, wallMs: 1000 };
  const runs = [1, 4].map((value, i) => ({
    value,
    result: {
      summary: summary(
        { numConcurrentRequests: value, meanInputTokens: 100, meanOutputTokens: 20, seed: 0 },
        i ? lagging : undefined,
      ),
      files: null,
    },
  }));
  const table = formatSweepTable(sweepSummary("numConcurrentRequests", runs));
  assert.match(table, /^load: openai · llama · closed loop, concurrency swept/m);
  assert.match(table, /health$/m);
  assert.match(table, /^ +1 .* valid$/m);
  assert.match(table, /^ +4 .* SUSPECT$/m);
  assert.match(table, /^SUSPECT at Concurrent requests = 4: .*event loop/m);
});
