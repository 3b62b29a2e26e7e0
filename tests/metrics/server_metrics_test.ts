import assert from "node:assert/strict";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { parsePrometheusText } from "../../lib/metrics/prometheus_text.ts";
import {
  counterIncrease,
  detectEngine,
  histogramQuantile,
  sampleOf,
  type ServerSample,
  summarizeServerMetrics,
} from "../../lib/metrics/server_metrics.ts";

const fixture = (name: string) => Deno.readTextFile(new URL(`./fixtures/${name}.prom`, import.meta.url));

Deno.test("the parser reads prom-client's own exposition: every label set of a histogram, its sum and count", async () => {
  const registry = new Registry();
  const h = new Histogram({
    name: "x_seconds",
    help: "h",
    labelNames: ["model_name"],
    buckets: [0.1, 1],
    registers: [registry],
  });
  h.observe({ model_name: "a" }, 0.05);
  h.observe({ model_name: "b" }, 0.5);
  h.observe({ model_name: "b" }, 5);
  new Gauge({ name: "g", help: 'quote " and \\ backslash', labelNames: ["path"], registers: [registry] })
    .set({ path: 'a"b\\c' }, 2);
  new Counter({ name: "c_total", help: "c", registers: [registry] }).inc(3);
  const { families, skipped } = parsePrometheusText(await registry.metrics());
  assert.equal(skipped, 0);
  assert.equal(families.x_seconds.type, "histogram");
  const b = families.x_seconds.samples.filter((s) => s.labels.model_name === "b");
  assert.deepEqual(
    b.map((s) => [s.name, s.labels.le ?? null, s.value]),
    [["x_seconds_bucket", "0.1", 0], ["x_seconds_bucket", "1", 1], ["x_seconds_bucket", "+Inf", 2], [
      "x_seconds_sum",
      null,
      5.5,
    ], ["x_seconds_count", null, 2]],
  );
  assert.deepEqual(families.g.samples[0].labels, { path: 'a"b\\c' }, "escaped label values");
  assert.equal(families.c_total.samples[0].value, 3);
});

Deno.test("odd lines are skipped, never thrown; NaN and ±Inf are values", () => {
  const { families, skipped } = parsePrometheusText(
    '# TYPE a gauge\na 1\na{x="1"} NaN\nb +Inf 1700000000000\nthis is not a sample\nc{broken 1\n',
  );
  assert.equal(skipped, 2);
  assert.ok(Number.isNaN(families.a.samples[1].value));
  assert.equal(families.b.samples[0].value, Infinity, "a timestamp after the value is ignored");
});

Deno.test("each engine's names: vLLM (old names), SGLang, TGI — detected and reduced to the figures", async () => {
  const vllm = parsePrometheusText(await fixture("vllm")).families;
  assert.equal(detectEngine(vllm)?.label, "vLLM");
  const v = sampleOf(vllm, detectEngine(vllm)!, 0);
  assert.deepEqual(v.values, {
    running: 12,
    waiting: 3,
    kvCache: 0.42, // vllm:gpu_cache_usage_perc, the name before v0.10
    preemptions: 2,
    promptTokens: 81289,
    generationTokens: 75575,
    prefixHits: 20322,
    prefixQueries: 81289,
  });
  assert.equal(v.histograms.ttft?.count, 100);
  assert.equal(v.histograms.itl?.count, 1000, "time_per_output_token: the older ITL name");

  const sglang = parsePrometheusText(await fixture("sglang")).families;
  assert.equal(detectEngine(sglang)?.label, "SGLang");
  const s = sampleOf(sglang, detectEngine(sglang)!, 0);
  assert.deepEqual([s.values.running, s.values.waiting, s.values.kvCache], [28, 7, 0.28]);
  assert.equal(s.values.generationTokens, 7_557_572);

  const tgi = parsePrometheusText(await fixture("tgi")).families;
  assert.equal(detectEngine(tgi)?.label, "TGI");
  const t = sampleOf(tgi, detectEngine(tgi)!, 0);
  assert.deepEqual([t.values.running, t.values.waiting], [16, 4]);
  assert.equal(t.values.generationTokens, 4200, "TGI counts tokens in a histogram: its sum");
  assert.equal(t.histograms.e2e?.count, 30);

  assert.equal(detectEngine(parsePrometheusText("# TYPE up gauge\nup 1\n").families), null);
});

Deno.test("counters as increases with resets; histograms' quantiles as histogram_quantile() computes them", () => {
  assert.equal(counterIncrease([5, 7, 7, 2, 4]), 2 + 0 + 2 + 2);
  const buckets: [number, number][] = [[0.1, 10], [0.5, 90], [1, 100], [Infinity, 100]];
  assert.equal(histogramQuantile(0.05, buckets), 0.05, "within the first bucket, from 0");
  assert.ok(Math.abs(histogramQuantile(0.5, buckets)! - 0.3) < 1e-12);
  assert.equal(histogramQuantile(0.99, [[0.1, 10], [Infinity, 20]]), 0.1, "the +Inf bucket: the highest bound");
  assert.equal(histogramQuantile(0.5, [[Infinity, 0]]), null);
});

Deno.test("the summary is cut to the run's window: gauges averaged inside, counters and histograms bounded by it", () => {
  const at = (t: number, running: number, generated: number, ttftBelow: number, ttftAll: number): ServerSample => ({
    t,
    values: { running, generationTokens: generated },
    histograms: { ttft: { buckets: [[0.1, ttftBelow], [Infinity, ttftAll]], sum: ttftAll * 0.08, count: ttftAll } },
  });
  const samples = [
    at(-3000, 99, 100, 5, 5), // before the window: not the start
    at(-2, 0, 1000, 10, 10), // the scrape just before the run
    at(1000, 8, 1500, 50, 60),
    at(2000, 8, 200, 90, 110), // the server restarted: its counter began again
    at(2500, 4, 400, 100, 120), // the first scrape after the end (2,400 ms)
    at(9000, 0, 999, 200, 200), // after: left out
  ];
  const s = summarizeServerMetrics(samples, { url: "u", engine: "vLLM", fromMs: 0, toMs: 2400 });
  assert.equal(s.scrapes, 4);
  assert.deepEqual(s.gauges.running, { mean: 5, max: 8 });
  assert.equal(s.counters.generationTokens?.increase, 500 + 200 + 200);
  assert.ok(Math.abs(s.counters.generationTokens!.perS - 900 / 2.502) < 1e-9);
  assert.equal(s.histograms.ttft?.count, 110);
  assert.ok(Math.abs(s.histograms.ttft!.p50Ms! - 55 / 90 * 100) < 1e-9, "rank 55 of 110 in (0, 0.1]: 90 there");
  assert.deepEqual(s.series.t, [-3, -0.002, 1, 2, 2.5, 9]);
  assert.equal(s.series.generationTokensPerS[2], 500 / 1.002);
});
