import * as Plot from "@observablehq/plot";
import { JSDOM } from "jsdom";
import type { RequestRecord } from "../results/schema.ts";
import { escapeHtml } from "./escape.ts";

/** A chart ready to show: its title and a self-contained HTML fragment (a `<figure>` with inline SVG). */
export interface Chart {
  /** Stable name, e.g. `ttft-vs-input`. */
  id: string;
  title: string;
  /** `<figure>` with the SVG, or a short note when there is no data. */
  html: string;
  /** True when there was nothing to draw; `html` then says so. */
  empty: boolean;
}

/** Options shared by the chart builders. */
export interface ChartOptions {
  /** Width in px. @default 640 */
  width?: number;
  /** Height in px. @default 300 */
  height?: number;
  /** Added under the title (e.g. "SIMULATED ENDPOINT"). */
  subtitle?: string;
}

/** A set of records with a label, for charts that compare runs. */
export interface LabelledRun {
  /** Group label, e.g. "concurrency 8". */
  label: string;
  records: readonly RequestRecord[];
}

function emptyChart(id: string, title: string, why: string): Chart {
  return {
    id,
    title,
    empty: true,
    html: `<figure class="llm-bench-chart llm-bench-empty" data-chart="${id}"><h3>${escapeHtml(title)}</h3>` +
      `<p>No data to draw: ${escapeHtml(why)}</p></figure>`,
  };
}

/** A chart with nothing to draw whose absence is itself the finding: one line across the grid, not a card. */
function emptyLine(id: string, title: string, finding: string): Chart {
  return {
    id,
    title,
    empty: true,
    html: `<p class="llm-bench-chart-line" data-chart="${id}"><b>${escapeHtml(title)}:</b> ${escapeHtml(finding)}</p>`,
  };
}

function render(id: string, title: string, options: ChartOptions, plot: Plot.PlotOptions): Chart {
  const { document } = new JSDOM("").window;
  const figure = Plot.plot({
    document,
    width: options.width ?? 640,
    height: options.height ?? 300,
    marginLeft: 60,
    style: { fontSize: "11px", background: "white", overflow: "visible" },
    title,
    subtitle: options.subtitle,
    ...plot,
  } as Plot.PlotOptions) as unknown as {
    outerHTML: string;
    getAttribute(n: string): string | null;
    setAttribute(n: string, v: string): void;
  };
  figure.setAttribute("class", `${figure.getAttribute("class") ?? ""} llm-bench-chart`.trim());
  figure.setAttribute("data-chart", id);
  return { id, title, html: figure.outerHTML, empty: false };
}

const ok = (records: readonly RequestRecord[]) => records.filter((r) => r.status === "ok");

const ms = (v: number | null | undefined) => (v === null || v === undefined ? "–" : `${v.toFixed(1)} ms`);

/**
 * What hovering a request's mark shows (an SVG <title>: every browser shows it, with or without script): its index,
 * status, TTFT, E2E, tokens, stalls.
 */
export function requestTip(r: RequestRecord): string {
  const lines = [
    `request #${r.index} · ${r.status}${r.error ? ` (${r.error.code})` : ""}`,
    `TTFT ${ms(r.ttftMs)} · E2E ${ms(r.e2eMs)}`,
    `tokens in ${r.inputTokens ?? "–"} · out ${r.outputTokens ?? "–"}`,
    `sent at ${(r.startOffsetMs / 1000).toFixed(3)} s`,
  ];
  if (r.stallCount) {
    lines.push(`${r.stallCount} stall${r.stallCount === 1 ? "" : "s"}, longest ${ms(r.longestStallMs)}`);
  }
  return lines.join("\n");
}

/** Scatter of time to first token against input tokens (prefill cost and queueing show here). */
export function ttftVsInputChart(records: readonly RequestRecord[], options: ChartOptions = {}): Chart {
  const id = "ttft-vs-input";
  const title = "Time to first token vs input tokens";
  const data = ok(records).filter((r) => r.ttftMs !== null && r.inputTokens !== null);
  if (data.length === 0) return emptyChart(id, title, "no successful streamed request with a first token");
  return render(id, title, options, {
    grid: true,
    x: { label: "Input tokens →" },
    y: { label: "↑ TTFT (ms)" },
    marks: [
      Plot.dot(data, {
        x: "inputTokens",
        y: "ttftMs",
        stroke: "#4269d0",
        fill: "#4269d0",
        fillOpacity: 0.35,
        r: 3.5,
        title: requestTip,
      }),
    ],
  });
}

