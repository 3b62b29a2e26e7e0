// The bootstrap's arithmetic: the weighted one-pass quantile equals the quantile of the expanded sample, and a seed
// fixes the interval.
import assert from "node:assert/strict";
import { bootstrapDifference, groupedSample, statisticOf } from "../../lib/compare/bootstrap.ts";
import { computeStatistics } from "../../lib/metrics/statistics.ts";
import { createPrng } from "../../lib/sampler/prng.ts";

Deno.test("statisticOf with weights = the statistic of the sample with each request repeated that often", () => {
  const prng = createPrng(7);
  for (let trial = 0; trial < 200; trial++) {
    const groups = Array.from(
      { length: 1 + prng.int(12) },
      () => Array.from({ length: prng.int(5) }, () => Math.round(prng.next() * 100) / 4),
    );
    const weights = Int32Array.from(groups, () => prng.int(4));
    const expanded = groups.flatMap((g, u) => Array.from({ length: weights[u] }, () => g).flat());
    const sample = groupedSample(groups);
    const want = computeStatistics(expanded);
    assert.equal(statisticOf(sample, "p50", weights), want.p50, `p50, trial ${trial}`);
    assert.equal(statisticOf(sample, "p90", weights), want.p90, `p90, trial ${trial}`);
    assert.equal(statisticOf(sample, "p99", weights), want.p99, `p99, trial ${trial}`);
    const mean = statisticOf(sample, "mean", weights);
    if (want.mean === null) assert.equal(mean, null);
    else assert.ok(Math.abs(mean! - want.mean) < 1e-9, `mean, trial ${trial}`);
    // Unweighted: the summary's own statistics.
    const plain = computeStatistics(groups.flat());
    assert.equal(statisticOf(sample, "p90"), plain.p90);
  }
});

Deno.test("the bootstrap on a fixed seed gives fixed numbers; another seed other numbers", () => {
  const prng = createPrng(3);
  const runA = groupedSample(Array.from({ length: 80 }, () => [50 + prng.next() * 20]));
  const runB = groupedSample(Array.from({ length: 80 }, () => [52 + prng.next() * 20]));
  const one = bootstrapDifference(runA, runB, "p50", { resamples: 1000, seed: 11 })!;
  const again = bootstrapDifference(runA, runB, "p50", { resamples: 1000, seed: 11 })!;
  const other = bootstrapDifference(runA, runB, "p50", { resamples: 1000, seed: 12 })!;
  assert.deepEqual(one, again);
  assert.notDeepEqual(one, other);
  assert.equal(one.resamples, 1000);
  assert.ok(one.low < one.high);
});

Deno.test("gaps are resampled by request: a request's gaps move together", () => {
  // Baseline: 40 requests, half all-fast, half all-slow. Resampling by request keeps that clustering, so the
  // interval of the mean is far wider than one that treated the 4,000 gaps as independent would be.
  const groups = Array.from({ length: 40 }, (_, i) => Array.from({ length: 100 }, () => (i % 2 ? 20 : 10)));
  const sample = groupedSample(groups);
  const ci = bootstrapDifference(sample, sample, "mean", { resamples: 2000, seed: 5 })!;
  // By request: the share of slow requests in a resample of 40 varies with sd √(0.25/40) ≈ 0.079 → ±10·1.96·0.079·√2.
  assert.ok(ci.high - ci.low > 3, `width ${ci.high - ci.low}`);
  // As 4,000 independent gaps the sd would be √(0.25/4000)·10·√2 ≈ 0.11 ms: an interval under 0.5 ms wide.
});
