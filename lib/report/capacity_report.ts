import { capacityCharts } from "../charts/charts.ts";
import { escapeHtml } from "../charts/escape.ts";
import { chartsHtml, REPORT_CSS } from "./html_report.ts";
import { INTERACTIVE_SCRIPT } from "./interactive.ts";
import { formatNumber, formatShare, workloadLine } from "./summary_table.ts";
import type { RunSummary } from "../results/schema.ts";

/** What the capacity page needs of a search: its answer, and each probe's verdict, attainment and run summary. */
export interface CapacityPage {
  dimension: "concurrency" | "rate";
  slo: { ttftMs?: number; tpotMs?: number; e2eMs?: number };
  attainmentTarget: number;
  max: number | null;
  upper: number | null;
  knee: { load: number; slopeBefore: number; slopeAfter: number } | null;
  stoppedBy: string;
  probes: {
    load: number;
    verdict: "PASS" | "FAIL" | "INDETERMINATE";
    attainment: number | null;
    interval: [number, number] | null;
    judged: number;
    extension: boolean;
    summary: RunSummary;
    stem: string | null;
  }[];
}

const pct = formatShare;

/**
 * A self-contained HTML page of a `--find-max` search: the answer, the probes (verdict, attainment and its interval,
 * latency, throughput, the run they were), throughput against load with the knee, latency against load with the SLOs.
 */
export function capacityReportHtml(search: CapacityPage): string {
  const name = search.dimension === "concurrency" ? "concurrency" : "rate (req/s)";
  const slo = Object.entries(search.slo).map(([k, v]) => `${k.replace(/Ms$/, "")} ≤ ${v} ms`).join(", ");
  const simulated = search.probes.some((p) => p.summary.simulated);
  const answer = search.max === null
    ? `No ${name} met the SLOs (${name} ${search.upper} already failed).`
    : `Max sustainable ${name}: <b>${search.max}</b>${
      search.upper !== null ? ` (between ${search.max} and ${search.upper})` : " (no probe failed)"
    }.`;
  const knee = search.knee
    ? ` Knee at ${search.knee.load}: throughput grew ${
      formatNumber(search.knee.slopeBefore)
    } tok/s per unit of load up to it, ${formatNumber(search.knee.slopeAfter)} after.`
    : " No knee found.";
  const rows = search.probes.map((p) => {
    const m = p.summary.metrics;
    const colour = p.verdict === "PASS" ? "#2c7a2c" : p.verdict === "FAIL" ? "#b00020" : "#b36b00";
    return `<tr><td>${p.load}${
      p.extension ? " (again)" : ""
    }</td><td style="color:${colour};font-weight:600">${p.verdict}</td><td>${pct(p.attainment)}</td><td>${
      pct(p.interval?.[0])
    }–${pct(p.interval?.[1])}</td><td>${p.judged}</td><td>${formatNumber(m.ttftMs.p99)}</td><td>${
      formatNumber(m.tpotMs.p50)
    }</td><td>${formatNumber(p.summary.throughput.outputTokensPerS)}</td><td>${escapeHtml(p.stem ?? "–")}</td></tr>`;
  }).join("");
  const table = `<table><thead><tr><th>${name}</th><th>verdict</th><th>attainment</th><th>95 % interval</th>` +
    `<th>requests judged</th><th>TTFT p99 ms</th><th>TPOT p50 ms</th><th>output tok/s</th><th>run</th></tr></thead>` +
    `<tbody>${rows}</tbody></table>`;
  // Each load's last probe (an INDETERMINATE one re-run with twice the requests is drawn once, as judged).
  const last = new Map(search.probes.map((p) => [p.load, p]));
  const charts = capacityCharts(
    [...last.values()].map((p) => ({
      load: p.load,
      verdict: p.verdict,
      outputTokensPerS: p.summary.throughput.outputTokensPerS,
      ttftP99Ms: p.summary.metrics.ttftMs.p99,
      tpotP50Ms: p.summary.metrics.tpotMs.p50,
    })),
    { load: name, max: search.max, knee: search.knee?.load ?? null, slo: search.slo },
    { subtitle: simulated ? "SIMULATED ENDPOINT" : undefined, width: 520 },
  );
  const load = search.probes[0] ? workloadLine(search.probes[0].summary, { except: "numConcurrentRequests" }) : "";
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>llm-bench capacity</title><style>${REPORT_CSS}
body { margin: 24px; }</style></head><body class="llm-bench"><h1 style="font-size:20px">llm-bench capacity: the highest ${name} within the SLOs</h1>${
    simulated ? '<div class="sim-banner">⚠ SIMULATED ENDPOINT — the search ran against the simulator</div>' : ""
  }<p>${answer}${escapeHtml(knee)}</p><p class="meta">SLOs: ${escapeHtml(slo)} for ≥ ${
    pct(search.attainmentTarget)
  } of requests (judged on the 95 % interval of each probe's attainment) · stop: ${
    escapeHtml(search.stoppedBy)
  }<br>load: ${escapeHtml(load)}</p>${table}${chartsHtml(charts)}${INTERACTIVE_SCRIPT}</body></html>\n`;
}
