/**
 * Service-level objectives (`--slo`, README "Goodput" and "Capacity"): limits per request (`ttft<=500ms`: each request
 * within it; the share that must be is the run's attainment target) and limits on a percentile (`ttft.p99<=500ms`: at
 * least 99 % of requests within 500 ms — the percentile at or below it).
 * @module
 */
import { z } from "zod";

/** The metrics an SLO can name, and the record field each reads. */
export const SLO_METRICS = { ttft: "ttftMs", tpot: "tpotMs", e2e: "e2eMs", ttfat: "ttfatMs" } as const;
/** A metric an SLO can name. */
export type SloMetric = keyof typeof SLO_METRICS;
const METRIC_LABELS: Record<SloMetric, string> = { ttft: "TTFT", tpot: "TPOT", e2e: "E2E", ttfat: "TTFAT" };

/** A limit on a percentile: `percentile` % of requests at or below `maxMs`. */
export const PercentileSloSchema = z.object({
  metric: z.enum(["ttft", "tpot", "e2e", "ttfat"]),
  /** 99 for p99. */
  percentile: z.number().gt(0).lt(100),
  maxMs: z.number().positive(),
}).strict();
/** One limit on a percentile. */
export type PercentileSlo = z.infer<typeof PercentileSloSchema>;

/** Service-level objectives, ms. A request meets them when it succeeded and stays within every limit set. */
export const SloSchema = z.object({
  /** Time to first token, per request. */
  ttftMs: z.number().positive().optional(),
  /** Time per output token, per request. */
  tpotMs: z.number().positive().optional(),
  /** End-to-end latency, per request. */
  e2eMs: z.number().positive().optional(),
  /** Time to first answer token (reasoning models: the first `content` after the reasoning), per request. */
  ttfatMs: z.number().positive().optional(),
  /** Limits on percentiles (`ttft.p99<=500ms`). */
  percentiles: z.array(PercentileSloSchema).min(1).optional(),
}).strict();
/** A run's SLOs. */
export type Slo = z.infer<typeof SloSchema>;

const UNITS: Record<string, number> = { ms: 1, s: 1000 };
const FORM = "metric<=value or metric.pNN<=value with a unit, like ttft.p99<=500ms, tpot.p50<=50ms or e2e<=10s";

/**
 * Parses `ttft.p99<=500ms,tpot.p50<=50ms,e2e<=10s` (any subset; units ms or s; `ttft=500ms` is read as `ttft<=500ms`).
 * Returns what is wrong in one line for bad text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSlo } from "./slo.ts";
 * assert.deepEqual(parseSlo("ttft=500ms,e2e<=10s"), { ttftMs: 500, e2eMs: 10_000 });
 * assert.deepEqual(parseSlo("ttft.p99<=0.5s"), { percentiles: [{ metric: "ttft", percentile: 99, maxMs: 500 }] });
 * assert.match(String(parseSlo("ttft.p99 500")), /cannot read "ttft.p99 500"/);
 * ```
 */
export function parseSlo(text: string): Slo | string {
  const out: Slo = {};
  for (const part of text.split(",").map((p) => p.trim()).filter(Boolean)) {
    const m = /^([a-z_0-9]+)(?:\.p(\d+(?:\.\d+)?))?\s*(<=|=|<)\s*(\d+(?:\.\d+)?)\s*(ms|s)$/i.exec(part);
    if (!m) return `cannot read "${part}": expected ${FORM}`;
    const metric = m[1].toLowerCase();
    if (!(metric in SLO_METRICS)) {
      return `unknown SLO metric "${m[1]}": accepted ${Object.keys(SLO_METRICS).join(", ")}`;
    }
    const maxMs = Number(m[4]) * UNITS[m[5].toLowerCase()];
    if (!(maxMs > 0)) return `"${part}": the limit must be above 0`;
    if (m[2] === undefined) {
      out[SLO_METRICS[metric as SloMetric]] = maxMs;
      continue;
    }
    if (m[3] === "=") {
      return `"${part}": a percentile's limit is written with <=, like ${metric}.p${m[2]}<=${m[4]}${m[5]}`;
    }
    const percentile = Number(m[2]);
    if (!(percentile > 0 && percentile < 100)) return `"${part}": the percentile must be above p0 and below p100`;
    (out.percentiles ??= []).push({ metric: metric as SloMetric, percentile, maxMs });
  }
  if (Object.keys(out).length === 0) return `no SLO given: expected ${FORM}`;
  return out;
}

/** One limit of a run's SLOs, as it is judged and shown. */
export interface SloTerm {
  metric: SloMetric;
  /** The record field it reads (`ttftMs`). */
  field: typeof SLO_METRICS[SloMetric];
  maxMs: number;
  /** The percentile limited (99), or null: a limit on every request. */
  percentile: number | null;
  /** As the user writes it: `ttft.p99<=500ms`. */
  name: string;
  /** As the report shows it: `TTFT p99 ≤ 500 ms`. */
  label: string;
}

/**
 * A run's SLOs one limit at a time: the per-request limits first (TTFT, TPOT, E2E), then the percentiles as given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sloTerms } from "./slo.ts";
 * const terms = sloTerms({ tpotMs: 50, percentiles: [{ metric: "ttft", percentile: 99, maxMs: 500 }] });
 * assert.deepEqual(terms.map((t) => t.label), ["TPOT ≤ 50 ms", "TTFT p99 ≤ 500 ms"]);
 * ```
 */
export function sloTerms(slo: Slo): SloTerm[] {
  const term = (metric: SloMetric, maxMs: number, percentile: number | null): SloTerm => {
    const stat = percentile === null ? "" : `.p${percentile}`;
    const unit = maxMs >= 1000 && maxMs % 100 === 0 ? `${maxMs / 1000}s` : `${maxMs}ms`;
    return {
      metric,
      field: SLO_METRICS[metric],
      maxMs,
      percentile,
      name: `${metric}${stat}<=${unit}`,
      label: `${METRIC_LABELS[metric]}${percentile === null ? "" : ` p${percentile}`} ≤ ${maxMs} ms`,
    };
  };
  const out: SloTerm[] = [];
  for (const metric of Object.keys(SLO_METRICS) as SloMetric[]) {
    const limit = slo[SLO_METRICS[metric]];
    if (limit !== undefined) out.push(term(metric, limit, null));
  }
  for (const p of slo.percentiles ?? []) out.push(term(p.metric, p.maxMs, p.percentile));
  return out;
}

/**
 * The value an SLO judges of a request: its field, where a request without reasoning has its first answer token at its
 * first token (its time to first answer token is its TTFT), and one that reasoned but never answered misses any limit
 * on it (+∞); null when the figure is undefined for it (TPOT of a one-token answer).
 */
export function sloValue(
  r: { ttftMs: number | null; tpotMs: number | null; e2eMs: number | null; ttfatMs?: number; reasoningEvents?: number },
  field: typeof SLO_METRICS[SloMetric],
): number | null {
  if (field === "ttfatMs") return r.ttfatMs ?? (r.reasoningEvents === undefined ? r.ttftMs : Infinity);
  return r[field];
}

/** The SLOs in one line: `TTFT p99 ≤ 500 ms, TPOT p50 ≤ 50 ms`. */
export function sloText(slo: Slo): string {
  return sloTerms(slo).map((t) => t.label).join(", ");
}
