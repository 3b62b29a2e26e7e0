import assert from "node:assert/strict";
import { computeStatistics } from "../../lib/metrics/statistics.ts";

Deno.test("computeStatistics() interpolates quantiles linearly (numpy type 7)", () => {
  const s = computeStatistics([4, 1, 3, 2]);
  assert.equal(s.count, 4);
  assert.equal(s.min, 1);
  assert.equal(s.max, 4);
  assert.equal(s.mean, 2.5);
  assert.equal(s.p25, 1.75);
  assert.equal(s.p50, 2.5);
  assert.equal(s.p75, 3.25);
  assert.ok(Math.abs(s.p90! - 3.7) < 1e-12);
  assert.ok(Math.abs(s.p99! - 3.97) < 1e-12);
  assert.ok(Math.abs(s.p5! - 1.15) < 1e-12);
});

Deno.test("computeStatistics() uses the sample standard deviation (n − 1)", () => {
  const s = computeStatistics([2, 4, 4, 4, 5, 5, 7, 9]);
  assert.ok(Math.abs(s.stddev! - Math.sqrt(32 / 7)) < 1e-12);
});

Deno.test("computeStatistics() of one value has no stddev and every quantile equal to it", () => {
  const s = computeStatistics([7]);
  assert.equal(s.count, 1);
  assert.equal(s.stddev, null);
  assert.equal(s.p5, 7);
  assert.equal(s.p99, 7);
});

Deno.test("computeStatistics() of nothing gives count 0 and nulls; non-finite values are ignored", () => {
  const empty = computeStatistics([]);
  assert.equal(empty.count, 0);
  assert.equal(empty.mean, null);
  assert.equal(empty.p50, null);
  const s = computeStatistics([1, null, NaN, Infinity, 3, undefined]);
  assert.equal(s.count, 2);
  assert.equal(s.mean, 2);
});
