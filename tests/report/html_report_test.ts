import assert from "node:assert/strict";
import { runReportHtml, summaryTableHtml } from "../../lib/report/html_report.ts";
import { summarize } from "../../lib/metrics/summary.ts";
import type { RequestRecord } from "../../lib/results/schema.ts";
import { fixtureRecord } from "../_helpers.ts";
import { environmentInfo } from "../../lib/runner/environment.ts";

const record: RequestRecord = fixtureRecord({ generatedText: "<script>alert(1)</script>" });

const summary = (simulated: boolean) =>
  summarize([record, { ...record, index: 1 }], {
    config: {},
    startedAt: "2026-11-27T00:00:00.000Z",
    stopReason: "completed",
    environment: environmentInfo(),
    tokenizer: "t",
    endpoint: { api: "sim", url: "http://127.0.0.1:1/v1/chat/completions", model: "m<b>", simulated },
  });

Deno.test("the HTML report is one self-contained page with the table, the charts and the simulated banner", () => {
  const html = runReportHtml(summary(true), [record, { ...record, index: 1 }]);
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /class="sim-banner"/);
  assert.match(html, /Time to first token \(ms\)/);
  assert.ok(html.split("<svg").length - 1 >= 9);
  assert.doesNotMatch(html, /<script[^>]*\ssrc=|<link |https?:\/\/(?!127\.0\.0\.1)/, "nothing fetched");
  // The charts explore in a browser (inline script), and stay readable without it (static SVG with titles).
  assert.equal(html.split("<script>").length - 1, 1, "one inline script");
  assert.match(html, /<title>request #0 · ok/);
  assert.match(html, /load: sim \(simulated\) · m&lt;b&gt; · closed loop/, "the report states its load");
  assert.match(html, /m&lt;b&gt;/, "names are escaped");
  assert.doesNotMatch(runReportHtml(summary(false), [record]), /class="sim-banner"/);
});

Deno.test("summaryTableHtml() has one row per metric with values", () => {
  const t = summaryTableHtml(summary(false));
  assert.match(t, /<td>Time to first token \(ms\)<\/td><td>50\.0<\/td>/);
});
