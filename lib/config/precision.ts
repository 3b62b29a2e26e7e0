/**
 * Precision targets (`targetPrecision`, README "How precise is it"): a run goes on until each named figure's 95 %
 * interval is narrow enough — its half-width (the larger side) within a share of the figure.
 * @module
 */
import { z } from "zod";

/** The statistics a target can name. */
export const TARGET_STATISTICS = ["mean", "p50", "p90", "p95", "p99"] as const;

/** One precision target: a figure (metric and statistic) and the relative half-width it must reach. */
export interface PrecisionTarget {
  /** A per-request metric's field (`ttftMs`). */
  metric: string;
  statistic: typeof TARGET_STATISTICS[number];
  /** Largest half-width allowed, as a share of the figure (0.05 = ±5 %). */
  relative: number;
}

/** The names targets use for metrics (as `--slo` and the comparison gate do). */
export const PRECISION_METRICS: Record<string, string> = {
  ttft: "ttftMs",
  e2e: "e2eMs",
  itl: "interTokenLatencyMs",
  tpot: "tpotMs",
  ttfb: "ttfbMs",
};

/**
 * Parses `ttft.p99:5%,itl.p50:2%` into targets, or returns what is wrong in one line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePrecisionTargets } from "./precision.ts";
 * assert.deepEqual(parsePrecisionTargets("ttft.p99:5%"), [{ metric: "ttftMs", statistic: "p99", relative: 0.05 }]);
 * assert.match(String(parsePrecisionTargets("ttft:5%")), /expected METRIC\.STATISTIC:N%/);
 * ```
 */
export function parsePrecisionTargets(text: string): PrecisionTarget[] | string {
  const out: PrecisionTarget[] = [];
  for (const part of text.split(",").map((p) => p.trim()).filter(Boolean)) {
    const m = /^(\w+)\.(\w+)\s*:\s*(\d+(?:\.\d+)?)\s*%$/.exec(part);
    if (!m) return `cannot read "${part}": expected METRIC.STATISTIC:N%, like ttft.p99:5% or itl.p50:2%`;
    const metric = PRECISION_METRICS[m[1]];
    if (!metric) return `unknown metric "${m[1]}": accepted ${Object.keys(PRECISION_METRICS).join(", ")}`;
    const statistic = m[2] as PrecisionTarget["statistic"];
    if (!TARGET_STATISTICS.includes(statistic)) {
      return `unknown statistic "${m[2]}": accepted ${TARGET_STATISTICS.join(", ")}`;
    }
    const relative = Number(m[3]) / 100;
    if (!(relative > 0 && relative < 1)) return `"${part}": the target must be above 0 % and below 100 %`;
    out.push({ metric, statistic, relative });
  }
  if (out.length === 0) return "no target given: expected e.g. ttft.p99:5%,itl.p50:2%";
  return out;
}

/** A target's name as the user writes it: `ttft.p99`. */
export function targetName(t: Pick<PrecisionTarget, "metric" | "statistic">): string {
  const name = Object.entries(PRECISION_METRICS).find(([, f]) => f === t.metric)?.[0] ?? t.metric;
  return `${name}.${t.statistic}`;
}

/** Precision targets as a configuration takes them: the text (`ttft.p99:5%`) or the list. */
export const PrecisionTargetsSchema = z.union([
  z.string(),
  z.array(
    z.object({
      metric: z.enum(Object.values(PRECISION_METRICS) as [string, ...string[]]),
      statistic: z.enum(TARGET_STATISTICS),
      relative: z.number().gt(0).lt(1),
    }).strict(),
  ).min(1),
]).transform((value, ctx): PrecisionTarget[] => {
  if (typeof value !== "string") return value;
  const parsed = parsePrecisionTargets(value);
  if (typeof parsed === "string") {
    ctx.addIssue({ code: "custom", message: parsed });
    return z.NEVER;
  }
  return parsed;
});
