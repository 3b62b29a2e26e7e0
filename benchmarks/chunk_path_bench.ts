// The client's per-chunk path, the hot path of a benchmark tool: bytes of one read in → timestamped, parsed events.
// Run: deno task perf   (figures per 1,000 events; divide by 1,000 for one event)
import { createOpenAIStreamParser } from "../lib/connectors/openai.ts";
import { createSseDecoder } from "../lib/connectors/sse.ts";

const enc = new TextEncoder();
const event = (i: number) =>
  `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1764201600,"model":"meta-llama/Llama-3.1-8B-Instruct",` +
  `"choices":[{"index":0,"delta":{"content":" word${i}"},"logprobs":null,"finish_reason":null}]}\n\n`;
const oneEach = Array.from({ length: 1000 }, (_, i) => enc.encode(event(i)));
const tenEach = Array.from(
  { length: 100 },
  (_, r) => enc.encode(Array.from({ length: 10 }, (_, i) => event(r * 10 + i)).join("")),
);

Deno.bench("1,000 events, one per read: SSE framing + JSON + delta (full per-chunk path)", {
  group: "per-chunk",
  baseline: true,
}, () => {
  const p = createOpenAIStreamParser();
  for (let i = 0; i < oneEach.length; i++) p.push(oneEach[i], performance.now());
});

Deno.bench("1,000 events, ten per read: full per-chunk path", { group: "per-chunk" }, () => {
  const p = createOpenAIStreamParser();
  for (let i = 0; i < tenEach.length; i++) p.push(tenEach[i], performance.now());
});

Deno.bench("1,000 events, one per read: SSE framing only (no JSON)", { group: "per-chunk" }, () => {
  const d = createSseDecoder();
  for (let i = 0; i < oneEach.length; i++) d.push(oneEach[i], performance.now());
});

Deno.bench("1,000 × performance.now()", { group: "per-chunk" }, () => {
  let x = 0;
  for (let i = 0; i < 1000; i++) x += performance.now();
  if (x < 0) throw new Error("unreachable");
});
