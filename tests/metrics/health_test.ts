import assert from "node:assert/strict";
import { assessHealth } from "../../lib/metrics/health.ts";
import { fixtureRecord } from "../_helpers.ts";

const steady = Array.from(
  { length: 10 },
  (_, i) => fixtureRecord({ index: i, interTokenLatenciesMs: Array(20).fill(10) }),
);
const calm = { lagMs: Array(100).fill(0.5), cpuMs: 300, wallMs: 1000 };

Deno.test("health: regular arrivals and a calm client are valid", () => {
  const h = assessHealth(steady, calm);
  assert.equal(h.verdict, "valid");
  assert.deepEqual(h.reasons, []);
  assert.equal(h.figures.tinyGapShare, 0);
  assert.equal(h.figures.clientCpuShare, 0.3);
});

Deno.test("health: bursty arrival (chunks read together) is flagged suspect", () => {
  const bursty = steady.map((r) => ({ ...r, interTokenLatenciesMs: [...Array(10).fill(0.01), ...Array(10).fill(20)] }));
  const h = assessHealth(bursty, calm);
  assert.equal(h.verdict, "suspect");
  assert.match(h.reasons[0], /bursty arrival: 50 % of inter-chunk gaps under 0.1 ms/);
});

Deno.test("health: a lagging event loop or a saturated client CPU is suspect", () => {
  const lagging = assessHealth(steady, {
    lagMs: [...Array(95).fill(0.5), ...Array(5).fill(30)],
    cpuMs: 300,
    wallMs: 1000,
  });
  assert.equal(lagging.verdict, "suspect");
  assert.match(lagging.reasons[0], /event loop lagged \(p99 30\.0 ms\)/);
  const busy = assessHealth(steady, { lagMs: Array(100).fill(0.5), cpuMs: 950, wallMs: 1000 });
  assert.match(busy.reasons[0], /used 95 % of a core/);
});

Deno.test("health: role-only first chunks are counted, several tokens per chunk and missing usage are noted", () => {
  const records = steady.map((r, i) => ({
    ...r,
    firstChunkEmpty: i < 4,
    tokensPerEvent: 3,
    outputTokenSource: i < 2 ? "tokenizer" as const : "server" as const,
    outputTokens: 1,
    requestedOutputTokens: 3,
  }));
  const h = assessHealth(records, calm);
  assert.equal(h.verdict, "valid", "findings that do not distort timings are notes");
  assert.equal(h.figures.emptyFirstChunks, 4);
  assert.ok(h.notes.some((n) => /4 responses began with a role-only or empty chunk/.test(n)));
  assert.ok(h.notes.some((n) => /3\.0 tokens per chunk/.test(n)));
  assert.ok(h.notes.some((n) => /2 responses had no usage block/.test(n)));
  assert.ok(h.notes.some((n) => /achieved output tokens are 33 % of requested/.test(n)));
});

Deno.test("health: warm-up records do not count; without a monitor the client figures are unknown", () => {
  const h = assessHealth([...steady, fixtureRecord({ warmup: true, interTokenLatenciesMs: Array(100).fill(0.001) })]);
  assert.equal(h.verdict, "valid");
  assert.equal(h.figures.eventLoopLagP99Ms, null);
});

Deno.test("health: connection reuse is a figure; a server that closes every connection is noted", () => {
  const kept = assessHealth(steady, { ...calm, connections: { opened: 2, requests: 10, reused: 8, concurrency: 2 } });
  assert.equal(kept.figures.connectionsOpened, 2);
  assert.equal(kept.figures.connectionReuseShare, 0.8);
  assert.ok(!kept.notes.some((n) => /connections opened/.test(n)));
  const closed = assessHealth(steady, {
    ...calm,
    connections: { opened: 10, requests: 10, reused: 0, concurrency: 2 },
  });
  assert.equal(closed.verdict, "valid");
  assert.ok(closed.notes.some((n) => /10 connections opened for 10 requests at concurrency 2/.test(n)));
  assert.equal(assessHealth(steady, calm).figures.connectionsOpened, null, "unknown with a client that cannot tell");
});

Deno.test("health: requests that left late are suspect; the time spent connecting is not counted as lateness", () => {
  const onTime = steady.map((r) => ({ ...r, requestWrittenMs: 0.1 }));
  assert.equal(assessHealth(onTime, calm).verdict, "valid");
  assert.equal(assessHealth(onTime, calm).figures.sendLagP99Ms, 0.1);
  // A cold first wave: 8 ms connecting, written right after — on time.
  const cold = onTime.map((r, i) => (i < 3 ? { ...r, connectMs: 8, requestWrittenMs: 8.1 } : r));
  const h = assessHealth(cold, calm);
  assert.equal(h.verdict, "valid", h.reasons.join("; "));
  assert.ok(h.notes.some((n) => /3 requests opened a connection: their TTFT includes connecting/.test(n)));
  const late = onTime.map((r, i) => (i < 2 ? { ...r, requestWrittenMs: 12 } : r));
  const l = assessHealth(late, calm);
  assert.equal(l.verdict, "suspect");
  assert.match(l.reasons[0], /requests left late: p99 1\d\.\d ms \(max 12\.0\)/);
});

Deno.test("health: a run without a successful request blames no one's CPU: it says there was no successful request", () => {
  const failed = steady.map((r) => ({ ...r, status: "error" as const, error: { code: "HTTP_STATUS", message: "x" } }));
  const h = assessHealth(failed, { lagMs: [0.5], cpuMs: 940, wallMs: 1000 });
  assert.equal(h.verdict, "suspect");
  assert.deepEqual(h.reasons, ["no successful request: there is nothing to judge the measurement by"]);
});
