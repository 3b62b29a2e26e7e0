// Metric and summary functions at 100,000 records. Run: deno task perf
import { buildRecord } from "../lib/metrics/request_metrics.ts";
import { summarize } from "../lib/metrics/summary.ts";
import { addEvent, newTrace } from "../lib/metrics/trace.ts";
import type { RequestRecord } from "../lib/results/schema.ts";
import { createPrng } from "../lib/sampler/prng.ts";
import { environmentInfo } from "../lib/runner/environment.ts";

const prng = createPrng(1);
const N = 100_000;
const records: RequestRecord[] = Array.from({ length: N }, (_, i) => {
  const trace = newTrace();
  let t = i * 3;
  addEvent(trace, { type: "start", t });
  addEvent(trace, { type: "response", t: t + 2, status: 200, simulated: false });
  t += 50 + prng.next() * 100;
  for (let k = 0; k < 20; k++) {
    addEvent(trace, { type: "delta", t, content: " w", reasoning: "", finishReason: k === 19 ? "length" : null });
    t += 8 + prng.next() * 4;
  }
  addEvent(trace, { type: "usage", t, usage: { prompt_tokens: 500, completion_tokens: 20 } });
  addEvent(trace, { type: "end", t });
  return buildRecord(trace, {
    spec: { index: i, prompt: "", promptTokens: 500, requestedInputTokens: 500, maxTokens: 20 },
    runStart: 0,
    countTokens: () => 0,
  });
});
const context = {
  config: {},
  startedAt: new Date().toISOString(),
  stopReason: "completed" as const,
  environment: environmentInfo(),
  tokenizer: "t",
  endpoint: { api: "sim", url: "u", model: "m", simulated: true },
  slo: { ttftMs: 120, tpotMs: 11 },
};

Deno.bench("summarize() 100,000 records (20 tokens each: 1.9 M inter-token gaps), with health and goodput", () => {
  summarize(records, context);
});

Deno.bench("buildRecord() one 20-token request from its trace", { n: 10_000 }, () => {
  const trace = newTrace();
  addEvent(trace, { type: "start", t: 0 });
  for (let k = 0; k < 20; k++) {
    addEvent(trace, { type: "delta", t: 50 + k * 10, content: " w", reasoning: "", finishReason: null });
  }
  addEvent(trace, { type: "end", t: 260 });
  buildRecord(trace, {
    spec: { index: 0, prompt: "", promptTokens: 5, requestedInputTokens: 5, maxTokens: 20 },
    runStart: 0,
    countTokens: () => 20,
  });
});
