/**
 * `deno task selftest`: how accurate is the client? Runs the simulated endpoint in a separate process in an exact mode
 * (fixed TTFT and inter-token time, no jitter, logging the real send time of every chunk), benchmarks it at several
 * concurrency levels, and prints the client's measured − true error for TTFT, inter-token latency and end-to-end
 * latency, its CPU time per chunk, and a verdict per level against the accuracy targets.
 * @module
 */
import { fitHelp } from "../text.ts";
import { parseArgs } from "node:util";
import { versionText } from "./help.ts";
import { computeStatistics } from "../metrics/statistics.ts";
import { startTokenizerWorker } from "../plan/tokenizer_worker.ts";
import { formatNumber } from "../report/summary_table.ts";
import { executeRun, prepareRun } from "../runner/pipeline.ts";
import { describeTargets, measurementErrors, targetsFor, verdict } from "../selftest/errors.ts";
import { measureFloor } from "../selftest/floor.ts";
import type { ChunkLogEntry } from "../simulator/server.ts";
import { exactRunConfig, spawnExactSim } from "../selftest/exact_sim.ts";
import { pinForMeasurement } from "../selftest/cpus.ts";

const HELP = `deno task selftest [--concurrency 1,64,512] [--ttft-ms 50] [--itl-ms 20] [--output-tokens 40]
                    [--threads 1] [--cpus auto] [--floor-chunks 300] [--details FILE]
                    [--server-metrics auto]

Starts the simulated endpoint in a separate process with exact timings, runs the client against it
at each concurrency, and prints measured − true errors (p50, p99, max): the send side (the server's
receipt of a request − the client's t0), TTFT (client TTFT − server TTFT: send and receive side
together), inter-token and end-to-end latency (the stream's last byte); the client's CPU time per
chunk and event-loop lag, and a verdict per level. Targets up to concurrency 64: send p99 ≤ 1 ms,
TTFT p99 ≤ 5 ms, E2E p99 ≤ 0.5 ms; beyond: TTFT p50 ≤ 20 ms, E2E p99 ≤ 5 ms; inter-token p50 ≤ 0.5
ms everywhere.

  --threads N      measuring threads (as deno task bench --client-threads N): the connections are
                   spread over N worker threads, each with its own event loop
  --cpus C         auto (default): on Linux with taskset and two or more CPUs, the client runs on
                   the lower half of the CPUs and the simulated endpoint on the rest, so neither
                   holds the other's timestamps up — as with an endpoint on another machine; off:
                   both share every CPU; CLIENT:ENDPOINT lists, e.g. 0:1
  --floor-chunks N chunks for the machine-floor measurement (a bare socket read of the simulator's
                   writes, 20 ms apart) printed above the table; 0 skips it
  --details FILE   also write every request's server send times and client arrival times (epoch ms),
                   one JSON line per request, to see where the error comes from
  --server-metrics auto (default, as deno task bench: the simulator's /metrics scraped every second
                   during each level) or off — to see that scraping does not move the figures`;

