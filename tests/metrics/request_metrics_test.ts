import assert from "node:assert/strict";
import { buildRecord } from "../../lib/metrics/request_metrics.ts";
import { addEvent, newTrace } from "../../lib/metrics/trace.ts";
import type { StreamEvent } from "../../lib/connectors/types.ts";
import { spec } from "../_helpers.ts";

const countWords = (text: string) => text.trim().split(/\s+/).filter(Boolean).length;

function traceOf(events: StreamEvent[]) {
  const trace = newTrace();
  for (const ev of events) addEvent(trace, ev);
  return trace;
}

const delta = (t: number, content: string, finishReason: string | null = null): StreamEvent => ({
  type: "delta",
  t,
  content,
  reasoning: "",
  finishReason,
});

// t0 = 1000; headers at 1010; role-only chunk at 1020 (not text); text at 1100, 1110, 1130, 1160; usage and end 1170.
const events: StreamEvent[] = [
  { type: "start", t: 1000 },
  { type: "response", t: 1010, status: 200, simulated: false },
  delta(1020, ""),
  delta(1100, " one"),
  delta(1110, " two"),
  delta(1130, " three"),
  delta(1160, " four", "length"),
  { type: "usage", t: 1170, usage: { prompt_tokens: 42, completion_tokens: 4 } },
  { type: "end", t: 1170 },
];

Deno.test("buildRecord() computes TTFT, E2E, ITL, TPOT and throughputs exactly as defined", () => {
  const r = buildRecord(traceOf(events), { spec: spec(3, 4), runStart: 900, countTokens: countWords });
  assert.equal(r.status, "ok");
  assert.equal(r.index, 3);
  assert.equal(r.startOffsetMs, 100);
  assert.equal(r.endOffsetMs, 270);
  assert.equal(r.ttfbMs, 10);
  assert.equal(r.ttftMs, 100); // the role-only chunk at 1020 does not count
  assert.equal(r.e2eMs, 170);
  assert.deepEqual(r.interTokenLatenciesMs, [10, 20, 30]);
  assert.equal(r.tpotMs, 23.333); // (170 − 100) / (4 − 1), rounded to µs
  assert.equal(r.outputTokens, 4);
  assert.equal(r.outputTokenSource, "server");
  assert.equal(r.inputTokens, 42);
  assert.equal(r.inputTokenSource, "server");
  assert.equal(r.outputTokensPerS, Math.round((4 / 0.17) * 1000) / 1000);
  assert.equal(r.decodeTokensPerS, Math.round((3 / 0.07) * 1000) / 1000);
  assert.equal(r.textEvents, 4);
  assert.equal(r.emptyEvents, 2); // role-only chunk + usage-only chunk
  assert.equal(r.firstChunkEmpty, true);
  assert.equal(r.tokensPerEvent, 1);
  assert.equal(r.finishReason, "length");
  assert.equal(r.generatedText, " one two three four");
});

Deno.test("buildRecord() counts output tokens with the tokenizer when the server reports no usage", () => {
  const noUsage = events.filter((e) => e.type !== "usage");
  const r = buildRecord(traceOf(noUsage), { spec: spec(0, 4), runStart: 1000, countTokens: () => 8 });
  assert.equal(r.outputTokens, 8);
  assert.equal(r.outputTokenSource, "tokenizer");
  assert.equal(r.inputTokenSource, "tokenizer");
  assert.equal(r.inputTokens, 3); // the sampler's count
  assert.equal(r.tokensPerEvent, 2); // 8 tokens over 4 events
  assert.equal(r.tpotMs, 10); // (170 − 100) / (8 − 1)
});

Deno.test("buildRecord() leaves TPOT and decode rate undefined for a one-token answer", () => {
  const r = buildRecord(
    traceOf([{ type: "start", t: 0 }, delta(50, "hi"), { type: "usage", t: 60, usage: { completion_tokens: 1 } }, {
      type: "end",
      t: 60,
    }]),
    { spec: spec(), runStart: 0, countTokens: countWords },
  );
  assert.equal(r.tpotMs, null);
  assert.equal(r.decodeTokensPerS, null);
  assert.deepEqual(r.interTokenLatenciesMs, []);
  assert.equal(r.ttftMs, 50);
});

Deno.test("buildRecord() in batch mode has E2E and throughput but no first-token timing", () => {
  const r = buildRecord(
    traceOf([
      { type: "start", t: 0 },
      { type: "response", t: 400, status: 200, simulated: false },
      delta(400, "a b c"),
      {
        type: "usage",
        t: 400,
        usage: { completion_tokens: 3, prompt_tokens: 5 },
      },
      { type: "end", t: 400 },
    ]),
    { spec: spec(), runStart: 0, countTokens: countWords, streamed: false },
  );
  assert.equal(r.e2eMs, 400);
  assert.equal(r.ttftMs, null);
  assert.equal(r.tpotMs, null);
  assert.equal(r.outputTokensPerS, 7.5);
});

Deno.test("buildRecord() counts reasoning deltas as generated text for TTFT", () => {
  const r = buildRecord(
    traceOf([
      { type: "start", t: 0 },
      { type: "delta", t: 30, content: "", reasoning: "thinking", finishReason: null },
      delta(80, "answer"),
      { type: "end", t: 90 },
    ]),
    { spec: spec(), runStart: 0, countTokens: countWords },
  );
  assert.equal(r.ttftMs, 30);
  assert.equal(r.outputTokens, 2);
});

Deno.test("buildRecord() of a failed request keeps its error and has no E2E", () => {
  const r = buildRecord(
    traceOf([{ type: "start", t: 10 }, { type: "response", t: 20, status: 503, simulated: false }]),
    {
      spec: spec(),
      runStart: 0,
      countTokens: countWords,
      error: { code: "HTTP_STATUS", message: "HTTP 503", httpStatus: 503 },
      failedAt: 25,
    },
  );
  assert.equal(r.status, "error");
  assert.equal(r.error?.code, "HTTP_STATUS");
  assert.equal(r.httpStatus, 503);
  assert.equal(r.e2eMs, null);
  assert.equal(r.endOffsetMs, 25);
  const aborted = buildRecord(newTrace(), {
    spec: spec(),
    runStart: 0,
    countTokens: countWords,
    error: { code: "ABORTED", message: "aborted" },
    failedAt: 5,
  });
  assert.equal(aborted.status, "aborted");
});
