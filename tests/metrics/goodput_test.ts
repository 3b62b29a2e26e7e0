import assert from "node:assert/strict";
import { parseSlo } from "../../lib/config/slo.ts";
import { meetsSlo } from "../../lib/metrics/goodput.ts";
import { summarize } from "../../lib/metrics/summary.ts";
import { fixtureRecord } from "../_helpers.ts";
import { environmentInfo } from "../../lib/runner/environment.ts";

Deno.test("parseSlo() reads ms and s, any subset, and names what it cannot read", () => {
  assert.deepEqual(parseSlo("ttft=500ms,tpot=50ms,e2e=10s"), { ttftMs: 500, tpotMs: 50, e2eMs: 10_000 });
  assert.deepEqual(parseSlo("e2e=1.5s"), { e2eMs: 1500 });
  assert.match(parseSlo("ttft=500") as string, /expected name=value with a unit/);
  assert.match(parseSlo("latency=5s") as string, /unknown SLO "latency": accepted ttft, tpot, e2e/);
  assert.match(parseSlo("") as string, /no SLO given/);
});

Deno.test("meetsSlo(): success within every SLO set; an undefined metric is judged on the others", () => {
  const slo = { ttftMs: 100, tpotMs: 10 };
  assert.equal(meetsSlo(fixtureRecord({ ttftMs: 100, tpotMs: 10 }), slo), true);
  assert.equal(meetsSlo(fixtureRecord({ ttftMs: 101, tpotMs: 5 }), slo), false);
  assert.equal(meetsSlo(fixtureRecord({ ttftMs: 50, tpotMs: 10.5 }), slo), false);
  assert.equal(meetsSlo(fixtureRecord({ ttftMs: 50, tpotMs: null }), slo), true, "one-token answer");
  assert.equal(meetsSlo(fixtureRecord({ status: "error", ttftMs: 1 }), slo), false);
});

Deno.test("summarize() reports goodput and attainment, leaving warm-up requests and aborts out", () => {
  const records = [
    fixtureRecord({ index: 0, startOffsetMs: 0, endOffsetMs: 1000, ttftMs: 80 }),
    fixtureRecord({ index: 1, startOffsetMs: 0, endOffsetMs: 2000, ttftMs: 120 }),
    fixtureRecord({ index: 2, startOffsetMs: 500, endOffsetMs: 1500, ttftMs: 90 }),
    fixtureRecord({
      index: 3,
      status: "error",
      startOffsetMs: 600,
      endOffsetMs: 700,
      error: { code: "HTTP_STATUS", message: "x" },
    }),
    fixtureRecord({
      index: 4,
      status: "aborted",
      startOffsetMs: 600,
      endOffsetMs: 900,
      error: { code: "ABORTED", message: "x" },
    }),
    fixtureRecord({ index: 0, warmup: true, startOffsetMs: -5000, endOffsetMs: -4000, ttftMs: 5000 }),
  ];
  const s = summarize(records, {
    config: {},
    startedAt: "2026-01-01T00:00:00Z",
    stopReason: "completed",
    environment: environmentInfo(),
    tokenizer: "t",
    endpoint: { api: "sim", url: "u", model: "m", simulated: true },
    slo: { ttftMs: 100 },
  });
  assert.equal(s.run.warmupRequests, 1);
  assert.equal(s.run.requestsStarted, 5);
  assert.equal(s.run.wallTimeS, 2, "warm-up is outside the wall time");
  assert.deepEqual(s.goodput, { slo: { ttftMs: 100 }, met: 2, attainment: 0.5, requestsPerS: 1 }); // 2 of 4 judged, over 2 s
  assert.equal(s.metrics.ttftMs.max, 120, "the warm-up's 5 s TTFT is in no statistic");
});

Deno.test("summarize() counts a record judged when it finished by that judgement, and judges only the others", () => {
  const context = {
    config: {},
    startedAt: "2026-01-01T00:00:00Z",
    stopReason: "completed" as const,
    environment: environmentInfo(),
    tokenizer: "t",
    endpoint: { api: "sim", url: "u", model: "m", simulated: true },
    slo: { ttftMs: 100 },
  };
  const records = [
    fixtureRecord({ index: 0, endOffsetMs: 1000, ttftMs: 80, meetsSlo: false }), // judged at run time (another SLO)
    fixtureRecord({ index: 1, endOffsetMs: 1000, ttftMs: 80 }), // not judged yet: judged here
    fixtureRecord({ index: 2, endOffsetMs: 1000, ttftMs: 500, meetsSlo: true }),
  ];
  assert.equal(summarize(records, context).goodput?.met, 2);
});
