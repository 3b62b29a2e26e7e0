import assert from "node:assert/strict";
import { summarize } from "../../lib/metrics/summary.ts";
import type { RequestRecord } from "../../lib/results/schema.ts";
import { environmentInfo } from "../../lib/runner/environment.ts";

function rec(over: Partial<RequestRecord>): RequestRecord {
  return {
    index: 0,
    status: "ok",
    startOffsetMs: 0,
    endOffsetMs: 1000,
    clientQueueMs: 0,
    httpStatus: 200,
    ttfbMs: 5,
    ttftMs: 100,
    e2eMs: 1000,
    tpotMs: 10,
    interTokenLatenciesMs: [10, 10],
    textEvents: 3,
    emptyEvents: 1,
    tokensPerEvent: 1,
    requestedInputTokens: 10,
    inputTokens: 10,
    inputTokenSource: "server",
    requestedOutputTokens: 100,
    outputTokens: 100,
    outputTokenSource: "server",
    outputTokensPerS: 100,
    decodeTokensPerS: 110,
    finishReason: "length",
    generatedText: "",
    ...over,
  };
}

const context = {
  config: { model: "m" },
  startedAt: "2026-11-27T00:00:00.000Z",
  stopReason: "completed" as const,
  environment: environmentInfo(),
  tokenizer: "t",
  endpoint: { api: "openai", url: "http://x/v1/chat/completions", model: "m", simulated: false },
};

const records = [
  rec({ index: 0, startOffsetMs: 100, endOffsetMs: 1100, ttftMs: 100, outputTokens: 100 }),
  rec({ index: 1, startOffsetMs: 200, endOffsetMs: 2100, ttftMs: 300, outputTokens: 200, interTokenLatenciesMs: [5] }),
  rec({
    index: 2,
    status: "error",
    startOffsetMs: 300,
    endOffsetMs: 400,
    ttftMs: null,
    e2eMs: null,
    error: { code: "HTTP_STATUS", message: "x", httpStatus: 500 },
  }),
  rec({
    index: 3,
    status: "error",
    startOffsetMs: 300,
    endOffsetMs: 350,
    error: { code: "RATE_LIMITED", message: "x", httpStatus: 429 },
  }),
  rec({ index: 4, status: "aborted", startOffsetMs: 400, endOffsetMs: 2000, error: { code: "ABORTED", message: "x" } }),
];

Deno.test("summarize() computes wall time from first send to last completion", () => {
  const s = summarize(records, context);
  assert.equal(s.run.wallTimeS, 2); // 2100 − 100 ms
  assert.equal(s.run.requestsStarted, 5);
  assert.equal(s.run.requestsSucceeded, 2);
  assert.equal(s.run.requestsFailed, 2);
  assert.equal(s.run.requestsAborted, 1);
});

Deno.test("summarize() divides successful output tokens and requests by wall time", () => {
  const s = summarize(records, context);
  assert.equal(s.throughput.outputTokensPerS, 150); // (100 + 200) / 2 s
  assert.equal(s.throughput.requestsPerS, 1);
  assert.equal(s.throughput.requestsPerMin, 60);
});

Deno.test("summarize() counts errors by code and excludes failures from latency statistics", () => {
  const s = summarize(records, context);
  assert.equal(s.errors.count, 2);
  assert.equal(s.errors.rate, 0.4); // 2 failed / 5 started
  assert.deepEqual(s.errors.byCode, { HTTP_STATUS: 1, RATE_LIMITED: 1 });
  assert.equal(s.metrics.ttftMs.count, 2);
  assert.equal(s.metrics.ttftMs.mean, 200);
  assert.equal(s.metrics.interTokenLatencyMs.count, 3); // gaps pooled over successful requests
  assert.equal(s.metrics.interTokenLatencyMs.min, 5);
});

Deno.test("summarize() labels a simulated run", () => {
  const s = summarize(records, { ...context, endpoint: { ...context.endpoint, simulated: true } });
  assert.equal(s.simulated, true);
  assert.match(s.label, /SIMULATED/);
});

Deno.test("summarize() of no records has null rates, not NaN", () => {
  const s = summarize([], context);
  assert.equal(s.run.wallTimeS, null);
  assert.equal(s.throughput.outputTokensPerS, null);
  assert.equal(s.errors.rate, null);
  assert.equal(s.metrics.e2eMs.count, 0);
});
