import { type Slo, sloTerms, sloValue } from "../config/slo.ts";
import type { RequestRecord } from "../results/schema.ts";

/**
 * Whether a request meets the SLOs: it succeeded, and each metric that has a limit — per request or on a percentile —
 * is within it (a percentile's limit says how many requests must be). A request whose metric is undefined (TPOT of a
 * one-token answer; TTFT in batch mode) is judged on the others.
 */
export function meetsSlo(r: RequestRecord, slo: Slo): boolean {
  if (r.status !== "ok") return false;
  return sloTerms(slo).every((t) => {
    const value = sloValue(r, t.field);
    return value === null || value <= t.maxMs;
  });
}
