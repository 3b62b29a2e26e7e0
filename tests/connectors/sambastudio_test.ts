import assert from "node:assert/strict";
import { createConnector } from "../../lib/connectors/factory.ts";
import { coeExpert, createSambaStudioConnector, typedParams } from "../../lib/connectors/sambastudio.ts";
import type { StreamEvent } from "../../lib/connectors/types.ts";
import { parseRunConfig } from "../../lib/config/resolve.ts";
import type { RequestError } from "../../lib/errors.ts";
import { buildRecord } from "../../lib/metrics/request_metrics.ts";
import { addEvent, newTrace } from "../../lib/metrics/trace.ts";
import { startSimServer } from "../../lib/simulator/server.ts";
import { loadCorpus, spec, startScriptedServer, testTokenizer } from "../_helpers.ts";

async function collect(gen: AsyncGenerator<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const ev of gen) out.push(ev);
  return out;
}

async function sim(apiKey?: string) {
  return startSimServer({
    tokenizer: await testTokenizer(),
    corpus: await loadCorpus(),
    params: { jitter: 0 },
    apiKey,
  });
}

const texts = (evs: StreamEvent[]) => evs.filter((e) => e.type === "delta" && e.content !== "");
const usageOf = (evs: StreamEvent[]) => evs.find((e) => e.type === "usage")?.usage as Record<string, unknown>;

Deno.test("COE model names select an expert; v1 parameters are typed", () => {
  assert.equal(coeExpert("COE/Meta-Llama-3.1-8B-Instruct"), "Meta-Llama-3.1-8B-Instruct");
  assert.equal(coeExpert("Bundle/x"), "x");
  assert.equal(coeExpert("plain"), undefined);
  assert.deepEqual(
    typedParams({ max_tokens_to_generate: 100, temperature: 0.7, do_sample: false, select_expert: "e" }),
    {
      max_tokens_to_generate: { type: "int", value: "100" },
      temperature: { type: "float", value: "0.7" },
      do_sample: { type: "bool", value: "false" },
      select_expert: { type: "str", value: "e" },
    },
  );
});

for (const version of ["v1", "v2"] as const) {
  Deno.test(`SambaStudio ${version} streams NDJSON from the simulated endpoint with COE routing and server metrics`, async () => {
    await using s = await sim("sk-studio");
    const url = `${s.origin}/api${version === "v2" ? "/v2" : ""}/predict/generic/stream/proj/ep`;
    await using c = createSambaStudioConnector({
      url,
      model: "COE/Meta-Llama-3.1-70B-Instruct",
      apiKey: "sk-studio",
      extraParams: { temperature: 0.5 },
    });
    const evs = await collect(c.stream(spec(0, 9, "Hello there")));
    assert.equal(texts(evs).length, 9);
    const usage = usageOf(evs);
    assert.equal(usage.completion_tokens, 9);
    assert.equal(typeof usage.time_to_first_token, "number");
    assert.equal(usage.batch_size_used, 1);
    const body = s.stats().lastBodies[0] as Record<string, Record<string, unknown>>;
    if (version === "v1") {
      assert.equal(body.instance as unknown, "Hello there");
      assert.deepEqual(body.params.select_expert, { type: "str", value: "Meta-Llama-3.1-70B-Instruct" });
      assert.deepEqual(body.params.process_prompt, { type: "bool", value: "false" });
      assert.deepEqual(body.params.temperature, { type: "float", value: "0.5" });
      assert.deepEqual(body.params.max_tokens_to_generate, { type: "int", value: "9" });
    } else {
      assert.deepEqual(body.items as unknown, [{ id: "item1", value: "Hello there" }]);
      assert.equal(body.params.select_expert, "Meta-Llama-3.1-70B-Instruct");
      assert.equal(body.params.process_prompt, false);
      assert.equal(body.params.temperature, 0.5);
      assert.equal(body.params.max_tokens_to_generate, 9);
    }
    // the record carries client and server timings side by side
    const trace = newTrace();
    for (const ev of evs) addEvent(trace, ev);
    const r = buildRecord(trace, { spec: spec(0, 9), runStart: 0, countTokens: () => 0 });
    assert.equal(r.outputTokens, 9);
    assert.equal(r.outputTokenSource, "server");
    assert.ok(r.serverTtftMs! > 0 && r.serverE2eMs! >= r.serverTtftMs!);
    assert.ok(r.ttftOverheadMs! >= 0, `client TTFT ${r.ttftMs} − server TTFT ${r.serverTtftMs}`);
  });

  Deno.test(`SambaStudio ${version} batch mode uses the non-streaming URL and reads one JSON body`, async () => {
    await using s = await sim();
    const url = `${s.origin}/api${version === "v2" ? "/v2" : ""}/predict/generic/stream/proj/ep`;
    await using c = createSambaStudioConnector({ url, model: "endpoint-model", mode: "batch" });
    assert.ok(!c.endpoint.includes("/stream/"));
    const evs = await collect(c.stream(spec(0, 6)));
    assert.equal(texts(evs).length, 1);
    assert.equal(usageOf(evs).completion_tokens, 6);
  });
}

