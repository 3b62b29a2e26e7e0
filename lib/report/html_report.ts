import type { Chart } from "../charts/charts.ts";
import { runCharts, serverViewCharts } from "../charts/charts.ts";
import type { RequestRecord, RunSummary } from "../results/schema.ts";
import {
  clientServerRows,
  formatInterval,
  headline,
  healthFigures,
  partialLine,
  serverLines,
  shardRows,
  shownFigures,
  summaryRows,
  TABLE_COLUMNS,
  TOO_FEW_LEGEND,
  TOO_FEW_MARK,
  workloadLine,
} from "./summary_table.ts";
import { escapeHtml } from "../charts/escape.ts";
import { INTERACTIVE_SCRIPT } from "./interactive.ts";

/** Styles for tables and charts in reports and notebook outputs (no external resources). */
export const REPORT_CSS = `
.llm-bench { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; }
.llm-bench table { border-collapse: collapse; font-size: 13px; margin: 8px 0 16px; }
.llm-bench th, .llm-bench td { padding: 3px 10px; border-bottom: 1px solid #e3e3e3; text-align: right; }
.llm-bench th:first-child, .llm-bench td:first-child { text-align: left; }
.llm-bench thead th { border-bottom: 2px solid #999; }
.llm-bench .sim-banner { background: #fff3cd; border: 1px solid #e0b84c; padding: 8px 12px; font-weight: 600; margin: 8px 0; }
.llm-bench td.too-few { color: #8a6d3b; font-style: italic; }
.llm-bench .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 460px), 1fr)); gap: 18px 28px; }
.llm-bench figure.llm-bench-chart figcaption { font-size: 12px; color: #555; margin-top: 2px; }
.llm-bench figure.llm-bench-chart { margin: 0; min-width: 0; }
.llm-bench figure.llm-bench-chart > svg { height: auto; max-width: 100%; } /* drawn at its size, narrower where it must */
.llm-bench figure.llm-bench-chart h2 { font-size: 15px; margin: 4px 0 2px; }
.llm-bench figure.llm-bench-chart h3 { font-size: 12px; font-weight: 500; color: #8a6d00; margin: 0 0 4px; }
.llm-bench .llm-bench-empty { border: 1px dashed #bbb; padding: 10px 14px; color: #666; box-sizing: border-box; align-self: start; }
.llm-bench .llm-bench-empty h3 { font-size: 15px; margin: 0 0 4px; color: #333; }
.llm-bench .llm-bench-chart-line { grid-column: 1 / -1; margin: 0; color: #555; font-size: 13px; }
.llm-bench .meta { color: #555; font-size: 13px; }
`;

/** The summary as HTML tables (the same rows as the console table), with client vs server when the server reported
 * timings. */
export function summaryTableHtml(summary: RunSummary): string {
  const cs = clientServerRows(summary);
  const server = cs.length === 0 ? "" : `<h3 style="font-size:14px">Client vs server (p50)</h3>` +
    `<table class="llm-bench-client-server"><thead><tr><th>metric</th><th>client</th><th>server</th>` +
    `<th>client − server</th></tr></thead><tbody>${
      cs.map((r) => `<tr>${r.map((c, i) => `<td>${i ? c : escapeHtml(c)}</td>`).join("")}</tr>`).join("")
    }</tbody></table>` + statsTable(summaryRows(summary, "server"), "llm-bench-server");
  const shown = shownFigures(summary);
  const which = shown.line ? `<p class="meta window-line">${escapeHtml(shown.line)}</p>` : "";
  return which + statsTable(summaryRows(summary), "llm-bench-summary", summary) + server;
}

/** The statistics table, with the 95 % intervals of p50 and p99 where the summary has them. */
function statsTable(rows: ReturnType<typeof summaryRows>, cls: string, summary?: RunSummary): string {
  const metrics = summary ? shownFigures(summary).metrics : undefined;
  const ci = (r: (typeof rows)[number], stat: "p50" | "p99") => {
    const text = formatInterval(metrics?.[r.field].ci?.[stat]);
    return `<td${
      text === "too few" ? ' class="too-few" title="too few requests for a 95 % interval"' : ""
    }>${text}</td>`;
  };
  const withCi = metrics !== undefined && rows.some((r) => metrics[r.field].ci);
  return `<table class="${cls}"><thead><tr><th>metric</th>${TABLE_COLUMNS.map((c) => `<th>${c}</th>`).join("")}${
    withCi ? "<th>p50 95 % interval</th><th>p99 95 % interval</th>" : ""
  }</tr></thead><tbody>${
    rows.map((r) =>
      `<tr><td>${escapeHtml(r.label)}</td>${TABLE_COLUMNS.map((c) => statCell(r.cells[c])).join("")}${
        withCi ? ci(r, "p50") + ci(r, "p99") : ""
      }</tr>`
    ).join("")
  }</tbody></table>${
    rows.some((r) => TABLE_COLUMNS.some((c) => r.cells[c].endsWith(TOO_FEW_MARK)))
      ? `<p class="meta too-few-legend">${escapeHtml(TOO_FEW_LEGEND)}</p>`
      : ""
  }`;
}

/** A statistic's cell; a percentile from too few requests for its interval is marked and says so on hover. */
export function statCell(text: string): string {
  return text.endsWith(TOO_FEW_MARK)
    ? `<td class="too-few" title="too few requests for a 95 % interval of this percentile">${text}</td>`
    : `<td>${text}</td>`;
}

