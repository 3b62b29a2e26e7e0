// Which HTTP client to stream with (DESIGN.md §7): Deno's native fetch vs npm:undici vs llm-bench's own HTTP/1.1
// client, reading one SSE stream of 1,000 events over loopback, one event per write. The server is the same for all;
// the difference is the client. (CPU per chunk under many streams: benchmarks/client_cpu_run.ts.)
// Run: deno task perf
import { Agent, fetch as undiciFetch } from "./_dev_deps.ts";
import { createH1Client } from "../lib/connectors/h1.ts";

const enc = new TextEncoder();
const payload = Array.from(
  { length: 1000 },
  (_, i) => enc.encode(`data: {"choices":[{"index":0,"delta":{"content":" w${i}"},"finish_reason":null}]}\n\n`),
);

const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => {
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < payload.length) controller.enqueue(payload[i++]);
      else controller.close();
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
});
const url = `http://127.0.0.1:${server.addr.port}/v1/chat/completions`;
const client = Deno.createHttpClient({});
const agent = new Agent({ keepAliveTimeout: 60_000 });
const h1 = createH1Client();

async function drain(body: ReadableStream<Uint8Array> | null): Promise<number> {
  const reader = body!.getReader();
  let reads = 0;
  for (;;) {
    const { done } = await reader.read();
    performance.now();
    if (done) return reads;
    reads++;
  }
}

Deno.bench(
  "Deno native fetch (pooled client): 1 stream × 1,000 events",
  { group: "client", baseline: true },
  async () => {
    const res = await fetch(url, { method: "POST", body: "{}", client } as RequestInit);
    await drain(res.body);
  },
);

Deno.bench("npm:undici fetch (Agent): 1 stream × 1,000 events", { group: "client" }, async () => {
  const res = await undiciFetch(url, { method: "POST", body: "{}", dispatcher: agent });
  await drain(res.body as ReadableStream<Uint8Array>);
});

Deno.bench("llm-bench HTTP/1.1 client: 1 stream × 1,000 events", { group: "client" }, async () => {
  const res = await h1.fetch(url, { method: "POST", body: "{}" });
  await drain(res.body);
});
