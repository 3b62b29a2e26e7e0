import assert from "node:assert/strict";
import { parseRunConfig } from "../../lib/config/resolve.ts";
import { DEFAULT_CONCURRENCY, DEFAULT_REQUESTS, OPEN_LOOP_MAX_IN_FLIGHT } from "../../lib/config/schema.ts";
import { planRun } from "../../lib/plan/plan.ts";
import { startTokenizerWorker } from "../../lib/plan/tokenizer_worker.ts";
import { loadCorpusTable } from "../../lib/sampler/corpus.ts";
import { testTokenizer } from "../_helpers.ts";

Deno.test("planRun() resolves concurrency and request count from the run's shape", async () => {
  const tok = await testTokenizer();
  const closed = await planRun(parseRunConfig({}), tok);
  assert.equal(closed.concurrency, 8);
  assert.equal(closed.max, 40);
  assert.deepEqual([DEFAULT_CONCURRENCY, DEFAULT_REQUESTS, OPEN_LOOP_MAX_IN_FLIGHT], [8, 40, 100_000]);
  assert.equal(closed.schedule, undefined);
  const open = await planRun(parseRunConfig({ requestRate: 2, maxNumCompletedRequests: 5 }), tok);
  assert.equal(open.concurrency, 100_000, "no cap unless given");
  assert.equal(open.schedule?.length, 5);
  const capped = await planRun(
    parseRunConfig({ requestRate: 2, maxNumCompletedRequests: 5, numConcurrentRequests: 3 }),
    tok,
  );
  assert.equal(capped.concurrency, 3);
  const timed = await planRun(parseRunConfig({ durationS: 2, requestRate: 10 }), tok);
  assert.equal(timed.max, Infinity);
  assert.ok(timed.schedule!.length >= 30, "arrivals for the whole duration");
});

Deno.test("planRun() from the corpus table draws as the run asks: a million requests plan like forty", async () => {
  const table = await loadCorpusTable();
  const config = parseRunConfig({ maxNumCompletedRequests: 1_000_000, numConcurrentRequests: 4, seed: 3 });
  const plan = await planRun(config, table);
  assert.equal(plan.requests.length, 1_000_000);
  assert.equal(plan.max, 1_000_000);
  const first = plan.requests.at(0)!;
  assert.equal(first.index, 0);
  assert.equal(plan.requests.at(20_000)!.index, 20_000, "drawn on demand, in order");
  assert.deepEqual(plan.requests.at(0), first, "asked again after the kept window: drawn again, the same");
  assert.equal(plan.requests.at(1_000_000), undefined);
  // The same seed and flags give the same requests, however they are asked for.
  const again = await planRun(config, table);
  assert.deepEqual(again.requests.at(5), plan.requests.at(5));
  const timed = await planRun(parseRunConfig({ durationS: 1 }), table);
  assert.equal(timed.requests.length, Infinity);
  assert.equal(timed.requests.at(12_345)!.index, 12_345, "a duration-bound run never runs out of prompts");
});

Deno.test("a dataset's lines are counted with progress, in the tokenizer's worker too", async () => {
  const path = `${await Deno.makeTempDir()}/big.jsonl`;
  await Deno.writeTextFile(
    path,
    Array.from({ length: 2500 }, (_, i) => JSON.stringify({ prompt: `line ${i}` })).join("\n"),
  );
  const config = parseRunConfig({ dataset: path });
  const seen: [number, number][] = [];
  await planRun(config, await testTokenizer(), { onProgress: (done, total) => seen.push([done, total]) });
  assert.deepEqual(seen, [[1000, 2500], [2000, 2500], [2500, 2500]]);
  await using worker = await startTokenizerWorker();
  const relayed: number[] = [];
  const plan = await worker.plan(config, (done) => relayed.push(done));
  assert.equal(plan.requests.length, 2500);
  assert.deepEqual(relayed, [1000, 2000, 2500]);
});
