import assert from "node:assert/strict";
import { createChatSession } from "../../lib/chat/session.ts";
import { renderChatTemplate, templateFamily } from "../../lib/chat/template.ts";
import type { Connector, StreamEvent } from "../../lib/connectors/types.ts";
import { buildRecord } from "../../lib/metrics/request_metrics.ts";
import { addEvent, newTrace } from "../../lib/metrics/trace.ts";
import { startSimServer } from "../../lib/simulator/server.ts";
import { loadCorpus, spec, testTokenizer } from "../_helpers.ts";

async function sim() {
  return startSimServer({
    tokenizer: await testTokenizer(),
    corpus: await loadCorpus(),
    params: { jitter: 0, decodeBaseMs: 2 },
  });
}

Deno.test("chat keeps the conversation: the third request carries the first two turns", async () => {
  await using s = await sim();
  await using chat = await createChatSession({
    llmApi: "openai",
    baseUrl: s.baseUrl,
    model: "llm-bench-sim",
    maxTokens: 50,
    system: "Be brief.",
  }, {
    tokenizer: await testTokenizer(),
  });
  const a1 = await chat.ask("First question?");
  const a2 = await chat.ask("Second question?");
  await chat.ask("Third question?");
  const third = s.stats().lastBodies[2].messages as { role: string; content: string }[];
  assert.deepEqual(third.map((m) => m.role), ["system", "user", "assistant", "user", "assistant", "user"]);
  assert.deepEqual(third.map((m) => m.content), [
    "Be brief.",
    "First question?",
    a1.answer,
    "Second question?",
    a2.answer,
    "Third question?",
  ]);
  assert.equal(chat.turns.length, 3);
  assert.ok(chat.turns.every((t) => t.status === "ok" && t.metrics.outputTokens === 50));
  assert.ok(chat.turns[2].metrics.inputTokens! > chat.turns[0].metrics.inputTokens!, "input grows with the history");
});

Deno.test("reset forgets the conversation but keeps the system prompt", async () => {
  await using s = await sim();
  await using chat = await createChatSession({
    llmApi: "openai",
    baseUrl: s.baseUrl,
    model: "llm-bench-sim",
    maxTokens: 50,
    system: "S",
  }, {
    tokenizer: await testTokenizer(),
  });
  await chat.ask("one");
  chat.reset();
  assert.deepEqual(chat.history, [{ role: "system", content: "S" }]);
  assert.equal(chat.turns.length, 0);
  await chat.ask("two");
  assert.deepEqual((s.stats().lastBodies[1].messages as unknown[]).length, 2);
});

Deno.test("an answer's metrics are the benchmark metric code's, for the same timestamps", async () => {
  const events: StreamEvent[] = [
    { type: "start", t: 1000 },
    { type: "response", t: 1005, status: 200, simulated: false },
    { type: "delta", t: 1010, content: "", reasoning: "", finishReason: null },
    { type: "delta", t: 1100, content: "Hello", reasoning: "", finishReason: null },
    { type: "delta", t: 1120, content: " there", reasoning: "", finishReason: null },
    { type: "delta", t: 1150, content: " friend", reasoning: "", finishReason: "stop" },
    { type: "usage", t: 1160, usage: { prompt_tokens: 9, completion_tokens: 3 } },
    { type: "end", t: 1160 },
  ];
  const scripted: Connector = {
    api: "openai",
    endpoint: "scripted",
    async *stream() {
      for (const ev of events) yield ev;
    },
    close: () => Promise.resolve(),
    [Symbol.asyncDispose]: () => Promise.resolve(),
  };
  await using chat = await createChatSession({
    llmApi: "openai",
    baseUrl: "http://unused/v1",
    model: "m",
    maxTokens: 50,
  }, {
    tokenizer: await testTokenizer(),
    connector: scripted,
  });
  const streamed: string[] = [];
  const turn = await chat.ask("hi", { onText: (t) => streamed.push(t) });
  assert.deepEqual(streamed, ["Hello", " there", " friend"]);
  const trace = newTrace();
  for (const ev of events) addEvent(trace, ev);
  const expected = buildRecord(trace, { spec: spec(), runStart: 0, countTokens: () => 0 });
  assert.equal(turn.metrics.ttftS, expected.ttftMs! / 1000);
  assert.equal(turn.metrics.latencyS, expected.e2eMs! / 1000);
  assert.equal(turn.metrics.tpotMs, expected.tpotMs);
  assert.equal(turn.metrics.throughputTokensPerS, expected.outputTokensPerS);
  assert.equal(turn.metrics.ttftS, 0.1);
  assert.equal(turn.metrics.latencyS, 0.16);
  assert.equal(turn.metrics.tpotMs, 30);
  assert.equal(turn.metrics.outputTokens, 3);
  assert.equal(turn.metrics.outputTokenSource, "server");
});

Deno.test("aborting mid-answer records the turn as aborted and leaves the session usable", async () => {
  await using s = startSimServer({
    tokenizer: await testTokenizer(),
    corpus: await loadCorpus(),
    params: { jitter: 0, decodeBaseMs: 30 },
  });
  await using chat = await createChatSession({
    llmApi: "openai",
    baseUrl: s.baseUrl,
    model: "llm-bench-sim",
    maxTokens: 200,
  }, {
    tokenizer: await testTokenizer(),
  });
  const ac = new AbortController();
  let pieces = 0;
  const turn = await chat.ask("long answer please", {
    signal: ac.signal,
    onText: () => {
      if (++pieces === 3) ac.abort(new DOMException("stop", "AbortError"));
    },
  });
  assert.equal(turn.status, "aborted");
  assert.equal(turn.error?.code, "ABORTED");
  assert.deepEqual(chat.history, [], "an aborted question does not join the conversation");
  const next = await chat.ask("short one", { signal: AbortSignal.timeout(30_000) });
  assert.equal(next.status, "ok");
  assert.equal(next.turn, 2);
  assert.equal(chat.history.length, 2);
});

