import assert from "node:assert/strict";
import { parseRunConfig } from "../../lib/config/resolve.ts";
import { roundRobin, runInThreads } from "../../lib/runner/threads.ts";
import { startSimServer } from "../../lib/simulator/server.ts";
import { loadCorpus, spec, testTokenizer } from "../_helpers.ts";

async function sim(params: Record<string, unknown> = {}) {
  return startSimServer({
    tokenizer: await testTokenizer(),
    corpus: await loadCorpus(),
    params: { jitter: 0, decodeBaseMs: 3, prefillBaseMs: 5, ...params },
  });
}

const configFor = (baseUrl: string, over: Record<string, unknown> = {}) =>
  parseRunConfig({ llmApi: "openai", baseUrl, model: "llm-bench-sim", ...over });

Deno.test("roundRobin deals items out in turn", () => {
  assert.deepEqual(roundRobin([0, 1, 2, 3, 4], 2), [[0, 2, 4], [1, 3]]);
  assert.deepEqual(roundRobin([0], 3), [[0], [], []]);
});

Deno.test("threads: every request is recorded once, on one clock, with one kept-alive connection per slot", async () => {
  await using server = await sim();
  const seen: number[] = [];
  let lastProgress = 0;
  const t0 = performance.timeOrigin + performance.now();
  const result = await runInThreads({
    config: configFor(server.baseUrl),
    baseUrl: server.baseUrl,
    threads: 2,
    requests: Array.from({ length: 12 }, (_, i) => spec(i, 5)),
    concurrency: 4,
    timeoutMs: 30_000,
    countTokens: () => 0,
    onRecord: (r) => seen.push(r.index),
    onProgress: (p) => (lastProgress = p.finished),
  });
  const t1 = performance.timeOrigin + performance.now();
  assert.equal(result.stopReason, "completed");
  assert.deepEqual([...seen].sort((a, b) => a - b), [...Array(12).keys()]);
  assert.equal(lastProgress, 12);
  assert.ok(result.records.every((r) => r.status === "ok" && r.outputTokens === 5));
  // Offsets are from the common start, which lies within the call; every request lies within the run.
  assert.ok(result.runStartEpochMs >= t0 && result.runStartEpochMs <= t1);
  for (const r of result.records) {
    assert.ok(r.startOffsetMs >= 0 && r.endOffsetMs > r.startOffsetMs, `request ${r.index}`);
    assert.ok(result.runStartEpochMs + r.endOffsetMs <= t1 + 1);
  }
  assert.equal(result.simulatedResponses, 12);
  assert.equal(result.threadLoad.threads, 2);
  assert.deepEqual(result.threadLoad.connections, { opened: 4, requests: 12, reused: 8, concurrency: 4 });
  assert.equal(server.stats().connections, 4);
  assert.ok(result.threadLoad.lagMs.length > 0, "each thread sampled its event loop");
});

Deno.test("threads: an open-loop schedule keeps its times across threads", async () => {
  await using server = await sim();
  const schedule = [0, 30, 60, 90, 120, 150, 180, 210];
  const result = await runInThreads({
    config: configFor(server.baseUrl),
    baseUrl: server.baseUrl,
    threads: 2,
    requests: Array.from({ length: 8 }, (_, i) => spec(i, 3)),
    concurrency: 8,
    schedule,
    timeoutMs: 30_000,
    countTokens: () => 0,
  });
  const byIndex = new Map(result.records.map((r) => [r.index, r]));
  for (const [i, due] of schedule.entries()) {
    const r = byIndex.get(i)!;
    assert.ok(Math.abs(r.scheduledOffsetMs! - due) < 0.01, `request ${i} scheduled at ${r.scheduledOffsetMs}`);
    // Not sent before it was due (a timer may fire a fraction of a millisecond early); any lateness is client queue
    // time on the same clock.
    assert.ok(r.startOffsetMs >= due - 1, `request ${i} sent at ${r.startOffsetMs}`);
    assert.ok(Math.abs(r.clientQueueMs - Math.max(0, r.startOffsetMs - r.scheduledOffsetMs!)) < 0.01);
  }
});

Deno.test("threads: tokens are counted through the main thread; an abort stops every thread", async () => {
  await using server = await sim({ decodeBaseMs: 20 });
  const counted: string[] = [];
  const result = await runInThreads({
    config: configFor(server.baseUrl, { includeUsage: false }),
    baseUrl: server.baseUrl,
    threads: 2,
    requests: Array.from({ length: 4 }, (_, i) => spec(i, 3)),
    concurrency: 2,
    timeoutMs: 30_000,
    countTokens: (text) => {
      counted.push(text);
      return 3;
    },
  });
  assert.equal(counted.length, 4, "no usage block: each answer counted once, by the main thread's counter");
  assert.ok(result.records.every((r) => r.outputTokenSource === "tokenizer" && r.outputTokens === 3));

  const stop = new AbortController();
  const before = server.stats().requests;
  // Abort once all 4 slots have a request at the server (each answer takes 4 s).
  const poll = setInterval(() => {
    if (server.stats().requests - before >= 4) stop.abort();
  }, 20);
  const t0 = performance.now();
  const cut = await runInThreads({
    config: configFor(server.baseUrl),
    baseUrl: server.baseUrl,
    threads: 2,
    requests: Array.from({ length: 40 }, (_, i) => spec(i, 200)),
    concurrency: 4,
    timeoutMs: 30_000,
    countTokens: () => 0,
    signal: stop.signal,
  });
  clearInterval(poll);
  assert.equal(cut.stopReason, "interrupted");
  assert.ok(performance.now() - t0 < 5_000);
  assert.equal(cut.records.filter((r) => r.status === "aborted").length, 4, "the 4 in flight are recorded as aborted");
});