/** Headline figures, endpoint and simulated banner as an HTML fragment. */
export function summaryHeaderHtml(summary: RunSummary): string {
  const partial = partialLine(summary);
  const banner = (summary.simulated ? `<div class="sim-banner">⚠ ${escapeHtml(summary.label)}</div>` : "") +
    (partial ? `<div class="sim-banner partial-banner">⏹ ${escapeHtml(partial)}</div>` : "");
  const meta = `<p class="meta">model <b>${escapeHtml(summary.endpoint.model)}</b> · api ${
    escapeHtml(summary.endpoint.api)
  } · ${escapeHtml(summary.endpoint.url)}<br>load: ${escapeHtml(workloadLine(summary))}<br>tokenizer ${
    escapeHtml(summary.tokenizer)
  } · started ${escapeHtml(summary.run.startedAt)} · Deno ${escapeHtml(summary.environment.deno)} on ${
    escapeHtml(summary.environment.os)
  }, ${summary.environment.cpuCount} CPUs</p>`;
  const head = `<table class="llm-bench-headline"><tbody>${
    headline(summary).map(([k, v]) =>
      `<tr><td>${escapeHtml(k)}</td><td style="text-align:left">${escapeHtml(v)}</td></tr>`
    ).join("")
  }</tbody></table>`;
  const h = summary.health;
  const health = h
    ? `<p class="meta"><b>Health: ${h.verdict}</b>${
      h.reasons.length ? ` — ${escapeHtml(h.reasons.join("; "))}` : " — the client kept up; timings are trustworthy"
    }${healthFigures(h) ? `<br>${escapeHtml(healthFigures(h))}` : ""}${
      h.notes.map((n) => `<br>note: ${escapeHtml(n)}`).join("")
    }</p>`
    : "";
  return banner + meta + health + head;
}

/** A merged run's shards: one row each (requests, ok, failed, start lateness, health). */
export function shardTableHtml(merged: NonNullable<RunSummary["merged"]>): string {
  const [head, ...rows] = shardRows(merged);
  return `<h2 style="font-size:17px">Shards (${merged.rows.length} of ${merged.shards} merged)</h2><table><thead><tr>${
    head.map((h) => `<th>${escapeHtml(h)}</th>`).join("")
  }</tr></thead><tbody>${
    rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`).join("")
  }</tbody></table>`;
}

/** Charts side by side in a wrapping grid. */
export function chartsHtml(charts: readonly Chart[]): string {
  return `<div class="charts">${charts.map((c) => c.html).join("\n")}</div>`;
}

/** Wraps fragments in the report's styles, for a notebook cell output. */
export function styled(fragment: string): string {
  return `<div class="llm-bench"><style>${REPORT_CSS}</style>${fragment}</div>`;
}

/**
 * The "server view" panel: the server's own metrics on the run's timeline, with the client's output rate per second
 * beside the server's generated tokens (nothing when no metrics were scraped).
 */
export function serverViewHtml(summary: RunSummary, records: readonly RequestRecord[]): string {
  const server = summary.serverMetrics;
  if (!server) return "";
  // The client's output tokens per second of the run, each request's tokens spread over its stream.
  const seconds = Math.ceil(server.toS);
  const perSecond = new Array(Math.max(1, seconds)).fill(0);
  for (const r of records) {
    if (r.warmup || !r.outputTokens || r.ttftMs === null) continue;
    const from = (r.startOffsetMs + r.ttftMs) / 1000;
    const to = Math.max(from, r.endOffsetMs / 1000);
    const rate = r.outputTokens / Math.max(to - from, 1e-3);
    for (let s = Math.floor(from); s < Math.min(perSecond.length, Math.ceil(to)); s++) {
      perSecond[s] += rate * (Math.min(to, s + 1) - Math.max(from, s));
    }
  }
  const charts = serverViewCharts(server.series, {
    subtitle: summary.simulated ? "SIMULATED ENDPOINT" : undefined,
    engine: server.engine,
    ...(records.length ? { clientTokensPerS: perSecond.map((tokensPerS, i) => ({ t: i + 1, tokensPerS })) } : {}),
  });
  return `<h2 id="server-view" style="font-size:17px">Server view (the server's own /metrics)</h2><p class="meta">${
    escapeHtml(serverLines(summary).join(" · "))
  } — scraped from ${escapeHtml(server.url)} every second (${server.scrapes} scrapes in the run)</p>${
    chartsHtml(charts)
  }`;
}

/**
 * A self-contained HTML report of one run: header, headline figures, summary table and every chart, with inline
 * SVG and CSS — it opens offline and can be sent as one file.
 */
export function runReportHtml(summary: RunSummary, records: readonly RequestRecord[], title?: string): string {
  const subtitle = summary.simulated ? "SIMULATED ENDPOINT" : undefined;
  const charts = runCharts(records, {
    subtitle,
    readingSpeed: summary.stalls?.readingSpeedTokensPerS,
    window: summary.window,
  });
  const name = title ?? `llm-bench · ${summary.endpoint.model} · ${summary.run.startedAt}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(name)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${REPORT_CSS}
body { margin: 24px; }</style></head>
<body class="llm-bench">
<h1 style="font-size:20px">${escapeHtml(name)}</h1>
${summaryHeaderHtml(summary)}
${summary.merged ? shardTableHtml(summary.merged) : ""}
<h2 style="font-size:17px">Per-request metrics</h2>
${summaryTableHtml(summary)}
<h2 style="font-size:17px">Charts</h2>
${chartsHtml(charts)}
${serverViewHtml(summary, records)}
${INTERACTIVE_SCRIPT}
</body></html>
`;
}

/** Writes a run's `<stem>_report.html` (nothing for a run without files). */
export async function writeRunReport(
  run: { summary: RunSummary; records: readonly RequestRecord[]; files: { report: string } | null },
): Promise<void> {
  if (run.files) await Deno.writeTextFile(run.files.report, runReportHtml(run.summary, run.records));
}
