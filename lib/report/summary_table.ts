import { OPEN_LOOP_MAX_IN_FLIGHT } from "../config/schema.ts";
import { sloText } from "../config/slo.ts";
import { HEALTH_LIMITS } from "../metrics/health.ts";
import { calibrationText } from "../plan/calibrate.ts";
import { valuesNeeded } from "../metrics/intervals.ts";
import { hang, wrap, wrapAtDots } from "../text.ts";

export { wrapAtDots };
import type { MetricField, RunSummary, Statistics } from "../results/schema.ts";

/** Display names and units of the per-request metrics, in table order. */
export const METRIC_LABELS: Record<MetricField, string> = {
  ttftMs: "Time to first token (ms)",
  e2eMs: "End-to-end latency (ms)",
  interTokenLatencyMs: "Inter-token latency (ms)",
  tpotMs: "Time per output token (ms)",
  outputTokensPerS: "Output tok/s per request",
  decodeTokensPerS: "Decode tok/s per request",
  ttfbMs: "Time to first byte (ms)",
  inputTokens: "Input tokens",
  outputTokens: "Output tokens",
  tokensPerEvent: "Tokens per event",
  clientQueueMs: "Client queue time (ms)",
  ttftFromScheduleMs: "TTFT from scheduled send (ms)",
  e2eFromScheduleMs: "E2E from scheduled send (ms)",
  serverTtftMs: "Server: time to first token (ms)",
  serverE2eMs: "Server: total latency (ms)",
  serverDecodeTokensPerS: "Server: tokens/s after first token",
  serverTotalTokensPerS: "Server: total tokens/s",
  serverBatchSize: "Server: batch size used",
  serverAcceptanceRate: "Server: acceptance rate",
  ttftOverheadMs: "Client TTFT − server TTFT (ms)",
  ttfatMs: "Time to first answer (ms)",
  reasoningMs: "Reasoning duration (ms)",
  reasoningTokens: "Reasoning tokens",
  answerTokens: "Answer tokens",
  reasoningItlMs: "ITL while reasoning (ms)",
  answerItlMs: "ITL of the answer (ms)",
};

const isServerField = (f: MetricField) => f.startsWith("server") || f === "ttftOverheadMs";

/** Columns of the summary table (HTML); the console leaves out the standard deviation to fit 80 columns. */
export const TABLE_COLUMNS = ["mean", "p50", "p90", "p99", "min", "max", "stddev", "count"] as const;
const CONSOLE_COLUMNS = ["mean", "p50", "p90", "p99", "min", "max", "count"] as const;
type Column = typeof TABLE_COLUMNS[number];

/** One row of the summary table: a metric's label and its statistics as display strings. */
export interface SummaryRow {
  field: MetricField;
  label: string;
  cells: Record<Column, string>;
}

/** A share as a percentage with one decimal (`97.3 %`), "–" when there is none. */
export function formatShare(x: number | null | undefined): string {
  return x === null || x === undefined ? "–" : `${(x * 100).toFixed(1)} %`;
}

/** A 95 % interval as a table shows it: `76.2–85.1`, or "too few" where the values cannot give one. */
export function formatInterval(ci: readonly [number, number] | null | undefined): string {
  if (ci === undefined) return "–";
  return ci === null ? "too few" : `${formatNumber(ci[0])}–${formatNumber(ci[1])}`;
}

/** The metrics the precision lines name, with their short names and units. */
const PRECISION_METRICS: [MetricField, string, string][] = [
  ["ttftMs", "TTFT", "ms"],
  ["e2eMs", "E2E", "ms"],
  ["interTokenLatencyMs", "ITL", "ms"],
  ["tpotMs", "TPOT", "ms"],
];

/**
 * How precise the headline figures are, in a few lines under the table: the 95 % intervals of the p50s and the p99s
 * of TTFT, E2E, inter-token latency and TPOT, and of the output throughput — or that a p99 has too few requests for one,
 * and how many it needs.
 */
