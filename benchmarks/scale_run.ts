// Scale run: N concurrent streams from one process against the simulated endpoint in a separate process, on loopback.
// Run: deno task scale [N]   (default 10000). Prints outcomes, wall time, heap, RSS and heap per finished record.
// Each stream holds one socket: N needs a file-descriptor limit above N (`ulimit -n`).
import { createOpenAIConnector } from "../lib/connectors/openai.ts";
import { sendRequests } from "../lib/runner/runner.ts";
import { spawnSimProcess } from "../lib/simulator/process.ts";
const N = Number(Deno.args[0] ?? 10000);
if (!Number.isInteger(N) || N < 1) {
  console.error(`error: N: expected a positive integer (got ${JSON.stringify(Deno.args[0])})`);
  Deno.exit(2);
}
const sim = await spawnSimProcess([
  "--params",
  JSON.stringify({
    jitter: 0,
    prefillBaseMs: 20,
    prefillTokensPerS: 1e9,
    decodeBaseMs: 50,
    decodePerSeqMs: 0,
    maxBatch: 100000,
  }),
]);
const requests = Array.from(
  { length: N },
  (_, i) => ({ index: i, prompt: "Say something short.", promptTokens: 5, requestedInputTokens: 5, maxTokens: 10 }),
);
await using connector = createOpenAIConnector({ baseUrl: `${sim.origin}/v1`, model: "llm-bench-sim" });
const mem0 = Deno.memoryUsage();
const t0 = performance.now();
let maxInFlight = 0;
const run = await sendRequests({
  connector,
  requests,
  concurrency: N,
  timeoutMs: 300000,
  countTokens: () => 0,
  onProgress: (p) => {
    maxInFlight = Math.max(maxInFlight, p.inFlight + 1);
  },
});
const wall = performance.now() - t0;
const mem1 = Deno.memoryUsage();
const byStatus: Record<string, number> = {};
for (const r of run.records) {
  byStatus[r.status + (r.error ? ":" + r.error.code : "")] =
    (byStatus[r.status + (r.error ? ":" + r.error.code : "")] ?? 0) + 1;
}
console.log(
  JSON.stringify({
    N,
    wallS: (wall / 1000).toFixed(1),
    byStatus,
    maxInFlight,
    heapMB: (mem1.heapUsed / 1e6).toFixed(1),
    rssMB: (mem1.rss / 1e6).toFixed(1),
    heapPerRecordKB: ((mem1.heapUsed - mem0.heapUsed) / N / 1024).toFixed(2),
  }),
);
await sim.stop();
