/**
 * A comparison as one self-contained HTML page (`deno task compare --format html`): the workload differences, the
 * table with intervals and verdicts, and the distributions of both runs overlaid (ECDFs of TTFT, inter-token latency
 * and end-to-end latency). Inline SVG and CSS: it opens offline.
 * @module
 */
import { ecdfChart } from "../charts/charts.ts";
import { escapeHtml } from "../charts/escape.ts";
import { chartsHtml, REPORT_CSS } from "../report/html_report.ts";
import { INTERACTIVE_SCRIPT } from "../report/interactive.ts";
import type { ComparedRun, Comparison } from "./compare.ts";
import { formatInterval, formatRelative, formatSigned, formatValue, formatVerdict } from "./format.ts";
import { workloadLine } from "../report/summary_table.ts";
import type { GateOutcome } from "./gate.ts";

const VERDICT_CSS = `
.cmp td.worse { color: #b00020; font-weight: 600; } .cmp td.better { color: #1b7f3b; font-weight: 600; }
.cmp td.dim { color: #777; } .differs { background: #fff4e5; border: 1px solid #f0c36d; padding: 8px 12px; }
.gate-failed { color: #b00020; } .gate-passed { color: #1b7f3b; }`;

/** The comparison table as an HTML fragment (also what the compare_runs notebook shows). */
export function comparisonTableHtml(c: Comparison): string {
  const rows = c.rows.map((row) => {
    const cls = row.verdict === "worse" ? "worse" : row.verdict === "better" ? "better" : "dim";
    const label = `${row.label}${row.statistic === "value" ? "" : ` ${row.statistic}`}${
      row.unit ? ` (${row.unit})` : ""
    }`;
    const title = row.why ? ` title="${escapeHtml(row.why)}"` : "";
    return `<tr><td style="text-align:left">${escapeHtml(label)}</td><td>${formatValue(row, row.baseline)}</td><td>${
      formatValue(row, row.candidate)
    }</td><td>${formatSigned(row, row.difference)}</td><td>${formatRelative(row.relative)}</td><td>${
      escapeHtml(formatInterval(row))
    }</td><td class="${cls}"${title}>${escapeHtml(formatVerdict(row))}</td></tr>`;
  }).join("");
  const differs = c.differences.length
    ? `<div class="differs"><b>Workloads differ</b> — the figures compare different things:<ul>${
      c.differences.map((d) => `<li>${escapeHtml(d)}</li>`).join("")
    }</ul></div>`
    : `<p>Workloads: the same as far as the files tell (API, model, load, lengths, dataset, warm-up).</p>`;
  const loads = [["baseline", c.baseline], ["candidate", c.candidate]] as const;
  const loadHtml = `<p class="meta">${
    loads.map(([k, s]) =>
      `${k} <b>${escapeHtml(s.name)}</b>${s.health ? ` · health <b>${s.health}</b>` : ""}${
        s.load ? `<br>&nbsp;&nbsp;load: ${escapeHtml(workloadLine(s.load))}` : ""
      }`
    ).join("<br>")
  }</p>`;
  return `<style>${VERDICT_CSS}</style>${loadHtml}${differs}<table class="cmp"><thead><tr><th>Metric</th><th>Baseline</th><th>Candidate</th><th>Difference</th><th>Change</th><th>95 % CI of difference</th><th>Verdict</th></tr></thead><tbody>${rows}</tbody></table>
<p class="meta">95 % percentile-bootstrap intervals over requests (${c.method.resamples} resamples, seed ${c.method.seed}); inter-token gaps resampled by request. Run-level throughput: one value per run, no interval.</p>`;
}

function gateHtml(gate: readonly GateOutcome[]): string {
  if (gate.length === 0) return "";
  const fired = gate.filter((o) => o.fired);
  return `<h3 class="${fired.length ? "gate-failed" : "gate-passed"}">Gate: ${
    fired.length ? `failed (${fired.length} of ${gate.length} rules)` : "passed"
  }</h3><ul>${
    gate.map((o) =>
      `<li>${o.fired ? "FIRED" : "ok"} <code>${escapeHtml(o.rule.text)}</code>: ${escapeHtml(o.reason)}</li>`
    )
      .join("")
  }</ul>`;
}

/** One comparison's section: who is compared, the table, the gate, and the overlaid distributions. */
export function comparisonSectionHtml(
  c: Comparison,
  runs: readonly [ComparedRun, ComparedRun],
  gate: readonly GateOutcome[] = [],
): string {
  const labelled = [
    { label: `baseline: ${runs[0].name}`, records: runs[0].records },
    { label: `candidate: ${runs[1].name}`, records: runs[1].records },
  ];
  const subtitle = c.baseline.simulated || c.candidate.simulated ? "SIMULATED ENDPOINT" : undefined;
  const charts = (["ttftMs", "interTokenLatencyMs", "e2eMs"] as const)
    .map((m) => ecdfChart(labelled, m, { subtitle, width: 560 }));
  return `<section><h2 style="font-size:17px">${escapeHtml(c.candidate.name)} vs ${escapeHtml(c.baseline.name)}</h2>
<p class="meta">baseline <b>${escapeHtml(c.baseline.name)}</b>${
    c.baseline.runId ? ` (run ${escapeHtml(c.baseline.runId)})` : ""
  } · candidate <b>${escapeHtml(c.candidate.name)}</b>${
    c.candidate.runId ? ` (run ${escapeHtml(c.candidate.runId)})` : ""
  }</p>
${comparisonTableHtml(c)}
${gateHtml(gate)}
${chartsHtml(charts)}</section>`;
}

/** The whole page: every comparison's section, self-contained (inline SVG and CSS). */
export function comparisonPageHtml(
  results: readonly {
    comparison: Comparison;
    runs: readonly [ComparedRun, ComparedRun];
    gate: readonly GateOutcome[];
  }[],
): string {
  const sim = results.some((r) => r.comparison.baseline.simulated || r.comparison.candidate.simulated);
  const first = results[0].comparison;
  const title = results.length === 1
    ? `llm-bench comparison · ${first.candidate.name} vs ${first.baseline.name}`
    : `llm-bench comparison · ${results.length} pairs, baseline ${first.baseline.name}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${REPORT_CSS}
body { margin: 24px; }</style></head>
<body class="llm-bench">
${
    sim
      ? `<div class="sim-banner">⚠ SIMULATED ENDPOINT — numbers come from llm-bench's built-in simulator, not a model server</div>`
      : ""
  }
<h1 style="font-size:20px">llm-bench comparison</h1>
${results.map((r) => comparisonSectionHtml(r.comparison, r.runs, r.gate)).join("\n")}
${INTERACTIVE_SCRIPT}
</body></html>
`;
}
