// Dataset formats, detected from small files made here (never a download): each read as its format, every request
// keeping its line; bad files one line naming the file, the line and what is accepted.
import assert from "node:assert/strict";
import { parseDataset } from "../../lib/sampler/formats.ts";
import { loadDataset } from "../../lib/sampler/dataset.ts";
import { loadCorpus } from "../../lib/sampler/corpus.ts";
import { ConfigError } from "../../lib/errors.ts";
import { testTokenizer } from "../_helpers.ts";

const lines = (...rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join("\n") + "\n";

Deno.test("each format is detected from its first line and read as such", () => {
  const sharegpt = JSON.stringify([
    {
      conversations: [{ from: "system", value: "Be brief." }, { from: "human", value: "Hi?" }, {
        from: "gpt",
        value: "Hello there.",
      }],
    },
    {
      conversations: [{ from: "human", value: "Two?" }, { from: "gpt", value: "Yes." }, {
        from: "human",
        value: "More",
      }],
    },
  ]);
  const s = parseDataset("s.json", sharegpt);
  assert.equal(s.format, "sharegpt");
  assert.ok(s.format === "sharegpt");
  assert.deepEqual(s.items[0].messages, [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi?" }]);
  assert.equal(s.items[0].answer, "Hello there.");
  assert.equal(s.items[1].prompt, "Two?", "the first human turn");
  assert.equal(s.items[1].line, 2);
  // ShareGPT as JSONL too.
  assert.equal(parseDataset("s.jsonl", lines({ conversations: [{ from: "human", value: "x" }] })).format, "sharegpt");
  const chat = parseDataset(
    "c.jsonl",
    lines({ messages: [{ role: "user", content: "Q" }, { role: "assistant", content: "A a a" }] }),
  );
  assert.equal(chat.format, "openai-chat");
  assert.ok(chat.format === "openai-chat" && chat.items[0].answer === "A a a" && chat.items[0].messages!.length === 1);
  assert.equal(parseDataset("j.jsonl", lines({ prompt: "p", max_tokens: 5 })).format, "jsonl");
  const trace = parseDataset("t.jsonl", lines({ timestamp: 0, input_length: 10, output_length: 2, hash_ids: [1] }));
  assert.equal(trace.format, "mooncake");
});

Deno.test("bad datasets: one line naming the file, the line and what is accepted", () => {
  const bad: [string, string, RegExp][] = [
    [
      "x.jsonl",
      lines({ text: "hello" }),
      /^x\.jsonl:1: a line in no known format: expected llm-bench JSONL .*ShareGPT .*Mooncake/,
    ],
    [
      "s.json",
      JSON.stringify([{ conversations: [{ from: "human", value: "a" }] }, {
        conversations: [{ from: "gpt", value: "b" }],
      }]),
      /^s\.json:item 2: a ShareGPT conversation without a human turn/,
    ],
    [
      "t.jsonl",
      lines({ timestamp: 5, input_length: 10, output_length: 2, hash_ids: [1] }, {
        timestamp: 3,
        input_length: 10,
        output_length: 2,
        hash_ids: [1],
      }),
      /^t\.jsonl:2: timestamp 3 is before the line above's \(5\)/,
    ],
    [
      "t.jsonl",
      lines({ timestamp: -1, input_length: 10, output_length: 2, hash_ids: [1] }),
      /^t\.jsonl:1: timestamp -1 is negative/,
    ],
    [
      "t.jsonl",
      lines({ timestamp: 0, input_length: 10, output_length: 2, hash_ids: ["a"] }),
      /^t\.jsonl:1: expected a Mooncake trace line/,
    ],
    ["j.jsonl", lines({ prompt: "a" }, "not an object"), /^j\.jsonl:2: expected a JSON object/],
  ];
  for (const [path, text, want] of bad) {
    assert.throws(
      () => parseDataset(path, text),
      (e: unknown) => e instanceof ConfigError && want.test(e.detail),
      path,
    );
  }
});

Deno.test("recorded answers give the output lengths; a trace's prompts are its hash-id blocks", async () => {
  const tokenizer = await testTokenizer();
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/s.json`,
    JSON.stringify([
      {
        conversations: [{ from: "human", value: "Say hello." }, {
          from: "gpt",
          value: "Hello to you, and to everyone else here.",
        }],
      },
    ]),
  );
  const fromAnswers = await loadDataset(`${dir}/s.json`, tokenizer, { defaultMaxTokens: () => 99 });
  assert.equal(fromAnswers.requests[0].maxTokens, tokenizer.count("Hello to you, and to everyone else here."));
  assert.equal(fromAnswers.requests[0].datasetLine, 1);
  const sampled = await loadDataset(`${dir}/s.json`, tokenizer, { defaultMaxTokens: () => 99, sampledOutput: true });
  assert.equal(sampled.requests[0].maxTokens, 99, "--mean-output-tokens given: drawn, not the answer's");

  await Deno.writeTextFile(
    `${dir}/t.jsonl`,
    lines(
      { timestamp: 1000, input_length: 200, output_length: 5, hash_ids: [11, 12] },
      { timestamp: 1400, input_length: 150, output_length: 6, hash_ids: [11, 12] },
      { timestamp: 2000, input_length: 100, output_length: 7, hash_ids: [99] },
    ),
  );
  const t = await loadDataset(`${dir}/t.jsonl`, tokenizer, {
    defaultMaxTokens: () => 1,
    traceBlockTokens: 100,
    traceSpeed: 2,
    corpus: await loadCorpus(),
  });
  assert.equal(t.format, "mooncake");
  assert.deepEqual(t.schedule, [0, 200, 500], "timestamps from the first, at twice the speed");
  assert.deepEqual(t.requests.map((r) => r.maxTokens), [5, 6, 7]);
  assert.deepEqual(t.requests.map((r) => r.requestedInputTokens), [200, 150, 100]);
  for (const r of t.requests) {
    assert.ok(Math.abs(r.promptTokens - r.requestedInputTokens) <= 1, `${r.promptTokens} vs ${r.requestedInputTokens}`);
  }
  // The same hash ids are the same text: request 1 is request 0's prefix.
  assert.ok(t.requests[0].prompt.startsWith(t.requests[1].prompt.slice(0, 300)));
  assert.ok(!t.requests[2].prompt.startsWith(t.requests[0].prompt.slice(0, 50)));
  // hash_ids that cannot hold the input, or more than it needs.
  await Deno.writeTextFile(
    `${dir}/bad.jsonl`,
    lines({ timestamp: 0, input_length: 500, output_length: 5, hash_ids: [1] }),
  );
  await assert.rejects(
    () =>
      loadDataset(`${dir}/bad.jsonl`, tokenizer, { defaultMaxTokens: () => 1, traceBlockTokens: 100, corpus: "a b c" }),
    /bad\.jsonl:1: input_length 500 is longer than its 1 hash ids × 100 tokens/,
  );
  await Deno.writeTextFile(
    `${dir}/bad.jsonl`,
    lines({ timestamp: 0, input_length: 50, output_length: 5, hash_ids: [1, 2] }),
  );
  await assert.rejects(
    () =>
      loadDataset(`${dir}/bad.jsonl`, tokenizer, { defaultMaxTokens: () => 1, traceBlockTokens: 100, corpus: "a b c" }),
    /hash_ids longer than the input/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("each format is sent: ShareGPT and OpenAI chat without the recorded answer, with its length as max_tokens", async () => {
  const { benchmark } = await import("../../mod.ts");
  const { quirkyStream, startScriptedServer } = await import("../_helpers.ts");
  const tokenizer = await testTokenizer();
  await using server = startScriptedServer(() => ({ pieces: quirkyStream(["ok"]), gapMs: 1 }));
  const dir = await Deno.makeTempDir();
  const answer = "Four, as anyone who counts will tell you.";
  await Deno.writeTextFile(
    `${dir}/chat.jsonl`,
    lines({ messages: [{ role: "user", content: "2+2?" }, { role: "assistant", content: answer }] }),
  );
  await Deno.writeTextFile(
    `${dir}/sg.json`,
    JSON.stringify([{ conversations: [{ from: "human", value: "Hi" }, { from: "gpt", value: answer }] }]),
  );
  await Deno.writeTextFile(`${dir}/p.jsonl`, lines({ prompt: "Plain", max_tokens: 7 }));
  for (const [file, format] of [["chat.jsonl", "openai-chat"], ["sg.json", "sharegpt"], ["p.jsonl", "jsonl"]]) {
    const before = server.received.length;
    const r = await benchmark(
      { llmApi: "openai", baseUrl: server.baseUrl, model: "m", preflight: false, dataset: `${dir}/${file}` },
      { writeFiles: false },
    );
    assert.equal(r.summary.dataset?.format, format);
    assert.equal(r.records[0].datasetLine, 1);
    const body = server.received[before] as { messages: { role: string; content: string }[]; max_tokens: number };
    assert.ok(body.messages.every((m) => m.role !== "assistant"), `${file}: the recorded answer is not sent`);
    assert.equal(body.max_tokens, format === "jsonl" ? 7 : tokenizer.count(answer), file);
  }
  await Deno.remove(dir, { recursive: true });
});
