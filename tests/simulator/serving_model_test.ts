import assert from "node:assert/strict";
import { SimParamsSchema } from "../../lib/simulator/params.ts";
import { createServingModel } from "../../lib/simulator/serving_model.ts";

const exact = (over = {}) => SimParamsSchema.parse({ jitter: 0, ...over });

Deno.test("serving model: prefill time grows with input tokens", () => {
  const m = createServingModel(exact({ prefillBaseMs: 20, prefillTokensPerS: 10_000 }));
  assert.equal(m.prefillMs(0), 20);
  assert.equal(m.prefillMs(1000), 120);
  assert.equal(m.prefillMs(5000), 520);
});

Deno.test("serving model: decode step time grows with the sequences in the batch", async () => {
  const m = createServingModel(exact({ decodeBaseMs: 10, decodePerSeqMs: 0.5, maxBatch: 8 }));
  await m.admit();
  assert.equal(m.decodeStepMs(), 10.5);
  for (let i = 0; i < 3; i++) await m.admit();
  assert.equal(m.inBatch, 4);
  assert.equal(m.decodeStepMs(), 12);
});

Deno.test("serving model: beyond the maximum batch requests queue in order", async () => {
  const m = createServingModel(exact({ maxBatch: 2 }));
  await m.admit();
  await m.admit();
  const order: number[] = [];
  const third = m.admit().then(() => order.push(3));
  const fourth = m.admit().then(() => order.push(4));
  assert.equal(m.queued, 2);
  m.release();
  await third;
  assert.deepEqual(order, [3]);
  assert.equal(m.inBatch, 2);
  m.release();
  await fourth;
  assert.deepEqual(order, [3, 4]);
  m.release();
  m.release();
  assert.equal(m.inBatch, 0);
});

Deno.test("serving model: a request waiting for a slot can be abandoned", async () => {
  const m = createServingModel(exact({ maxBatch: 1 }));
  await m.admit();
  const ac = new AbortController();
  const waiting = m.admit(ac.signal);
  ac.abort(new Error("gone"));
  await assert.rejects(waiting, /gone/);
  assert.equal(m.queued, 0);
});

Deno.test("serving model: jitter is seeded and has mean ≈ 1", () => {
  const a = createServingModel(exact({ jitter: 0.1, seed: 7, prefillBaseMs: 100, prefillTokensPerS: 1e9 }));
  const b = createServingModel(exact({ jitter: 0.1, seed: 7, prefillBaseMs: 100, prefillTokensPerS: 1e9 }));
  const xs = Array.from({ length: 2000 }, () => a.prefillMs(0));
  const ys = Array.from({ length: 2000 }, () => b.prefillMs(0));
  assert.deepEqual(xs, ys);
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 100) < 2, `mean ${mean}`);
  assert.ok(new Set(xs).size > 1000);
});