export async function main(argv: string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: {
        concurrency: { type: "string", default: "1,64,512" },
        "ttft-ms": { type: "string", default: "50" },
        "itl-ms": { type: "string", default: "20" },
        "output-tokens": { type: "string", default: "40" },
        details: { type: "string" },
        "floor-chunks": { type: "string", default: "300" },
        threads: { type: "string", default: "1" },
        cpus: { type: "string", default: "auto" },
        "server-metrics": { type: "string", default: "auto" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean" },
      },
      strict: true,
    }).values;
  } catch (e) {
    console.error(`error: ${(e as Error).message.split("\n")[0]} (see --help)`);
    return 2;
  }
  if (values.help) {
    console.log(fitHelp(HELP));
    return 0;
  }
  if (values.version) {
    console.log(versionText());
    return 0;
  }
  const levels = values.concurrency!.split(",").map(Number);
  const ttft = Number(values["ttft-ms"]);
  const itl = Number(values["itl-ms"]);
  const outTokens = Number(values["output-tokens"]);
  for (
    const [name, v] of [["--concurrency", levels], ["--ttft-ms", [ttft]], ["--itl-ms", [itl]], ["--output-tokens", [
      outTokens,
    ]]] as const
  ) {
    if ((v as number[]).some((x) => !Number.isFinite(x) || x <= 0)) {
      console.error(
        `error: ${name}: expected positive numbers (got ${JSON.stringify(values[name.slice(2) as "concurrency"])})`,
      );
      return 2;
    }
  }
  const threads = Number(values.threads);
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
    console.error(`error: --threads: expected a whole number 1–64 (got ${JSON.stringify(values.threads)})`);
    return 2;
  }
  if (values["server-metrics"] !== "auto" && values["server-metrics"] !== "off") {
    console.error(`error: --server-metrics: expected auto or off (got ${JSON.stringify(values["server-metrics"])})`);
    return 2;
  }
  const fc = Number(values["floor-chunks"]);
  if (!Number.isInteger(fc) || fc < 0) {
    console.error(`error: --floor-chunks: expected a whole number ≥ 0 (got ${JSON.stringify(values["floor-chunks"])})`);
    return 2;
  }
  let pinned;
  try {
    pinned = await pinForMeasurement(values.cpus!);
  } catch (e) {
    console.error(`error: ${(e as Error).message}`);
    return 2;
  }
  console.error(`selftest: ${pinned.line}`);
  console.error(`selftest: exact simulated endpoint in a separate process (TTFT ${ttft} ms, inter-token ${itl} ms)…`);
  const sim = await spawnExactSim(ttft, itl, pinned.endpointCpus);
  // Requests are drawn in a tokenizer worker: the measuring thread never holds the tokenizer.
  await using tw = await startTokenizerWorker();
  // The server's CPU time (µs) — from the chunk-log endpoint; the log is then emptied for the next level.
  const serverCpuUs = async () => {
    const res = await fetch(`${sim.origin}/debug/chunk-log`);
    await res.body?.cancel();
    await (await fetch(`${sim.origin}/debug/chunk-log`, { method: "DELETE" })).body?.cancel();
    return Number(res.headers.get("x-llm-bench-cpu-us"));
  };
  const floorChunks = Number(values["floor-chunks"]);
  if (floorChunks > 0) {
    console.error(
      `selftest: measuring this machine's floor (a bare socket read of ${floorChunks} writes, 20 ms apart)…`,
    );
  }
  const floor = floorChunks > 0 ? await measureFloor(sim.origin, floorChunks, 20) : undefined;
  const rows: string[][] = [];
  const verdicts: string[] = [];
  let failed = 0;
  try {
    for (const c of levels) {
      // The run as `deno task bench` would make it, against the exact simulator, through the same prepare and execute.
      const config = exactRunConfig(sim.origin, c, outTokens, {
        maxNumCompletedRequests: Math.max(2 * c, 16),
        clientThreads: threads,
        serverMetrics: values["server-metrics"],
      });
      await using prepared = await prepareRun(config, { tokenizer: tw, writeFiles: false });
      const count = prepared.plan.requests.length;
      const serverCpuBefore = await serverCpuUs();
      const { run, clientLoad: load } = await executeRun(prepared);
      const cpuUs = load.cpuMs * 1000;
      const logRes = await fetch(`${sim.origin}/debug/chunk-log`);
      const serverCpuAfter = Number(logRes.headers.get("x-llm-bench-cpu-us"));
      const log = await logRes.json() as Record<string, ChunkLogEntry>;
      const detail: string[] = [];
      const e = measurementErrors(
        run.records,
        run.runStartEpochMs,
        log,
        values.details ? (p) => detail.push(JSON.stringify({ concurrency: c, ...p })) : undefined,
      );
      if (values.details) {
        await Deno.writeTextFile(values.details, detail.join("\n") + "\n", { append: c !== levels[0] });
      }
      const cpuPerChunkUs = e.chunks ? cpuUs / e.chunks : null;
      const lag = computeStatistics(load.lagMs);
      const f = (x: number | null) => formatNumber(x);
      rows.push([
        String(c),
        `${e.requests}/${count}`,
        String(e.chunks),
        f(e.sendMs.p50),
        f(e.sendMs.p99),
        f(e.sendMs.max),
        f(e.ttftMs.p50),
        f(e.ttftMs.p99),
        f(e.ttftMs.max),
        f(e.interTokenMs.p50),
        f(e.interTokenMs.p99),
        f(e.interTokenMs.max),
        f(e.e2eMs.p50),
        f(e.e2eMs.p99),
        f(e.e2eMs.max),
        f(cpuPerChunkUs),
        f(e.chunks ? (serverCpuAfter - serverCpuBefore) / e.chunks : null),
        f(lag.p99),
      ]);
      const v = verdict(c, e);
      const t = targetsFor(c);
      if (!v.pass) failed++;
      verdicts.push(
        `concurrency ${c}: ${v.pass ? "PASS" : "MISS"} (targets: ${describeTargets(t)})` +
          (v.misses.length ? ` — ${v.misses.join("; ")}` : "") +
          (!v.pass && floor?.p99 != null && floor.p99 > t.e2eP99Ms
            ? ` (this machine's own floor, p99 ${floor.p99.toFixed(3)} ms, is above the E2E target)`
            : ""),
      );
      console.error(`selftest: concurrency ${c} done (${e.requests} requests, ${e.chunks} chunks)`);
    }
  } finally {
    await sim.stop();
  }
  const head = [
    "conc.",
    "requests",
    "chunks",
    "send p50",
    "send p99",
    "send max",
    "TTFT p50",
    "TTFT p99",
    "TTFT max",
    "ITL p50",
    "ITL p99",
    "ITL max",
    "E2E p50",
    "E2E p99",
    "E2E max",
    "CPU µs/chunk",
    "server µs/chunk",
    "lag p99",
  ];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((x, i) => x.padStart(w[i])).join("  ");
  const f3 = (x: number | null) => (x === null ? "—" : x.toFixed(3));
  if (floor) {
    console.log(
      `Machine floor: a bare socket read sees the simulator's write after p50 ${f3(floor.p50)}, p99 ${
        f3(floor.p99)
      }, ` +
        `max ${f3(floor.max)} ms (${floor.count} chunks, 20 ms apart) — no client here can measure closer than this`,
    );
    console.log("");
  }
  console.log(
    "Measured − true error, ms (client process" + (threads > 1 ? `, ${threads} measuring threads` : "") +
      "; simulated endpoint in a separate process on this machine)",
  );
  console.log(line(head));
  console.log(line(w.map((n) => "-".repeat(n))));
  for (const r of rows) console.log(line(r));
  console.log("");
  for (const v of verdicts) console.log(v);
  return failed ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
