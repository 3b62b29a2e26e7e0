// One test per fault the simulated endpoint injects, over real HTTP: the run completes, the faulty request's record
// carries the right code, the summary counts it, and the other requests are unaffected.
import assert from "node:assert/strict";
import { createOpenAIConnector } from "../../lib/connectors/openai.ts";
import { createSambaStudioConnector } from "../../lib/connectors/sambastudio.ts";
import { summarize } from "../../lib/metrics/summary.ts";
import type { RequestRecord } from "../../lib/results/schema.ts";
import { type RequestTimeouts, sendRequests } from "../../lib/runner/runner.ts";
import type { FaultKind } from "../../lib/simulator/params.ts";
import { startSimServer } from "../../lib/simulator/server.ts";
import { loadCorpus, spec, testTokenizer } from "../_helpers.ts";
import { environmentInfo } from "../../lib/runner/environment.ts";

async function runWithFault(fault: FaultKind, timeouts: RequestTimeouts = {}, faults: Record<string, unknown> = {}) {
  const tokenizer = await testTokenizer();
  await using server = startSimServer({
    tokenizer,
    corpus: await loadCorpus(),
    params: {
      jitter: 0,
      prefillBaseMs: 1,
      decodeBaseMs: 2,
      faults: { plan: [fault, "none", "none"], stallMs: 20_000, ...faults },
    },
  });
  await using connector = createOpenAIConnector({ baseUrl: server.baseUrl, model: "llm-bench-sim" });
  const result = await sendRequests({
    connector,
    requests: [spec(0, 8), spec(1, 8), spec(2, 8)],
    concurrency: 1,
    timeoutMs: 30_000,
    countTokens: tokenizer.count,
    timeouts,
  });
  const byIndex = [...result.records].sort((a, b) => a.index - b.index);
  const summary = summarize(result.records, {
    config: {},
    startedAt: result.startedAt,
    stopReason: result.stopReason,
    environment: environmentInfo(),
    tokenizer: "t",
    endpoint: { api: "sim", url: server.baseUrl, model: "llm-bench-sim", simulated: true },
  });
  assert.equal(result.stopReason, "completed");
  assert.deepEqual(
    byIndex.slice(1).map((r) => [r.status, r.outputTokens]),
    [["ok", 8], ["ok", 8]],
    "others unaffected",
  );
  return { faulty: byIndex[0], summary };
}

function expectError(r: RequestRecord, code: string, summary: ReturnType<typeof summarize>) {
  assert.equal(r.status, "error", JSON.stringify(r.error));
  assert.equal(r.error?.code, code, r.error?.message);
  assert.deepEqual(summary.errors.byCode, { [code]: 1 });
  assert.equal(summary.run.requestsSucceeded, 2);
}

Deno.test("fault 429: RATE_LIMITED with status and Retry-After", async () => {
  const { faulty, summary } = await runWithFault("status-429", {}, { retryAfterS: 7 });
  expectError(faulty, "RATE_LIMITED", summary);
  assert.equal(faulty.error?.httpStatus, 429);
  assert.equal(faulty.error?.retryAfterS, 7);
  assert.match(faulty.error!.bodyExcerpt!, /Rate limit exceeded/);
});

for (const status of [500, 503] as const) {
  Deno.test(`fault ${status}: HTTP_STATUS with the status and a body excerpt`, async () => {
    const { faulty, summary } = await runWithFault(`status-${status}`);
    expectError(faulty, "HTTP_STATUS", summary);
    assert.equal(faulty.error?.httpStatus, status);
    assert.ok(faulty.error!.bodyExcerpt!.length > 0);
  });
}

Deno.test("fault reset mid-stream: CONNECTION, partial stream kept", async () => {
  const { faulty, summary } = await runWithFault("reset");
  expectError(faulty, "CONNECTION", summary);
  assert.ok(faulty.textEvents >= 1);
});

Deno.test("fault stall before the first byte: TIMEOUT in phase first-token", async () => {
  const { faulty, summary } = await runWithFault("stall-first-byte", { firstTokenMs: 400 });
  expectError(faulty, "TIMEOUT", summary);
  assert.equal(faulty.error?.phase, "first-token");
  assert.match(faulty.error!.message, /no first token within 0.4 s/);
});

Deno.test("fault stall mid-stream: TIMEOUT in phase idle", async () => {
  const { faulty, summary } = await runWithFault("stall-mid-stream", { idleMs: 300 });
  expectError(faulty, "TIMEOUT", summary);
  assert.equal(faulty.error?.phase, "idle");
  assert.ok(faulty.textEvents >= 1);
});

Deno.test("a whole-request limit: TIMEOUT in phase total", async () => {
  const { faulty, summary } = await runWithFault("stall-mid-stream", { totalMs: 500, idleMs: 10_000 });
  expectError(faulty, "TIMEOUT", summary);
  assert.equal(faulty.error?.phase, "total");
});

Deno.test("fault slow headers: the request succeeds, its time to first byte shows the delay", async () => {
  const tokenizer = await testTokenizer();
  const { faulty } = await runWithFault("slow-headers", {}, { slowHeadersMs: 400 });
  assert.equal(faulty.status, "ok");
  assert.ok(faulty.ttfbMs! >= 399, `ttfb ${faulty.ttfbMs}`);
  assert.ok(tokenizer);
});