export function precisionLines(summary: RunSummary): string[] {
  const figures = shownFigures(summary);
  const m = figures.metrics;
  if (!m.ttftMs?.ci) return [];
  const shown = PRECISION_METRICS.filter(([f]) => m[f].count > 0);
  if (shown.length === 0) return []; // no request succeeded: nothing to be precise about
  const known = (stat: "p50" | "p99") =>
    shown.filter(([f]) => m[f].ci?.[stat]).map(([f, name, unit]) =>
      `${name} ${formatInterval(m[f].ci![stat])} ${unit}`
    );
  const tooFew = (stat: "p50" | "p99") => shown.filter(([f]) => m[f].ci?.[stat] === null).map(([, name]) => name);
  const lines: string[] = [""];
  const p50 = known("p50");
  // The throughput's interval is the whole run's (batch means need the whole run's windows).
  const tput = figures.scope === "all" ? summary.throughput.ci?.outputTokensPerS : undefined;
  if (tput) p50.push(`output ${formatInterval(tput)} tok/s`);
  if (p50.length) lines.push(...wrapAtDots(`95 % intervals — p50: ${p50.join(" · ")}`, 80));
  const p99 = known("p99");
  const few = tooFew("p99");
  const needs = few.length
    ? `${few.join(", ")} too few requests (${valuesNeeded(0.99)} needed, this run has ${m.ttftMs.count})`
    : "";
  lines.push(...wrapAtDots(`p99: ${[...p99, needs].filter(Boolean).join(" · ")}`, 80));
  lines.push("(--intervals: every metric's mean, p50, p90 and p99)");
  return lines;
}

/** Every metric's 95 % intervals (`--intervals`): the mean and p50, p90, p99 of each, "too few" where there is none. */
export function intervalRows(summary: RunSummary): string[] {
  const stats = ["p50", "p90", "p99", "mean"] as const;
  const metrics = shownFigures(summary).metrics;
  const rows = summaryRows(summary).filter((r) => metrics[r.field].ci)
    .map((r) => [r.label, ...stats.map((st) => formatInterval(metrics[r.field].ci![st]))]);
  if (rows.length === 0) return [];
  const head = ["95 % interval", ...stats];
  const w = head.map((_, i) => Math.max(...[head, ...rows].map((r) => r[i].length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[0]) : c.padStart(w[i]))).join("  ");
  return [fmt(head), fmt(w.map((n) => "-".repeat(n))), ...rows.map(fmt)];
}

/** Formats a number for tables: 3 significant decimals below 10, 1 decimal below 1000, none above. */
export function formatNumber(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "–";
  const a = Math.abs(x);
  if (a !== 0 && a < 10) return x.toFixed(3);
  if (a < 1000) return x.toFixed(1);
  return Math.round(x).toLocaleString("en-US");
}

/** The figures a table shows: the steady-state window's or the whole run's, and a line that says which. */
export interface ShownFigures {
  metrics: RunSummary["metrics"];
  scope: "steady" | "all";
  /** Which figures, and why, in one line ("" for a run without a window). */
  line: string;
}

/**
 * The figures the tables show (`window` in the configuration): the steady-state window's when it holds enough of the
 * run's requests (and the run did not ask for the whole run's), else the whole run's — with a line that says which.
 */
export function shownFigures(summary: RunSummary): ShownFigures {
  const w = summary.window;
  if (!w) return { metrics: summary.metrics, scope: "all", line: "" };
  const span = `${formatNumber(w.startMs / 1000)}–${formatNumber(w.endMs / 1000)} s`;
  const finished = w.share > 0 ? Math.round(w.requests / w.share) : 0;
  const held = `${w.requests} of ${finished} requests, ${w.basis}`;
  if (summary.config.window === "all") {
    return {
      metrics: summary.metrics,
      scope: "all",
      line: `Whole run (--window all); steady-state window ${span}: ${held}`,
    };
  }
  if (!w.enough) {
    return {
      metrics: summary.metrics,
      scope: "all",
      line: `Whole run: the steady-state window (${span}) holds too few requests (${held})`,
    };
  }
  return {
    metrics: w.metrics as RunSummary["metrics"],
    scope: "steady",
    line: `Steady-state window ${span}: ${held}; ramp-up and drain left out (--window all: the whole run)`,
  };
}

/** The mark of a percentile from too few requests for its 95 % interval. */
export const TOO_FEW_MARK = "*";

/** What the mark means, in one line. */
export const TOO_FEW_LEGEND = `${TOO_FEW_MARK} too few requests for a 95 % interval of that percentile (p50 needs ${
  valuesNeeded(0.5)
}, p90 ${valuesNeeded(0.9)}, p99 ${valuesNeeded(0.99)})`;

