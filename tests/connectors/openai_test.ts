import assert from "node:assert/strict";
import { createOpenAIConnector, endpointUrl } from "../../lib/connectors/openai.ts";
import type { StreamEvent } from "../../lib/connectors/types.ts";
import type { RequestError } from "../../lib/errors.ts";
import { startSimServer } from "../../lib/simulator/server.ts";
import { loadCorpus, quirkyStream, spec, startScriptedServer, testTokenizer } from "../_helpers.ts";

async function collect(gen: AsyncGenerator<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const ev of gen) out.push(ev);
  return out;
}

const text = (evs: StreamEvent[]) => evs.map((e) => (e.type === "delta" ? e.content : "")).join("");
const deltas = (evs: StreamEvent[]) => evs.filter((e) => e.type === "delta");

async function sim(params = {}) {
  return startSimServer({
    tokenizer: await testTokenizer(),
    corpus: await loadCorpus(),
    params: { jitter: 0, ...params },
  });
}

Deno.test("openai connector streams chat completions from the simulated endpoint with usage", async () => {
  await using server = await sim();
  await using c = createOpenAIConnector({ baseUrl: server.baseUrl, model: "llm-bench-sim" });
  const evs = await collect(c.stream(spec(0, 12)));
  assert.equal(evs[0].type, "start");
  assert.equal(evs[1].type, "response");
  assert.equal(evs.at(-1)!.type, "end");
  const usage = evs.find((e) => e.type === "usage");
  assert.ok(usage && usage.type === "usage");
  assert.equal(usage.usage.completion_tokens, 12);
  assert.equal(deltas(evs).filter((d) => d.type === "delta" && d.content !== "").length, 12);
  // times never go backwards
  for (let i = 1; i < evs.length; i++) assert.ok(evs[i].t >= evs[i - 1].t, `event ${i} earlier than ${i - 1}`);
});

Deno.test("openai connector speaks plain completions and batch mode", async () => {
  await using server = await sim();
  await using comp = createOpenAIConnector({
    baseUrl: server.baseUrl,
    model: "llm-bench-sim",
    endpoint: "completions",
  });
  const evs = await collect(comp.stream(spec(0, 5)));
  assert.equal(deltas(evs).filter((d) => d.type === "delta" && d.content !== "").length, 5);
  await using batch = createOpenAIConnector({ baseUrl: server.baseUrl, model: "llm-bench-sim", mode: "batch" });
  const b = await collect(batch.stream(spec(0, 7)));
  assert.equal(deltas(b).length, 1);
  assert.ok(text(b).length > 0);
  const usage = b.find((e) => e.type === "usage");
  assert.ok(usage?.type === "usage" && usage.usage.completion_tokens === 7);
});

Deno.test("openai connector sends model, max_tokens, stream_options, ignore_eos and extra fields", async () => {
  await using server = startScriptedServer(() => ({ pieces: quirkyStream(["a"]) }));
  await using c = createOpenAIConnector({
    baseUrl: server.baseUrl,
    model: "m1",
    ignoreEos: true,
    extraBody: { temperature: 0, max_tokens: 99 },
    apiKey: "sk-test",
  });
  await collect(c.stream(spec(0, 5, "hello")));
  const body = server.received[0];
  assert.equal(body.model, "m1");
  assert.equal(body.stream, true);
  assert.deepEqual(body.stream_options, { include_usage: true });
  assert.equal(body.ignore_eos, true);
  assert.equal(body.temperature, 0);
  assert.equal(body.max_tokens, 99); // extra fields win
  assert.deepEqual(body.messages, [{ role: "user", content: "hello" }]);
});

Deno.test("openai connector takes a role-only first chunk, usage-only last chunk, CRLF and comments", async () => {
  await using server = startScriptedServer(() => ({ pieces: quirkyStream(["Hel", "lo", " world"]) }));
  await using c = createOpenAIConnector({ baseUrl: server.baseUrl, model: "m" });
  const evs = await collect(c.stream(spec()));
  const ds = deltas(evs);
  assert.equal(ds.length, 4); // role-only + 3 text
  assert.equal(ds[0].type === "delta" && ds[0].content, "");
  assert.equal(text(evs), "Hello world");
  const usage = evs.find((e) => e.type === "usage");
  assert.ok(usage?.type === "usage" && usage.usage.prompt_tokens === 11);
});

Deno.test("openai connector takes reasoning deltas, text in the finish chunk, and no usage at all", async () => {
  const eol = "\n";
  const ev = (o: unknown) => `data:${JSON.stringify(o)}${eol}${eol}`;
  await using server = startScriptedServer(() => ({
    pieces: [
      ev({ choices: [{ delta: { reasoning_content: "hmm" }, finish_reason: null }] }),
      ev({ choices: [{ delta: { reasoning: "…" }, finish_reason: null }] }),
      ev({ choices: [{ delta: { content: "yes" }, finish_reason: "stop" }] }),
      "data: [DONE]\n\n",
    ],
  }));
  await using c = createOpenAIConnector({ baseUrl: server.baseUrl, model: "m" });
  const evs = await collect(c.stream(spec()));
  const ds = deltas(evs).map((d) => d.type === "delta" ? [d.content, d.reasoning, d.finishReason] : []);
  assert.deepEqual(ds, [["", "hmm", null], ["", "…", null], ["yes", "", "stop"]]);
  assert.equal(evs.some((e) => e.type === "usage"), false);
});

