import assert from "node:assert/strict";
import { createOpenAIConnector } from "../../lib/connectors/openai.ts";
import { sendRequests } from "../../lib/runner/runner.ts";
import { startSimServer } from "../../lib/simulator/server.ts";
import { loadCorpus, spec, testTokenizer } from "../_helpers.ts";

async function setup(params: Record<string, unknown> = {}) {
  const tokenizer = await testTokenizer();
  const server = startSimServer({ tokenizer, corpus: await loadCorpus(), params: { jitter: 0, ...params } });
  const connector = createOpenAIConnector({ baseUrl: server.baseUrl, model: "llm-bench-sim" });
  return {
    server,
    connector,
    tokenizer,
    async [Symbol.asyncDispose]() {
      await connector.close();
      await server.close();
    },
  };
}

Deno.test("runner keeps exactly `concurrency` requests in flight and records every request", async () => {
  await using env = await setup({ decodeBaseMs: 2, prefillBaseMs: 2 });
  let maxInFlight = 0;
  const order: string[] = [];
  const result = await sendRequests({
    connector: env.connector,
    requests: Array.from({ length: 12 }, (_, i) => spec(i, 5)),
    concurrency: 3,
    timeoutMs: 30_000,
    countTokens: env.tokenizer.count,
    onRecord: (r) => order.push(`record ${r.index}`),
    onProgress: (p) => {
      maxInFlight = Math.max(maxInFlight, p.inFlight); // a refilled slot counts as in flight
      order.push(`progress ${p.finished}`);
    },
  });
  assert.equal(result.stopReason, "completed");
  assert.equal(result.records.length, 12);
  assert.ok(result.records.every((r) => r.status === "ok" && r.outputTokens === 5));
  assert.deepEqual([...new Set(result.records.map((r) => r.index))].sort((a, b) => a - b), [...Array(12).keys()]);
  assert.equal(maxInFlight, 3);
  // each record is handed over before the progress update that counts it
  for (let i = 0; i < order.length; i += 2) assert.match(order[i], /^record/);
  const { connections } = env.server.stats();
  assert.equal(connections, 3, `12 requests, 3 at a time, used ${connections} connections (one per slot)`);
});

Deno.test("runner aborts requests in flight at the timeout and records them as aborted", async () => {
  await using env = await setup({ decodeBaseMs: 40 });
  const result = await sendRequests({
    connector: env.connector,
    requests: Array.from({ length: 6 }, (_, i) => spec(i, 200)),
    concurrency: 2,
    timeoutMs: 300,
    countTokens: env.tokenizer.count,
  });
  assert.equal(result.stopReason, "timeout");
  assert.equal(result.records.length, 2); // the 4 queued requests never started
  for (const r of result.records) {
    assert.equal(r.status, "aborted");
    assert.equal(r.error?.code, "ABORTED");
    assert.match(r.error!.message, /run timeout of 0.3 s reached/);
    assert.ok(r.textEvents > 0, "partial stream kept");
  }
});

Deno.test("runner stops on its signal with stop reason interrupted", async () => {
  await using env = await setup({ decodeBaseMs: 30 });
  const ac = new AbortController();
  const result = await sendRequests({
    connector: env.connector,
    requests: [spec(0, 1), spec(1, 200), spec(2, 200), spec(3, 200)],
    concurrency: 2,
    timeoutMs: 60_000,
    countTokens: env.tokenizer.count,
    signal: ac.signal,
    onProgress: () => ac.abort(), // Ctrl-C as soon as the 1-token request has finished
  });
  assert.equal(result.stopReason, "interrupted");
  assert.deepEqual(result.records.map((r) => [r.index, r.status]), [[0, "ok"], [1, "aborted"]]);
  assert.match(result.records[1].error!.message, /run interrupted/);
});

Deno.test("runner turns HTTP errors into error records and goes on", async () => {
  await using env = await setup();
  const bad = createOpenAIConnector({ baseUrl: env.server.baseUrl, model: "no-such-model" });
  const result = await sendRequests({
    connector: bad,
    requests: [spec(0), spec(1)],
    concurrency: 2,
    timeoutMs: 10_000,
    countTokens: env.tokenizer.count,
  });
  await bad.close();
  assert.equal(result.records.length, 2);
  for (const r of result.records) {
    assert.equal(r.status, "error");
    assert.equal(r.error?.code, "HTTP_STATUS");
    assert.equal(r.error?.httpStatus, 404);
    assert.match(r.error!.bodyExcerpt!, /does not exist/);
  }
});

Deno.test("progress counts a closed loop's refilled slot as in flight: the concurrency held, not one short", async () => {
  const tokenizer = await testTokenizer();
  await using sim = startSimServer({ tokenizer, corpus: await loadCorpus(), params: { jitter: 0 } });
  await using connector = createOpenAIConnector({ baseUrl: sim.baseUrl, model: "llm-bench-sim" });
  const spec = (index: number) => ({ index, prompt: "Hi", promptTokens: 1, requestedInputTokens: 1, maxTokens: 4 });
  const seen: number[] = [];
  await sendRequests({
    connector,
    requests: Array.from({ length: 12 }, (_, i) => spec(i)),
    concurrency: 4,
    timeoutMs: 60_000,
    countTokens: tokenizer.count,
    onProgress: (p) => seen.push(p.inFlight),
  });
  // While requests remain to be sent each finished slot is refilled at once: 4 in flight; then the drain: 3, 2, 1, 0.
  assert.deepEqual(seen, [4, 4, 4, 4, 4, 4, 4, 4, 3, 2, 1, 0]);
});
