// Open-loop arrivals, datasets, warm-up, duration — over real HTTP against the simulated endpoint.
import assert from "node:assert/strict";
import { parseRunConfig } from "../../lib/config/resolve.ts";
import { createOpenAIConnector } from "../../lib/connectors/openai.ts";
import { ConfigError } from "../../lib/errors.ts";
import { planRun } from "../../lib/plan/plan.ts";
import { benchmark } from "../../lib/runner/pipeline.ts";
import { sendRequests } from "../../lib/runner/runner.ts";
import { startSimServer } from "../../lib/simulator/server.ts";
import { loadCorpus, spec, testTokenizer } from "../_helpers.ts";

async function sim(decodeBaseMs = 2) {
  return startSimServer({
    tokenizer: await testTokenizer(),
    corpus: await loadCorpus(),
    params: { jitter: 0, prefillBaseMs: 1, decodeBaseMs },
  });
}

Deno.test("open loop: each request is sent at its scheduled time; with a cap, waiting shows as client queue time", async () => {
  await using server = await sim(20);
  await using connector = createOpenAIConnector({ baseUrl: server.baseUrl, model: "llm-bench-sim" });
  const schedule = [0, 10, 20, 30, 40];
  const result = await sendRequests({
    connector,
    requests: schedule.map((_, i) => spec(i, 5)),
    concurrency: 1, // each request takes ~100 ms, arrivals come every 10 ms: the queue grows
    timeoutMs: 30_000,
    countTokens: (await testTokenizer()).count,
    schedule,
  });
  const records = [...result.records].sort((a, b) => a.index - b.index);
  assert.deepEqual(records.map((r) => r.scheduledOffsetMs), schedule);
  for (const r of records) {
    assert.ok(r.startOffsetMs >= r.scheduledOffsetMs!, "never sent early");
    assert.equal(r.clientQueueMs, Math.round(Math.max(0, r.startOffsetMs - r.scheduledOffsetMs!) * 1000) / 1000);
    assert.equal(r.ttftFromScheduleMs, Math.round((r.ttftMs! + r.clientQueueMs) * 1000) / 1000);
  }
  assert.ok(records[4].clientQueueMs > 300, `the 5th request queued ${records[4].clientQueueMs} ms behind 4 others`);
});

Deno.test("a dataset run sends exactly the dataset's prompts, in order or shuffled with the seed", async () => {
  await using server = await sim();
  const dir = await Deno.makeTempDir();
  const path = `${dir}/prompts.jsonl`;
  await Deno.writeTextFile(
    path,
    [
      { prompt: "First prompt", max_tokens: 7 },
      { messages: [{ role: "system", content: "Be terse." }, { role: "user", content: "Second prompt" }] },
      { prompt: "Third prompt", max_tokens: 3 },
    ].map((l) => JSON.stringify(l)).join("\n") + "\n",
  );
  const base = {
    llmApi: "openai" as const,
    baseUrl: server.baseUrl,
    model: "llm-bench-sim",
    dataset: path,
    resultsDir: dir,
    numConcurrentRequests: 1,
    meanOutputTokens: 20,
    stddevOutputTokens: 0,
  };
  const r = await benchmark(base, { tokenizer: await testTokenizer() });
  const sent = server.stats().lastBodies.map((b) => (b.messages as { content: string }[]).map((m) => m.content));
  assert.deepEqual(sent, [["First prompt"], ["Be terse.", "Second prompt"], ["Third prompt"]]);
  assert.deepEqual(server.stats().lastBodies.map((b) => b.max_tokens), [7, 20, 3]);
  assert.equal(r.summary.run.requestsStarted, 3, "as many requests as lines");
  const tok = await testTokenizer();
  assert.deepEqual(r.records.sort((a, b) => a.index - b.index).map((x) => x.requestedInputTokens), [
    tok.count("First prompt"),
    tok.count("Be terse.") + tok.count("Second prompt"),
    tok.count("Third prompt"),
  ]);
  const a = await planRun(parseRunConfig({ ...base, datasetOrder: "shuffle", seed: 5 }), tok);
  const b = await planRun(parseRunConfig({ ...base, datasetOrder: "shuffle", seed: 5 }), tok);
  assert.deepEqual(a.requests.map((x) => x.prompt), b.requests.map((x) => x.prompt));
  assert.deepEqual(a.requests.map((x) => x.prompt).sort(), ["First prompt", "Second prompt", "Third prompt"]);
  await Deno.writeTextFile(path, '{"prompt": "ok"}\n{"text": "no prompt"}\n');
  await assert.rejects(
    planRun(parseRunConfig(base), tok),
    (e: Error) => e instanceof ConfigError && /prompts\.jsonl:2: expected/.test(e.message),
  );
});

Deno.test("warm-up requests go first, are marked in the records and left out of the summary", async () => {
  await using server = await sim();
  const dir = await Deno.makeTempDir();
  const r = await benchmark({
    llmApi: "openai",
    baseUrl: server.baseUrl,
    model: "llm-bench-sim",
    resultsDir: dir,
    maxNumCompletedRequests: 4,
    warmupRequests: 2,
    meanInputTokens: 100,
    meanOutputTokens: 10,
    numConcurrentRequests: 2,
  }, { tokenizer: await testTokenizer() });
  assert.equal(r.records.filter((x) => x.warmup).length, 2);
  assert.equal(server.stats().requests, 6);
  assert.equal(r.summary.run.warmupRequests, 2);
  assert.equal(r.summary.run.requestsStarted, 4);
  const lines = (await Deno.readTextFile(r.files!.records)).trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(lines.slice(0, 2).map((l) => l.warmup), [true, true], "warm-up written first");
});

Deno.test("a duration stops sending new requests; requests in flight finish", async () => {
  await using server = await sim(5);
  await using connector = createOpenAIConnector({ baseUrl: server.baseUrl, model: "llm-bench-sim" });
  const result = await sendRequests({
    connector,
    requests: [spec(0, 20), spec(1, 20)],
    maxRequests: Infinity,
    concurrency: 2,
    timeoutMs: 30_000,
    durationMs: 700,
    countTokens: (await testTokenizer()).count,
  });
  assert.equal(result.stopReason, "duration");
  assert.ok(result.records.length >= 4, `${result.records.length} requests in 0.7 s`);
  assert.ok(result.records.every((r) => r.status === "ok"), "the last ones finished, not aborted");
  assert.ok(
    new Set(result.records.map((r) => r.index)).size === result.records.length,
    "reused prompts get fresh indices",
  );
});
