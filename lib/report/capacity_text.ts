/**
 * A capacity search in words (`--find-max`, notebooks/capacity.ipynb): what is searched, each probe's verdict and why,
 * the answer and the knee — lines of at most 80 columns, the same on the console and in a notebook.
 * @module
 */
import { type Slo, sloTerms } from "../config/slo.ts";
import type { ProbeVerdict, SloCheck, SloFigure } from "../metrics/capacity.ts";
import { formatNumber, formatShare as pct } from "./summary_table.ts";
import { wrap } from "../text.ts";

/** What the text needs of a search (a `CapacityResult`, or one read back from `_capacity.json`). */
export interface CapacityTextSearch {
  dimension: "concurrency" | "rate";
  slo: Slo;
  attainmentTarget: number;
  precision: number;
  max: number | null;
  upper: number | null;
  knee: { load: number; slopeBefore: number; slopeAfter: number } | null;
  stoppedBy: string;
  probes: CapacityTextProbe[];
  /** Why throughput stopped growing at the knee, from the server's metrics (absent: no server metrics). */
  kneeReason?: string | null;
  /** `quota`: the lowest failing load was rate limited (absent in files from before it was told). */
  limitedBy?: "quota" | null;
}

/** What the text needs of a probe. */
export interface CapacityTextProbe {
  load: number;
  verdict: ProbeVerdict;
  judged: number;
  scope: "steady" | "all";
  extension: boolean;
  checks: SloCheck[];
  backlog?: { maxInFlight: number };
  rateLimited?: { requests: number; of: number };
  outputTokensPerS: number | null;
}

const loadName = (d: CapacityTextSearch["dimension"]) => (d === "concurrency" ? "concurrency" : "rate");
const loadText = (d: CapacityTextSearch["dimension"], load: number) =>
  d === "concurrency" ? `${load}` : `${load} req/s`;
const figureText = (f: SloFigure) => `${f.label} ${f.ms === null ? "–" : `${formatNumber(f.ms)} ms`}`;

/** The search's first line: what it looks for, against which SLOs, how it judges. */
export function capacityHeading(
  search: Pick<CapacityTextSearch, "dimension" | "slo" | "attainmentTarget" | "precision">,
  maxProbes: number,
): string[] {
  const terms = sloTerms(search.slo);
  const perRequest = terms.filter((t) => t.percentile === null).map((t) => t.label);
  const percentiles = terms.filter((t) => t.percentile !== null).map((t) => t.label);
  const slos = [
    ...(perRequest.length ? [`${perRequest.join(", ")} for ≥ ${pct(search.attainmentTarget)} of requests`] : []),
    ...percentiles,
  ].join("; ");
  return [
    `Searching the highest ${loadName(search.dimension)} that meets ${slos}`,
    `(each probe judged on 95 % intervals; to ${pct(search.precision)}; at most ${maxProbes} probes)`,
  ];
}

/** A probe's verdict, each check behind it, and its figures. */
export function probeLines(
  probe: CapacityTextProbe,
  dimension: CapacityTextSearch["dimension"],
  index: number,
): string[] {
  const figures = probe.checks.flatMap((c) => c.figures).map(figureText);
  const lines = [
    `probe ${index} · ${loadName(dimension)} ${loadText(dimension, probe.load)}${
      probe.extension ? " (again, twice the requests)" : ""
    }: ${probe.verdict}`,
  ];
  if (probe.backlog) {
    lines.push(
      `  stopped: more than ${probe.backlog.maxInFlight} requests in flight — the endpoint fell behind the arrivals`,
    );
  }
  if (probe.rateLimited) {
    lines.push(`  rate limited: ${probe.rateLimited.requests} of ${probe.rateLimited.of} requests answered 429`);
  }
  for (const c of probe.checks) {
    lines.push(
      `  ${c.label}: ${pct(c.share)} within (CI ${pct(c.interval?.[0])}–${pct(c.interval?.[1])}) vs ${
        pct(c.target)
      }: ${c.verdict}`,
    );
  }
  lines.push(
    `  ${[...figures, `${formatNumber(probe.outputTokensPerS)} output tok/s`].join(" · ")} · ${probe.judged} requests${
      probe.scope === "steady" ? " (steady state)" : ""
    }`,
  );
  return lines;
}

/** The answer (with the best probe's figures), why the search stopped, and the knee. */
export function answerLines(search: CapacityTextSearch): string[] {
  const name = loadName(search.dimension);
  const unit = search.dimension === "concurrency" ? "" : " req/s";
  const lines: string[] = [];
  if (search.max === null) {
    lines.push(
      search.upper === null
        ? `No answer: no probe finished (stop: ${search.stoppedBy})`
        : `No ${name} met the SLOs: ${name} ${search.upper}${unit} already failed (stop: ${search.stoppedBy})`,
    );
  } else {
    const best = search.probes.findLast((p) => p.load === search.max && p.verdict === "PASS")!;
    lines.push(
      `Max sustainable ${name}: ${search.max}${unit} ${
        search.upper !== null ? `(between ${search.max} and ${search.upper}${unit})` : "(no probe failed)"
      } — stop: ${search.stoppedBy}`,
      `  ${
        [
          ...best.checks.flatMap((c) => c.figures).map(figureText),
          `${formatNumber(best.outputTokensPerS)} output tok/s`,
        ]
          .join(" · ")
      }`,
    );
  }
  const loads = new Set(search.probes.map((p) => p.load)).size;
  lines.push(
    search.knee
      ? `Knee at ${name} ${search.knee.load}${unit}: output throughput grew ${
        formatNumber(search.knee.slopeBefore)
      } tok/s per unit of load up to it, ${formatNumber(search.knee.slopeAfter)} after`
      : loads < 4
      ? `No knee found: ${loads} loads probed, too few to fit two lines`
      : "No knee: output throughput still grew with load as it did at the start",
  );
  if (search.kneeReason) lines.push(...wrap(`server: ${search.kneeReason}`, 76).map((l) => `  ${l}`));
  const quota = quotaText(search);
  if (quota) lines.push(...wrap(quota, 80));
  return lines;
}

/** When the search was stopped by a quota (429s at the lowest failing load): says so in one sentence; else null. */
export function quotaText(
  search: Pick<CapacityTextSearch, "limitedBy" | "upper" | "dimension"> & {
    probes: readonly Pick<CapacityTextProbe, "load" | "rateLimited">[];
  },
): string | null {
  if (search.limitedBy !== "quota") return null;
  const at = search.probes.findLast((p) => p.load === search.upper)?.rateLimited;
  return `The limit is the endpoint's quota, not the server: at ${loadName(search.dimension)} ${
    loadText(search.dimension, search.upper!)
  } ${at?.requests} of ${at?.of} requests were answered 429 (rate limited) — a hosted API's quota caps the load ` +
    `before the model server does`;
}
