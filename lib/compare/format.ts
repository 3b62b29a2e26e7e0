/**
 * A comparison as text: the console table, a Markdown table for a pull-request comment, and JSON with every figure.
 * (The HTML page, with the distributions of both runs, is ./html.ts: it loads the chart code.)
 * @module
 */
import { formatNumber, workloadLine, wrapAtDots } from "../report/summary_table.ts";
import type { Comparison, ComparisonRow } from "./compare.ts";
import type { GateOutcome } from "./gate.ts";
import { hang, wrap } from "../text.ts";

/** Name of a row as the gate spells it: `ttft.p99`, `error_rate`. */
export function rowKey(row: ComparisonRow): string {
  return row.statistic === "value" ? row.metric : `${row.metric}.${row.statistic}`;
}

const isProportion = (row: ComparisonRow) =>
  row.unit === "" && (row.metric === "error_rate" || row.metric === "slo_attainment");

/** A value of a row in its unit (a proportion as a percentage). */
export function formatValue(row: ComparisonRow, v: number | null): string {
  if (v === null) return "–";
  return isProportion(row) ? `${(v * 100).toFixed(2)} %` : formatNumber(v);
}

/** A difference with its sign, e.g. `+3.1` or `+0.50 pt` (a proportion's, in percentage points). */
export function formatSigned(row: ComparisonRow, v: number | null): string {
  if (v === null) return "–";
  const text = isProportion(row) ? `${(v * 100).toFixed(2)} pt` : formatNumber(v);
  return v > 0 ? `+${text}` : text;
}

/** The relative change, e.g. `+12.5 %`. */
export function formatRelative(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return "–";
  const text = `${(v * 100).toFixed(1)} %`;
  return v > 0 ? `+${text}` : text;
}

/** The interval of the difference, e.g. `[+3.1, +9.8]`, or what stands in for it. */
export function formatInterval(row: ComparisonRow): string {
  if (!row.interval) return row.verdict === "single value" ? "single value" : "–";
  return `[${formatSigned(row, row.interval.low)}, ${formatSigned(row, row.interval.high)}]`;
}

/** The verdict as a table shows it. */
export function formatVerdict(row: ComparisonRow): string {
  if (row.verdict === "no significant difference") return "not significant";
  if (row.verdict === "too few requests") {
    return row.needs ? `too few (${row.needs.have} < ${row.needs.values})` : "too few";
  }
  return row.verdict;
}

function label(row: ComparisonRow): string {
  const unit = row.unit && !row.short.toLowerCase().includes(row.unit) ? ` (${row.unit})` : "";
  return `${row.short}${row.statistic === "value" ? "" : ` ${row.statistic}`}${unit}`;
}

const HEAD = ["Metric", "Baseline", "Candidate", "Diff.", "Change", "95 % CI", "Verdict"];

function cells(row: ComparisonRow): string[] {
  return [
    label(row),
    formatValue(row, row.baseline),
    formatValue(row, row.candidate),
    formatSigned(row, row.difference),
    formatRelative(row.relative),
    formatInterval(row),
    formatVerdict(row),
  ];
}

function header(c: Comparison, width = 100): string[] {
  const sim = c.baseline.simulated || c.candidate.simulated;
  const side = (label: string, s: Comparison["baseline"]) => [
    `${label}${s.name}${s.health ? ` (health: ${s.health === "suspect" ? "SUSPECT" : s.health})` : ""}`,
    ...(s.load ? wrapAtDots(`  load: ${workloadLine(s.load)}`, width) : []),
  ];
  return [
    ...(sim
      ? wrap("*** SIMULATED ENDPOINT — at least one run measured llm-bench's built-in simulator ***", width)
      : []),
    ...side("Baseline:  ", c.baseline),
    ...side("Candidate: ", c.candidate),
  ];
}

function differencesText(c: Comparison, width = 100): string[] {
  if (c.differences.length === 0) {
    return ["Workloads: the same as far as the files tell (API, model, load, lengths, dataset, warm-up)."];
  }
  return [
    "Workloads DIFFER — the figures below compare different things:",
    ...c.differences.flatMap((d) => wrap(d, width - 4).map((l, i) => `${i ? "    " : "  - "}${l}`)),
  ];
}

function methodText(c: Comparison): string {
  const reduced = c.rows.some((r) => r.resamples !== undefined && r.resamples < c.method.resamples);
  return `95 % intervals: percentile bootstrap over requests (${c.method.resamples} resamples${
    reduced ? ", fewer for figures with very many values" : ""
  }, seed ${c.method.seed}); inter-token gaps resampled by request. "too few (a < b)": a quantile gets an interval when each run has ≥ b values, ${c.method.minTail} of them beyond it; the fewer run has a. Run-level throughput is one value per run: no interval.`;
}

function gateText(outcomes: readonly GateOutcome[]): string[] {
  if (outcomes.length === 0) return [];
  const fired = outcomes.filter((o) => o.fired);
  return [
    "",
    `Gate: ${
      fired.length ? `FAILED — ${fired.length} of ${outcomes.length} rules fired` : `passed (${outcomes.length} rules)`
    }`,
    ...outcomes.map((o) => `  ${o.fired ? "FIRED" : "ok   "}  ${o.rule.text}: ${o.reason}`),
  ];
}