const PERCENTILES = { p5: 0.05, p25: 0.25, p50: 0.5, p75: 0.75, p90: 0.9, p95: 0.95, p99: 0.99 } as const;

/**
 * Whether a statistic of `s` is a percentile from too few values for its 95 % interval: the summary's own verdict
 * (an interval it could not form) where it has one, else the count against what the percentile needs.
 */
export function tooFew(s: Statistics, stat: string): boolean {
  if (!(stat in PERCENTILES) || s.count === 0) return false;
  const ci = (s.ci as Record<string, unknown> | undefined)?.[stat];
  if (ci !== undefined) return ci === null;
  return s.count < valuesNeeded(PERCENTILES[stat as keyof typeof PERCENTILES]);
}

/**
 * The rows of the summary table, for the console, markdown and HTML alike. Metrics with no values are left out; a
 * percentile from too few requests for its interval carries {@link TOO_FEW_MARK}.
 */
export function summaryRows(summary: RunSummary, which: "client" | "server" = "client"): SummaryRow[] {
  const rows: SummaryRow[] = [];
  const metrics = shownFigures(summary).metrics;
  for (const [field, label] of Object.entries(METRIC_LABELS) as [MetricField, string][]) {
    if (isServerField(field) !== (which === "server")) continue;
    const s: Statistics | undefined = metrics[field];
    if (!s) continue;
    if (s.count === 0) continue;
    const cells = {} as SummaryRow["cells"];
    for (const col of TABLE_COLUMNS) {
      cells[col] = col === "count"
        ? String(s.count)
        : formatNumber(s[col]) + (s[col] !== null && tooFew(s, col) ? TOO_FEW_MARK : "");
    }
    rows.push({ field, label, cells });
  }
  return rows;
}

const fmtTokens = (mean: unknown, sd: unknown) =>
  typeof mean === "number" ? `${mean}${typeof sd === "number" && sd > 0 ? ` ± ${sd}` : ""}` : "–";

/**
 * `, at most N in flight` for an open loop whose in-flight requests are capped (empty when uncapped); `shown` is the
 * cap of one shard of a sharded run.
 */
export function inFlightCap(cap: unknown, shown = cap): string {
  return typeof cap === "number" && cap < OPEN_LOOP_MAX_IN_FLIGHT ? `, at most ${shown} in flight` : "";
}

