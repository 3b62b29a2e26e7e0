import assert from "node:assert/strict";
import { startSimServer } from "../../lib/simulator/server.ts";
import { loadCorpus, testTokenizer } from "../_helpers.ts";

async function sim(over: Record<string, unknown> = {}, apiKey?: string, httpServer: "deno" | "h1" = "deno") {
  return startSimServer({
    tokenizer: await testTokenizer(),
    corpus: await loadCorpus(),
    params: { jitter: 0, ...over },
    apiKey,
    httpServer,
  });
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

for (const httpServer of ["deno", "h1"] as const) {
  Deno.test(`simulated endpoint lists its model and labels responses simulated (${httpServer} server)`, async () => {
    await using s = await sim({ model: "my-model" }, undefined, httpServer);
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
}

for (const httpServer of ["deno", "h1"] as const) {
  Deno.test(`simulated endpoint streams SSE with usage only when asked, then [DONE] (${httpServer} server)`, async () => {
    await using s = await sim({}, undefined, httpServer);
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
}

for (const httpServer of ["deno", "h1"] as const) {
  Deno.test(`simulated endpoint answers errors like a real server (${httpServer} server)`, async () => {
    await using s = await sim({}, "sk-sim", httpServer);
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
}

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

Deno.test("h1 server: the chunk log's send times are taken just before each write; keep-alive; chunked request bodies", async () => {
  await using s = await sim({ decodeBaseMs: 5, prefillBaseMs: 10 }, undefined, "h1");
  const log = await startSimServer({
    tokenizer: await testTokenizer(),
    corpus: await loadCorpus(),
    params: { jitter: 0, decodeBaseMs: 5, prefillBaseMs: 10 },
    httpServer: "h1",
    logChunks: true,
  });
  try {
    // Two requests on one kept-alive connection, read with Deno's fetch (a client independent of ours).
    const client = Deno.createHttpClient({});
    const arrivals: number[][] = [];
    for (const id of ["7", "8"]) {
      const res = await fetch(`${log.baseUrl}/chat/completions`, {
        method: "POST",
        client,
        headers: { "content-type": "application/json", "x-request-id": id },
        body: JSON.stringify({
          model: "llm-bench-sim",
          messages: [{ role: "user", content: "hi" }],
          max_tokens: 5,
          stream: true,
        }),
      } as RequestInit);
      const reader = res.body!.getReader();
      const times: number[] = [];
      const dec = new TextDecoder();
      for (;;) {
        const { value, done } = await reader.read();
        const t = performance.timeOrigin + performance.now();
        if (done) break;
        for (const ev of dec.decode(value).split("\n\n")) if (/"content":"[^"]/.test(ev)) times.push(t);
      }
      arrivals.push(times);
    }
    client.close();
    const entries = await (await fetch(`${log.origin}/debug/chunk-log`)).json();
    for (const [i, id] of ["7", "8"].entries()) {
      const e = entries[id];
      assert.equal(e.sends.length, 5, "one logged send per text chunk");
      assert.ok(e.end >= e.sends[4]);
      for (let k = 0; k < 5; k++) {
        if (k > 0) assert.ok(e.sends[k] > e.sends[k - 1]);
        assert.ok(e.sends[k] >= e.arrival);
        // Sent (logged) before the client read it, and not long before: the log is of the write, not of a plan.
        if (arrivals[i][k] !== undefined) assert.ok(arrivals[i][k] >= e.sends[k], `chunk ${k} read before it was sent`);
      }
    }
    assert.equal(log.stats().connections, 1, "both requests came on one kept-alive connection");
  } finally {
    await log.close();
  }
  // A chunked request body, by hand.
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
  const body = JSON.stringify({ model: "llm-bench-sim", prompt: "x", max_tokens: 2 });
  await conn.write(new TextEncoder().encode(
    `POST /v1/completions HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n` +
      `5\r\n${body.slice(0, 5)}\r\n${(body.length - 5).toString(16)}\r\n${body.slice(5)}\r\n0\r\n\r\n`,
  ));
  let text = "";
  const buf = new Uint8Array(4096);
  for (;;) {
    const n = await conn.read(buf);
    if (n === null) break;
    text += new TextDecoder().decode(buf.subarray(0, n));
  }
  conn.close();
  assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(text, /"completion_tokens":2/);
});

for (const httpServer of ["deno", "h1"] as const) {
  Deno.test(`simulated endpoint warms itself up without a trace: no count, no log, no fault used (${httpServer})`, async () => {
    await using s = startSimServer({
      tokenizer: await testTokenizer(),
      corpus: await loadCorpus(),
      params: { jitter: 0, prefillBaseMs: 1, decodeBaseMs: 1, faults: { plan: ["status-500", "none"] } },
      httpServer,
      logChunks: true,
    });
    const answered = await s.warm({ requests: 24, concurrency: 8 });
    assert.equal(answered, 24, "every warm-up request answered, whatever the fault plan says");
    assert.equal(s.stats().requests, 0);
    assert.deepEqual(s.stats().lastBodies, []);
    const log = await (await fetch(`${s.origin}/debug/chunk-log`)).json();
    assert.deepEqual(log, {}, "nothing logged");
    // The plan starts with the first real request: a 500, then a normal answer.
    const first = await post(`${s.baseUrl}/chat/completions`, {
      model: "llm-bench-sim",
      messages: [{ role: "user", content: "Hi" }],
      max_tokens: 2,
    });
    assert.equal(first.status, 500);
    await first.body?.cancel();
    const second = await post(`${s.baseUrl}/completions`, { model: "llm-bench-sim", prompt: "Hi", max_tokens: 2 });
    assert.equal(second.status, 200);
    assert.equal((await second.json()).usage.completion_tokens, 2);
    assert.equal(s.stats().requests, 2);
  });
}

Deno.test("simulated endpoint (h1 server): a body that is JSON but not an object is a 400, not a crash", async () => {
  await using s = await sim({}, undefined, "h1");
  const res = await post(`${s.baseUrl}/chat/completions`, [1, 2]);
  assert.equal(res.status, 400);
  assert.match((await res.json()).error.message, /must be a JSON object/);
});

Deno.test("the simulator serves /metrics in Prometheus text with vLLM's names, from its engine's state", async () => {
  await using sim = startSimServer({ tokenizer: await testTokenizer(), corpus: await loadCorpus() });
  const body = { model: "llm-bench-sim", messages: [{ role: "user", content: "one two three" }], max_tokens: 7 };
  for (let i = 0; i < 2; i++) {
    await (await fetch(`${sim.baseUrl}/chat/completions`, { method: "POST", body: JSON.stringify(body) })).text();
  }
  const res = await fetch(`${sim.origin}/metrics`);
  assert.match(res.headers.get("content-type")!, /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  assert.match(text, /^# TYPE vllm:num_requests_running gauge$/m);
  assert.match(text, /^vllm:generation_tokens_total\{model_name="llm-bench-sim",engine="0"\} 14$/m);
  assert.match(text, /^vllm:time_to_first_token_seconds_count\{model_name="llm-bench-sim",engine="0"\} 2$/m);
  assert.match(text, /^vllm:kv_cache_usage_perc\{model_name="llm-bench-sim",engine="0"\} 0$/m, "nothing held now");
});
