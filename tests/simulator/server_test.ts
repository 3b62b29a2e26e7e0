import assert from "node:assert/strict";
import { startSimServer } from "../../lib/simulator/server.ts";
import { loadCorpus, testTokenizer } from "../_helpers.ts";

async function sim(over: Record<string, unknown> = {}, apiKey?: string) {
  return startSimServer({
    tokenizer: await testTokenizer(),
    corpus: await loadCorpus(),
    params: { jitter: 0, ...over },
    apiKey,
  });
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

Deno.test("simulated endpoint lists its model and labels responses simulated", async () => {
  await using s = await sim({ model: "my-model" });
  const res = await fetch(`${s.baseUrl}/models`);
  const body = await res.json();
  assert.equal(body.data[0].id, "my-model");
  const r = await post(`${s.baseUrl}/chat/completions`, {
    model: "my-model",
    messages: [{ role: "user", content: "hi" }],
    max_tokens: 3,
  });
  assert.equal(r.headers.get("x-llm-bench-simulated"), "1");
  const j = await r.json();
  assert.equal(j.usage.completion_tokens, 3);
  assert.equal(j.usage.prompt_tokens, (await testTokenizer()).count("hi"));
  assert.equal(j.choices[0].message.role, "assistant");
});

Deno.test("simulated endpoint streams SSE with usage only when asked, then [DONE]", async () => {
  await using s = await sim();
  const body = { model: "llm-bench-sim", messages: [{ role: "user", content: "hi" }], max_tokens: 4, stream: true };
  const withUsage =
    await (await post(`${s.baseUrl}/chat/completions`, { ...body, stream_options: { include_usage: true } })).text();
  const without = await (await post(`${s.baseUrl}/chat/completions`, body)).text();
  const events = (t: string) => t.split("\n\n").filter(Boolean).map((e) => e.replace(/^data: /, ""));
  const a = events(withUsage);
  assert.equal(a.at(-1), "[DONE]");
  const usage = JSON.parse(a.at(-2)!);
  assert.deepEqual(usage.choices, []);
  assert.equal(usage.usage.completion_tokens, 4);
  assert.equal(JSON.parse(a[0]).choices[0].delta.role, "assistant"); // role-only first chunk, like vLLM
  assert.equal(JSON.parse(a[0]).choices[0].delta.content, "");
  assert.ok(events(without).every((e) => e === "[DONE]" || !JSON.parse(e).usage));
  assert.equal(JSON.parse(a.at(-3)!).choices[0].finish_reason, "length");
});

Deno.test("simulated endpoint answers errors like a real server", async () => {
  await using s = await sim({}, "sk-sim");
  const auth = { authorization: "Bearer sk-sim" };
  assert.equal((await post(`${s.baseUrl}/chat/completions`, {})).status, 401);
  const unknown = await post(`${s.baseUrl}/chat/completions`, {
    model: "nope",
    messages: [{ role: "user", content: "x" }],
  }, auth);
  assert.equal(unknown.status, 404);
  assert.match((await unknown.json()).error.message, /nope/);
  const bad = await post(`${s.baseUrl}/chat/completions`, { model: "llm-bench-sim", messages: [] }, auth);
  assert.equal(bad.status, 400);
  await bad.body?.cancel();
  const badMax = await post(`${s.baseUrl}/completions`, { model: "llm-bench-sim", prompt: "x", max_tokens: 0 }, auth);
  assert.equal(badMax.status, 400);
  await badMax.body?.cancel();
  const path = await post(`${s.baseUrl}/nothing`, {}, auth);
  assert.equal(path.status, 404);
  await path.body?.cancel();
});

Deno.test("simulated endpoint: TTFT follows prefill, per-token time follows the decode step", async () => {
  await using s = await sim({ prefillBaseMs: 60, prefillTokensPerS: 1e9, decodeBaseMs: 20, decodePerSeqMs: 0 });
  const t0 = performance.now();
  const res = await post(`${s.baseUrl}/completions`, {
    model: "llm-bench-sim",
    prompt: "x",
    max_tokens: 6,
    stream: true,
  });
  const reader = res.body!.getReader();
  const times: number[] = [];
  const dec = new TextDecoder();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const t = performance.now() - t0;
    for (const ev of dec.decode(value).split("\n\n")) if (ev.includes('"text"')) times.push(t);
  }
  assert.equal(times.length, 6);
  // Lower bounds only: timers never fire early; the upper side is the machine's business, not the model's.
  assert.ok(times[0] >= 59, `first token at ${times[0]} ms, prefill is 60 ms`);
  // The schedule is absolute, so a late read of the first token cannot hide the decode steps after it.
  assert.ok(times[5] >= 60 + 5 * 20 - 1, `6th token at ${times[5]} ms, prefill + 5 decode steps is 160 ms`);
});
