// How the first wave leaves: at each concurrency, a run against the exact simulated endpoint in another process (which
// logs when it received each request), then per wave (the first `concurrency` requests, and the rest): how far apart
// their t0 stamps are, t0 → last byte written (the client), written → the server's receipt, and t0 → receipt.
// Run: deno task perf:first-wave [CONCURRENCY,…] [cold]   (e.g. 1,64,64 — the second 64 runs with a warm JIT)
import { computeStatistics } from "../lib/metrics/statistics.ts";
import type { RequestRecord } from "../lib/results/schema.ts";
import { executeRun, prepareRun } from "../lib/runner/pipeline.ts";
import { exactRunConfig, spawnExactSim } from "../lib/selftest/exact_sim.ts";
import { pinForMeasurement } from "../lib/selftest/cpus.ts";
import type { ChunkLogEntry } from "../lib/simulator/server.ts";

const levels = (Deno.args[0] ?? "64").split(",").map(Number);
const warmConnections = Deno.args[1] !== "cold";
// Client and endpoint on cores of their own where the machine allows, as deno task selftest does.
const pinned = await pinForMeasurement();
console.error(pinned.line);
await using sim = await spawnExactSim(50, 20, pinned.endpointCpus);
const f = (xs: number[]) => {
  const d = computeStatistics(xs);
  return `p50 ${d.p50?.toFixed(2)}  p99 ${d.p99?.toFixed(2)}  max ${d.max?.toFixed(2)}`;
};
console.log(`connections ${warmConnections ? "warm (opened before the clock)" : "cold"}; ms`);
for (const c of levels) {
  const config = exactRunConfig(sim.origin, c, 40, { warmConnections });
  await using prepared = await prepareRun(config, { writeFiles: false });
  const { run } = await executeRun(prepared);
  const log = await (await fetch(`${sim.origin}/debug/chunk-log`)).json() as Record<string, ChunkLogEntry>;
  await (await fetch(`${sim.origin}/debug/chunk-log`, { method: "DELETE" })).body?.cancel();
  const sorted = [...run.records].sort((a, b) => a.index - b.index);
  const t0 = (r: RequestRecord) => run.runStartEpochMs + r.startOffsetMs;
  console.log(`\nconcurrency ${c}`);
  for (const [name, rs] of [["first wave", sorted.slice(0, c)], ["the rest", sorted.slice(c)]] as const) {
    const starts = rs.map((r) => r.startOffsetMs);
    console.log(`  ${name}: t0 spread ${(Math.max(...starts) - Math.min(...starts)).toFixed(2)}`);
    console.log(`    t0 → written       ${f(rs.map((r) => r.requestWrittenMs!))}`);
    console.log(`    written → receipt  ${f(rs.map((r) => log[r.index].arrival - t0(r) - r.requestWrittenMs!))}`);
    console.log(`    t0 → receipt       ${f(rs.map((r) => log[r.index].arrival - t0(r)))}`);
    console.log(`    opened a connection ${rs.filter((r) => r.connectMs !== undefined).length}`);
  }
}
