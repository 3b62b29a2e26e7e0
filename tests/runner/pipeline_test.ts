// The run pipeline's three steps, over real HTTP against the simulated endpoint.
import assert from "node:assert/strict";
import { parseRunConfig } from "../../lib/config/resolve.ts";
import { workloadDifferences } from "../../lib/compare/compare.ts";
import { recordsCsv } from "../../lib/results/csv.ts";
import { readRunInfo } from "../../lib/results/files.ts";
import { benchmark, executeRun, finishRun, prepareRun } from "../../lib/runner/pipeline.ts";
import { startSimServer } from "../../lib/simulator/server.ts";
import { loadCorpus, testTokenizer } from "../_helpers.ts";

async function sim() {
  return startSimServer({
    tokenizer: await testTokenizer(),
    corpus: await loadCorpus(),
    params: { jitter: 0, prefillBaseMs: 1, decodeBaseMs: 1 },
  });
}

Deno.test("prepare → execute → finish: files, plan and endpoint first; records as they finish; summary last", async () => {
  await using server = await sim();
  const dir = await Deno.makeTempDir();
  const config = parseRunConfig({
    llmApi: "openai",
    baseUrl: server.baseUrl,
    model: "llm-bench-sim",
    resultsDir: dir,
    maxNumCompletedRequests: 6,
    numConcurrentRequests: 2,
    meanInputTokens: 50,
    meanOutputTokens: 8,
    stddevOutputTokens: 0,
    slo: { e2eMs: 60_000 },
  });
  await using prepared = await prepareRun(config, { tokenizer: await testTokenizer() });
  assert.equal(prepared.plan.requests.length, 6);
  assert.equal(prepared.plan.concurrency, 2);
  assert.equal(server.stats().requests, 0, "prepare sends nothing");
  const info = await readRunInfo(prepared.files!.run);
  assert.equal(info?.endpoint.url, `${server.baseUrl}/chat/completions`);

  const seen: number[] = [];
  const executed = await executeRun(prepared, { onRecord: (r) => seen.push(r.index) });
  assert.equal(seen.length, 6);
  const onDisk = (await Deno.readTextFile(prepared.files!.records)).trim().split("\n");
  assert.equal(onDisk.length, 6, "each record appended as its request finished");
  assert.ok(
    executed.records.every((r) => r.meetsSlo === true),
    "records are judged against the SLO once, when they finish",
  );
  assert.ok(executed.clientLoad.connections!.opened >= 2);

  const result = await finishRun(prepared, executed);
  assert.equal(result.summary.goodput?.met, 6);
  assert.deepEqual(result.summary.environment, info?.environment, "the environment is captured once, at prepare");
  const names = [...Deno.readDirSync(dir)].map((e) => e.name.slice(prepared.files!.stem.length)).sort();
  assert.deepEqual(
    names,
    ["_individual_responses.jsonl", "_run.json", "_server_metrics.jsonl", "_summary.json"],
    "the report is the caller's",
  );
});

Deno.test("a default run records every resolved setting: the same workload as one with the defaults typed", async () => {
  const quick = { meanInputTokens: 40, meanOutputTokens: 4, stddevOutputTokens: 0, sim: { jitter: 0 } };
  const byDefault = await benchmark({ ...quick, maxNumCompletedRequests: 4 }, { writeFiles: false });
  assert.equal(byDefault.summary.config.numConcurrentRequests, 8);
  assert.equal(byDefault.summary.config.maxNumCompletedRequests, 4);
  const typed = await benchmark({ ...quick, maxNumCompletedRequests: 4, numConcurrentRequests: 8 }, {
    writeFiles: false,
  });
  // (A busy machine may make either run's health suspect: that is said too, and is no difference of workload.)
  const differences = workloadDifferences(byDefault.summary, typed.summary).filter((d) => !/health is SUSPECT/.test(d));
  assert.deepEqual(differences, []);
  const [header, first] = recordsCsv(byDefault.summary, byDefault.records).split("\n");
  assert.equal(first.split(",")[header.split(",").indexOf("concurrency")], "8", "the CSV's concurrency column");
  // A dataset's size is the run's request count, recorded like a count given.
  const path = `${await Deno.makeTempDir()}/three.jsonl`;
  await Deno.writeTextFile(path, ["a", "b", "c"].map((p) => JSON.stringify({ prompt: p, max_tokens: 2 })).join("\n"));
  const dataset = await benchmark({ dataset: path, sim: { jitter: 0 } }, { writeFiles: false });
  assert.equal(dataset.summary.config.maxNumCompletedRequests, 3);
  assert.equal(dataset.summary.config.datasetFormat, "jsonl");
});

Deno.test("benchmark() rejects a bad configuration before anything starts", async () => {
  await assert.rejects(benchmark({ meanInputTokens: 0 }), /meanInputTokens: must be ≥ 1 \(got 0\)/);
});

