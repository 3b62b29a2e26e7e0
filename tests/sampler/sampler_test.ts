import assert from "node:assert/strict";
import { ConfigError } from "../../lib/errors.ts";
import { buildCorpusTable, loadCorpusTable } from "../../lib/sampler/corpus.ts";
import { createSampler, createTableSampler } from "../../lib/sampler/sampler.ts";
import { createPrng } from "../../lib/sampler/prng.ts";
import { loadCorpus, testTokenizer } from "../_helpers.ts";

const opts = { meanInputTokens: 300, stddevInputTokens: 80, meanOutputTokens: 100, stddevOutputTokens: 30, seed: 7 };

Deno.test("sampler: the same seed gives the same requests; another seed other requests", async () => {
  const tok = await testTokenizer();
  const corpus = await loadCorpus();
  const a = createSampler(opts, tok, corpus);
  const b = createSampler(opts, tok, corpus);
  const c = createSampler({ ...opts, seed: 8 }, tok, corpus);
  const xs = Array.from({ length: 20 }, () => a.next());
  const ys = Array.from({ length: 20 }, () => b.next());
  const zs = Array.from({ length: 20 }, () => c.next());
  assert.deepEqual(xs, ys);
  assert.notDeepEqual(xs.map((x) => x.prompt), zs.map((z) => z.prompt));
  assert.deepEqual(xs.map((x) => x.index), [...Array(20).keys()]);
});

Deno.test("sampler: every prompt has exactly the drawn number of tokens", async () => {
  const tok = await testTokenizer();
  const s = createSampler({ ...opts, meanInputTokens: 800, stddevInputTokens: 400 }, tok, await loadCorpus());
  for (let i = 0; i < 100; i++) {
    const r = s.next();
    assert.equal(r.promptTokens, r.requestedInputTokens, `request ${i}`);
    assert.equal(tok.count(r.prompt), r.requestedInputTokens, `request ${i} recounted`);
    assert.ok(r.requestedInputTokens >= s.minInputTokens);
    assert.ok(r.maxTokens >= 1);
    assert.match(r.prompt, new RegExp(`until you have written ${r.maxTokens} tokens`));
  }
});

Deno.test("sampler: prompts longer than the corpus wrap around it", async () => {
  const tok = await testTokenizer();
  const s = createSampler({ ...opts, meanInputTokens: 9000, stddevInputTokens: 0 }, tok, await loadCorpus());
  const r = s.next();
  assert.equal(r.promptTokens, 9000);
});

Deno.test("sampler: lengths follow Normal(mean, stddev)", async () => {
  const tok = await testTokenizer();
  const s = createSampler(
    { ...opts, meanInputTokens: 200, stddevInputTokens: 20, stddevOutputTokens: 10 },
    tok,
    await loadCorpus(),
  );
  const rs = Array.from({ length: 400 }, () => s.next());
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const inMean = mean(rs.map((r) => r.requestedInputTokens));
  const outMean = mean(rs.map((r) => r.maxTokens));
  assert.ok(Math.abs(inMean - 200) < 4, `input mean ${inMean}`);
  assert.ok(Math.abs(outMean - 100) < 2, `output mean ${outMean}`);
  const sd = Math.sqrt(mean(rs.map((r) => (r.requestedInputTokens - inMean) ** 2)));
  assert.ok(sd > 16 && sd < 24, `input stddev ${sd}`);
});

Deno.test("sampler: a mean input length below the instruction's own length is a ConfigError", async () => {
  const tok = await testTokenizer();
  assert.throws(
    () => createSampler({ ...opts, meanInputTokens: 5 }, tok, "some corpus text ".repeat(20)),
    (e: Error) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /^meanInputTokens: must be ≥ \d+/);
      return true;
    },
  );
});

Deno.test("prng: seeded uniform and normal draws repeat", () => {
  const a = createPrng(1);
  const b = createPrng(1);
  for (let i = 0; i < 50; i++) assert.equal(a.normal(0, 1), b.normal(0, 1));
  const u = Array.from({ length: 1000 }, () => a.next());
  assert.ok(u.every((x) => x >= 0 && x < 1));
  assert.equal(createPrng(3).normal(5, 0), 5);
});

Deno.test("table sampler: every prompt has exactly the drawn token count, by the tokenizer itself, long ones too", async () => {
  const tokenizer = await testTokenizer();
  const table = await loadCorpusTable();
  for (const [mean, stddev] of [[550, 150], [60, 10], [5000, 3000]] as const) {
    const sampler = createTableSampler(
      { meanInputTokens: mean, stddevInputTokens: stddev, meanOutputTokens: 150, stddevOutputTokens: 60, seed: mean },
      table,
    );
    for (let i = 0; i < 150; i++) {
      const spec = sampler.next();
      assert.equal(tokenizer.count(spec.prompt), spec.promptTokens, `draw ${i} at mean ${mean}`);
      assert.equal(spec.promptTokens, spec.requestedInputTokens);
    }
  }
  // Longer than the corpus (3,419 tokens): the cut wraps around it and still adds up.
  const long = createTableSampler(
    { meanInputTokens: 9000, stddevInputTokens: 0, meanOutputTokens: 5, stddevOutputTokens: 0, seed: 1 },
    table,
  ).next();
  assert.equal(tokenizer.count(long.prompt), 9000);
});

Deno.test("table sampler: the same seed gives the same requests; a length below the instruction is a ConfigError", async () => {
  const table = await loadCorpusTable();
  const options = {
    meanInputTokens: 300,
    stddevInputTokens: 80,
    meanOutputTokens: 100,
    stddevOutputTokens: 20,
    seed: 4,
  };
  const a = createTableSampler(options, table);
  const b = createTableSampler(options, table);
  for (let i = 0; i < 20; i++) assert.deepEqual(a.next(), b.next());
  assert.throws(
    () => createTableSampler({ ...options, meanInputTokens: 10 }, table),
    (e: Error) => e instanceof ConfigError && e.field === "meanInputTokens",
  );
});

Deno.test("the shipped corpus table is the bundled tokenizer's cut of data/sonnets.txt (deno task corpus:table)", async () => {
  const fresh = buildCorpusTable(await testTokenizer(), await loadCorpus());
  assert.deepEqual(await loadCorpusTable(), fresh);
});
