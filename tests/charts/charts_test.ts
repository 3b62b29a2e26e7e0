import assert from "node:assert/strict";
import {
  boxChart,
  curveChart,
  e2eVsOutputChart,
  groupedBoxChart,
  runCharts,
  throughputVsOutputChart,
  timelineChart,
  ttftVsInputChart,
} from "../../lib/charts/charts.ts";
import type { RequestRecord } from "../../lib/results/schema.ts";

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
  assert.equal(count(t.html, "<rect"), 3 * 2 + 1 + 4); // bars, plus the 4 legend swatches
  assert.match(t.html, /waiting for first token/);
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
    "box-ttftMs",
    "box-e2eMs",
    "box-tpotMs",
    "box-interTokenLatencyMs",
    "box-outputTokensPerS",
  ]);
  for (const c of charts) assert.match(c.html, /SIMULATED ENDPOINT/);
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