Deno.test("openai connector turns an error event mid-stream into SERVER_ERROR_EVENT", async () => {
  await using server = startScriptedServer(() => ({
    pieces: [
      'data: {"choices":[{"delta":{"content":"a"}}]}\n\n',
      'data: {"error":{"message":"model overloaded","code":503}}\n\n',
    ],
  }));
  await using c = createOpenAIConnector({ baseUrl: server.baseUrl, model: "m" });
  await assert.rejects(collect(c.stream(spec())), (e: RequestError) => {
    assert.equal(e.code, "SERVER_ERROR_EVENT");
    assert.match(e.message, /model overloaded/);
    return true;
  });
});

Deno.test("openai connector maps HTTP errors to codes with status and body excerpt", async () => {
  await using server = startScriptedServer((_b, n) => ({
    status: n === 0 ? 429 : 500,
    headers: { "content-type": "application/json" },
    pieces: [n === 0 ? '{"error":{"message":"slow down"}}' : "internal"],
  }));
  await using c = createOpenAIConnector({ baseUrl: server.baseUrl, model: "m" });
  await assert.rejects(collect(c.stream(spec())), (e: RequestError) => {
    assert.equal(e.code, "RATE_LIMITED");
    assert.equal(e.httpStatus, 429);
    assert.match(e.bodyExcerpt!, /slow down/);
    return true;
  });
  await assert.rejects(
    collect(c.stream(spec())),
    (e: RequestError) => e.code === "HTTP_STATUS" && e.httpStatus === 500,
  );
});

Deno.test("openai connector reports a refused connection as CONNECTION without the API key", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  await using c = createOpenAIConnector({
    baseUrl: `http://127.0.0.1:${port}/v1`,
    model: "m",
    apiKey: "sk-secret-123",
  });
  await assert.rejects(collect(c.stream(spec())), (e: RequestError) => {
    assert.equal(e.code, "CONNECTION");
    assert.ok(!e.message.includes("sk-secret-123"));
    return true;
  });
});

Deno.test("openai connector is aborted by its signal", async () => {
  await using server = await sim({ decodeBaseMs: 50 });
  await using c = createOpenAIConnector({ baseUrl: server.baseUrl, model: "llm-bench-sim" });
  const ac = new AbortController();
  const gen = c.stream(spec(0, 100), { signal: ac.signal });
  let n = 0;
  await assert.rejects(
    (async () => {
      for await (const ev of gen) {
        if (ev.type === "delta" && ev.content && ++n === 2) ac.abort(new DOMException("stop", "AbortError"));
      }
    })(),
    (e: RequestError) => e.code === "ABORTED",
  );
});

Deno.test("openai connector reuses pooled keep-alive connections", async () => {
  await using server = await sim({ decodeBaseMs: 1, prefillBaseMs: 1 });
  await using c = createOpenAIConnector({ baseUrl: server.baseUrl, model: "llm-bench-sim" });
  for (let round = 0; round < 10; round++) {
    await Promise.all([0, 1].map((i) => collect(c.stream(spec(i, 3)))));
  }
  const stats = server.stats();
  assert.equal(stats.requests, 20);
  // llm-bench's client hands a connection back to its pool as soon as the body's last byte is read, so two slots use
  // exactly two connections; a client without pooling would open 20.
  assert.equal(stats.connections, 2, `20 requests, 2 at a time, used ${stats.connections} connections`);
  assert.deepEqual({ ...c.httpClient?.stats }, { connectionsOpened: 2, requests: 20, reused: 18 });
});

Deno.test("openai connector reports a stream cut before [DONE] and any finish_reason as INCOMPLETE_STREAM", async () => {
  await using server = startScriptedServer(() => ({ pieces: ['data: {"choices":[{"delta":{"content":"a"}}]}\n\n'] }));
  await using c = createOpenAIConnector({ baseUrl: server.baseUrl, model: "m" });
  await assert.rejects(collect(c.stream(spec())), (e: RequestError) => e.code === "INCOMPLETE_STREAM");
});

Deno.test("a base URL with a query string keeps it after the path (Azure-style api-version)", async () => {
  await using server = startSimServer({
    tokenizer: await testTokenizer(),
    corpus: await loadCorpus(),
    params: { jitter: 0 },
  });
  await using c = createOpenAIConnector({
    baseUrl: `${server.baseUrl}?api-version=2024-10-21`,
    model: "llm-bench-sim",
  });
  assert.equal(c.endpoint, `${server.baseUrl}/chat/completions?api-version=2024-10-21`);
  const events: StreamEvent[] = [];
  for await (const ev of c.stream(spec(0, 4))) events.push(ev);
  const response = events.find((e) => e.type === "response");
  assert.equal(
    response?.type === "response" ? response.status : null,
    200,
    "the path was found: the query did not break it",
  );
  assert.equal(endpointUrl("http://h/v1/", "/models"), "http://h/v1/models");
});