/**
 * The console table (columns padded; fits 100 columns for most labels).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { benchmark, compareRuns, formatComparisonTable } from "../../mod.ts";
 * const run = async (name: string, seed: number) => {
 *   const { summary, records } = await benchmark({ maxNumCompletedRequests: 12, seed }, { writeFiles: false });
 *   return { name, summary, records };
 * };
 * const comparison = compareRuns(await run("a", 1), await run("b", 2), { resamples: 200 });
 * assert.match(formatComparisonTable(comparison), /TTFT/);
 * ```
 */
export function formatComparisonTable(
  c: Comparison,
  gate: readonly GateOutcome[] = [],
  options: { width?: number } = {},
): string {
  const width = options.width ?? Infinity;
  const textWidth = Math.min(width, 100);
  let head = HEAD;
  let body = c.rows.map(cells);
  let gap = 2;
  let note: string[] = [];
  const tableWidth = () => {
    const w = head.map((_, i) => Math.max(...[head, ...body].map((r) => r[i].length)));
    return w.reduce((a, b) => a + b, 0) + gap * (w.length - 1);
  };
  if (tableWidth() > width) {
    // Compact: the difference is left out (the change and its interval stay), proportions' intervals carry their
    // unit once, verdicts are shortened; one space between columns if that is what it takes.
    head = ["Metric", "Baseline", "Candidate", "Change", "95 % CI of diff.", "Verdict"];
    body = c.rows.map((row) => {
      const [name, base, cand, , change] = cells(row);
      return [name, base, cand, change, compactInterval(row), compactVerdict(row)];
    });
    if (tableWidth() > width) gap = 1;
    note = [
      `(compact to fit ${width} columns: no Diff. column; n.s. = no significant difference; piped: every column)`,
    ];
  }
  const rows = [head, ...body];
  const widths = head.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const last = head.length - 1;
  const sep = " ".repeat(gap);
  const line = (r: string[]) =>
    r.map((x, i) => (i === 0 || i === last ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join(sep).trimEnd();
  return [
    ...header(c, textWidth),
    ...differencesText(c, textWidth),
    "",
    line(rows[0]),
    widths.map((w) => "─".repeat(w)).join(sep),
    ...rows.slice(1).map(line),
    ...note.flatMap((n) => wrap(n, textWidth)),
    "",
    ...wrap(methodText(c), textWidth),
    ...gateText(gate).flatMap((l) => (l.length > textWidth ? hang("         ", l.trimStart(), textWidth) : [l])),
  ].join("\n");
}

/** The interval of the difference, a proportion's unit said once: `[-0.50, +1.20] pt`. */
function compactInterval(row: ComparisonRow): string {
  if (!row.interval || !isProportion(row)) {
    return row.interval ? formatInterval(row) : row.verdict === "single value" ? "–" : "–";
  }
  const pt = (v: number) => `${v > 0 ? "+" : ""}${(v * 100).toFixed(2)}`;
  return `[${pt(row.interval.low)}, ${pt(row.interval.high)}] pt`;
}

/** The verdict in at most 14 characters: `n.s.`, `too few 30<500`, `one value`. */
function compactVerdict(row: ComparisonRow): string {
  if (row.verdict === "no significant difference") return "n.s.";
  if (row.verdict === "single value") return "one value";
  if (row.verdict === "too few requests") {
    return row.needs ? `too few ${row.needs.have}<${row.needs.values}` : "too few";
  }
  return row.verdict;
}

/** A Markdown table ready for a pull-request comment. */
export function formatComparisonMarkdown(c: Comparison, gate: readonly GateOutcome[] = []): string {
  const esc = (s: string) => s.replace(/\|/g, "\\|");
  const verdictCell = (row: ComparisonRow) =>
    row.verdict === "worse" ? "**worse**" : row.verdict === "better" ? "better" : esc(formatVerdict(row));
  const out = [
    `### llm-bench: ${esc(c.candidate.name)} vs ${esc(c.baseline.name)}`,
    "",
    ...(c.baseline.simulated || c.candidate.simulated
      ? ["> **SIMULATED ENDPOINT** — numbers from llm-bench's built-in simulator", ""]
      : []),
    ...(c.differences.length
      ? ["**Workloads differ:**", "", ...c.differences.map((d) => `- ${esc(d)}`), ""]
      : ["Workloads: the same as far as the files tell.", ""]),
    `| ${HEAD.join(" | ")} |`,
    `| ${HEAD.map((_, i) => (i === 0 || i === HEAD.length - 1 ? "---" : "---:")).join(" | ")} |`,
    ...c.rows.map((row) => `| ${[...cells(row).slice(0, 6).map(esc), verdictCell(row)].join(" | ")} |`),
    "",
    `<sub>${esc(methodText(c))}</sub>`,
  ];
  if (gate.length) {
    const fired = gate.filter((o) => o.fired);
    out.push("", `**Gate: ${fired.length ? `failed (${fired.length} of ${gate.length} rules)` : "passed"}**`, "");
    for (const o of gate) out.push(`- ${o.fired ? "❌" : "✅"} \`${esc(o.rule.text)}\`: ${esc(o.reason)}`);
  }
  return out.join("\n");
}

/** Every figure with its interval, the workload differences and the gate's outcome. */
export function formatComparisonJson(c: Comparison, gate: readonly GateOutcome[] = []): string {
  return JSON.stringify(
    {
      ...c,
      rows: c.rows.map((r) => ({ key: rowKey(r), ...r })),
      ...(gate.length
        ? {
          gate: {
            failed: gate.some((o) => o.fired),
            rules: gate.map((o) => ({ rule: o.rule.text, fired: o.fired, reason: o.reason })),
          },
        }
        : {}),
    },
    null,
    2,
  );
}