/** Where the precision targets stood: each figure's ± against its target, and whether and when all were reached. */
export function precisionText(p: NonNullable<RunSummary["precision"]>): string {
  const pct = (x: number) => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)} %`;
  const each = p.targets.map((t) =>
    `${t.figure} ${t.halfWidth === null ? "too few for an interval" : `±${pct(t.halfWidth)}`} (target ±${
      pct(t.target)
    })`
  ).join(" · ");
  const when = p.reachedAfterRequests !== undefined
    ? `reached after ${p.reachedAfterRequests} requests, ${formatNumber(p.reachedAtS)} s`
    : p.reached
    ? "reached"
    : "NOT reached";
  return `${each} — ${when}`;
}

/**
 * The load that produced a run, in one line: API and model, closed loop (concurrency) or open loop (rate, arrival,
 * cap), how many requests or how long, token means and spreads (or the dataset), seed, warm-up — what a report must
 * say for its figures to mean anything.
 */
export function workloadLine(
  summary: Pick<RunSummary, "config" | "endpoint" | "simulated" | "dataset">,
  options: { except?: string } = {},
): string {
  const c = summary.config;
  const parts: string[] = [
    `${summary.endpoint.api}${summary.simulated ? " (simulated)" : ""} · ${summary.endpoint.model}`,
  ];
  if (typeof c.requestRate === "number") {
    const arrival = c.arrival === "gamma" ? `gamma (burstiness ${c.burstiness})` : String(c.arrival ?? "poisson");
    parts.push(
      `open loop ${options.except === "requestRate" ? "(rate swept)" : `${c.requestRate} req/s`} ${arrival}${
        inFlightCap(c.numConcurrentRequests)
      }`,
    );
  } else {
    // A file written before the concurrency was recorded: unknown.
    const n = options.except === "numConcurrentRequests" ? "swept" : c.numConcurrentRequests ?? "not recorded";
    parts.push(`closed loop, concurrency ${n}`);
  }
  const count = typeof c.maxNumCompletedRequests === "number" ? `${c.maxNumCompletedRequests} requests` : "";
  const duration = typeof c.durationS === "number" ? `for ${c.durationS} s` : "";
  if (count || duration) parts.push([count, duration].filter(Boolean).join(" "));
  if (summary.dataset || typeof c.dataset === "string") {
    const name = summary.dataset?.path ?? String(c.dataset);
    const format = summary.dataset?.format;
    const how = format === "mooncake"
      ? `mooncake trace at its timestamps${
        typeof c.traceSpeed === "number" && c.traceSpeed !== 1 ? ` × ${c.traceSpeed}` : ""
      }`
      : `${format ? `${format}, ` : ""}${c.datasetOrder ?? "sequential"}`;
    parts.push(`dataset ${name.replace(/^.*\//, "")} (${how})`);
  } else {
    const input = options.except === "meanInputTokens" ? "swept" : fmtTokens(c.meanInputTokens, c.stddevInputTokens);
    const output = options.except === "meanOutputTokens"
      ? "swept"
      : fmtTokens(c.meanOutputTokens, c.stddevOutputTokens);
    parts.push(`input ${input} tokens, output ${output} tokens`);
    if (c.multiTurn === true) {
      parts.push(
        typeof c.dataset === "string" ? "multi-turn sessions" : `${c.sessions} sessions × ${c.turns} turns`,
      );
    }
    if (typeof c.sharedPrefixTokens === "number") {
      parts.push(
        `shared prefix ${c.sharedPrefixTokens} tokens × ${c.prefixGroups ?? 1} group${c.prefixGroups === 1 ? "" : "s"}`,
      );
    }
  }
  if (c.mode === "batch") parts.push("batch (not streamed)");
  parts.push(`seed ${c.seed ?? 0}`);
  parts.push(
    typeof c.warmupRequests === "number" && c.warmupRequests > 0
      ? `${c.warmupRequests} warm-up requests`
      : "no warm-up",
  );
  return parts.join(" · ");
}

/** The stall figures in one line, or undefined when the run has none (batch, older files). */
export function stallText(summary: RunSummary): string | undefined {
  const s = summary.stalls;
  if (!s) return undefined;
  const base = `${s.answersWithStall} of ${s.answers} answers (reader at ${s.readingSpeedTokensPerS} tok/s)`;
  if (s.answersWithStall === 0) return `${base} — none waited for text`;
  return `${base} · ${((s.share ?? 0) * 100).toFixed(1)} % stalled · longest ${
    formatNumber(s.longestStallMs.max)
  } ms · ` +
    `stall time per answer p50 ${formatNumber(s.stallMs.p50)} ms, p99 ${formatNumber(s.stallMs.p99)} ms`;
}