/** Scatter of end-to-end latency against output tokens. */
export function e2eVsOutputChart(records: readonly RequestRecord[], options: ChartOptions = {}): Chart {
  const id = "e2e-vs-output";
  const title = "End-to-end latency vs output tokens";
  const data = ok(records).filter((r) => r.e2eMs !== null && r.outputTokens !== null);
  if (data.length === 0) return emptyChart(id, title, "no successful request");
  return render(id, title, options, {
    grid: true,
    x: { label: "Output tokens →" },
    y: { label: "↑ End-to-end latency (s)", transform: (v: number) => v / 1000 },
    marks: [
      Plot.dot(data, {
        x: "outputTokens",
        y: "e2eMs",
        stroke: "#efb118",
        fill: "#efb118",
        fillOpacity: 0.35,
        r: 3.5,
        title: requestTip,
      }),
    ],
  });
}

/** Scatter of per-request output throughput against output tokens. */
export function throughputVsOutputChart(records: readonly RequestRecord[], options: ChartOptions = {}): Chart {
  const id = "throughput-vs-output";
  const title = "Output throughput per request vs output tokens";
  const data = ok(records).filter((r) => r.outputTokensPerS !== null && r.outputTokens !== null);
  if (data.length === 0) return emptyChart(id, title, "no successful request");
  return render(id, title, options, {
    grid: true,
    x: { label: "Output tokens →" },
    y: { label: "↑ Output throughput (tokens/s)" },
    marks: [
      Plot.dot(data, {
        x: "outputTokens",
        y: "outputTokensPerS",
        stroke: "#3ca951",
        fill: "#3ca951",
        fillOpacity: 0.35,
        r: 3.5,
        title: requestTip,
      }),
    ],
  });
}

/**
 * Timeline of the run, one row per request: from send to first token (waiting: queue + prefill), then from first
 * token to the end (streaming); failed and aborted requests in their own colours.
 */
export function timelineChart(
  records: readonly RequestRecord[],
  options: ChartOptions & { window?: { startMs: number; endMs: number } } = {},
): Chart {
  const { window, ...chartOptions } = options;
  const id = "timeline";
  const title = "Requests across the run";
  if (records.length === 0) return emptyChart(id, title, "no request was sent");
  const sorted = [...records].sort((a, b) => a.startOffsetMs - b.startOffsetMs);
  const segments: { row: number; from: number; to: number; phase: string; tip: string }[] = [];
  sorted.forEach((r, row) => {
    const start = r.startOffsetMs / 1000;
    const end = r.endOffsetMs / 1000;
    const tip = requestTip(r);
    if (r.status !== "ok") {
      segments.push({ row, from: start, to: end, phase: r.status === "aborted" ? "aborted" : "failed", tip });
    } else if (r.ttftMs !== null) {
      const first = start + r.ttftMs / 1000;
      segments.push({ row, from: start, to: first, phase: "waiting for first token", tip });
      segments.push({ row, from: first, to: end, phase: "streaming", tip });
      for (const st of r.stalls ?? []) {
        const at = start + st.atMs / 1000;
        segments.push({ row, from: at, to: at + st.ms / 1000, phase: "reader stalled", tip });
      }
    } else {
      segments.push({ row, from: start, to: end, phase: "streaming", tip });
    }
  });
  const rowHeight = sorted.length > 120 ? 2 : sorted.length > 60 ? 4 : 7;
  // The steady-state window, shaded behind the requests: where the intended load was held.
  const shade = window
    ? [
      Plot.rectX([window], {
        x1: (w: { startMs: number }) => w.startMs / 1000,
        x2: (w: { endMs: number }) => w.endMs / 1000,
        fill: "#2ca02c",
        fillOpacity: 0.08,
        title: () => "steady-state window: the intended load was held",
      }),
    ]
    : [];
  // A few row numbers on the axis: which request (in the order sent) a bar is.
  const step = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000].find((n) => sorted.length / n <= 10) ?? 10_000;
  return render(id, title, { height: Math.max(160, sorted.length * rowHeight + 70), ...chartOptions }, {
    x: { label: "Time since run start (s) →", grid: true },
    y: {
      label: "↑ request, in the order sent",
      ticks: sorted.map((_, i) => i).filter((i) => i % step === 0),
      tickFormat: (i: number) => String(i + 1),
      tickSize: 0,
    },
    color: {
      domain: ["waiting for first token", "streaming", "reader stalled", "failed", "aborted"],
      range: ["#ff9d3c", "#4269d0", "#e7298a", "#d62728", "#9e9e9e"],
      legend: true,
    },
    marks: [
      ...shade,
      Plot.barX(segments, {
        x1: "from",
        x2: "to",
        y: "row",
        fill: "phase",
        insetTop: 0.5,
        insetBottom: 0.5,
        title: "tip",
      }),
    ],
  });
}

