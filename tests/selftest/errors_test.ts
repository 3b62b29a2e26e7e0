import assert from "node:assert/strict";
import { measurementErrors, verdict } from "../../lib/selftest/errors.ts";
import { fixtureRecord } from "../_helpers.ts";

Deno.test("selftest errors: client arrivals rebuilt from the record, compared with the server's send log", () => {
  // Run started at epoch 1,000,000. The request was sent at +100 ms; the client saw text at +150, +160.5, +171 and
  // the last byte at +172. The server sent the chunks at +149.5, +160, +170 and ended the stream at +171.
  const r = fixtureRecord({
    index: 7,
    startOffsetMs: 100,
    endOffsetMs: 172,
    ttftMs: 50,
    interTokenLatenciesMs: [10.5, 10.5],
  });
  // The server received the request at +100.2 (0.2 ms after t0): its own TTFT was 49.3 ms, the client's 50.
  const log = { "7": { arrival: 1_000_100.2, sends: [1_000_149.5, 1_000_160, 1_000_170], end: 1_000_171 } };
  const e = measurementErrors([r], 1_000_000, log);
  assert.equal(e.requests, 1);
  assert.equal(e.chunks, 3);
  assert.ok(Math.abs(e.sendMs.p50! - 0.2) < 1e-6, `send-side error ${e.sendMs.p50}`);
  assert.ok(Math.abs(e.ttftMs.p50! - 0.7) < 1e-6, `whole TTFT error ${e.ttftMs.p50}: 0.2 to send + 0.5 to receive`);
  assert.ok(Math.abs(e.interTokenMs.min! - 0) < 1e-9 && Math.abs(e.interTokenMs.max! - 0.5) < 1e-9);
  assert.ok(Math.abs(e.e2eMs.p50! - 1) < 1e-9);
});

Deno.test("selftest errors: a request that left late shows in the send side and in TTFT, not in the first chunk", () => {
  // t0 at +0; the server received it only at +30 (a late first wave), answered 100 ms later, and the client saw the
  // first text 0.5 ms after it was sent: an arrival-only comparison would call this a 0.5 ms error.
  const r = fixtureRecord({ index: 1, startOffsetMs: 0, endOffsetMs: 131, ttftMs: 130.5, interTokenLatenciesMs: [] });
  const log = { "1": { arrival: 30, sends: [130], end: 130.5 } };
  const e = measurementErrors([r], 0, log);
  assert.equal(e.sendMs.max, 30);
  assert.equal(e.ttftMs.max, 30.5);
});

Deno.test("selftest errors: requests missing from the log or failed are left out", () => {
  const e = measurementErrors(
    [fixtureRecord({ index: 1 }), fixtureRecord({ index: 2, status: "error", ttftMs: null })],
    0,
    { "2": { arrival: 0, sends: [1], end: 2 } },
  );
  assert.equal(e.requests, 0);
  assert.equal(e.ttftMs.count, 0);
});

Deno.test("selftest verdict: targets by concurrency", () => {
  const ok = { p99: 0.4, p50: 0.1 };
  const errors = (ttftP99: number, itlP50: number, sendP99 = 0.2) => ({
    sendMs: { ...fixtureStats(), p99: sendP99 },
    ttftMs: { ...fixtureStats(), p99: ttftP99 },
    e2eMs: { ...fixtureStats(), p99: ok.p99 },
    interTokenMs: { ...fixtureStats(), p50: itlP50 },
    requests: 1,
    chunks: 1,
  });
  assert.equal(verdict(64, errors(4.9, 0.1)).pass, true);
  assert.match(verdict(64, errors(5.1, 0.1)).misses[0], /TTFT p99 error 5.100 ms > 5/);
  assert.match(verdict(64, errors(1, 0.1, 1.5)).misses[0], /send p99 error 1.500 ms > 1/);
  assert.equal(verdict(512, errors(60, 0.1, 9)).pass, true, "beyond 64: TTFT p50 and E2E");
  assert.equal(verdict(512, errors(4.9, 0.6)).pass, false);
});

function fixtureStats() {
  return { count: 1, mean: 0, stddev: null, min: 0, p5: 0, p25: 0, p50: 0, p75: 0, p90: 0, p95: 0, p99: 0, max: 0 };
}
