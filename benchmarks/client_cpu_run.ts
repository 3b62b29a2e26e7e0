// CPU time per streamed chunk of each HTTP client, under many concurrent streams, against the exact simulated
// endpoint in a separate process (HTTP/1.1 server, no jitter): the figure that decides whether a client keeps up
// with a busy endpoint or stamps chunks late. Also the simulator's own CPU per chunk, and a bare socket read loop
// (the floor of any Deno client). Run: deno task perf:clients [streams=512] [tokens=100] [waves=2] [bare,llm-bench,fetch]
import process from "node:process";
import { createOpenAIConnector } from "../lib/connectors/openai.ts";
import { spawnExactSim } from "../lib/selftest/exact_sim.ts";
import { pinForMeasurement } from "../lib/selftest/cpus.ts";

const [streams, tokens, waves] = [Deno.args[0] ?? "512", Deno.args[1] ?? "100", Deno.args[2] ?? "2"].map(Number);
// Client and endpoint on cores of their own where the machine allows, as deno task selftest does.
const pinned = await pinForMeasurement();
console.error(pinned.line);
const sim = await spawnExactSim(50, 20, pinned.endpointCpus);
const serverCpuUs = async () => {
  const res = await fetch(`${sim.origin}/debug/chunk-log`);
  await res.body?.cancel();
  return Number(res.headers.get("x-llm-bench-cpu-us"));
};
const body = JSON.stringify({
  model: "llm-bench-sim",
  max_tokens: tokens,
  stream: true,
  messages: [{ role: "user", content: "hi" }],
});

/** A bare read loop over one keep-alive socket per stream: no HTTP parsing beyond spotting the body's end. */
async function bare(): Promise<number> {
  const { hostname, port } = new URL(sim.origin);
  const req = new TextEncoder().encode(
    `POST /v1/chat/completions HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
  );
  let reads = 0;
  await Promise.all(Array.from({ length: streams }, async () => {
    const conn = await Deno.connect({ hostname, port: Number(port) });
    const buf = new Uint8Array(16_384);
    for (let w = 0; w < waves; w++) {
      await conn.write(req);
      for (;;) {
        const n = await conn.read(buf);
        if (n === null) throw new Error("closed");
        reads++;
        if (n >= 5 && buf[n - 5] === 48 && buf[n - 4] === 13 && buf[n - 1] === 10) break; // "0\r\n\r\n"
      }
    }
    conn.close();
  }));
  return reads;
}

async function viaConnector(httpClient: "llm-bench" | "fetch"): Promise<number> {
  await using c = createOpenAIConnector({ baseUrl: `${sim.origin}/v1`, model: "llm-bench-sim", httpClient });
  let chunks = 0;
  await Promise.all(Array.from({ length: streams }, async (_, s) => {
    for (let w = 0; w < waves; w++) {
      for await (
        const ev of c.stream({ index: s, prompt: "hi", promptTokens: 1, requestedInputTokens: 1, maxTokens: tokens })
      ) {
        if (ev.type === "delta") chunks++;
      }
    }
  }));
  return chunks;
}

const only = Deno.args[3]?.split(","); // e.g. "llm-bench" to run one client (for profiling)
const clients = [
  ["bare", "bare socket reads", bare],
  ["llm-bench", "llm-bench client", () => viaConnector("llm-bench")],
  ["fetch", "Deno fetch", () => viaConnector("fetch")],
] as const;
const rows: string[][] = [];
for (const [key, name, run] of clients) {
  if (only && !only.includes(key)) continue;
  const s0 = await serverCpuUs();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const chunks = await run();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const s1 = await serverCpuUs();
  const expected = streams * waves * tokens;
  rows.push([
    name,
    String(chunks),
    `${((c.user + c.system) / expected).toFixed(1)} (${(c.system / expected).toFixed(1)} sys)`,
    ((s1 - s0) / expected).toFixed(1),
    (wall / 1000).toFixed(2),
  ]);
}
await sim.stop();
const head = ["client", "reads/events", "client CPU µs/token (kernel)", "server CPU µs/token", "wall s"];
const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
console.log(
  `${streams} concurrent streams × ${tokens} tokens × ${waves} waves, 20 ms apart (${
    (streams * 50).toLocaleString()
  } tokens/s)`,
);
for (const r of [head, ...rows]) console.log(r.map((x, i) => (i ? x.padStart(w[i]) : x.padEnd(w[i]))).join("  "));
