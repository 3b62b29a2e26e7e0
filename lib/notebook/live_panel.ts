/**
 * The live panel a notebook shows while a run goes: requests done, in flight and failed, and small charts — TTFT of
 * each finished request over the run's time, output tokens per second over time, and (when the server's metrics are
 * scraped) its requests running and waiting — redrawn in place.
 *
 * Its cost on the measuring thread is bounded by design: the SVG is built by hand (string building, no DOM, no Plot)
 * from at most {@link MAX_POINTS} points and {@link MAX_BINS} bins, and the panel is redrawn at most once per
 * {@link LIVE_PANEL_INTERVAL_MS}. `deno task perf:live-panel` measures what one redraw costs and runs the selftest's
 * measurement with and without the panel (README "Notebooks").
 * @module
 */
import { escapeHtml } from "../charts/escape.ts";
import type { RequestRecord } from "../results/schema.ts";
import type { RunProgress } from "../runner/runner.ts";
import type { ServerSample } from "../metrics/server_metrics.ts";

/** How often the panel is redrawn while a run goes, ms (and once at the end). */
export const LIVE_PANEL_INTERVAL_MS = 500;
/** TTFT points kept for the chart (beyond, every k-th point). */
export const MAX_POINTS = 400;
/** Throughput bins kept (the bin width grows with the run: 1 s, then 2 s, 4 s …). */
export const MAX_BINS = 120;

/** What the panel has seen of a run: filled by {@link recordSeen} as records finish. */
export interface LiveRun {
  /** [finished at s, TTFT ms] of successful requests (thinned to {@link MAX_POINTS}). */
  ttft: [number, number][];
  /** The server's own metrics as scraped: [s, running, waiting, KV-cache share] (absent figures null). */
  server: [number, number | null, number | null, number | null][];
  /** Keep every `stride`-th TTFT point. */
  stride: number;
  seen: number;
  /** Output tokens finished per bin of `binS` seconds. */
  bins: number[];
  binS: number;
}

/** An empty live run. */
export function newLiveRun(): LiveRun {
  return { ttft: [], stride: 1, seen: 0, bins: [], binS: 1, server: [] };
}

/**
 * Adds a scrape of the server's metrics to the panel: [s, running, waiting, KV-cache share] (thinned to
 * {@link MAX_BINS}, as the throughput bins are).
 */
export function serverSeen(live: LiveRun, s: ServerSample): void {
  live.server.push([s.t / 1000, s.values.running ?? null, s.values.waiting ?? null, s.values.kvCache ?? null]);
  if (live.server.length > MAX_BINS) live.server = live.server.filter((_, i) => i % 2 === 0);
}

/** Adds a finished record to the panel's data: O(1) amortised, bounded memory. */
export function recordSeen(live: LiveRun, r: RequestRecord): void {
  if (r.warmup || r.status !== "ok") return;
  const at = r.endOffsetMs / 1000;
  if (r.ttftMs !== null && live.seen++ % live.stride === 0) {
    live.ttft.push([at, r.ttftMs]);
    if (live.ttft.length > MAX_POINTS) {
      live.ttft = live.ttft.filter((_, i) => i % 2 === 0);
      live.stride *= 2;
    }
  }
  let bin = Math.floor(at / live.binS);
  while (bin >= MAX_BINS) {
    // Twice as wide: merge pairs.
    const merged: number[] = [];
    for (let i = 0; i < live.bins.length; i += 2) merged.push((live.bins[i] ?? 0) + (live.bins[i + 1] ?? 0));
    live.bins = merged;
    live.binS *= 2;
    bin = Math.floor(at / live.binS);
  }
  while (live.bins.length <= bin) live.bins.push(0);
  live.bins[bin] += r.outputTokens ?? 0;
}

const W = 300;
const H = 90;
const PAD = { l: 38, r: 6, t: 8, b: 18 };

function frame(xMax: number, yMax: number, yLabel: string, body: string, title: string): string {
  const iw = W - PAD.l - PAD.r;
  const ih = H - PAD.t - PAD.b;
  return `<svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(title)}" ` +
    `style="font:10px system-ui,sans-serif;background:#fafafa"><title>${escapeHtml(title)}</title>` +
    `<line x1="${PAD.l}" y1="${PAD.t + ih}" x2="${PAD.l + iw}" y2="${PAD.t + ih}" stroke="#999"/>` +
    `<line x1="${PAD.l}" y1="${PAD.t}" x2="${PAD.l}" y2="${PAD.t + ih}" stroke="#999"/>` +
    `<text x="${PAD.l - 3}" y="${PAD.t + 8}" text-anchor="end">${fmt(yMax)}</text>` +
    `<text x="${PAD.l - 3}" y="${PAD.t + ih}" text-anchor="end">0</text>` +
    `<text x="${PAD.l + iw}" y="${H - 4}" text-anchor="end">${fmt(xMax)} s</text>` +
    `<text x="${PAD.l + 2}" y="${H - 4}">${escapeHtml(yLabel)}</text>${body}</svg>`;
}

