/**
 * Display helpers for notebooks on the Deno Jupyter kernel: HTML outputs (never SVG outputs, which nbconvert's HTML
 * export strips — DESIGN.md §7, trap 2), a progress display that updates in place, tables and charts. Outside Jupyter
 * they print a plain-text fallback, so the same cells run in `deno run`.
 * @module
 */
import { type Chart, chatTurnsCharts } from "../charts/charts.ts";
import type { ChatSession, ChatTurn } from "../chat/session.ts";
import type { RunConfigInput } from "../config/schema.ts";
import type { RequestRecord, RunSummary } from "../results/schema.ts";
import { INTERACTIVE_SCRIPT } from "../report/interactive.ts";
import { LIVE_PANEL_INTERVAL_MS, livePanelHtml, newLiveRun, recordSeen, serverSeen } from "./live_panel.ts";
import {
  chartsHtml,
  serverViewHtml,
  styled,
  summaryHeaderHtml,
  summaryTableHtml,
  writeRunReport,
} from "../report/html_report.ts";
import { benchmark, type BenchmarkOptions, type BenchmarkResult } from "../runner/pipeline.ts";
import type { RunProgress } from "../runner/runner.ts";
import { escapeHtml } from "../charts/escape.ts";

interface JupyterApi {
  display(
    bundle: Record<string, string>,
    options: { raw: boolean; display_id?: string; update?: boolean },
  ): Promise<void>;
}

function jupyter(): JupyterApi | undefined {
  try {
    return (Deno as unknown as { jupyter?: JupyterApi }).jupyter;
  } catch {
    return undefined;
  }
}

const plain = (html: string) =>
  html.replace(/<(style|script)[\s\S]*?<\/\1>/g, "").replace(/<svg[\s\S]*?<\/svg>/g, "[chart]").replace(/<[^>]+>/g, " ")
    .replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/[ \t]+/g, " ").trim();

/** Where an output goes: a new output, or an update of an earlier one with the same id. */
export interface ShowOptions {
  displayId?: string;
  update?: boolean;
}

/** Shows an HTML fragment (styled like the reports) as a cell output. */
export async function showHtml(html: string, options: ShowOptions = {}): Promise<void> {
  const api = jupyter();
  const content = styled(html);
  if (!api) {
    console.log(plain(html));
    return;
  }
  await api.display({ "text/html": content, "text/plain": plain(html).slice(0, 2000) }, {
    raw: true,
    ...(options.displayId ? { display_id: options.displayId } : {}),
    ...(options.update ? { update: true } : {}),
  });
}

/**
 * Shows a run's summary: the simulated banner if any, headline figures and the per-request metrics table — and, when
 * the server's metrics were scraped, the server view (with `records`, the client's output rate beside the server's).
 */
export function showSummary(summary: RunSummary, records: readonly RequestRecord[] = []): Promise<void> {
  return showHtml(
    summaryHeaderHtml(summary) + summaryTableHtml(summary) + serverViewHtml(summary, records) +
      (summary.serverMetrics ? INTERACTIVE_SCRIPT : ""),
  );
}

/** Shows charts side by side. */
export function showCharts(charts: readonly Chart[]): Promise<void> {
  // The tooltip and zoom script rides along (it runs once per page; a notebook that is not trusted shows the SVG).
  return showHtml(chartsHtml(charts) + INTERACTIVE_SCRIPT);
}

/** A progress bar as HTML. */
export function progressHtml(p: RunProgress, label = "Benchmark"): string {
  const pct = p.total ? Math.round((p.finished / p.total) * 100) : 0;
  const rate = p.elapsedMs > 0 ? p.finished / (p.elapsedMs / 1000) : 0;
  return `<div class="llm-bench-progress"><b>${label}</b> ${p.finished}/${p.total} done · ${p.succeeded} ok · ` +
    `${p.failed} failed · ${p.aborted} aborted · ${p.inFlight} in flight · ${rate.toFixed(2)} req/s · ` +
    `${(p.elapsedMs / 1000).toFixed(1)} s<div style="background:#eee;width:420px;height:10px;margin-top:4px">` +
    `<div style="background:#4269d0;width:${pct}%;height:10px"></div></div></div>`;
}

/**
 * Runs a benchmark with a live panel that updates in place — requests done, in flight and failed, TTFT of each
 * finished request and output tokens/s over the run (at most once per {@link LIVE_PANEL_INTERVAL_MS}, and once at the
 * end) — and writes its HTML report beside its results files.
 */
export async function runWithProgress(
  config: RunConfigInput,
  options: BenchmarkOptions & { label?: string } = {},
): Promise<BenchmarkResult> {
  const displayId = `llm-bench-progress-${crypto.randomUUID()}`;
  const label = options.label ?? "Benchmark";
  let last = 0;
  let latest: RunProgress | undefined;
  let pending: Promise<void> = Promise.resolve();
  const live = newLiveRun();
  const draw = (p: RunProgress) => {
    const html = livePanelHtml(p, live, label);
    pending = pending.then(() => showHtml(html, { displayId, update: true }));
  };
  await showHtml(
    `<div class="llm-bench-progress"><b>${label}</b> preparing: loading the tokenizer, drawing the requests…</div>`,
    { displayId },
  );
  const result = await benchmark(config, {
    ...options,
    onRecord(r) {
      recordSeen(live, r);
      options.onRecord?.(r);
    },
    onServerSample(s) {
      serverSeen(live, s);
      options.onServerSample?.(s);
    },
    onProgress(p) {
      latest = p;
      options.onProgress?.(p);
      const now = performance.now();
      if (now - last >= LIVE_PANEL_INTERVAL_MS) {
        last = now;
        draw(p);
      }
    },
  });
  if (latest) draw(latest);
  await pending;
  await writeRunReport(result);
  return result;
}