Deno.test("fault malformed JSON chunk: STREAM_PARSE", async () => {
  const { faulty, summary } = await runWithFault("malformed-chunk");
  expectError(faulty, "STREAM_PARSE", summary);
});

Deno.test("fault stream ends without [DONE] or finish_reason: INCOMPLETE_STREAM", async () => {
  const { faulty, summary } = await runWithFault("no-done");
  expectError(faulty, "INCOMPLETE_STREAM", summary);
});

Deno.test("fault oversized line (10 MiB, no newline): EVENT_TOO_LARGE, not unbounded memory", async () => {
  const { faulty, summary } = await runWithFault("oversized-line");
  expectError(faulty, "EVENT_TOO_LARGE", summary);
  assert.match(faulty.error!.message, /exceeds 1048576 characters/);
});

Deno.test("fault wrong content type (an HTML page): BAD_RESPONSE saying what to check", async () => {
  const { faulty, summary } = await runWithFault("wrong-content-type");
  expectError(faulty, "BAD_RESPONSE", summary);
  assert.match(faulty.error!.message, /answered with an HTML page.*base URL end in \/v1/);
});

Deno.test("fault error event mid-stream: SERVER_ERROR_EVENT with the server's message", async () => {
  const { faulty, summary } = await runWithFault("error-event");
  expectError(faulty, "SERVER_ERROR_EVENT", summary);
  assert.match(faulty.error!.message, /model worker crashed/);
});

Deno.test("connection refused: every request a CONNECTION record, the run still completes", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  await using connector = createOpenAIConnector({ baseUrl: `http://127.0.0.1:${port}/v1`, model: "m" });
  const result = await sendRequests({
    connector,
    requests: [spec(0), spec(1)],
    concurrency: 2,
    timeoutMs: 10_000,
    countTokens: () => 1,
  });
  assert.equal(result.stopReason, "completed");
  assert.deepEqual(result.records.map((r) => r.error?.code), ["CONNECTION", "CONNECTION"]);
});

Deno.test("faults at random with a rate: seeded, every record accounted for", async () => {
  const tokenizer = await testTokenizer();
  await using server = startSimServer({
    tokenizer,
    corpus: await loadCorpus(),
    params: {
      jitter: 0,
      prefillBaseMs: 1,
      decodeBaseMs: 1,
      faults: { rate: 0.5, kinds: ["status-500", "status-429", "error-event"] },
    },
  });
  await using connector = createOpenAIConnector({ baseUrl: server.baseUrl, model: "llm-bench-sim" });
  const result = await sendRequests({
    connector,
    requests: Array.from({ length: 40 }, (_, i) => spec(i, 4)),
    concurrency: 4,
    timeoutMs: 30_000,
    countTokens: tokenizer.count,
  });
  const failed = result.records.filter((r) => r.status === "error").length;
  assert.equal(result.records.length, 40);
  assert.ok(failed > 8 && failed < 32, `${failed} of 40 failed at rate 0.5`);
  assert.ok(
    result.records.every((r) =>
      r.status === "ok" || ["HTTP_STATUS", "RATE_LIMITED", "SERVER_ERROR_EVENT"].includes(r.error!.code)
    ),
  );
});

Deno.test("faults strike SambaStudio's NDJSON streams too (v1 and v2), with the same codes as the OpenAI paths", async () => {
  const tokenizer = await testTokenizer();
  const plan = [
    "status-503",
    "malformed-chunk",
    "error-event",
    "oversized-line",
    "no-done",
    "reset",
    "wrong-content-type",
    "none",
  ] as const;
  for (const version of ["", "/v2"]) {
    await using server = startSimServer({
      tokenizer,
      corpus: await loadCorpus(),
      params: { jitter: 0, prefillBaseMs: 1, decodeBaseMs: 1, faults: { plan: [...plan], oversizedBytes: 2_000_000 } },
    });
    await using connector = createSambaStudioConnector({
      url: `${server.origin}/api${version}/predict/generic/stream/p/e`,
      model: "llm-bench-sim",
    });
    const result = await sendRequests({
      connector,
      requests: plan.map((_, i) => spec(i, 8)),
      concurrency: 1,
      timeoutMs: 30_000,
      countTokens: tokenizer.count,
    });
    const codes = [...result.records].sort((a, b) => a.index - b.index).map((r) => r.error?.code ?? r.status);
    assert.deepEqual(codes, [
      "HTTP_STATUS",
      "STREAM_PARSE",
      "SERVER_ERROR_EVENT",
      "EVENT_TOO_LARGE",
      "INCOMPLETE_STREAM",
      "CONNECTION",
      "STREAM_PARSE",
      "ok",
    ], `SambaStudio${version || " v1"}`);
  }
});

Deno.test("the idle limit starts at the first byte: a server silent before it answers (a long prefill) is no idle timeout", async () => {
  const { faulty } = await runWithFault("slow-headers", { idleMs: 300 }, { slowHeadersMs: 900 });
  assert.equal(faulty.status, "ok", JSON.stringify(faulty.error));
  assert.ok(faulty.ttfbMs! >= 850, `time to first byte ${faulty.ttfbMs}`);
});
