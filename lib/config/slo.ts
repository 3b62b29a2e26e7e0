import { z } from "zod";

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
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSlo } from "./slo.ts";
 * assert.deepEqual(parseSlo("ttft=500ms,e2e=10s"), { ttftMs: 500, e2eMs: 10_000 });
 * ```
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
