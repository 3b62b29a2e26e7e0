import assert from "node:assert/strict";
import {
  boxChart,
  chatTurnsCharts,
  curveChart,
  e2eVsOutputChart,
  groupedBoxChart,
  latencyOverTimeChart,
  runCharts,
  stallChart,
  throughputVsOutputChart,
  timelineChart,
  ttftVsInputChart,
} from "../../lib/charts/charts.ts";
import type { RequestRecord } from "../../lib/results/schema.ts";
import { fixtureRecord } from "../_helpers.ts";

function rec(i: number, over: Partial<RequestRecord> = {}): RequestRecord {
  return {
    index: i,
    status: "ok",
    startOffsetMs: i * 100,
    endOffsetMs: i * 100 + 1000,
    clientQueueMs: 0,
    httpStatus: 200,
    ttfbMs: 2,
    ttftMs: 50 + i * 10,
    e2eMs: 1000,
    tpotMs: 10,
    interTokenLatenciesMs: [9, 10, 11],
    textEvents: 4,
    emptyEvents: 1,
    tokensPerEvent: 1,
    requestedInputTokens: 100 + i * 50,
    inputTokens: 100 + i * 50,
    inputTokenSource: "server",
    requestedOutputTokens: 4,
    outputTokens: 4 + i,
    outputTokenSource: "server",
    outputTokensPerS: 4 + i,
    decodeTokensPerS: 3,
    finishReason: "length",
    generatedText: "",
    ...over,
  };
}

const records = [
  rec(0),
  rec(1),
  rec(2),
  rec(3, { status: "error", ttftMs: null, e2eMs: null, error: { code: "HTTP_STATUS", message: "x" } }),
];
const count = (html: string, what: string) => html.split(what).length - 1;

Deno.test("scatter charts draw one dot per successful request, with unit-carrying axis labels", () => {
  const ttft = ttftVsInputChart(records);
  assert.equal(ttft.empty, false);
  assert.equal(count(ttft.html, "<circle"), 3); // the failed request is not drawn
  assert.match(ttft.html, /TTFT \(ms\)/);
  assert.match(ttft.html, /Input tokens/);
  assert.match(ttft.html, /data-chart="ttft-vs-input"/);
  const e2e = e2eVsOutputChart(records);
  assert.equal(count(e2e.html, "<circle"), 3);
  assert.match(e2e.html, /End-to-end latency \(s\)/);
  const tput = throughputVsOutputChart(records);
  assert.match(tput.html, /Output throughput \(tokens\/s\)/);
});

