// The simulated endpoint's prefix cache: a shared prefix is found, a different one is not, the cache stays bounded;
// end to end, a trace whose requests share hash ids gets cached tokens reported and a lower TTFT, and a shared
// prefix of a dataset does the same.
import assert from "node:assert/strict";
import { BLOCK_CHARS, createPrefixCache } from "../../lib/simulator/prefix_cache.ts";
import { benchmark } from "../../mod.ts";

Deno.test("prefix cache: leading blocks found once cached, a different start is not, bounded by its capacity", () => {
  const cache = createPrefixCache(8);
  const a = "x".repeat(BLOCK_CHARS * 4);
  assert.equal(cache.admit(a, 400), 0, "cold");
  assert.equal(cache.admit(a, 400), 400, "all four blocks cached");
  assert.equal(cache.admit(a.slice(0, BLOCK_CHARS * 2) + "y".repeat(BLOCK_CHARS * 2), 400), 200, "the shared half");
  assert.equal(cache.admit("y" + a, 400), 0, "the same text one character later is another prefix");
  for (let i = 0; i < 10; i++) cache.admit(String(i).repeat(BLOCK_CHARS * 3), 300);
  assert.ok(cache.size <= 8);
  assert.equal(createPrefixCache(0).admit(a, 400), 0, "off");
});

Deno.test("a trace replayed on its timestamps: shared hash ids are cached tokens with a lower TTFT", async () => {
  const dir = await Deno.makeTempDir();
  const row = (timestamp: number, hash_ids: number[]) =>
    JSON.stringify({ timestamp, input_length: 2000, output_length: 4, hash_ids });
  await Deno.writeTextFile(
    `${dir}/trace.jsonl`,
    [row(0, [1, 2, 3, 4]), row(400, [1, 2, 3, 4]), row(800, [5, 6, 7, 8])].join("\n"),
  );
  const r = await benchmark({
    dataset: `${dir}/trace.jsonl`,
    traceBlockTokens: 500,
    // Slow prefill, so what the cache saves shows: 2,000 tokens take 400 ms.
    sim: { prefillTokensPerS: 5000, jitter: 0 },
  }, { writeFiles: false });
  const [first, again, other] = [...r.records].sort((a, b) => a.index - b.index);
  assert.deepEqual([first.datasetLine, again.datasetLine, other.datasetLine], [1, 2, 3]);
  // On the trace's timestamps.
  assert.deepEqual([first, again, other].map((x) => x.scheduledOffsetMs), [0, 400, 800]);
  assert.equal(first.cachedInputTokens, 0);
  assert.ok(again.cachedInputTokens! > 1800, `cached ${again.cachedInputTokens}`);
  assert.equal(other.cachedInputTokens, 0);
  assert.ok(again.ttftMs! < first.ttftMs! - 250, `TTFT ${again.ttftMs} vs ${first.ttftMs}`);
  assert.equal(r.summary.dataset?.format, "mooncake");
  assert.ok(r.summary.cache!.hitShare! > 0.25 && r.summary.cache!.requestsWithHits === 1);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a shared prefix lowers TTFT on the simulator: its tokens are cached after the first request", async () => {
  const common = {
    meanInputTokens: 2000,
    stddevInputTokens: 0,
    meanOutputTokens: 4,
    stddevOutputTokens: 0,
    maxNumCompletedRequests: 8,
    numConcurrentRequests: 1,
    sim: { prefillTokensPerS: 5000, jitter: 0 },
  };
  const plain = await benchmark(common, { writeFiles: false });
  const shared = await benchmark({ ...common, sharedPrefixTokens: 1500 }, { writeFiles: false });
  const later = shared.records.filter((r) => r.index > 0);
  assert.ok(later.every((r) => r.cachedInputTokens! > 1300), later.map((r) => r.cachedInputTokens).join(","));
  assert.ok(plain.records.every((r) => (r.cachedInputTokens ?? 0) < 100), "no shared prefix: (almost) nothing cached");
  assert.ok(
    shared.summary.metrics.ttftMs.p50! < plain.summary.metrics.ttftMs.p50! - 150,
    `TTFT p50 ${shared.summary.metrics.ttftMs.p50} vs ${plain.summary.metrics.ttftMs.p50}`,
  );
  assert.match(String(shared.summary.config.sharedPrefixTokens), /^1500$/);
});
