/**
 * Scraping a server's Prometheus `/metrics` during a run (`--server-metrics`): one probe before the run says whether
 * it answers in Prometheus' text format and whose names it uses; then a scrape every second, and one just before and
 * just after the measured requests, each kept raw (the engine's families) and reduced to the figures.
 * @module
 */
import { safeUrl } from "../config/resolve.ts";
import { type MetricFamily, parsePrometheusText } from "../metrics/prometheus_text.ts";
import {
  detectEngine,
  engineFamilies,
  type EngineNames,
  familiesUsed,
  sampleOf,
  type ServerSample,
} from "../metrics/server_metrics.ts";

/** What a probe of a metrics URL found. */
export type MetricsProbe =
  | { ok: true; url: string; engine: EngineNames | null; families: number }
  | { ok: false; url: string; reason: string };

/**
 * GETs `url` once (within `timeoutMs`) and tells whether it is a Prometheus exposition: status 200, not HTML, at least
 * one metric family; and whose names it uses.
 */
export async function probeMetrics(url: string, timeoutMs = 3000): Promise<MetricsProbe> {
  const shown = safeUrl(url);
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: "text/plain" } });
  } catch (e) {
    const timedOut = (e as Error).name === "TimeoutError";
    return { ok: false, url: shown, reason: timedOut ? `no answer within ${timeoutMs / 1000} s` : "cannot connect" };
  }
  const text = await res.text().catch(() => "");
  if (res.status !== 200) return { ok: false, url: shown, reason: `answers HTTP ${res.status}` };
  const type = res.headers.get("content-type") ?? "";
  if (/html/i.test(type) || /^\s*</.test(text)) {
    return { ok: false, url: shown, reason: "answers HTML, not Prometheus text" };
  }
  if (/json/i.test(type) || /^\s*[{[]/.test(text)) {
    return { ok: false, url: shown, reason: "answers JSON, not Prometheus text" };
  }
  const { families } = parsePrometheusText(text);
  const count = Object.keys(families).length;
  if (count === 0) return { ok: false, url: shown, reason: "answers no Prometheus metric" };
  return { ok: true, url: shown, engine: detectEngine(families), families: count };
}

/** One scrape as `<stem>_server_metrics.jsonl` keeps it: when (ms from the run's start) and the engine's families. */
export interface RawScrape {
  t: number;
  epochMs: number;
  families: Record<string, MetricFamily>;
}

/** A scraper at work. */
export interface Scraper {
  readonly samples: ServerSample[];
  readonly raw: RawScrape[];
  /** Scrapes that failed (no answer, an error status). */
  readonly failures: number;
  /** Scrapes now (waits for one in flight first). */
  scrapeNow(): Promise<void>;
  /** Stops the timer after one last scrape. */
  stop(): Promise<void>;
  /** Measures times from `zero` from now on, and moves those already taken onto it. */
  rebase(zero: number): void;
}

/**
 * Scrapes `url` every `intervalMs` (a scrape still in flight is not doubled), times measured from `zero` (a
 * `performance.now()` value: the run's clock start). Keeps the raw families the engine's figures come from (all of
 * them when the engine is unknown, up to 200).
 */
export function startScraper(
  url: string,
  engine: EngineNames | null,
  options: { zero: number; intervalMs?: number; timeoutMs?: number; onSample?: (sample: ServerSample) => void },
): Scraper {
  const samples: ServerSample[] = [];
  const raw: RawScrape[] = [];
  let failures = 0;
  let inFlight: Promise<void> | undefined;
  let zero = options.zero;
  const only = engine ? engineFamilies(engine) : undefined;
  const scrape = async () => {
    const at = performance.now();
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 2000) });
      const text = await res.text();
      if (res.status !== 200) {
        failures++;
        return;
      }
      const t = Math.round((at - zero) * 1000) / 1000;
      const { families } = parsePrometheusText(text, only ? { only } : {});
      const kept = engine ? familiesUsed(families, engine) : Object.keys(families).slice(0, 200);
      raw.push({
        t,
        epochMs: performance.timeOrigin + at,
        families: Object.fromEntries(kept.map((n) => [n, families[n]])),
      });
      if (engine) {
        const sample = sampleOf(families, engine, t);
        samples.push(sample);
        options.onSample?.(sample);
      }
    } catch {
      failures++;
    }
  };
  const once = () => (inFlight ??= scrape().finally(() => (inFlight = undefined)));
  const timer = setInterval(() => void once(), options.intervalMs ?? 1000);
  return {
    samples,
    raw,
    get failures() {
      return failures;
    },
    async scrapeNow() {
      await inFlight;
      await once();
    },
    rebase(to) {
      const shift = to - zero;
      for (const s of samples) s.t = Math.round((s.t - shift) * 1000) / 1000;
      for (const r of raw) r.t = Math.round((r.t - shift) * 1000) / 1000;
      zero = to;
    },
    async stop() {
      clearInterval(timer);
      await inFlight;
      await once();
    },
  };
}