/** A table of the runs in a results folder (from `listRuns`). */
export function runListHtml(runs: readonly { stem: string; startedAt: string; model: string }[]): string {
  if (runs.length === 0) return "<p>No runs in this folder yet.</p>";
  return `<table><thead><tr><th>started</th><th>model</th><th>stem</th></tr></thead><tbody>${
    runs.map((r) =>
      `<tr><td>${escapeHtml(r.startedAt)}</td><td>${escapeHtml(r.model)}</td><td style="text-align:left">${
        escapeHtml(r.stem)
      }</td></tr>`
    )
      .join("")
  }</tbody></table>`;
}

/** A chat answer's metrics as a collapsible panel. */
export function answerMetricsHtml(turn: ChatTurn): string {
  const m = turn.metrics;
  const f = (x: number | null, digits: number) => (x === null ? "–" : x.toFixed(digits));
  const headline = turn.status === "ok"
    ? `latency ${f(m.latencyS, 2)} s · throughput ${f(m.throughputTokensPerS, 1)} tokens/s · TTFT ${
      f(m.ttftS, 3)
    } s · ` +
      `TPOT ${f(m.tpotMs, 1)} ms`
    : `${turn.status}: ${escapeHtml(turn.error?.message ?? "")}`;
  const rows: [string, string][] = [
    ["Latency (s)", f(m.latencyS, 3)],
    ["Throughput (tokens/s)", f(m.throughputTokensPerS, 1)],
    ["Time to first token (s)", f(m.ttftS, 3)],
    ["Time per output token (ms)", f(m.tpotMs, 2)],
    ["Input tokens", `${m.inputTokens ?? "–"} (${m.inputTokenSource})`],
    ["Output tokens", `${m.outputTokens ?? "–"} (${m.outputTokenSource})`],
  ];
  return `<details class="llm-bench-answer-metrics"><summary>Turn ${turn.turn} metrics — ${headline}</summary>` +
    `<table><tbody>${rows.map(([k, v]) => `<tr><td>${k}</td><td>${v}</td></tr>`).join("")}</tbody></table></details>`;
}

/**
 * Asks a question in a notebook cell: shows the question, the answer streaming in place, then a collapsible panel
 * with the answer's metrics. Returns the turn.
 */
export async function askInNotebook(session: ChatSession, question: string): Promise<ChatTurn> {
  const displayId = `llm-bench-chat-${crypto.randomUUID()}`;
  const q = `<p><b>You:</b> ${escapeHtml(question)}</p>`;
  const view = (answer: string, done = "") =>
    `${q}<div style="white-space:pre-wrap;border-left:3px solid #4269d0;padding:4px 10px"><b>${
      escapeHtml(session.model)
    }${session.simulated ? " (simulated)" : ""}:</b> ${escapeHtml(answer)}</div>${done}`;
  await showHtml(view("…"), { displayId });
  let answer = "";
  let last = 0;
  let pending: Promise<void> = Promise.resolve();
  const turn = await session.ask(question, {
    onText(text) {
      answer += text;
      const now = performance.now();
      if (now - last >= 150) {
        last = now;
        const snapshot = answer;
        pending = pending.then(() => showHtml(view(snapshot), { displayId, update: true }));
      }
    },
  });
  await pending;
  await showHtml(view(turn.answer || answer, answerMetricsHtml(turn)), { displayId, update: true });
  return turn;
}

/** A chat session's turns: a table of every turn's metrics and the per-turn charts. */
export async function showChatTurns(session: ChatSession): Promise<void> {
  const turns = session.turns;
  const f = (x: number | null, d: number) => (x === null ? "–" : x.toFixed(d));
  const table = `<table class="llm-bench-turns"><thead><tr><th>turn</th><th>status</th><th>latency (s)</th>` +
    `<th>throughput (tokens/s)</th><th>TTFT (s)</th><th>TPOT (ms)</th><th>input tokens</th><th>output tokens</th>` +
    `<th>question</th></tr></thead><tbody>${
      turns.map((t) =>
        `<tr><td>${t.turn}</td><td>${t.status}</td><td>${f(t.metrics.latencyS, 2)}</td><td>${
          f(t.metrics.throughputTokensPerS, 1)
        }</td><td>${f(t.metrics.ttftS, 3)}</td><td>${f(t.metrics.tpotMs, 1)}</td><td>${
          t.metrics.inputTokens ?? "–"
        }</td>` +
        `<td>${t.metrics.outputTokens ?? "–"}</td><td style="text-align:left">${escapeHtml(t.question)}</td></tr>`
      ).join("")
    }</tbody></table>`;
  const charts = chatTurnsCharts(turns.map((t) => ({ turn: t.turn, ...t.metrics })), {
    subtitle: session.simulated ? "SIMULATED ENDPOINT" : undefined,
  });
  await showHtml(table + chartsHtml(charts));
}
