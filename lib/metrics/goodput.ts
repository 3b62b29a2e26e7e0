import { z } from "zod";
import type { RequestRecord } from "../results/schema.ts";

/** Service-level objectives per request, ms. A request meets them when it succeeded and stays within every one set. */
export const SloSchema = z.object({
  /** Time to first token. */
  ttftMs: z.number().positive().optional(),
  /** Time per output token. */
  tpotMs: z.number().positive().optional(),
  /** End-to-end latency. */
  e2eMs: z.number().positive().optional(),
}).strict();
/** One of a run's SLOs. */
export type Slo = z.infer<typeof SloSchema>;

const UNITS: Record<string, number> = { ms: 1, s: 1000 };
const NAMES: Record<string, keyof Slo> = { ttft: "ttftMs", tpot: "tpotMs", e2e: "e2eMs" };

/**
 * Parses `ttft=500ms,tpot=50ms,e2e=10s` (any subset; units ms or s). Returns an error message for bad text.
 */
export function parseSlo(text: string): Slo | string {
  const out: Slo = {};
  for (const part of text.split(",").map((p) => p.trim()).filter(Boolean)) {
    const m = /^(\w+)\s*=\s*(\d+(?:\.\d+)?)\s*(ms|s)$/.exec(part);
    if (!m) return `cannot read "${part}": expected name=value with a unit, like ttft=500ms, tpot=50ms or e2e=10s`;
    const name = NAMES[m[1]];
    if (!name) return `unknown SLO "${m[1]}": accepted ttft, tpot, e2e`;
    out[name] = Number(m[2]) * UNITS[m[3]];
  }
  if (Object.keys(out).length === 0) return "no SLO given: expected e.g. ttft=500ms,tpot=50ms,e2e=10s";
  return out;
}

/**
 * Whether a request meets the SLOs: it succeeded, and each metric that has an SLO is within it. A request whose
 * metric is undefined (TPOT of a one-token answer; TTFT in batch mode) is judged on the others.
 */
export function meetsSlo(r: RequestRecord, slo: Slo): boolean {
  if (r.status !== "ok") return false;
  const within = (value: number | null, limit: number | undefined) =>
    limit === undefined || value === null || value <= limit;
  return within(r.ttftMs, slo.ttftMs) && within(r.tpotMs, slo.tpotMs) && within(r.e2eMs, slo.e2eMs);
}
