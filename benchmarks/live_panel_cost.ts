// What the notebook's live panel costs the measuring thread (lib/notebook/live_panel.ts):
// 1. one redraw — the panel's HTML from a full buffer (400 TTFT points, 120 bins) and the JSON of the display message
//    the kernel would send — timed over many redraws;
// 2. the selftest's measurement (exact simulator in another process, concurrency 64) with the panel redrawn at its
//    rate during the run (the HTML built, serialised and written to /dev/null as a display message would be) and
//    without, alternating, ROUNDS times: the client's measured − true errors side by side.
// Run: deno task perf:live-panel [ROUNDS] [CONCURRENCY]
import { LIVE_PANEL_INTERVAL_MS, livePanelHtml, newLiveRun, recordSeen } from "../lib/notebook/live_panel.ts";
import { newProgress } from "../lib/runner/runner.ts";
import { executeRun, prepareRun } from "../lib/runner/pipeline.ts";
import { startTokenizerWorker } from "../lib/plan/tokenizer_worker.ts";
import { exactRunConfig, spawnExactSim } from "../lib/selftest/exact_sim.ts";
import { pinForMeasurement } from "../lib/selftest/cpus.ts";
import { measurementErrors } from "../lib/selftest/errors.ts";
import type { ChunkLogEntry } from "../lib/simulator/server.ts";
import { fixtureRecord } from "../tests/_helpers.ts";

const rounds = Number(Deno.args[0] ?? 3);
const concurrency = Number(Deno.args[1] ?? 64);

// 1. One redraw.
const full = newLiveRun();
for (let i = 0; i < 5000; i++) {
  recordSeen(full, fixtureRecord({ index: i, endOffsetMs: i * 20, ttftMs: 50 + (i % 40) }));
}
const progress = {
  ...newProgress(5000),
  finished: 4000,
  succeeded: 4000,
  inFlight: 64,
  elapsedMs: 100_000,
  outputTokens: 600_000,
};
const n = 2000;
let bytes = 0;
const t0 = performance.now();
for (let i = 0; i < n; i++) {
  const html = livePanelHtml(progress, full);
  bytes = JSON.stringify({ data: { "text/html": html }, transient: { display_id: "x" } }).length;
}
const perRedrawUs = ((performance.now() - t0) / n) * 1000;
console.log(
  `one redraw: ${
    perRedrawUs.toFixed(1)
  } µs (${full.ttft.length} points, ${full.bins.length} bins, ${bytes} bytes of message); ` +
    `at one per ${LIVE_PANEL_INTERVAL_MS} ms: ${
      ((perRedrawUs / 1000 / LIVE_PANEL_INTERVAL_MS) * 100).toFixed(3)
    } % of the thread`,
);

// 2. The selftest's figures with and without the panel.
// Client and endpoint on cores of their own where the machine allows, as deno task selftest does.
const pinned = await pinForMeasurement();
console.error(pinned.line);
const sim = await spawnExactSim(50, 20, pinned.endpointCpus);
await using tw = await startTokenizerWorker();
const devNull = Deno.openSync("/dev/null", { write: true });
const enc = new TextEncoder();
const rows: string[] = [];
try {
  for (let round = 0; round < rounds; round++) {
    for (const panel of [false, true]) {
      await (await fetch(`${sim.origin}/debug/chunk-log`, { method: "DELETE" })).body?.cancel();
      const config = exactRunConfig(sim.origin, concurrency, 40, { maxNumCompletedRequests: 4 * concurrency });
      await using prepared = await prepareRun(config, { tokenizer: tw, writeFiles: false });
      const live = newLiveRun();
      let last = 0;
      let redraws = 0;
      const { run } = await executeRun(prepared, {
        onRecord: panel ? (r) => recordSeen(live, r) : undefined,
        onProgress: panel
          ? (p) => {
            const now = performance.now();
            if (now - last < LIVE_PANEL_INTERVAL_MS) return;
            last = now;
            redraws++;
            const msg = JSON.stringify({
              data: { "text/html": livePanelHtml(p, live) },
              transient: { display_id: "x" },
            });
            devNull.writeSync(enc.encode(msg));
          }
          : undefined,
      });
      const log = await (await fetch(`${sim.origin}/debug/chunk-log`)).json() as Record<string, ChunkLogEntry>;
      const e = measurementErrors(run.records, run.runStartEpochMs, log);
      const f = (x: number | null) => (x === null ? "–" : x.toFixed(3));
      rows.push(
        `${String(round + 1).padStart(5)}  ${(panel ? `panel (${redraws} redraws)` : "no panel").padEnd(20)}  ` +
          [e.ttftMs.p50, e.ttftMs.p99, e.interTokenMs.p50, e.interTokenMs.p99, e.e2eMs.p50, e.e2eMs.p99].map(f).map((
            x,
          ) => x.padStart(8)).join("  "),
      );
    }
  }
} finally {
  devNull.close();
  await sim.stop();
}
console.log(
  `selftest errors (ms, client − server) at concurrency ${concurrency}, ${4 * concurrency} requests per run:`,
);
console.log(
  `round  ${"".padEnd(20)}  ${
    ["TTFT p50", "TTFT p99", "ITL p50", "ITL p99", "E2E p50", "E2E p99"].map((h) => h.padStart(8)).join("  ")
  }`,
);
for (const r of rows) console.log(r);
