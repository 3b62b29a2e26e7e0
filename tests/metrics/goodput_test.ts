import assert from "node:assert/strict";
import { parseSlo, type Slo, sloTerms, sloText } from "../../lib/config/slo.ts";
import { overallVerdict, sloChecks } from "../../lib/metrics/capacity.ts";
import { formatSummaryTable } from "../../lib/report/summary_table.ts";
import { benchmark } from "../../mod.ts";
import { meetsSlo } from "../../lib/metrics/goodput.ts";
import { summarize } from "../../lib/metrics/summary.ts";
import { fixtureRecord } from "../_helpers.ts";
import { environmentInfo } from "../../lib/runner/environment.ts";

Deno.test("parseSlo() reads ms and s, any subset, and names what it cannot read", () => {
  assert.deepEqual(parseSlo("ttft=500ms,tpot=50ms,e2e=10s"), { ttftMs: 500, tpotMs: 50, e2eMs: 10_000 });
  assert.deepEqual(parseSlo("e2e=1.5s"), { e2eMs: 1500 });
  assert.match(parseSlo("ttft=500") as string, /expected metric<=value or metric\.pNN<=value with a unit/);
  assert.match(parseSlo("latency=5s") as string, /unknown SLO metric "latency": accepted ttft, tpot, e2e/);
  assert.match(parseSlo("") as string, /no SLO given/);
});

Deno.test("parseSlo() reads limits on percentiles beside per-request ones", () => {
  assert.deepEqual(parseSlo("ttft.p99<=500ms, tpot.p50<=50ms, e2e<=10s, ttft.p99.9 <= 2s"), {
    e2eMs: 10_000,
    percentiles: [
      { metric: "ttft", percentile: 99, maxMs: 500 },
      { metric: "tpot", percentile: 50, maxMs: 50 },
      { metric: "ttft", percentile: 99.9, maxMs: 2000 },
    ],
  });
  const slo = parseSlo("e2e<=10s,ttft.p99<=0.5s") as Slo;
  assert.deepEqual(sloTerms(slo).map((t) => t.name), ["e2e<=10s", "ttft.p99<=500ms"]);
  assert.equal(sloText(slo), "E2E ≤ 10000 ms, TTFT p99 ≤ 500 ms");
});

Deno.test("a percentile's limit judges each request too: goodput counts the requests within every limit", () => {
  const slo = parseSlo("ttft.p90<=100ms,tpot<=10ms") as Slo;
  assert.equal(meetsSlo(fixtureRecord({ ttftMs: 100, tpotMs: 10 }), slo), true);
  assert.equal(meetsSlo(fixtureRecord({ ttftMs: 101, tpotMs: 10 }), slo), false);
});

Deno.test("sloChecks(): each percentile's limit against its own share, per-request limits against the target", () => {
  // 10 requests: TTFT 10, 20, …, 100 ms; one failed.
  const records = [
    ...Array.from({ length: 9 }, (_, i) => fixtureRecord({ index: i, ttftMs: (i + 1) * 10, tpotMs: 5 })),
    fixtureRecord({ index: 9, status: "error", ttftMs: null, tpotMs: null }),
    fixtureRecord({ index: 10, warmup: true, ttftMs: 1_000 }),
  ];
  const checks = sloChecks(records, parseSlo("ttft.p50<=55ms,tpot<=6ms") as Slo, 0.8);
  assert.deepEqual(checks.map((c) => [c.name, c.met, c.n, c.target]), [
    ["tpot<=6ms", 9, 10, 0.8], // the failure is a miss; the warm-up is left out
    ["ttft.p50<=55ms", 5, 10, 0.5],
  ]);
  // Observed figures at each check's share: TPOT p80 = 5 ms; TTFT p50 of 10, …, 90 and a failure (as +∞) = 55 ms.
  assert.deepEqual(checks.map((c) => c.figures.map((f) => [f.label, f.ms])), [[["TPOT p80", 5]], [["TTFT p50", 55]]]);
  assert.equal(checks[1].verdict, "INDETERMINATE", "5 of 10 cannot tell 50 % from more or less");
  assert.equal(overallVerdict(checks), "INDETERMINATE");
  assert.equal(overallVerdict([{ ...checks[0], verdict: "FAIL" }, checks[1]]), "FAIL");
  // No target for per-request limits (a plain run): only the percentiles are judged.
  assert.deepEqual(sloChecks(records, parseSlo("ttft.p50<=55ms,tpot<=6ms") as Slo, null).map((c) => c.name), [
    "ttft.p50<=55ms",
  ]);
});

Deno.test("a run with a percentile SLO reports its verdict in the summary and on the console", async () => {
  const { summary } = await benchmark({
    maxNumCompletedRequests: 20,
    numConcurrentRequests: 4,
    meanOutputTokens: 5,
    slo: { percentiles: [{ metric: "ttft", percentile: 50, maxMs: 60_000 }] },
    serverMetrics: "off",
  }, { writeFiles: false });
  const [check] = summary.goodput!.percentiles!;
  assert.deepEqual([check.name, check.met, check.n, check.verdict], ["ttft.p50<=60s", 20, 20, "PASS"]);
  const table = formatSummaryTable(summary);
  assert.match(
    table,
    /^TTFT p50 ≤ 60000 ms +[\d.,]+ ms · 100\.0 % within \(CI [\d.]+ %–100\.0 %\) · PASS$/m,
  );
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