/** Up to this many values, a distribution chart draws every value over its box. */
export const FEW_POINTS = 200;

/** The per-request metrics that box plots can show, with axis labels carrying their unit. */
export const BOX_METRICS = {
  ttftMs: "TTFT (ms)",
  e2eMs: "End-to-end latency (ms)",
  tpotMs: "Time per output token (ms)",
  interTokenLatencyMs: "Inter-token latency (ms)",
  outputTokensPerS: "Output throughput per request (tokens/s)",
} as const;
/** One of {@link BOX_METRICS}. */
export type BoxMetric = keyof typeof BOX_METRICS;

function values(records: readonly RequestRecord[], metric: BoxMetric): number[] {
  const rs = ok(records);
  if (metric === "interTokenLatencyMs") return rs.flatMap((r) => r.interTokenLatenciesMs);
  return rs.map((r) => r[metric]).filter((v): v is number => v !== null);
}

/**
 * Box plot of one metric's distribution within a run: the box from p25 to p75 with the median, whiskers to 1.5 IQR,
 * outliers as dots; p50, p90 and p99 marked and named above it; with few values, every value a thin grey tick.
 */
export function boxChart(records: readonly RequestRecord[], metric: BoxMetric, options: ChartOptions = {}): Chart {
  const id = `box-${metric}`;
  const title = `Box plot: ${BOX_METRICS[metric]}`;
  const data = values(records, metric).map((v) => ({ v }));
  if (data.length === 0) return emptyChart(id, title, "no values for this metric");
  const few = data.length <= FEW_POINTS;
  const sorted = data.map((d) => d.v).sort((a, b) => a - b);
  const marks = ([["p50", 0.5], ["p90", 0.9], ["p99", 0.99]] as const).map(([name, p]) => ({
    name,
    v: quantileSorted(sorted, p),
  }));
  return render(id, title, { width: 640, height: 150, ...options }, {
    x: { label: `${BOX_METRICS[metric]} →`, grid: true },
    marginTop: 26,
    caption: `Box: p25–p75 and the median; whiskers to 1.5 × IQR${
      few ? `; grey ticks: each of the ${data.length} values` : ""
    }`,
    marks: [
      // Few values: every one drawn under the box (a box of 40 points hides them).
      ...(few ? [Plot.tickX(data, { x: "v", stroke: "#888", strokeOpacity: 0.45 })] : []),
      Plot.boxX(data, {
        x: "v",
        fill: "#a5b6e8",
        fillOpacity: few ? 0.75 : 1,
        stroke: "#333",
        ...(few ? { r: 0 } : {}),
      }),
      Plot.ruleX(marks, {
        x: "v",
        stroke: "#c0392b",
        strokeWidth: 1.5,
        strokeDasharray: "3,2",
        title: (d: { name: string; v: number }) => `${d.name} ${d.v.toFixed(1)}`,
      }),
      Plot.text(marks, { x: "v", frameAnchor: "top", dy: -14, text: "name", fill: "#c0392b", fontSize: 10 }),
    ],
  });
}

/** The type-7 quantile of sorted values (linear interpolation, as the summary computes it). */
function quantileSorted(sorted: readonly number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  return sorted[lo] + (h - lo) * ((sorted[Math.min(lo + 1, sorted.length - 1)] ?? sorted[lo]) - sorted[lo]);
}

/** Box plots of one metric, one box per run, to compare runs (by concurrency, model or any config field). */
export function groupedBoxChart(
  runs: readonly LabelledRun[],
  metric: BoxMetric,
  options: ChartOptions & { groupLabel?: string } = {},
): Chart {
  const id = `grouped-box-${metric}`;
  const title = `${BOX_METRICS[metric]} by ${options.groupLabel ?? "run"}`;
  const data = runs.flatMap((run) => values(run.records, metric).map((v) => ({ group: run.label, v })));
  if (data.length === 0) return emptyChart(id, title, "no values for this metric in any run");
  const few = Math.max(...runs.map((run) => values(run.records, metric).length)) <= FEW_POINTS;
  return render(id, title, options, {
    grid: true,
    ...(few ? { caption: "Box: p25–p75 and the median; whiskers to 1.5 × IQR; grey ticks: each value" } : {}),
    x: { label: options.groupLabel ?? "run", domain: runs.map((r) => r.label) },
    y: { label: `↑ ${BOX_METRICS[metric]}` },
    marks: [
      ...(few ? [Plot.tickY(data, { x: "group", y: "v", stroke: "#888", strokeOpacity: 0.45, inset: 8 })] : []),
      Plot.boxY(data, {
        x: "group",
        y: "v",
        fill: "#a5b6e8",
        fillOpacity: few ? 0.75 : 1,
        stroke: "#333",
        ...(few ? { r: 0 } : {}),
      }),
    ],
  });
}

