import type { Slo } from "../config/slo.ts";
import type { RequestRecord } from "../results/schema.ts";

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