const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

/** The TTFT chart: one dot per finished request (thinned), at its finish time. */
function ttftSvg(live: LiveRun, elapsedS: number): string {
  const xMax = Math.max(1, elapsedS);
  const yMax = Math.max(1, ...live.ttft.map(([, v]) => v)) * 1.05;
  const iw = W - PAD.l - PAD.r;
  const ih = H - PAD.t - PAD.b;
  const dots = live.ttft.map(([t, v]) =>
    `<circle cx="${(PAD.l + (t / xMax) * iw).toFixed(1)}" cy="${(PAD.t + ih - (v / yMax) * ih).toFixed(1)}" r="1.8"/>`
  ).join("");
  return frame(xMax, yMax, "TTFT (ms)", `<g fill="#4269d0">${dots}</g>`, "TTFT of each finished request over the run");
}

/** The throughput chart: output tokens per second in each bin, as a line. */
function throughputSvg(live: LiveRun, elapsedS: number): string {
  const xMax = Math.max(1, elapsedS, live.bins.length * live.binS);
  const rates = live.bins.map((n) => n / live.binS);
  const yMax = Math.max(1, ...rates) * 1.05;
  const iw = W - PAD.l - PAD.r;
  const ih = H - PAD.t - PAD.b;
  const pts = rates.map((v, i) =>
    `${(PAD.l + (((i + 0.5) * live.binS) / xMax) * iw).toFixed(1)},${(PAD.t + ih - (v / yMax) * ih).toFixed(1)}`
  ).join(" ");
  const body = rates.length ? `<polyline points="${pts}" fill="none" stroke="#3ca951" stroke-width="1.5"/>` : "";
  return frame(xMax, yMax, "output tok/s", body, "Output tokens per second over the run");
}

/** The server's requests running and waiting, from its own /metrics, as two lines. */
function serverSvg(live: LiveRun, elapsedS: number): string {
  const xMax = Math.max(1, elapsedS, ...live.server.map(([t]) => t));
  const yMax = Math.max(1, ...live.server.flatMap(([, r, w]) => [r ?? 0, w ?? 0])) * 1.05;
  const iw = W - PAD.l - PAD.r;
  const ih = H - PAD.t - PAD.b;
  const line = (i: 1 | 2, colour: string) => {
    const pts = live.server.filter((s) => s[i] !== null && s[0] >= 0).map((s) =>
      `${(PAD.l + (s[0] / xMax) * iw).toFixed(1)},${(PAD.t + ih - (s[i]! / yMax) * ih).toFixed(1)}`
    ).join(" ");
    return pts ? `<polyline points="${pts}" fill="none" stroke="${colour}" stroke-width="1.5"/>` : "";
  };
  const last = live.server.at(-1);
  const title = `Server-reported: requests running (blue) and waiting (red)${
    last?.[3] != null ? `; KV cache ${(last[3] * 100).toFixed(0)} % now` : ""
  }`;
  return frame(xMax, yMax, "server: running / waiting", line(1, "#4269d0") + line(2, "#d62728"), title);
}

/** The whole panel as HTML: the progress line and bar, and the charts side by side (the server's when scraped). */
export function livePanelHtml(p: RunProgress, live: LiveRun, label = "Benchmark"): string {
  const pct = p.total ? Math.round((p.finished / p.total) * 100) : 0;
  const elapsedS = p.elapsedMs / 1000;
  const rate = elapsedS > 0 ? p.finished / elapsedS : 0;
  const tokS = elapsedS > 0 ? p.outputTokens / elapsedS : 0;
  return `<div class="llm-bench-progress"><b>${
    escapeHtml(label)
  }</b> ${p.finished}/${p.total} done · ${p.succeeded} ok · ` +
    `${p.failed} failed · ${p.aborted} aborted · ${p.inFlight} in flight · ${rate.toFixed(2)} req/s · ` +
    `${tokS.toFixed(0)} tok/s · ${elapsedS.toFixed(1)} s` +
    `<div style="background:#eee;width:606px;max-width:100%;height:10px;margin:4px 0 6px">` +
    `<div style="background:#4269d0;width:${pct}%;height:10px"></div></div>` +
    `<div style="display:flex;gap:6px;flex-wrap:wrap">${ttftSvg(live, elapsedS)}${throughputSvg(live, elapsedS)}${
      live.server.length ? serverSvg(live, elapsedS) : ""
    }</div>${serverNow(live)}</div>`;
}

/** The server's latest figures in words (nothing when it is not scraped). */
function serverNow(live: LiveRun): string {
  const last = live.server.at(-1);
  if (!last) return "";
  const [, running, waiting, kv] = last;
  return `<div class="meta">server (its /metrics): ${running ?? "–"} running · ${waiting ?? "–"} waiting${
    kv !== null ? ` · KV cache ${(kv * 100).toFixed(0)} %` : ""
  }</div>`;
}