Deno.test("a warm run opens its connections before the clock; a cold one's first wave shows connectMs", async () => {
  await using server = await sim();
  const tokenizer = await testTokenizer();
  const run = (warmConnections: boolean) =>
    benchmark({
      llmApi: "openai",
      baseUrl: server.baseUrl,
      model: "llm-bench-sim",
      maxNumCompletedRequests: 6,
      numConcurrentRequests: 3,
      meanInputTokens: 50,
      meanOutputTokens: 8,
      warmConnections,
    }, { tokenizer, writeFiles: false });
  const warm = await run(true);
  assert.ok(warm.records.every((r) => r.connectMs === undefined), "no request paid for connecting");
  assert.ok(warm.records.every((r) => typeof r.requestWrittenMs === "number" && r.requestWrittenMs >= 0));
  assert.equal(warm.summary.health?.figures.connectionsOpened, 3);

  const cold = await run(false);
  const first = cold.records.filter((r) => r.connectMs !== undefined);
  assert.equal(first.length, 3, "the first wave opened the connections, the rest reused them");
  for (const r of first) assert.ok(r.connectMs! > 0 && r.requestWrittenMs! >= r.connectMs!, "written after connecting");
  assert.ok(cold.summary.health?.notes.some((n) => /3 requests opened a connection/.test(n)));
});

Deno.test("server metrics: the simulator's own /metrics scraped during the run, summarized, kept raw, agreeing with the client", async () => {
  const dir = await Deno.makeTempDir();
  const { summary, files, records } = await benchmark({
    maxNumCompletedRequests: 24,
    numConcurrentRequests: 6,
    meanOutputTokens: 40,
    stddevOutputTokens: 0,
    sim: { maxBatch: 4, jitter: 0 },
    resultsDir: dir,
  });
  const m = summary.serverMetrics!;
  assert.equal(m.engine, "vLLM");
  assert.match(m.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  assert.ok(m.scrapes >= 2, "one before, one after at least");
  assert.equal(m.gauges.running?.max, 4, "the batch is full: 4 of 6 in flight");
  assert.ok(m.gauges.waiting!.max >= 1 && m.gauges.waiting!.max <= 2, `waiting max ${m.gauges.waiting!.max}`);
  // The server generated exactly the tokens the client received; its histograms saw every request.
  const counted = records.reduce((n, r) => n + (r.outputTokens ?? 0), 0);
  assert.equal(m.counters.generationTokens?.increase, counted);
  assert.equal(m.histograms.ttft?.count, 24);
  assert.ok(!summary.health!.notes.some((n) => /the server generated/.test(n)), "they agree: no note");
  const raw = (await Deno.readTextFile(files!.serverMetrics)).trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(raw.length, m.series.t.length);
  assert.equal(raw[0].families["vllm:num_requests_running"].type, "gauge");
});

Deno.test("server metrics that disagree with the client's token count get a health note; --server-metrics URL is used", async () => {
  // A metrics server of its own whose generation counter runs at 100,000 tokens a second: other traffic, say.
  const start = performance.now();
  await using fake = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () =>
    new Response(
      "# TYPE vllm:generation_tokens_total counter\n" +
        `vllm:generation_tokens_total{model_name="m"} ${Math.round((performance.now() - start) * 100)}\n`,
    ));
  const { summary } = await benchmark({
    maxNumCompletedRequests: 4,
    meanOutputTokens: 5,
    stddevOutputTokens: 0,
    serverMetrics: `http://127.0.0.1:${fake.addr.port}/metrics`,
  }, { writeFiles: false });
  assert.equal(summary.serverMetrics?.url, `http://127.0.0.1:${fake.addr.port}/metrics`);
  assert.ok(summary.serverMetrics!.counters.generationTokens!.increase > 1000);
  assert.ok(
    summary.health!.notes.some((n) =>
      /^the server generated \d+ tokens during the run, the client counted 20 /.test(n)
    ),
    summary.health!.notes.join("\n"),
  );
});

Deno.test("fail fast on measuring threads: each thread stops when its share of the first requests all failed", async () => {
  let completions = 0;
  await using broken = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => {
    completions++;
    return Response.json({ error: { message: "overloaded" } }, { status: 503 });
  });
  const { summary } = await benchmark({
    llmApi: "openai",
    baseUrl: `http://127.0.0.1:${broken.addr.port}/v1`,
    model: "m",
    preflight: false,
    clientThreads: 2,
    numConcurrentRequests: 2,
    maxNumCompletedRequests: 1000,
    maxFailures: 6,
    serverMetrics: "off",
  }, { writeFiles: false });
  assert.equal(summary.run.stopReason, "failing");
  assert.equal(summary.config.maxFailures, 6);
  assert.ok(completions >= 6 && completions <= 8, `${completions}: 3 per thread, and one each in flight at most`);
});