/** At most `points` (value, cumulative share) pairs of a sample's empirical distribution function, evenly by rank. */
function ecdfPoints(values: readonly number[], points = 400): { v: number; p: number }[] {
  const xs = Float64Array.from(values.filter(Number.isFinite)).sort();
  const n = xs.length;
  if (n === 0) return [];
  const step = Math.max(1, Math.floor(n / points));
  const out: { v: number; p: number }[] = [];
  for (let i = 0; i < n; i += step) out.push({ v: xs[i], p: (i + 1) / n });
  if (out.at(-1)!.p !== 1) out.push({ v: xs[n - 1], p: 1 });
  return out;
}

/**
 * Empirical distribution functions of one metric, one line per run, overlaid (what share of requests — or of gaps,
 * for inter-token latency — was at most x): shifts and tails of two runs compared at a glance.
 */
export function ecdfChart(
  runs: readonly LabelledRun[],
  metric: BoxMetric,
  options: ChartOptions & { id?: string } = {},
): Chart {
  const id = options.id ?? `ecdf-${metric}`;
  const title = `Cumulative distribution: ${BOX_METRICS[metric]}`;
  const data = runs.flatMap((run) => ecdfPoints(values(run.records, metric)).map((d) => ({ ...d, run: run.label })));
  if (data.length === 0) return emptyChart(id, title, "no values for this metric in any run");
  return render(id, title, options, {
    grid: true,
    x: { label: `${BOX_METRICS[metric]} →` },
    y: { label: "↑ share at most x", domain: [0, 1], tickFormat: "%" },
    color: { legend: runs.length > 1, domain: runs.map((r) => r.label) },
    marks: [Plot.line(data, { x: "v", y: "p", stroke: "run", curve: "step-after" })],
  });
}

/** One point of a {@link curveChart}. */
export interface CurvePoint {
  x: number;
  y: number | null;
  series: string;
  /** The point's own 95 % interval, drawn as a whisker. */
  interval?: readonly [number, number] | null;
  /** Written beside the point — e.g. the load a point of latency against throughput was measured at. */
  label?: string;
  /** Why the run behind the point is SUSPECT (its health); the point is then ringed in red and says why on hover. */
  suspect?: string;
}

/**
 * Line chart of a summary figure against a swept value (e.g. p50/p99 TTFT vs concurrency); a point with its own 95 %
 * interval gets a whisker, a point with a label has it written beside it, a SUSPECT run's point is ringed in red.
 */
export function curveChart(
  points: readonly CurvePoint[],
  labels: { id: string; title: string; x: string; y: string; linearX?: boolean },
  options: ChartOptions = {},
): Chart {
  const data = points.filter((p) => p.y !== null);
  if (data.length === 0) return emptyChart(labels.id, labels.title, "no runs with values");
  // A point's own 95 % interval as a whisker (none where the run had too few requests for one).
  const whiskers = data.filter((p) => p.interval).map((p) => ({
    x: p.x,
    low: p.interval![0],
    high: p.interval![1],
    series: p.series,
    tip: `${p.series} at ${p.x}: 95 % interval ${p.interval![0].toFixed(1)}–${p.interval![1].toFixed(1)}`,
  }));
  const suspect = data.filter((p) => p.suspect);
  return render(labels.id, labels.title, options, {
    grid: true,
    x: labels.linearX ? { label: `${labels.x} →` } : { label: `${labels.x} →`, type: "log", base: 2 },
    y: { label: `↑ ${labels.y}` },
    color: { legend: true },
    ...(suspect.length
      ? { caption: "Ringed in red: a SUSPECT run (the client may have distorted it; hover for why)" }
      : {}),
    marks: [
      Plot.ruleX(whiskers, {
        x: "x",
        y1: "low",
        y2: "high",
        stroke: "series",
        strokeWidth: 2,
        strokeOpacity: 0.5,
        title: "tip",
      }),
      Plot.line(data, { x: "x", y: "y", stroke: "series", marker: "circle" }),
      Plot.text(data.filter((p) => p.label), {
        x: "x",
        y: "y",
        text: "label",
        dx: 7,
        dy: -7,
        fontSize: 10,
        fill: "#333",
      }),
      Plot.dot(suspect, {
        x: "x",
        y: "y",
        r: 7,
        stroke: "#d62728",
        strokeWidth: 2,
        title: (p: CurvePoint) => `SUSPECT: ${p.suspect}`,
      }),
    ],
  });
}

