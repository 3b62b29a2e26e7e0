// The notebook's live panel: bounded data however long the run, and the figures it draws.
import assert from "node:assert/strict";
import { livePanelHtml, MAX_BINS, MAX_POINTS, newLiveRun, recordSeen } from "../../lib/notebook/live_panel.ts";
import { newProgress } from "../../lib/runner/runner.ts";
import { fixtureRecord } from "../_helpers.ts";

Deno.test("the live panel keeps bounded data however many requests finish, and draws TTFT and throughput", () => {
  const live = newLiveRun();
  for (let i = 0; i < 100_000; i++) {
    recordSeen(live, fixtureRecord({ index: i, endOffsetMs: i * 10, ttftMs: 40 + (i % 7), outputTokens: 3 }));
  }
  assert.ok(live.ttft.length <= MAX_POINTS && live.ttft.length > MAX_POINTS / 4, `${live.ttft.length} points`);
  assert.ok(live.bins.length <= MAX_BINS, `${live.bins.length} bins`);
  // Every token is in some bin: 100,000 requests × 3 tokens.
  assert.equal(live.bins.reduce((a, b) => a + b, 0), 300_000);
  const html = livePanelHtml(
    { ...newProgress(100_000), finished: 100_000, succeeded: 100_000, elapsedMs: 1_000_000, outputTokens: 300_000 },
    live,
    "Run",
  );
  assert.match(html, /100000\/100000 done · 100000 ok/);
  assert.match(html, /300 tok\/s/);
  assert.match(html, /aria-label="TTFT of each finished request over the run"/);
  assert.match(html, /<polyline points="/);
  assert.ok(html.split("<circle").length - 1 === live.ttft.length);
});

Deno.test("failed and warm-up requests are not drawn", () => {
  const live = newLiveRun();
  recordSeen(live, fixtureRecord({ status: "error", ttftMs: null }));
  recordSeen(live, fixtureRecord({ warmup: true }));
  assert.deepEqual(live.ttft, []);
  assert.deepEqual(live.bins, []);
});