/** The run's headline figures as label/value pairs. */
export function headline(summary: RunSummary): [string, string][] {
  const { run, throughput, errors } = summary;
  const codes = Object.entries(errors.byCode).map(([c, n]) => `${c} × ${n}`).join(", ");
  return [
    [
      "Requests",
      `${run.requestsStarted} started · ${run.requestsSucceeded} ok · ${run.requestsFailed} failed · ${run.requestsAborted} aborted (stop: ${run.stopReason})`,
    ],
    ["Run wall time", run.wallTimeS === null ? "–" : `${formatNumber(run.wallTimeS)} s`],
    ["Total output throughput", `${formatNumber(throughput.outputTokensPerS)} tok/s`],
    [
      "Request throughput",
      `${formatNumber(throughput.requestsPerS)} req/s (${formatNumber(throughput.requestsPerMin)} req/min)`,
    ],
    ...(summary.window
      ? [[
        "Steady-state throughput",
        `${formatNumber(summary.window.throughput.outputTokensPerS)} tok/s · ${
          formatNumber(summary.window.throughput.requestsPerS)
        } req/s (over the steady-state window)`,
      ] as [string, string]]
      : []),
    ["Error rate", errors.rate === null ? "–" : `${(errors.rate * 100).toFixed(1)} %${codes ? ` (${codes})` : ""}`],
    ...(summary.goodput
      ? [[
        "Goodput",
        `${formatNumber(summary.goodput.requestsPerS)} req/s meeting ${sloText(summary.goodput.slo)} · attainment ${
          summary.goodput.attainment === null ? "–" : `${(summary.goodput.attainment * 100).toFixed(1)} %`
        } (${summary.goodput.met} requests)`,
      ] as [string, string]]
      : []),
    ...(summary.goodput?.percentiles ?? []).map((c) =>
      [
        c.label,
        `${formatNumber(c.figures[0]?.ms ?? null)} ms · ${formatShare(c.share)} within (CI ${
          formatShare(c.interval?.[0])
        }–${formatShare(c.interval?.[1])}) · ${c.verdict}`,
      ] as [string, string]
    ),
    ...(summary.precision ? [["Precision", precisionText(summary.precision)] as [string, string]] : []),
    ...(stallText(summary) ? [["Stalls", stallText(summary)!] as [string, string]] : []),
    ...(summary.turns
      ? [[
        "By turn",
        summary.turns.slice(0, 8).map((t) =>
          `${t.turn}: TTFT p50 ${formatNumber(t.ttftP50Ms)} ms, ${formatNumber(t.inputTokensMean)} input tokens`
        ).join(" · ") + (summary.turns.length > 8 ? " · …" : ""),
      ] as [string, string]]
      : []),
    ...(summary.cache
      ? [[
        "Prefix cache",
        `${((summary.cache.hitShare ?? 0) * 100).toFixed(1)} % of input tokens cached (${
          summary.cache.cachedInputTokens.toLocaleString("en-US")
        } of ${
          summary.cache.inputTokens.toLocaleString("en-US")
        }) · ${summary.cache.requestsWithHits} requests with hits (as the server reported)`,
      ] as [string, string]]
      : []),
    ...serverLines(summary).map((line, i) =>
      [i === 0 ? `Server (${summary.serverMetrics!.engine ?? "metrics"})` : "", line] as [string, string]
    ),
    ...(tokenCountLine(summary) ? [["Token counts", tokenCountLine(summary)!] as [string, string]] : []),
    ...(serverTimingsLine(summary) ? [["Server's timings", serverTimingsLine(summary)!] as [string, string]] : []),
    ...(run.warmupRequests > 0
      ? [["Warm-up requests", `${run.warmupRequests} (sent first, not in any statistic)`] as [string, string]]
      : []),
    ...(errors.rateLimit
      ? [["Rate limited (429)", rateLimitText(errors.rateLimit, run.requestsStarted)] as [string, string]]
      : []),
  ];
}

/**
 * The server's token counts beside the requested ones (medians), when either side disagrees by more than 5 % —
 * "input: server 100 vs 427 requested (23 %) · output: server 150 vs 150 (100 %) — see the health note" — else
 * undefined.
 */
export function tokenCountLine(summary: RunSummary): string | undefined {
  const f = summary.health?.figures;
  if (!f) return undefined;
  const side = (name: "input" | "output") => {
    const [got, asked, ratio] = [
      f[`${name}TokensReported`],
      f[`${name}TokensRequested`],
      f[`${name}TokensReportedRatio`],
    ];
    if (got == null || asked == null || ratio == null) return null;
    const off = Math.abs(ratio - 1) > HEALTH_LIMITS.tokenCountDrift;
    const n = (x: number) => (Number.isInteger(x) ? x.toLocaleString("en-US") : formatNumber(x));
    const share = `${(ratio * 100).toFixed(0)} %${off ? ", DISAGREE" : ""}`;
    return { off, text: `${name}: server ${n(got)} vs ${n(asked)} requested (${share})` };
  };
  const sides = [side("input"), side("output")].filter((x) => x !== null);
  if (!sides.some((x) => x.off)) return undefined;
  const tokenizer = sides.some((x) => x.off && x.text.startsWith("input"))
    ? " (--tokenizer: the server's tokenizer.json)"
    : "";
  return `${sides.map((x) => x.text).join(" · ")} — medians; see the health note${tokenizer}`;
}

/**
 * A run's rate limiting in one line: `37 of 200 requests (429), Retry-After 1–4 s · failed: their latency is not
 * measured (--on-rate-limit wait waits them out)`, or with waiting, how many were waited out and for how long.
 */
