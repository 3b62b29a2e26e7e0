import assert from "node:assert/strict";
import { benchmark } from "../../mod.ts";
import { backlogLimit, probeRequests } from "../../lib/runner/capacity.ts";

Deno.test("a run that falls behind its arrivals stops at the backlog limit: stop reason backlog, the rest aborted", async () => {
  // One batch slot, 20-token answers (~250 ms each) and 40 arrivals a second: the queue grows by ~36 a second.
  const { summary, records } = await benchmark({
    requestRate: 40,
    arrival: "constant",
    maxNumCompletedRequests: 200,
    meanOutputTokens: 20,
    stddevOutputTokens: 0,
    sim: { maxBatch: 1, jitter: 0 },
    serverMetrics: "off",
  }, { writeFiles: false, maxBacklog: 12 });
  assert.equal(summary.run.stopReason, "backlog");
  // The 13th request in flight tripped the limit of 12: those 13 were aborted, those done before kept.
  assert.equal(records.filter((r) => r.status === "aborted").length, 13);
  assert.equal(summary.run.requestsStarted, 13 + summary.run.requestsSucceeded);
  assert.ok(summary.run.requestsStarted < 30, "sending stopped there");
});

Deno.test("a probe's size lets its strictest check pass; a rate probe's backlog limit follows Little's law", () => {
  assert.equal(probeRequests("concurrency", 1, 0.9), 80);
  assert.equal(probeRequests("concurrency", 1, 0.99), Math.ceil(1.25 * 381) + 2);
  assert.equal(probeRequests("rate", 100, 0.5), 1500);
  assert.equal(backlogLimit(20, { ttftMs: 500, tpotMs: 20 }, 100), Math.ceil(4 * 20 * 2.5));
  assert.equal(
    backlogLimit(20, { percentiles: [{ metric: "e2e", percentile: 99, maxMs: 5000 }] }, 100),
    400,
    "a percentile's limit bounds a request's time too",
  );
});