Deno.test("SambaStudio: an unknown expert and a wrong key are HTTP errors with the server's message", async () => {
  await using s = await sim("sk-right");
  const url = `${s.origin}/api/v2/predict/generic/stream/p/e`;
  await using bad = createSambaStudioConnector({ url, model: "COE/Nope", apiKey: "sk-right" });
  await assert.rejects(collect(bad.stream(spec())), (e: RequestError) => {
    assert.equal(e.code, "HTTP_STATUS");
    assert.equal(e.httpStatus, 404);
    assert.match(e.bodyExcerpt!, /Expert 'Nope' is not part of this Composition of Experts endpoint/);
    return true;
  });
  await using wrongKey = createSambaStudioConnector({ url, model: "m", apiKey: "sk-wrong" });
  await assert.rejects(
    collect(wrongKey.stream(spec())),
    (e: RequestError) => e.httpStatus === 401 && !e.message.includes("sk-wrong"),
  );
});

Deno.test("SambaStudio stream split at every byte, with a usage block of zeros", async () => {
  const last = {
    stream_token: "",
    is_last_response: true,
    completion: "ab",
    prompt_tokens_count: 0,
    completion_tokens_count: 0,
    time_to_first_token: 0,
    total_latency: 0,
    batch_size_used: 0,
  };
  const text = [
    JSON.stringify({ result: { responses: [{ stream_token: "a", is_last_response: false }] } }),
    JSON.stringify({ result: { responses: [{ stream_token: "b", is_last_response: false }] } }),
    JSON.stringify({ result: { responses: [last] } }),
  ].join("\r\n") + "\r\n";
  await using server = startScriptedServer(() => ({
    pieces: [...text],
    gapMs: 0,
    headers: { "content-type": "application/json" },
  }));
  await using c = createSambaStudioConnector({ url: `${server.baseUrl}/api/predict/generic/stream/p/e`, model: "m" });
  const evs = await collect(c.stream(spec()));
  assert.deepEqual(texts(evs).map((e) => e.type === "delta" && e.content), ["a", "b"]);
  const trace = newTrace();
  for (const ev of evs) addEvent(trace, ev);
  const r = buildRecord(trace, { spec: spec(), runStart: 0, countTokens: () => 99 });
  assert.equal(r.outputTokens, 0, "a reported 0 is a value");
  assert.equal(r.serverTtftMs, 0);
  assert.equal(r.serverE2eMs, 0);
  assert.equal(r.serverBatchSize, 0);
  assert.equal(r.serverDecodeTokensPerS, undefined, "absent stays absent");
});

Deno.test("SambaStudio: a stream that ends before its last response is INCOMPLETE_STREAM", async () => {
  await using server = startScriptedServer(() => ({
    pieces: [JSON.stringify({ result: { responses: [{ stream_token: "a", is_last_response: false }] } }) + "\n"],
  }));
  await using c = createSambaStudioConnector({ url: `${server.baseUrl}/api/predict/generic/stream/p/e`, model: "m" });
  await assert.rejects(collect(c.stream(spec())), (e: RequestError) => e.code === "INCOMPLETE_STREAM");
});

Deno.test("SambaNova Cloud path of the simulator reports its timings in usage; ignore_eos is sent", async () => {
  await using s = await sim("sk-cloud");
  const config = parseRunConfig({
    llmApi: "sambanova",
    model: "llm-bench-sim",
    baseUrl: `${s.origin}/sambanova/v1`,
    apiKey: "sk-cloud",
    ignoreEos: true,
  });
  await using c = createConnector(config);
  const evs = await collect(c.stream(spec(0, 5)));
  const usage = usageOf(evs);
  for (
    const f of [
      "time_to_first_token",
      "total_latency",
      "completion_tokens_after_first_per_sec",
      "total_tokens_per_sec",
      "batch_size_used",
    ]
  ) {
    assert.equal(typeof usage[f], "number", f);
  }
  assert.equal(s.stats().lastBodies[0].ignore_eos, true);
});

Deno.test("a SambaStudio URL with chat/completions goes through the OpenAI-compatible connector", async () => {
  await using s = await sim();
  const config = parseRunConfig({
    llmApi: "sambastudio",
    model: "llm-bench-sim",
    baseUrl: `${s.origin}/v1/chat/completions`,
    apiKey: "k",
  });
  await using c = createConnector(config);
  assert.equal(c.endpoint, `${s.origin}/v1/chat/completions`);
  const evs = await collect(c.stream(spec(0, 3)));
  assert.equal(texts(evs).length, 3);
});