Deno.test("timeline draws a waiting and a streaming bar per successful request and one per failure", () => {
  const t = timelineChart(records);
  assert.equal(count(t.html, "<rect"), 3 * 2 + 1 + 5); // bars, plus the 5 legend swatches
  assert.match(t.html, /waiting for first token/);
  // Hovering a bar shows its request (an SVG title, shown with or without script).
  assert.match(t.html, /<title>request #0 · ok\nTTFT/);
  assert.match(t.html, /Time since run start \(s\)/);
});

Deno.test("box charts show a metric's distribution, grouped box charts one box per run", () => {
  const b = boxChart(records, "interTokenLatencyMs");
  assert.match(b.html, /aria-label="box"|aria-label="bar"/);
  assert.match(b.html, /Inter-token latency \(ms\)/);
  const g = groupedBoxChart([{ label: "1", records }, { label: "8", records: records.slice(0, 2) }], "ttftMs", {
    groupLabel: "concurrency",
  });
  assert.match(g.title, /TTFT \(ms\) by concurrency/);
  assert.match(g.html, />1</); // one box per run, labelled on the x axis
  assert.match(g.html, />8</);
});

Deno.test("a chart with no data says so instead of drawing an empty frame", () => {
  for (
    const chart of [
      ttftVsInputChart([]),
      timelineChart([]),
      boxChart([records[3]], "e2eMs"),
      groupedBoxChart([], "e2eMs"),
      curveChart([], { id: "c", title: "C", x: "x", y: "y" }),
    ]
  ) {
    assert.equal(chart.empty, true);
    assert.match(chart.html, /No data to draw/);
    assert.doesNotMatch(chart.html, /<svg/);
  }
});

Deno.test("subtitle labels every chart of a simulated run; runCharts() gives the standard set", () => {
  const charts = runCharts(records, { subtitle: "SIMULATED ENDPOINT" });
  assert.deepEqual(charts.map((c) => c.id), [
    "ttft-vs-input",
    "e2e-vs-output",
    "throughput-vs-output",
    "timeline",
    "ttft-over-time",
    "itl-over-time",
    "stalls",
    "ecdf-run-ttftMs",
    "ecdf-run-e2eMs",
    "box-ttftMs",
    "box-e2eMs",
    "box-tpotMs",
    "box-interTokenLatencyMs",
    "box-outputTokensPerS",
  ]);
  for (const c of charts.filter((c) => !c.empty)) assert.match(c.html, /SIMULATED ENDPOINT/);
});

Deno.test("distributions show their data: every value over the box when there are few; y axes not forced to 0", () => {
  const few = boxChart(records, "ttftMs");
  // The box's own median tick, and a group with one tick per value.
  assert.equal(count(few.html, 'aria-label="tick"'), 2, "a tick per value over the box");
  const many = boxChart(Array.from({ length: 300 }, (_, i) => fixtureRecord({ index: i, ttftMs: i })), "ttftMs");
  assert.equal(count(many.html, 'aria-label="tick"'), 1, "300 values: the box alone");
  // Throughput of 84–93 tok/s: the axis spans the data, not 0…93.
  const rs = Array.from(
    { length: 12 },
    (_, i) => fixtureRecord({ index: i, outputTokens: 50 + i, outputTokensPerS: 84 + (i % 10) }),
  );
  const tput = throughputVsOutputChart(rs);
  const ticks = [...tput.html.matchAll(/<text[^>]*>(\d+)<\/text>/g)].map((m) => Number(m[1]));
  assert.ok(!ticks.includes(0) || Math.min(...ticks.filter((t) => t > 60)) > 0, "no tick at 0 on the y axis");
  assert.ok(ticks.some((t) => t >= 84 && t <= 93), `ticks ${ticks.join(",")}`);
});

Deno.test("stall chart: one bar per stall, on the run's time; says so when no reader waited", () => {
  const stalled = fixtureRecord({
    index: 7,
    startOffsetMs: 1000,
    stallCount: 2,
    stallMs: 900,
    longestStallMs: 600,
    stalls: [{ atMs: 100, ms: 300 }, { atMs: 800, ms: 600 }],
  });
  const c = stallChart([stalled, fixtureRecord({ stallCount: 0, stallMs: 0, longestStallMs: 0 })], {
    readingSpeed: 5.3,
  });
  assert.equal(c.empty, false);
  assert.match(c.title, /reading at 5\.3 tokens\/s/);
  assert.equal(count(c.html, 'aria-label="bar"'), 1);
  assert.match(c.html, /<title>request #7[^<]*stall of 600 ms<\/title>/);
  const none = stallChart([fixtureRecord({ stallCount: 0, stallMs: 0, longestStallMs: 0 })]);
  assert.equal(none.empty, true);
  assert.match(none.html, /no answer made its reader wait/);
});

Deno.test("curve chart draws a line per series with markers", () => {
  const c = curveChart(
    [{ x: 1, y: 10, series: "p50" }, { x: 4, y: 20, series: "p50" }, { x: 1, y: 15, series: "p99" }, {
      x: 4,
      y: null,
      series: "p99",
    }],
    { id: "c", title: "TTFT vs concurrency", x: "Concurrent requests", y: "TTFT (ms)" },
  );
  assert.equal(c.empty, false);
  assert.match(c.html, /TTFT \(ms\)/);
  assert.ok(count(c.html, "<path") >= 2);
});

Deno.test("client vs server charts appear only when the server reported timings", () => {
  assert.equal(runCharts(records).some((c) => c.id.startsWith("client-vs-server")), false);
  const withServer = records.map((r) => ({ ...r, serverTtftMs: 40, serverE2eMs: 990 }));
  const charts = runCharts(withServer);
  const ttft = charts.find((c) => c.id === "client-vs-server-ttft")!;
  assert.equal(ttft.empty, false);
  assert.match(ttft.html, /Time to first token \(ms\)/);
  assert.match(ttft.html, />client</);
  assert.match(ttft.html, />server</);
  assert.ok(charts.some((c) => c.id === "client-vs-server-e2e"));
});

Deno.test("charts a person can read: own axes for TTFT and ITL over time, titles that differ, marked percentiles", () => {
  const ttft = latencyOverTimeChart(records);
  const itl = latencyOverTimeChart(records, { metric: "itl" });
  assert.deepEqual([ttft.id, itl.id], ["ttft-over-time", "itl-over-time"]);
  assert.match(ttft.html, /↑ TTFT \(ms\)/);
  assert.match(itl.html, /↑ mean inter-token latency of the request \(ms\)/);
  assert.doesNotMatch(ttft.html, /inter-token/, "one metric per panel");
  const titles = runCharts(records).map((c) => c.title);
  assert.equal(new Set(titles).size, titles.length, `every chart its own title: ${titles.join(" | ")}`);
  const box = boxChart(records, "ttftMs");
  for (const p of ["p50", "p90", "p99"]) {
    assert.match(box.html, new RegExp(`>${p}</text>`), `${p} named on the box plot`);
  }
  assert.match(box.html, /grey ticks: each of the \d+ values/, "the ticks explained");
  assert.match(timelineChart(records).html, /↑ request, in the order sent/, "the timeline's y axis says what a row is");
});

Deno.test("no stall is one line, not an empty card; sweep points say their load and ring a SUSPECT run", () => {
  const calm = records.map((r) => ({ ...r, stallCount: 0 }));
  const stalls = stallChart(calm, { readingSpeed: 5 });
  assert.equal(stalls.empty, true);
  assert.match(stalls.html, /^<p class="llm-bench-chart-line" data-chart="stalls"><b>Reader stalls .*:<\/b> none/);
  const curve = curveChart([
    { x: 100, y: 50, series: "E2E p99", label: "c=1" },
    { x: 200, y: 80, series: "E2E p99", label: "c=2", suspect: "the client's event loop lagged" },
  ], { id: "c", title: "C", x: "tok/s", y: "ms", linearX: true });
  assert.match(curve.html, />c=1<\/text>/);
  assert.match(curve.html, />c=2<\/text>/);
  assert.match(curve.html, /<title>SUSPECT: the client's event loop lagged<\/title>/);
  assert.match(curve.html, /Ringed in red: a SUSPECT run/);
  assert.doesNotMatch(
    curveChart([{ x: 1, y: 1, series: "s" }], { id: "c", title: "C", x: "x", y: "y" }).html,
    /Ringed/,
  );
});

Deno.test("chat's bars keep headroom: the y axis reaches above the tallest bar", () => {
  const [ttft] = chatTurnsCharts([{ turn: 1, ttftS: 0.4, throughputTokensPerS: 80, latencyS: 1 }, {
    turn: 2,
    ttftS: 1.0,
    throughputTokensPerS: 90,
    latencyS: 1,
  }]);
  const yAxis = /aria-label="y-axis tick label"[^]*?<\/g>/.exec(ttft.html)![0];
  const ticks = [...yAxis.matchAll(/<text[^>]*>([\d.]+)<\/text>/g)].map((m) => Number(m[1]));
  assert.ok(Math.max(...ticks) > 1.0, `ticks ${ticks.join(",")} reach above 1.0`);
});
