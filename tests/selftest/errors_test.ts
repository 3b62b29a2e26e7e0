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
  const log = { "7": { arrival: 1_000_100.2, sends: [1_000_149.5, 1_000_160, 1_000_170], end: 1_000_171 } };
  const e = measurementErrors([r], 1_000_000, log);
  assert.equal(e.requests, 1);
  assert.equal(e.chunks, 3);
  assert.ok(Math.abs(e.ttftMs.p50! - 0.5) < 1e-9, `ttft error ${e.ttftMs.p50}`);
  assert.ok(Math.abs(e.interTokenMs.min! - 0) < 1e-9 && Math.abs(e.interTokenMs.max! - 0.5) < 1e-9);
  assert.ok(Math.abs(e.e2eMs.p50! - 1) < 1e-9);
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
  const errors = (ttftP99: number, itlP50: number) => ({
    ttftMs: { ...fixtureStats(), p99: ttftP99 },
    e2eMs: { ...fixtureStats(), p99: ok.p99 },
    interTokenMs: { ...fixtureStats(), p50: itlP50 },
    requests: 1,
    chunks: 1,
  });
  assert.equal(verdict(64, errors(0.4, 0.1)).pass, true);
  assert.match(verdict(64, errors(0.6, 0.1)).misses[0], /TTFT p99 error 0.600 ms > 0.5/);
  assert.equal(verdict(512, errors(4.9, 0.1)).pass, true);
  assert.equal(verdict(512, errors(4.9, 0.6)).pass, false);
});

function fixtureStats() {
  return { count: 1, mean: 0, stddev: null, min: 0, p5: 0, p25: 0, p50: 0, p75: 0, p90: 0, p95: 0, p99: 0, max: 0 };
}