/**
 * Client and server side by side: box plots of one latency as the client measured it and as the server reported it
 * (SambaNova usage block, SambaStudio final event). The gap is network, gateway, queueing before the server's clock
 * starts, and client overhead.
 */
export function clientServerChart(
  records: readonly RequestRecord[],
  metric: "ttft" | "e2e",
  options: ChartOptions = {},
): Chart {
  const id = `client-vs-server-${metric}`;
  const name = metric === "ttft" ? "Time to first token" : "End-to-end latency";
  const title = `Client vs server: ${name}`;
  const data: { side: string; v: number }[] = [];
  for (const r of ok(records)) {
    const client = metric === "ttft" ? r.ttftMs : r.e2eMs;
    const server = metric === "ttft" ? r.serverTtftMs : r.serverE2eMs;
    if (client !== null && server !== undefined) {
      data.push({ side: "client", v: client }, { side: "server", v: server });
    }
  }
  if (data.length === 0) return emptyChart(id, title, "the server reported no timings");
  return render(id, title, { width: 320, height: 300, ...options }, {
    grid: true,
    x: { label: null, domain: ["client", "server"] },
    y: { label: `↑ ${name} (ms)` },
    color: { domain: ["client", "server"], range: ["#a5b6e8", "#f4b183"] },
    marks: [Plot.boxY(data, { x: "side", y: "v", fill: "side", stroke: "#333" })],
  });
}

/**
 * A latency over the run's time, one dot per request at the time it was sent — its TTFT (`metric: "ttft"`) or the
 * mean of its inter-token gaps (`"itl"`): warm-up, drift and load changes show as trends. Each on its own axis: side
 * by side on one, a 10 ms inter-token latency is a flat line under a 100 ms TTFT.
 */
export function latencyOverTimeChart(
  records: readonly RequestRecord[],
  options: ChartOptions & { metric?: "ttft" | "itl" } = {},
): Chart {
  const { metric = "ttft", ...chart } = options;
  const id = `${metric}-over-time`;
  const title = metric === "ttft" ? "TTFT over the run" : "Inter-token latency over the run";
  const data = ok(records).flatMap((r) => {
    const gaps = r.interTokenLatenciesMs;
    const v = metric === "ttft" ? r.ttftMs : gaps.length ? gaps.reduce((a, b) => a + b, 0) / gaps.length : null;
    return v === null ? [] : [{ at: r.startOffsetMs / 1000, v, tip: requestTip(r) }];
  });
  if (data.length === 0) return emptyChart(id, title, "no successful streamed request");
  const colour = metric === "ttft" ? "#4269d0" : "#ff725c";
  return render(id, title, { height: 260, ...chart }, {
    grid: true,
    x: { label: "Sent at, s since run start →" },
    // TTFT from 0 (queueing shows as height); inter-token latency spans its data (its changes are small).
    y: {
      label: metric === "ttft" ? "↑ TTFT (ms)" : "↑ mean inter-token latency of the request (ms)",
      zero: metric === "ttft",
    },
    marks: [Plot.dot(data, { x: "at", y: "v", stroke: colour, fill: colour, fillOpacity: 0.35, r: 3, title: "tip" })],
  });
}

/**
 * The stalls of a reader (README "Stalls"), one row per answer that stalled: each stall where it happened in the
 * run, its length as the bar. Empty (and says so) when no reader waited.
 */