Deno.test("APIs that take a raw prompt get the conversation through the model family's chat template", async () => {
  await using s = await sim();
  await using chat = await createChatSession({
    llmApi: "sambastudio",
    baseUrl: `${s.origin}/api/v2/predict/generic/stream/p/e`,
    apiKey: "k",
    model: "COE/Meta-Llama-3.1-8B-Instruct",
    maxTokens: 50,
  }, { tokenizer: await testTokenizer() });
  const first = await chat.ask("Hello?");
  await chat.ask("Again?");
  const prompt = (s.stats().lastBodies[1].items as { value: string }[])[0].value;
  assert.equal(
    prompt,
    renderChatTemplate([{ role: "user", content: "Hello?" }, { role: "assistant", content: first.answer }, {
      role: "user",
      content: "Again?",
    }], "llama3"),
  );
  assert.match(prompt, /<\|start_header_id\|>assistant<\|end_header_id\|>\n\n$/);
  assert.equal(chat.model, "Meta-Llama-3.1-8B-Instruct");
});

Deno.test("chat templates by family", () => {
  assert.equal(templateFamily("Meta-Llama-3.3-70B-Instruct"), "llama3");
  assert.equal(templateFamily("Mistral-7B-Instruct-V0.2"), "mistral");
  assert.equal(templateFamily("gpt-x"), "plain");
  assert.equal(
    renderChatTemplate([{ role: "system", content: "S" }, { role: "user", content: "Q" }, {
      role: "assistant",
      content: "A",
    }, { role: "user", content: "R" }], "mistral"),
    "<s>[INST] S\n\nQ [/INST] A</s>[INST] R [/INST]",
  );
  assert.equal(renderChatTemplate([{ role: "user", content: "Q" }], "plain"), "User: Q\n\nAssistant:");
});

Deno.test("chat configuration errors are one line before anything is sent", async () => {
  await assert.rejects(createChatSession({ maxTokens: 0 }), /maxTokens: must be ≥ 1 \(got 0\)/);
  await assert.rejects(createChatSession({ maxTokens: 4096 }), /maxTokens: must be ≤ 2048/);
  await assert.rejects(createChatSession({ llmApi: "openai", baseUrl: "http://h/v1" }), /model: is required/);
  await assert.rejects(createChatSession({ temperature: 3 }), /temperature: must be ≤ 2/);
});

Deno.test("a failed answer keeps what a benchmark record keeps: status, server message, body excerpt, Retry-After", async () => {
  await using chat = await createChatSession(
    { maxTokens: 50, sim: { jitter: 0, decodeBaseMs: 1, faults: { plan: ["status-429", "none"], retryAfterS: 3 } } },
    { tokenizer: await testTokenizer() },
  );
  const failed = await chat.ask("First?");
  assert.equal(failed.status, "error");
  assert.equal(failed.error?.code, "RATE_LIMITED");
  assert.equal(failed.error?.httpStatus, 429);
  assert.equal(failed.error?.retryAfterS, 3);
  assert.match(failed.error?.bodyExcerpt ?? "", /Rate limit exceeded/);
  assert.equal(chat.history.length, 0, "a failed turn does not join the conversation");
  const ok = await chat.ask("Second?");
  assert.equal(ok.status, "ok");
  assert.equal(ok.metrics.outputTokens, 50);
});

Deno.test("stopping reading an answer early ends its request", async () => {
  let aborted = false;
  const connector: Connector = {
    api: "scripted",
    endpoint: "scripted",
    async *stream(_spec, options) {
      const t = performance.now();
      yield { type: "start", t };
      yield { type: "response", t, status: 200, simulated: false };
      yield { type: "delta", t, content: "first", reasoning: "", finishReason: null };
      // The rest never comes unless the request is ended; a guard fails the test instead of hanging it.
      await new Promise<void>((resolve, reject) => {
        const guard = setTimeout(() => reject(new Error("the request was not ended")), 10_000);
        options?.signal?.addEventListener("abort", () => {
          aborted = true;
          clearTimeout(guard);
          resolve();
        }, { once: true });
      });
      options?.signal?.throwIfAborted();
    },
    close: () => Promise.resolve(),
    [Symbol.asyncDispose]: () => Promise.resolve(),
  };
  await using chat = await createChatSession({ maxTokens: 60 }, { tokenizer: await testTokenizer(), connector });
  const gen = chat.stream("Go on.");
  assert.deepEqual(await gen.next(), { value: "first", done: false });
  await gen.return(undefined as never);
  assert.ok(aborted, "the connector's signal was aborted");
  assert.equal(chat.turns.length, 0);
});

Deno.test("a chat session shows and serializes without its API key (a notebook cell that evaluates it)", async () => {
  await using s = await sim();
  await using chat = await createChatSession(
    { llmApi: "openai", baseUrl: s.baseUrl, model: "llm-bench-sim", apiKey: "sk-session-secret-77" },
    { tokenizer: await testTokenizer() },
  );
  assert.equal(chat.config.apiKeySet, true);
  assert.ok(!Deno.inspect(chat, { depth: 10 }).includes("sk-session-secret-77"));
  assert.ok(!JSON.stringify(chat).includes("sk-session-secret-77"));
  const turn = await chat.ask("Hi?");
  assert.equal(turn.status, "ok", "the session still works");
  assert.ok(!JSON.stringify(turn).includes("sk-session-secret-77"));
});