export function rateLimitText(rl: NonNullable<RunSummary["errors"]["rateLimit"]>, started: number): string {
  const asked = rl.retryAfterS
    ? `, Retry-After ${rl.retryAfterS[0] === rl.retryAfterS[1] ? rl.retryAfterS[0] : rl.retryAfterS.join("–")} s`
    : "";
  const head = `${rl.requests} of ${started} requests (429)${asked}`;
  if (rl.onRateLimit === "fail") {
    return `${head} · failed: their latency is not measured (--on-rate-limit wait waits them out)`;
  }
  const failed = rl.requests - rl.waitedOut;
  return `${head} · ${rl.waitedOut} waited out, ${rl.responses} 429s, ${formatNumber(rl.waitedS)} s waiting in all — ` +
    `excluded from the latencies (the attempt that succeeded is measured)${
      failed ? ` · ${failed} failed after waiting` : ""
    }`;
}

/**
 * The server's own timings (SambaNova's usage block, SambaStudio's last event) against the client's, in one line —
 * `TTFT p50 45.2 ms by the server, 78.1 ms by the client: 32.9 ms before the server's clock (network, gateway,
 * queueing) · decode 125 vs 120 tok/s` — or undefined when the server reported none.
 */
export function serverTimingsLine(summary: RunSummary): string | undefined {
  const m = summary.metrics;
  const parts: string[] = [];
  if (m.serverTtftMs.count > 0 && m.ttftMs.p50 !== null && m.serverTtftMs.p50 !== null) {
    const gap = m.ttftMs.p50 - m.serverTtftMs.p50;
    parts.push(
      `TTFT p50 ${formatNumber(m.serverTtftMs.p50)} ms by the server, ${formatNumber(m.ttftMs.p50)} ms by the ` +
        `client: ${formatNumber(gap)} ms outside the server's clock (network, gateway, queueing)`,
    );
  }
  if (m.serverDecodeTokensPerS.count > 0 && m.decodeTokensPerS.p50 !== null) {
    parts.push(
      `decode p50 ${formatNumber(m.serverDecodeTokensPerS.p50)} tok/s by the server, ` +
        `${formatNumber(m.decodeTokensPerS.p50)} by the client`,
    );
  }
  return parts.length ? parts.join(" · ") : undefined;
}

/** Client and server side by side, for the metrics both measure; empty when the server reported no timings. */
export function clientServerRows(summary: RunSummary): [string, string, string, string][] {
  const m = summary.metrics;
  if (m.serverTtftMs.count === 0 && m.serverE2eMs.count === 0 && m.serverDecodeTokensPerS.count === 0) return [];
  const pair = (label: string, client: Statistics, server: Statistics): [string, string, string, string] => [
    label,
    formatNumber(client.p50),
    formatNumber(server.p50),
    client.p50 !== null && server.p50 !== null ? formatNumber(client.p50 - server.p50) : "–",
  ];
  const rows = [
    pair("Time to first token (ms)", m.ttftMs, m.serverTtftMs),
    pair("End-to-end latency (ms)", m.e2eMs, m.serverE2eMs),
    pair("Decode tok/s per request", m.decodeTokensPerS, m.serverDecodeTokensPerS),
  ];
  return rows.filter((r) => r[2] !== "–");
}

function formatRows(rows: SummaryRow[], columns: readonly Column[] = CONSOLE_COLUMNS): string[] {
  const labelWidth = Math.max(6, ...rows.map((r) => r.label.length));
  // A marked cell's mark stands in the gap after it, so the figures stay aligned.
  const bare = (c: string) => (c.endsWith(TOO_FEW_MARK) ? c.slice(0, -1) : c);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => bare(r.cells[c]).length)));
  const line = (label: string, cells: string[]) =>
    (label.padEnd(labelWidth) + "  " +
      cells.map((
        c,
        i,
      ) => (c.endsWith(TOO_FEW_MARK) ? bare(c).padStart(widths[i]) + c.slice(-1) : c.padStart(widths[i]) + " "))
        .join(" ")).trimEnd();
  const marked = rows.some((r) => columns.some((c) => r.cells[c].endsWith(TOO_FEW_MARK)));
  return [
    line("metric", [...columns]),
    line("-".repeat(labelWidth), widths.map((w) => "-".repeat(w))),
    ...rows.map((r) => line(r.label, columns.map((c) => r.cells[c]))),
    ...(marked ? wrap(TOO_FEW_LEGEND, 80) : []),
  ];
}