export function stallChart(
  records: readonly RequestRecord[],
  options: ChartOptions & { readingSpeed?: number } = {},
): Chart {
  const id = "stalls";
  const title = `Reader stalls${options.readingSpeed ? ` (reading at ${options.readingSpeed} tokens/s)` : ""}`;
  const stalled = ok(records).filter((r) => (r.stallCount ?? 0) > 0).sort((a, b) => a.startOffsetMs - b.startOffsetMs);
  if (stalled.length === 0) {
    const judged = ok(records).some((r) => r.stallCount !== undefined);
    return judged
      ? emptyLine(id, title, "none — no answer made its reader wait, so there is no chart to draw")
      : emptyChart(id, title, "the records carry no stall figures");
  }
  const data = stalled.flatMap((r) =>
    (r.stalls ?? []).map((st) => {
      const from = (r.startOffsetMs + st.atMs) / 1000;
      return {
        row: `#${r.index}`,
        from,
        to: from + st.ms / 1000,
        tip: `${requestTip(r)}\nstall of ${st.ms.toFixed(0)} ms`,
      };
    })
  );
  return render(id, title, { height: Math.max(140, stalled.length * 14 + 70), ...options }, {
    x: { label: "Time since run start (s) →", grid: true },
    y: { label: "request", domain: stalled.map((r) => `#${r.index}`) },
    marks: [Plot.barX(data, { x1: "from", x2: "to", y: "row", fill: "#e7298a", title: "tip" })],
  });
}

/**
 * Multi-turn runs: one chart of a per-request figure by turn — every request a dot, the median of each turn a line —
 * for TTFT (does the growing history slow the first token, or does the prefix cache absorb it?) and input tokens.
 */
export function turnsChart(
  records: readonly RequestRecord[],
  metric: "ttftMs" | "inputTokens",
  options: ChartOptions = {},
): Chart {
  const label = metric === "ttftMs" ? "TTFT (ms)" : "Input tokens";
  const id = `by-turn-${metric}`;
  const title = `${label} by turn`;
  const data = ok(records).filter((r) => r.turn !== undefined && r[metric] !== null)
    .map((r) => ({ turn: r.turn!, v: r[metric]!, tip: requestTip(r) }));
  if (data.length === 0) return emptyChart(id, title, "no multi-turn request");
  const turns = [...new Set(data.map((d) => d.turn))].sort((a, b) => a - b);
  return render(id, title, { width: 460, ...options }, {
    grid: true,
    x: { label: "Turn →", ticks: turns.length <= 20 ? turns : undefined, tickFormat: "d" },
    y: { label: `↑ ${label}`, zero: metric === "inputTokens" },
    marks: [
      Plot.dot(data, { x: "turn", y: "v", r: 2.5, fill: "#4269d0", fillOpacity: 0.4, title: "tip" }),
      Plot.line(data, Plot.groupX({ y: "median" }, { x: "turn", y: "v", stroke: "#c0392b", marker: "circle" })),
    ],
  });
}

/** The standard charts of one run: the three scatters, the timeline, the box plots, and client vs server when the
 * server reported timings. */
export function runCharts(
  records: readonly RequestRecord[],
  options: ChartOptions & { readingSpeed?: number; window?: { startMs: number; endMs: number } } = {},
): Chart[] {
  const server = records.some((r) => r.serverTtftMs !== undefined || r.serverE2eMs !== undefined);
  const { readingSpeed, window, ...chart } = options;
  const measured = records.filter((r) => !r.warmup);
  const run = [{ label: "this run", records: measured }];
  return [
    ...(server ? [clientServerChart(records, "ttft", chart), clientServerChart(records, "e2e", chart)] : []),
    ...(records.some((r) => r.turn !== undefined)
      ? [turnsChart(records, "ttftMs", chart), turnsChart(records, "inputTokens", chart)]
      : []),
    ttftVsInputChart(records, chart),
    e2eVsOutputChart(records, chart),
    throughputVsOutputChart(records, chart),
    timelineChart(records, { ...chart, window }),
    latencyOverTimeChart(records, chart),
    latencyOverTimeChart(records, { ...chart, metric: "itl" }),
    stallChart(records, { ...chart, readingSpeed }),
    ecdfChart(run, "ttftMs", { ...chart, id: "ecdf-run-ttftMs" }),
    ecdfChart(run, "e2eMs", { ...chart, id: "ecdf-run-e2eMs" }),
    ...(Object.keys(BOX_METRICS) as BoxMetric[]).map((m) => boxChart(records, m, chart)),
  ];
}

/** One point per chat turn. */
export interface TurnPoint {
  turn: number;
  ttftS: number | null;
  throughputTokensPerS: number | null;
  latencyS: number | null;
}

