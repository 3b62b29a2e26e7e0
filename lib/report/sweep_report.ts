import { curveChart } from "../charts/charts.ts";
import type { SweepSummary } from "../metrics/sweep.ts";
import { chartsHtml, REPORT_CSS, statCell } from "./html_report.ts";
import { INTERACTIVE_SCRIPT } from "./interactive.ts";
import { escapeHtml } from "../charts/escape.ts";
import {
  healthCell,
  markedCell,
  SWEEP_COLUMNS as COLUMNS,
  SWEEP_LABELS as LABELS,
  sweepLoadText,
} from "./sweep_table.ts";
import { TOO_FEW_LEGEND, TOO_FEW_MARK } from "./summary_table.ts";

/** How a point of latency against throughput names its load: `c=8`, `8 req/s`. */
const SHORT: Record<string, string> = { numConcurrentRequests: "c=", meanInputTokens: "in=", meanOutputTokens: "out=" };

/** The load-curve charts of a sweep: latency percentiles and throughput against the swept value, latency vs throughput. */
export function sweepCharts(sweep: SweepSummary) {
  const x = LABELS[sweep.field] ?? sweep.field;
  const subtitle = sweep.simulated ? "SIMULATED ENDPOINT" : undefined;
  const rows = sweep.rows;
  const why = (
    r: typeof rows[number],
  ) => (r.health === "suspect" ? r.healthReasons.join("; ") || "suspect" : undefined);
  const short = SHORT[sweep.field] ?? "";
  return [
    curveChart(
      rows.flatMap((r) => [
        { x: r.value, y: r.ttftP50Ms, series: "TTFT p50", interval: r.ci?.ttftP50Ms, suspect: why(r) },
        { x: r.value, y: r.ttftP99Ms, series: "TTFT p99", interval: r.ci?.ttftP99Ms, suspect: why(r) },
      ]),
      { id: "sweep-ttft", title: `Time to first token vs ${x.toLowerCase()}`, x, y: "TTFT (ms)" },
      { subtitle, width: 460 },
    ),
    curveChart(
      rows.flatMap((r) => [
        { x: r.value, y: r.e2eP50Ms, series: "E2E p50", interval: r.ci?.e2eP50Ms, suspect: why(r) },
        { x: r.value, y: r.e2eP99Ms, series: "E2E p99", interval: r.ci?.e2eP99Ms, suspect: why(r) },
      ]),
      { id: "sweep-e2e", title: `End-to-end latency vs ${x.toLowerCase()}`, x, y: "End-to-end latency (ms)" },
      { subtitle, width: 460 },
    ),
    curveChart(
      rows.map((r) => ({
        x: r.value,
        y: r.outputTokensPerS,
        series: "total output tokens/s",
        interval: r.ci?.outputTokensPerS,
        suspect: why(r),
      })),
      { id: "sweep-throughput", title: `Output throughput vs ${x.toLowerCase()}`, x, y: "Output tokens/s" },
      { subtitle, width: 460 },
    ),
    curveChart(
      rows.flatMap((r) =>
        r.outputTokensPerS === null ? [] : [
          { x: r.outputTokensPerS, y: r.e2eP50Ms, series: "E2E p50", suspect: why(r) },
          // The load each point was measured at, once per load (beside its p99).
          {
            x: r.outputTokensPerS,
            y: r.e2eP99Ms,
            series: "E2E p99",
            label: sweep.field === "requestRate" ? `${r.value} req/s` : `${short}${r.value}`,
            suspect: why(r),
          },
        ]
      ),
      {
        id: "sweep-latency-vs-throughput",
        title: "Latency vs throughput",
        x: "Total output tokens/s",
        y: "End-to-end latency (ms)",
        linearX: true,
      },
      { subtitle, width: 460 },
    ),
  ];
}

/** A self-contained HTML page of the sweep: the table and the load curves. */
export function sweepReportHtml(sweep: SweepSummary): string {
  const head = [LABELS[sweep.field] ?? sweep.field, ...COLUMNS.map(([h]) => h), "health"];
  const table = `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join("")}</tr></thead><tbody>${
    sweep.rows.map((r) =>
      `<tr><td>${r.value}</td>${COLUMNS.map(([, f, p]) => statCell(markedCell(r, f, p))).join("")}<td${
        r.health === "suspect"
          ? ` style="color:#b00020;font-weight:600" title="${escapeHtml(r.healthReasons.join("; "))}"`
          : ""
      }>${healthCell(r)}</td></tr>`
    )
      .join("")
  }</tbody></table>${
    sweep.rows.some((r) => COLUMNS.some(([, f, p]) => markedCell(r, f, p).endsWith(TOO_FEW_MARK)))
      ? `<p class="meta too-few-legend">${escapeHtml(TOO_FEW_LEGEND)}</p>`
      : ""
  }${sweep.load ? `<p class="meta">load: ${escapeHtml(sweepLoadText(sweep))}</p>` : ""}`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>llm-bench sweep</title><style>${REPORT_CSS}
body { margin: 24px; }</style></head><body class="llm-bench"><h1 style="font-size:20px">llm-bench sweep over ${
    (LABELS[sweep.field] ?? sweep.field).toLowerCase()
  }</h1>${
    sweep.simulated ? '<div class="sim-banner">⚠ SIMULATED ENDPOINT — the sweep ran against the simulator</div>' : ""
  }${table}${chartsHtml(sweepCharts(sweep))}${INTERACTIVE_SCRIPT}</body></html>\n`;
}