/** Rows of a merged run's per-shard table: shard, host, requests, ok, failed, start lateness, health. */
export function shardRows(merged: NonNullable<RunSummary["merged"]>): string[][] {
  return [
    ["shard", "host", "requests", "ok", "failed", "late (ms)", "health"],
    ...merged.rows.map((r) => [
      String(r.index),
      r.host,
      String(r.requests),
      String(r.ok),
      String(r.failed),
      r.latenessMs === null ? "–" : formatNumber(r.latenessMs),
      r.health === "suspect" ? `SUSPECT: ${r.healthReasons.join("; ")}` : r.health ?? "–",
    ]),
    ...merged.missing.map((i) => [String(i), "–", "–", "–", "–", "–", "MISSING (not merged)"]),
  ];
}

function shardTable(merged: NonNullable<RunSummary["merged"]>): string[] {
  const rows = shardRows(merged);
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === r.length - 1 ? c : i < 2 ? c.padEnd(w[i]) : c.padStart(w[i]))).join("  ");
  return [`Merged from ${merged.rows.length} of ${merged.shards} shards:`, line(rows[0]), ...rows.slice(1).map(line)];
}

/**
 * The summary as a plain-text table for the console (80 columns): the statistics of every metric, how precise the
 * headline ones are (every metric's 95 % intervals with `intervals`), health, and the run's headline figures.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { benchmark, formatSummaryTable } from "../../mod.ts";
 * const { summary } = await benchmark({ maxNumCompletedRequests: 2 }, { writeFiles: false });
 * const table = formatSummaryTable(summary);
 * assert.match(table, /SIMULATED ENDPOINT/);
 * assert.match(table, /closed loop, concurrency 8 ·\s+2 requests/);
 * ```
 */
export function formatSummaryTable(summary: RunSummary, options: { intervals?: boolean } = {}): string {
  const rows = summaryRows(summary);
  const out: string[] = [];
  if (summary.simulated) out.push(...wrap(`*** ${summary.label} ***`, 80));
  const partial = partialLine(summary);
  if (partial) out.push(...wrap(`!!! ${partial}`, 80));
  out.push(
    ...wrapAtDots(`model ${summary.endpoint.model} · api ${summary.endpoint.api} · ${summary.endpoint.url}`, 80),
    ...wrapAtDots(`load: ${workloadLine(summary)}`, 80),
    ...hang("tokenizer ", summary.tokenizer, 80),
    ...(summary.calibration ? hang("calibrated: ", calibrationText(summary.calibration), 80) : []),
    "",
  );
  const shown = shownFigures(summary);
  if (shown.line) out.push(...wrap(shown.line, 80), "");
  out.push(...formatRows(rows));
  const precision = options.intervals ? ["", ...intervalRows(summary)] : precisionLines(summary);
  if (precision.length) out.push(...precision);
  const cs = clientServerRows(summary);
  if (cs.length > 0) {
    const head: [string, string, string, string] = ["client vs server (p50)", "client", "server", "client − server"];
    const w = [0, 1, 2, 3].map((i) => Math.max(...[head, ...cs].map((r) => r[i].length)));
    const fmt = (r: string[]) => r[0].padEnd(w[0]) + "  " + r.slice(1).map((c, i) => c.padStart(w[i + 1])).join("  ");
    out.push("", fmt(head), fmt(w.map((n) => "-".repeat(n))), ...cs.map(fmt));
    const serverRows = summaryRows(summary, "server");
    if (serverRows.length) out.push("", "Server-reported timings (every request):", ...formatRows(serverRows));
  }
  out.push("");
  if (summary.health) {
    const h = summary.health;
    out.push(
      ...hang("Health: ", `${h.verdict.toUpperCase()}${h.reasons.length ? ` — ${h.reasons.join("; ")}` : ""}`, 80),
    );
    const figs = healthFigures(h);
    if (figs) out.push(...wrapAtDots(`  ${figs}`, 80, ", "));
    for (const n of h.notes) out.push(...hang("  note: ", n, 80));
    out.push("");
  }
  const head = headline(summary);
  const hw = Math.max(...head.map(([k]) => k.length));
  for (const [k, v] of head) out.push(...hang(`${k.padEnd(hw)}  `, v, 80));
  if (summary.merged) out.push("", ...shardTable(summary.merged));
  return out.join("\n");
}