/** Per-turn metrics of a chat session: time to first token (s) and throughput (tokens/s) by turn, side by side. */
export function chatTurnsCharts(turns: readonly TurnPoint[], options: ChartOptions = {}): Chart[] {
  const specs = [
    ["ttftS", "Time to first token per turn", "TTFT (s)", "#4269d0"],
    ["throughputTokensPerS", "Throughput per turn", "Throughput (tokens/s)", "#3ca951"],
  ] as const;
  return specs.map(([field, title, label, color]) => {
    const id = `chat-${field}`;
    const data = turns.filter((t) => t[field] !== null);
    if (data.length === 0) return emptyChart(id, title, "no answered turn yet");
    return render(id, title, { width: 420, height: 260, ...options }, {
      grid: true,
      x: { label: "Turn →", ticks: data.map((t) => t.turn), tickFormat: "d" },
      // Headroom above the tallest bar, so none touches the plot's top.
      y: { label: `↑ ${label}`, domain: [0, Math.max(...data.map((t) => t[field]!)) * 1.15], nice: true },
      marks: [
        Plot.barY(data, { x: "turn", y: field, fill: color, insetLeft: 4, insetRight: 4 }),
        Plot.ruleY([0]),
      ],
    });
  });
}

/** The server's figures over the run, as `serverMetrics.series` keeps them (seconds from the run's start). */
export interface ServerSeries {
  t: readonly number[];
  running: readonly (number | null)[];
  waiting: readonly (number | null)[];
  kvCache: readonly (number | null)[];
  generationTokensPerS: readonly (number | null)[];
}

/**
 * The server's view of a run, from its own `/metrics` on the run's timeline: requests running and waiting, KV-cache
 * use, and the tokens it generated per second (beside the client's output rate, when given).
 */
export function serverViewCharts(
  series: ServerSeries,
  options: ChartOptions & { engine?: string | null; clientTokensPerS?: { t: number; tokensPerS: number }[] } = {},
): Chart[] {
  const { engine, clientTokensPerS, ...chart } = options;
  const who = `server-reported${engine ? ` (${engine})` : ""}`;
  const points = (key: "running" | "waiting" | "kvCache" | "generationTokensPerS", label: string, scale = 1) =>
    series.t.flatMap((t, i) => {
      const v = series[key][i];
      return v === null || v === undefined ? [] : [{ t, value: v * scale, figure: label }];
    });
  const queue = [...points("running", "running"), ...points("waiting", "waiting")];
  const kv = points("kvCache", "KV cache", 100);
  const tokens = [
    ...points("generationTokensPerS", "server: generated tok/s"),
    ...(clientTokensPerS ?? []).map((p) => ({ t: p.t, value: p.tokensPerS, figure: "client: output tok/s" })),
  ];
  const x = { label: "seconds from the run's start →" };
  return [
    queue.length === 0
      ? emptyChart("server-queue", "Requests running and waiting (server)", "the server reported neither")
      : render("server-queue", `Requests running and waiting, ${who}`, chart, {
        grid: true,
        x,
        y: { label: "↑ requests", zero: true },
        color: { legend: true, domain: ["running", "waiting"], range: ["#1f77b4", "#d62728"] },
        marks: [Plot.line(queue, { x: "t", y: "value", stroke: "figure", marker: "circle", curve: "step-after" })],
      }),
    kv.length === 0
      ? emptyChart("server-kv", "KV-cache use (server)", "the server reported no KV-cache use")
      : render("server-kv", `KV-cache use, ${who}`, chart, {
        grid: true,
        x,
        y: { label: "↑ % of the KV cache", domain: [0, 100] },
        marks: [
          Plot.areaY(kv, { x: "t", y: "value", fill: "#9467bd", fillOpacity: 0.3 }),
          Plot.line(kv, { x: "t", y: "value", stroke: "#9467bd" }),
        ],
      }),
    tokens.length === 0
      ? emptyChart("server-tokens", "Generated tokens per second (server)", "the server reported no token counter")
      : render("server-tokens", `Tokens per second, ${who} and client-measured`, chart, {
        grid: true,
        x,
        y: { label: "↑ tokens/s", zero: true },
        color: { legend: true },
        marks: [Plot.line(tokens, { x: "t", y: "value", stroke: "figure", marker: "circle" })],
      }),
  ];
}

/** One probe of a capacity search, as its charts draw it. */
export interface CapacityPoint {
  load: number;
  verdict: "PASS" | "FAIL" | "INDETERMINATE";
  outputTokensPerS: number | null;
  /** The figures the SLOs limit at this load (`TTFT p99`), with their limits. */
  figures: readonly { label: string; ms: number | null; maxMs: number }[];
}

