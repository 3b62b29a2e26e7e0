// What starting a request costs the client: 512 requests started at once over warm keep-alive connections (the first
// wave of a run at concurrency 512), from the OpenAI connector's request building through llm-bench's HTTP client to
// the socket write. Only the burst of starts is timed (b.start/b.end), not the answers. The server is the warm-up's
// stand-in (a bare socket loop) answering each request with one SSE event and [DONE] once it has read it.
// Run: deno bench --allow-all benchmarks/request_start_bench.ts   (part of deno task perf)
import { createOpenAIConnector } from "../lib/connectors/openai.ts";
import { measureRequest } from "../lib/runner/request.ts";
import { standIn } from "../lib/runner/warm.ts";
import type { RequestSpec } from "../lib/sampler/sampler.ts";

const N = 512;
const enc = new TextEncoder();
const answer = enc.encode(
  "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n" +
    chunk('data: {"choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"length"}]}\n\n') +
    chunk("data: [DONE]\n\n") + "0\r\n\r\n",
);
function chunk(s: string): string {
  return `${enc.encode(s).length.toString(16)}\r\n${s}\r\n`;
}

const server = standIn(answer);
const baseUrl = `http://127.0.0.1:${server.port}/v1`;
const prompt = "Shall I compare thee to a summer's day? Thou art more lovely and more temperate. ".repeat(28);
const specs: RequestSpec[] = Array.from({ length: N }, (_, index) => ({
  index,
  prompt,
  promptTokens: 550,
  requestedInputTokens: 550,
  maxTokens: 150,
}));
const connector = createOpenAIConnector({ baseUrl, model: "m", httpClient: "llm-bench" });
await connector.warm!(N);
const options = { runStart: performance.now(), countTokens: () => 1, timeouts: { idleMs: 60_000 } };

Deno.bench(`start ${N} requests at once (measureRequest → OpenAI connector → llm-bench's HTTP client → write)`, {
  n: 20,
  warmup: 5,
}, async (b) => {
  const started: Promise<unknown>[] = [];
  b.start();
  for (const spec of specs) started.push(measureRequest(connector, spec, options));
  b.end();
  await Promise.all(started);
});

Deno.bench(`the socket writes alone: ${N} writes of a request's size`, { n: 20, warmup: 5 }, async (b) => {
  const conns = await Promise.all(
    specs.map(() => Deno.connect({ hostname: "127.0.0.1", port: Number(new URL(baseUrl).port) })),
  );
  const bytes = enc.encode(
    `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-length: 2600\r\n\r\n${"x".repeat(2600)}`,
  );
  const writes: Promise<number>[] = [];
  b.start();
  for (const c of conns) writes.push(c.write(bytes));
  b.end();
  await Promise.all(writes);
  for (const c of conns) c.close();
});