/** The health figures a person reads first, in one line ("" when the run has none): event-loop lag, client CPU,
 * connections opened and reused, and how late requests left (t0 → last request byte written). */
export function healthFigures(h: NonNullable<RunSummary["health"]>): string {
  const f = h.figures;
  const figs: string[] = [];
  if (f.eventLoopLagP99Ms != null) figs.push(`event-loop lag p99 ${f.eventLoopLagP99Ms.toFixed(1)} ms`);
  if (f.clientCpuShare != null) figs.push(`client CPU ${(f.clientCpuShare * 100).toFixed(0)} % of a core`);
  if (f.connectionsOpened != null) {
    figs.push(
      `${f.connectionsOpened} connection${f.connectionsOpened === 1 ? "" : "s"} opened` +
        (f.connectionReuseShare != null
          ? ` (${(f.connectionReuseShare * 100).toFixed(0)} % of requests reused one)`
          : ""),
    );
  }
  if (f.sendLagP99Ms != null) figs.push(`send lag p99 ${formatNumber(f.sendLagP99Ms)} ms`);
  return figs.join(", ");
}

/**
 * The server's own figures over the run (`serverMetrics`), in a few lines: its queue and KV cache, its token rates,
 * its latency histograms — labelled as the server's, beside the client's (nothing when none were scraped).
 */
export function serverLines(summary: RunSummary): string[] {
  const m = summary.serverMetrics;
  if (!m) return [];
  const g = m.gauges;
  const pair = (x: { mean: number; max: number } | undefined, scale = 1, unit = "") =>
    x ? `${(x.mean * scale).toFixed(1)}${unit} mean, ${+(x.max * scale).toFixed(1)}${unit} max` : null;
  const load = [
    g.running ? `running ${pair(g.running)}` : null,
    g.waiting ? `waiting ${pair(g.waiting)}` : null,
    g.kvCache ? `KV cache ${pair(g.kvCache, 100, " %")}` : null,
  ].filter(Boolean);
  const c = m.counters;
  const tokens = [
    c.generationTokens ? `${formatNumber(c.generationTokens.perS)} generated tok/s` : null,
    c.promptTokens ? `${formatNumber(c.promptTokens.perS)} prompt tok/s` : null,
    m.prefixCacheHitRate !== null ? `prefix-cache hits ${formatShare(m.prefixCacheHitRate)}` : null,
    c.preemptions ? `${Math.round(c.preemptions.increase)} preemptions` : null,
  ].filter(Boolean);
  const h = m.histograms;
  const names: Record<string, string> = { ttft: "TTFT", queueTime: "queue", itl: "ITL", e2e: "E2E" };
  const latency = Object.entries(names).flatMap(([k, label]) => {
    const x = h[k];
    return x && x.count > 0 ? [`${label} p50 ${formatNumber(x.p50Ms)} / p99 ${formatNumber(x.p99Ms)} ms`] : [];
  });
  const lines = [load.join(" · "), tokens.join(" · ")];
  if (latency.length) lines.push(`${latency.join(" · ")} (server's histograms: interpolated within their buckets)`);
  if (!m.engine) lines.push("no engine's names known: see the raw scrapes");
  return lines.filter((l) => l !== "");
}

const STOPPED: Record<string, string> = {
  interrupted: "Interrupted",
  timeout: "Stopped by its timeout",
  failing: "Stopped: its first requests all failed",
  backlog: "Stopped: a backlog grew",
};

/**
 * A partial run's banner — "Interrupted after 12.3 s — partial results: 82 of 300 requests" — or null for a run that
 * sent what it was asked to.
 */
export function partialLine(summary: RunSummary): string | null {
  const run = summary.run;
  const label = STOPPED[run.stopReason];
  if (!label || run.partial === false) return null;
  const done = run.requestsSucceeded + run.requestsFailed;
  const planned = (summary.config as { maxNumCompletedRequests?: number }).maxNumCompletedRequests;
  return `${label}${
    run.wallTimeS !== null ? ` after ${formatNumber(run.wallTimeS)} s` : ""
  } — partial results: ${done}${
    typeof planned === "number" && Number.isFinite(planned) ? ` of ${planned}` : ""
  } requests${run.requestsAborted ? ` (${run.requestsAborted} aborted)` : ""}`;
}