/**
 * The capacity curves of a `--find-max` search: throughput against load (each probe coloured by its verdict, the knee
 * and the answer marked), the figures the SLOs limit against load, and the same figures against throughput — each
 * with its limit drawn in its colour.
 */
export function capacityCharts(
  points: readonly CapacityPoint[],
  labels: { load: string; max: number | null; knee: number | null },
  options: ChartOptions = {},
): Chart[] {
  const colours = { domain: ["PASS", "INDETERMINATE", "FAIL"], range: ["#2ca02c", "#ff9d3c", "#d62728"], legend: true };
  const tip = (p: CapacityPoint) => `${labels.load} ${p.load}: ${p.verdict}`;
  const sorted = [...points].sort((a, b) => a.load - b.load);
  const marks = (ruleAt: number | null, label: string) =>
    ruleAt === null ? [] : [
      Plot.ruleX([ruleAt], { stroke: "#555", strokeDasharray: "4,3" }),
      Plot.text([ruleAt], {
        x: (d: number) => d,
        frameAnchor: "top",
        dy: 4,
        dx: 4,
        textAnchor: "start",
        text: () => label,
      }),
    ];
  const throughput = sorted.filter((p) => p.outputTokensPerS !== null);
  const tput = throughput.length === 0
    ? emptyChart("capacity-throughput", "Output throughput against load", "no probe finished")
    : render("capacity-throughput", "Output throughput against load", options, {
      grid: true,
      x: { label: `${labels.load} →` },
      y: { label: "↑ output tokens/s" },
      color: colours,
      marks: [
        ...marks(labels.knee, "knee"),
        ...marks(labels.max, "max sustainable"),
        Plot.line(throughput, { x: "load", y: "outputTokensPerS", stroke: "#999" }),
        Plot.dot(throughput, { x: "load", y: "outputTokensPerS", fill: "verdict", r: 5, title: tip }),
      ],
    });
  const latency = sorted.flatMap((p) =>
    p.figures.filter((f) => f.ms !== null).map((f) => ({
      load: p.load,
      tokensPerS: p.outputTokensPerS,
      ms: f.ms!,
      figure: f.label,
      verdict: p.verdict,
    }))
  );
  const limits = [...new Map(sorted.flatMap((p) => p.figures).map((f) => [f.label, f.maxMs]))]
    .map(([figure, ms]) => ({ figure, ms }));
  const tipFigure = (d: { figure: string; load: number; ms: number; verdict: string; tokensPerS: number | null }) =>
    `${d.figure} at ${labels.load} ${d.load}: ${d.ms.toFixed(1)} ms, ${
      d.tokensPerS === null ? "–" : d.tokensPerS.toFixed(0)
    } tok/s (${d.verdict})`;
  const limitMarks = [
    Plot.ruleY(limits, { y: "ms", stroke: "figure", strokeDasharray: "6,3" }),
    Plot.text(limits, {
      y: "ms",
      text: (d: { figure: string }) => `${d.figure} limit`,
      frameAnchor: "left",
      dy: -6,
      dx: 4,
      fill: "figure",
    }),
  ];
  const lat = latency.length === 0
    ? emptyChart("capacity-latency", "Latency against load, with the SLOs", "no probe finished")
    : render("capacity-latency", "Latency against load, with the SLOs", options, {
      grid: true,
      x: { label: `${labels.load} →` },
      y: { label: "↑ ms", type: "log" },
      color: { legend: true },
      marks: [
        ...limitMarks,
        Plot.line(latency, { x: "load", y: "ms", stroke: "figure", marker: "circle", title: tipFigure }),
        ...marks(labels.max, "max sustainable"),
      ],
    });
  const byThroughput = latency.filter((d) => d.tokensPerS !== null);
  const latTput = byThroughput.length === 0
    ? emptyChart("capacity-latency-throughput", "Latency against throughput, with the SLOs", "no probe finished")
    : render("capacity-latency-throughput", "Latency against throughput, with the SLOs", options, {
      grid: true,
      x: { label: "output tokens/s →" },
      y: { label: "↑ ms", type: "log" },
      color: { legend: true },
      marks: [
        ...limitMarks,
        Plot.line(byThroughput, { x: "tokensPerS", y: "ms", stroke: "figure", marker: "circle", title: tipFigure }),
        Plot.text(byThroughput, {
          x: "tokensPerS",
          y: "ms",
          text: (d: { load: number }) => `${d.load}`,
          dy: -9,
          fontSize: 9,
          fill: "#555",
        }),
      ],
    });
  return [tput, lat, latTput];
}
