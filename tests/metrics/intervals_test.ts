import assert from "node:assert/strict";
import {
  clusteredIntervals,
  meanInterval,
  quantileRanks,
  rateInterval,
  sampleIntervals,
  t975,
  valuesNeeded,
} from "../../lib/metrics/intervals.ts";
import { summarize } from "../../lib/metrics/summary.ts";
import { formatSummaryTable } from "../../lib/report/summary_table.ts";
import { environmentInfo } from "../../lib/runner/environment.ts";
import { createPrng } from "../../lib/sampler/prng.ts";
import { fixtureRecord } from "../_helpers.ts";

Deno.test("quantileRanks() gives the order statistics of the exact binomial interval (published tables)", () => {
  // Median of 10: the 2nd and 9th values (coverage 97.9 %); of 40: the 14th and 27th.
  assert.deepEqual(quantileRanks(10, 0.5), [2, 9]);
  assert.deepEqual(quantileRanks(40, 0.5), [14, 27]);
  assert.equal(quantileRanks(5, 0.5), null, "5 values: P(all above the median) = 1/32 > 2.5 %");
  assert.deepEqual(quantileRanks(6, 0.5), [1, 6]);
  // Large samples take the normal approximation, centred on n·p.
  const [l, u] = quantileRanks(100_000, 0.99)!;
  assert.ok(l < 99_000 && 99_000 < u && u - l < 130, `${l} ${u}`);
});

Deno.test("a p99 needs several hundred values; below that it is too few, not a number", () => {
  assert.equal(valuesNeeded(0.99), 368);
  assert.equal(quantileRanks(367, 0.99), null);
  assert.ok(quantileRanks(368, 0.99));
  assert.equal(valuesNeeded(0.5), 6);
  const sorted = Array.from({ length: 40 }, (_, i) => i + 1);
  const ci = sampleIntervals(sorted);
  assert.deepEqual(ci.p50, [14, 27]);
  assert.equal(ci.p99, null);
  assert.equal(ci.p95, null);
  assert.deepEqual(ci.p90, [32, 40]);
});

Deno.test("the mean's t-interval: exact figures on a tiny sample; t quantiles against the table", () => {
  // 1 … 5: mean 3, s = √2.5, t(4) = 2.776 → 3 ± 2.776·√2.5/√5.
  const [lo, hi] = meanInterval([1, 2, 3, 4, 5])!;
  assert.ok(Math.abs(lo - (3 - 2.776 * Math.sqrt(0.5))) < 1e-9 && Math.abs(hi - (3 + 2.776 * Math.sqrt(0.5))) < 1e-9);
  assert.equal(meanInterval([7]), null);
  assert.ok(Math.abs(t975(60) - 2.0003) < 1e-3 && Math.abs(t975(120) - 1.9799) < 1e-3);
});

/** `n` draws of Exponential(1), seeded. */
function exponential(prng: ReturnType<typeof createPrng>, n: number): Float64Array {
  return Float64Array.from({ length: n }, () => -Math.log(1 - prng.next())).sort();
}

Deno.test("the quantile intervals cover the true quantile of a known distribution in about 95 % of draws", () => {
  const prng = createPrng(11);
  const truth = { p50: Math.log(2), p90: Math.log(10) };
  const covered = { p50: 0, p90: 0 };
  const draws = 2000;
  for (let d = 0; d < draws; d++) {
    const ci = sampleIntervals(exponential(prng, 60));
    for (const k of ["p50", "p90"] as const) if (ci[k]![0] <= truth[k] && truth[k] <= ci[k]![1]) covered[k]++;
  }
  // The exact interval is conservative: at least 95 %, and not so wide that it says little.
  for (const k of ["p50", "p90"] as const) {
    const rate = covered[k] / draws;
    assert.ok(rate >= 0.94 && rate <= 0.985, `${k} covered in ${(rate * 100).toFixed(1)} % of draws`);
  }
});

Deno.test("inter-token gaps are resampled by request: clustered intervals cover, and are wider than the naive ones", () => {
  const prng = createPrng(5);
  // Each request runs at its own speed (a request-level offset), its gaps around it: gaps of one request agree.
  const draw = () =>
    Array.from({ length: 40 }, () => {
      const offset = prng.normal(0, 1);
      return Array.from({ length: 30 }, () => offset + prng.normal(0, 0.5));
    });
  let covered = 0;
  let wider = 0;
  const draws = 400;
  for (let d = 0; d < draws; d++) {
    const clusters = draw();
    const ci = clusteredIntervals(clusters).p50!;
    if (ci[0] <= 0 && 0 <= ci[1]) covered++;
    const naive = sampleIntervals(Float64Array.from(clusters.flat()).sort()).p50!;
    if (ci[1] - ci[0] > naive[1] - naive[0]) wider++;
  }
  assert.ok(covered / draws >= 0.92, `covered ${covered} of ${draws}`);
  assert.ok(wider / draws > 0.95, `the request-level spread widens the interval (${wider} of ${draws})`);
  assert.deepEqual(clusteredIntervals([[1, 2, 3]]), { mean: null, p50: null, p90: null, p95: null, p99: null });
});

Deno.test("rateInterval(): batch means over windows; a stream's tokens are spread over its span", () => {
  const even = Array.from({ length: 10 }, (_, i) => ({ fromMs: i * 100, toMs: (i + 1) * 100, amount: 10 }));
  const [lo, hi] = rateInterval(even, 0, 1000)!;
  assert.ok(Math.abs(lo - 100) < 1e-9 && Math.abs(hi - 100) < 1e-9, "100 per second in every window");
  // Everything in the first window: the windows disagree, the interval is wide.
  const burst = Array.from({ length: 10 }, () => ({ fromMs: 10, toMs: 10, amount: 10 }));
  const [blo, bhi] = rateInterval(burst, 0, 1000)!;
  assert.ok(blo < 100 && bhi > 100 && bhi - blo > 100);
  assert.equal(rateInterval(even.slice(0, 3), 0, 1000), null, "fewer events than windows");
});

Deno.test("a summary carries each metric's intervals; the console table says which are too few", () => {
  const records = Array.from({ length: 40 }, (_, i) =>
    fixtureRecord({
      index: i,
      startOffsetMs: i * 10,
      endOffsetMs: i * 10 + 500,
      ttftMs: 50 + i,
      interTokenLatenciesMs: [5 + (i % 3), 6, 7],
    }));
  const summary = summarize(records, {
    config: {},
    startedAt: "2026-12-04T00:00:00Z",
    stopReason: "completed",
    tokenizer: "t",
    endpoint: { api: "openai", url: "http://x/v1/chat/completions", model: "m", simulated: false },
    environment: environmentInfo(),
  });
  // TTFT 50 … 89: the median's interval is the 14th and 27th values.
  assert.deepEqual(summary.metrics.ttftMs.ci?.p50, [63, 76]);
  assert.equal(summary.metrics.ttftMs.ci?.p99, null);
  assert.ok(summary.metrics.interTokenLatencyMs.ci, "inter-token latency: intervals by request");
  assert.ok(summary.throughput.ci);
  const table = formatSummaryTable(summary);
  assert.match(table, /95 % intervals — p50: TTFT 63\.0–76\.0 ms/);
  assert.match(table, /p99: .*TTFT, E2E.* too few requests \(368 needed, this run has 40\)/s);
  const full = formatSummaryTable(summary, { intervals: true });
  assert.match(full, /^Time to first token \(ms\) +63\.0–76\.0 +81\.0–89\.0 +too few +\d/m);
  for (const line of table.split("\n").slice(4, 20)) assert.ok([...line].length <= 80, line);
});
