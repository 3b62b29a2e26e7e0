import assert from "node:assert/strict";
import { summarize } from "../../lib/metrics/summary.ts";
import { recordsIn, steadyWindow } from "../../lib/metrics/window.ts";
import { formatSummaryTable } from "../../lib/report/summary_table.ts";
import { environmentInfo } from "../../lib/runner/environment.ts";
import { fixtureRecord } from "../_helpers.ts";

/** A closed loop of `n` requests of `ms` each at concurrency `c`, the next sent `gap` ms after one finishes. */
function closedLoop(n: number, c: number, ms: number, gap = 0) {
  const free = Array.from({ length: c }, () => 0);
  return Array.from({ length: n }, (_, i) => {
    const slot = free.indexOf(Math.min(...free));
    const start = free[slot];
    free[slot] = start + ms + gap;
    return fixtureRecord({ index: i, startOffsetMs: start, endOffsetMs: start + ms, ttftMs: 10 });
  });
}

Deno.test("a closed loop's window: from the full first wave to the first slot left empty (the drain)", () => {
  const records = closedLoop(20, 4, 100);
  const w = steadyWindow(records, { concurrency: 4 })!;
  // 20 requests, 4 at a time, 100 ms each: 5 waves; the last wave ends at 500 ms, with no request after it.
  assert.deepEqual([w.startMs, w.endMs], [0, 500]);
  assert.equal(w.basis, "4 or more in flight (95 % of 4)");
  assert.equal(recordsIn(records, w).length, 20);
});

Deno.test("a slot handed over a moment late is not the load let go; a real drop is", () => {
  // The next request leaves 1 ms after one finishes (the client's own turn): still 4 in flight, as intended.
  const handed = closedLoop(20, 4, 100, 1);
  assert.deepEqual(steadyWindow(handed, { concurrency: 4 })!.startMs, 0);
  assert.ok(steadyWindow(handed, { concurrency: 4 })!.endMs >= 400);
  // Uneven requests: the window ends when the first slot is left empty for good.
  const uneven = [
    ...[0, 1, 2, 3].map((i) => fixtureRecord({ index: i, startOffsetMs: 0, endOffsetMs: 100 + i * 100 })),
  ];
  const w = steadyWindow(uneven, { concurrency: 4 })!;
  assert.deepEqual([w.startMs, w.endMs], [0, 100]);
});

Deno.test("an open loop's window is while it sends; a trace has none", () => {
  const records = [0, 50, 120, 300].map((t, i) => fixtureRecord({ index: i, startOffsetMs: t, endOffsetMs: t + 500 }));
  assert.deepEqual(steadyWindow(records, { openLoop: true }), {
    startMs: 0,
    endMs: 300,
    basis: "while sending (open loop)",
  });
  assert.equal(steadyWindow(records, {}), null);
});

const context = (config: Record<string, unknown>) => ({
  config,
  startedAt: "2026-12-04T00:00:00Z",
  stopReason: "completed" as const,
  tokenizer: "t",
  endpoint: { api: "openai", url: "http://x/v1/chat/completions", model: "m", simulated: false },
  environment: environmentInfo(),
});

Deno.test("the summary keeps the window's figures beside the whole run's; the table shows the window's and says so", () => {
  // The first wave is slow (a cold server), the rest steady.
  const records = closedLoop(40, 4, 100).map((r) => r.startOffsetMs === 0 ? { ...r, ttftMs: 90 } : r);
  records.push(fixtureRecord({ index: 40, startOffsetMs: 1000, endOffsetMs: 1100, ttftMs: 10 }));
  const summary = summarize(records, context({ numConcurrentRequests: 4 }));
  const w = summary.window!;
  assert.equal(w.requests, 40);
  assert.equal(w.enough, true);
  assert.equal(summary.metrics.ttftMs.count, 41);
  assert.equal((w.metrics.ttftMs as { count: number }).count, 40);
  const table = formatSummaryTable(summary);
  assert.match(table, /^Steady-state window 0\.0–1\.000 s: 40 of 41 requests, 4 or more in flight/m);
  assert.match(table, /^Time to first token \(ms\) .* 40$/m);
  assert.match(table, /^Steady-state throughput +[\d.,]+ tok\/s/m);
  // --window all: the whole run's figures, and the window still said.
  const all = formatSummaryTable(summarize(records, context({ numConcurrentRequests: 4, window: "all" })));
  assert.match(all, /^Whole run \(--window all\); steady-state window/m);
  assert.match(all, /^Time to first token \(ms\) .* 41$/m);
});

Deno.test("a window that holds too few requests does not give the headline figures, and the table says why", () => {
  // 8 at a time, only 10 requests: hardly any request runs with 8 beside it.
  const records = closedLoop(10, 8, 100);
  const summary = summarize(records, context({ numConcurrentRequests: 8 }));
  assert.equal(summary.window?.enough, false);
  assert.match(formatSummaryTable(summary), /^Whole run: the steady-state window \(.*\) holds too few requests/m);
});
