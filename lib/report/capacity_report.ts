import { capacityCharts, type CapacityPoint } from "../charts/charts.ts";
import { escapeHtml } from "../charts/escape.ts";
import { chartsHtml, REPORT_CSS } from "./html_report.ts";
import { INTERACTIVE_SCRIPT } from "./interactive.ts";
import { formatNumber, formatShare, workloadLine } from "./summary_table.ts";
import type { RunSummary } from "../results/schema.ts";
import { sloTerms, sloText } from "../config/slo.ts";
import { type CapacityTextProbe, type CapacityTextSearch, quotaText } from "./capacity_text.ts";
import { capacityRecord, type CapacityResult } from "../runner/capacity.ts";

/** What the capacity page needs of a search: its record (`_capacity.json`), and each probe's run summary. */
export interface CapacityPage extends CapacityTextSearch {
  probes: (CapacityTextProbe & { attainment: number | null; stem: string | null; summary: RunSummary })[];
}

const pct = formatShare;

/**
 * The points the capacity charts draw: each load's last probe (an INDETERMINATE one re-run with twice the requests is
 * drawn once, as judged), its throughput and the figures its SLOs limit.
 */
export function capacityPoints(probes: readonly CapacityTextProbe[]): CapacityPoint[] {
  const last = new Map(probes.map((p) => [p.load, p]));
  return [...last.values()].map((p) => ({
    load: p.load,
    verdict: p.verdict,
    outputTokensPerS: p.outputTokensPerS,
    figures: p.checks.flatMap((c) => c.figures),
  }));
}

/**
 * A self-contained HTML page of a `--find-max` search: the answer, the probes (verdict, attainment and its interval,
 * latency, throughput, the run they were), throughput against load with the knee, latency against load with the SLOs.
 */
export function capacityReportHtml(search: CapacityPage): string {
  const name = search.dimension === "concurrency" ? "concurrency" : "rate (req/s)";
  const slo = sloText(search.slo);
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
  const checkNames = search.probes[0]?.checks.map((c) => c.label) ?? [];
  const figureNames = search.probes[0]?.checks.flatMap((c) => c.figures.map((f) => f.label)) ?? [];
  const rows = search.probes.map((p) => {
    const colour = p.verdict === "PASS" ? "#2c7a2c" : p.verdict === "FAIL" ? "#b00020" : "#b36b00";
    const checks = p.checks.map((c) =>
      `<td title="${c.verdict}">${pct(c.share)} <span class="meta">(${pct(c.interval?.[0])}–${
        pct(c.interval?.[1])
      })</span></td>`
    ).join("");
    const figures = p.checks.flatMap((c) => c.figures).map((f) => `<td>${formatNumber(f.ms)}</td>`).join("");
    return `<tr><td>${p.load}${
      p.extension ? " (again)" : ""
    }</td><td style="color:${colour};font-weight:600">${p.verdict}${
      p.backlog ? ` <span class="meta">(backlog &gt; ${p.backlog.maxInFlight} in flight)</span>` : ""
    }</td>${checks}<td>${p.judged}${p.scope === "steady" ? " (steady)" : ""}</td>${figures}<td>${
      formatNumber(p.outputTokensPerS)
    }</td><td>${escapeHtml(p.stem ?? "–")}</td></tr>`;
  }).join("");
  const table =
    `<table><thead><tr><th>${name}</th><th>verdict</th>${
      checkNames.map((n) => `<th>${escapeHtml(n)}: share within (95 % interval)</th>`).join("")
    }<th>requests judged</th>${figureNames.map((n) => `<th>${escapeHtml(n)} ms</th>`).join("")}` +
    `<th>output tok/s</th><th>run</th></tr></thead><tbody>${rows}</tbody></table>`;
  const charts = capacityCharts(
    capacityPoints(search.probes),
    { load: name, max: search.max, knee: search.knee?.load ?? null },
    { subtitle: simulated ? "SIMULATED ENDPOINT" : undefined, width: 520 },
  );
  const load = search.probes[0] ? workloadLine(search.probes[0].summary, { except: "numConcurrentRequests" }) : "";
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>llm-bench capacity</title><style>${REPORT_CSS}
body { margin: 24px; }</style></head><body class="llm-bench"><h1 style="font-size:20px">llm-bench capacity: the highest ${name} within the SLOs</h1>${
    simulated ? '<div class="sim-banner">⚠ SIMULATED ENDPOINT — the search ran against the simulator</div>' : ""
  }<p>${answer}${escapeHtml(knee)}</p>${
    search.kneeReason ? `<p>Server at the knee: ${escapeHtml(search.kneeReason)}</p>` : ""
  }${quotaText(search) ? `<p><b>${escapeHtml(quotaText(search)!)}</b></p>` : ""}<p class="meta">SLOs: ${
    escapeHtml(slo)
  }${
    sloTerms(search.slo).some((t) => t.percentile === null)
      ? ` (per-request limits for ≥ ${pct(search.attainmentTarget)} of requests)`
      : ""
  } — each probe judged on the 95 % interval of the share of requests within each limit · stop: ${
    escapeHtml(search.stoppedBy)
  }<br>load: ${escapeHtml(load)}</p>${table}${chartsHtml(charts)}${INTERACTIVE_SCRIPT}</body></html>\n`;
}

/**
 * Writes a search's `<…>_find-max-<dimension>_…_capacity.json` and `_capacity.html` beside its first probe's files
 * (named after it, with the dimension searched in place of the load). Null when the probes wrote no files.
 */
export async function writeCapacityFiles(search: CapacityResult): Promise<{ json: string; html: string } | null> {
  const first = search.probes[0]?.result.files;
  if (!first) return null;
  const base = first.summary.replace(/_summary\.json$/, "").replace(
    /_[^_]+_(stream|batch)_/,
    `_find-max-${search.dimension}_$1_`,
  );
  const record = capacityRecord(search);
  await Deno.writeTextFile(`${base}_capacity.json`, JSON.stringify(record, null, 2) + "\n");
  await Deno.writeTextFile(
    `${base}_capacity.html`,
    capacityReportHtml({
      ...record,
      probes: record.probes.map((p, i) => ({ ...p, summary: search.probes[i].result.summary })),
    }),
  );
  return { json: `${base}_capacity.json`, html: `${base}_capacity.html` };
}
