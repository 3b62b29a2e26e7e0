// The cost of one scrape of a server's /metrics on the measuring thread: a 2,000-line exposition (vLLM's names, as
// large as a busy vLLM's with Python's process metrics and per-model histograms) parsed and reduced to the figures.
// Run: deno task perf   (figures per scrape; llm-bench scrapes once a second)
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { parsePrometheusText } from "../lib/metrics/prometheus_text.ts";
import { ENGINE_NAMES, engineFamilies, familiesUsed, sampleOf } from "../lib/metrics/server_metrics.ts";

const registry = new Registry();
const labelNames = ["model_name", "engine"];
const buckets = Array.from({ length: 30 }, (_, i) => 0.001 * 1.5 ** i);
for (const name of ["vllm:num_requests_running", "vllm:num_requests_waiting", "vllm:kv_cache_usage_perc"]) {
  new Gauge({ name, help: name, labelNames, registers: [registry] }).set({ model_name: "m", engine: "0" }, 3);
}
for (const name of ["vllm:prompt_tokens_total", "vllm:generation_tokens_total", "vllm:num_preemptions_total"]) {
  new Counter({ name, help: name, labelNames, registers: [registry] }).inc({ model_name: "m", engine: "0" }, 1e6);
}
// Latency histograms for 8 engines (data-parallel ranks), then filler families until the exposition has 2,000 lines.
for (const name of ["time_to_first_token", "inter_token_latency", "request_queue_time", "e2e_request_latency"]) {
  const h = new Histogram({ name: `vllm:${name}_seconds`, help: name, labelNames, buckets, registers: [registry] });
  for (let e = 0; e < 8; e++) h.observe({ model_name: "m", engine: String(e) }, 0.05);
}
let text = await registry.metrics();
for (let i = 0; text.split("\n").length < 2000; i++) {
  text += `# HELP python_filler_${i} filler\n# TYPE python_filler_${i} gauge\npython_filler_${i}{kind="x"} ${i}\n`;
}
const lines = text.split("\n").length;
const vllm = ENGINE_NAMES[0];

const only = engineFamilies(vllm);

Deno.bench(`one scrape of ${lines} lines, as llm-bench scrapes: the engine's families parsed and reduced`, {
  baseline: true,
}, () => {
  const { families } = parsePrometheusText(text, { only });
  sampleOf(families, vllm, 0);
  familiesUsed(families, vllm);
});

Deno.bench(`one scrape of ${lines} lines, every family parsed, then reduced`, () => {
  const { families } = parsePrometheusText(text);
  sampleOf(families, vllm, 0);
  familiesUsed(families, vllm);
});

Deno.bench(`parse only (${lines} lines)`, () => {
  parsePrometheusText(text);
});
