/**
 * The regression gate of `deno task compare --fail-on SPEC` (README "A gate for CI").
 *
 * SPEC is rules separated by commas; a rule is `METRIC[.STAT] OP THRESHOLD`:
 * - METRIC: a name of {@link COMPARED_METRICS} (`ttft`, `itl`, `e2e`, `tpot`, `request_tps`, `stall_ms`,
 *   `stall_share`, `error_rate`, `slo_attainment`, `output_throughput`, `request_throughput`, `goodput`); STAT: `p50`, `p90`, `p99` or `mean`, for
 *   the per-request metrics (required there, absent elsewhere);
 * - OP: the direction of getting worse — `>` for a metric where lower is better (latency, error rate), `<` where
 *   higher is better (throughput, attainment);
 * - THRESHOLD: `+10%` / `-5%` relative to the baseline's value (the sign may be left out); for a proportion (error
 *   rate, attainment) `1%` is one percentage point; or an absolute difference in the metric's unit (`+20ms`, `-50tok/s`,
 *   a bare number).
 *
 * A rule fires when the candidate is worse than the baseline by more than its threshold **and** the difference is
 * significant (the 95 % interval excludes 0). A run-level figure (throughput) has a single value per run and no
 * interval: its threshold alone decides, and the output says so.
 * @module
 */
import { COMPARED_METRICS, COMPARED_STATISTICS, type Comparison, type ComparisonRow } from "./compare.ts";
import { GateSpecError } from "../errors.ts";

/** One rule of a gate. */
export interface GateRule {
  text: string;
  metric: string;
  statistic: string;
  /** `relative` (a fraction of the baseline), `points` (of a proportion) or `absolute` (metric units). */
  kind: "relative" | "points" | "absolute";
  /** Size of the worsening allowed, ≥ 0, in the kind's terms. */
  threshold: number;
}

const METRIC_NAMES = COMPARED_METRICS.map((m) => m.name);

/**
 * Parses a `--fail-on` spec; throws {@link GateSpecError} with one line naming what is wrong.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseGate } from "../../mod.ts";
 * const [rule] = parseGate("ttft.p99>+10%");
 * assert.deepEqual([rule.metric, rule.statistic, rule.kind, rule.threshold], ["ttft", "p99", "relative", 0.1]);
 * assert.throws(() => parseGate("latency>1"), /unknown metric "latency"/);
 * ```
 */
export function parseGate(spec: string): GateRule[] {
  const rules: GateRule[] = [];
  for (const raw of spec.split(",")) {
    const text = raw.trim();
    if (text === "") continue;
    const m = /^([a-z][a-z0-9_]*)(?:\.([a-z0-9]+))?\s*([<>])\s*([+-]?)(\d+(?:\.\d+)?)\s*(%|ms|tok\/s|req\/s)?$/.exec(
      text,
    );
    if (!m) {
      throw new GateSpecError(
        `--fail-on: cannot read "${text}": expected METRIC[.STAT]>+N% (or <-N%, or an absolute N in the metric's unit), e.g. ttft.p99>+10%`,
      );
    }
    const [, name, stat, op, sign, value, unit] = m;
    const metric = COMPARED_METRICS.find((x) => x.name === name);
    if (!metric) throw new GateSpecError(`--fail-on: unknown metric "${name}": accepted ${METRIC_NAMES.join(", ")}`);
    if (metric.kind === "distribution") {
      if (!stat) {
        throw new GateSpecError(
          `--fail-on: "${text}": ${name} needs a statistic: ${
            COMPARED_STATISTICS.map((s) => `${name}.${s}`).join(", ")
          }`,
        );
      }
      if (!(COMPARED_STATISTICS as readonly string[]).includes(stat)) {
        throw new GateSpecError(
          `--fail-on: "${text}": unknown statistic "${stat}": accepted ${COMPARED_STATISTICS.join(", ")}`,
        );
      }
    } else if (stat) {
      throw new GateSpecError(
        `--fail-on: "${text}": ${name} is one figure per run, without a statistic (write ${name}${op}…)`,
      );
    }
    const worseOp = metric.better === "lower" ? ">" : "<";
    if (op !== worseOp || (sign && sign !== (worseOp === ">" ? "+" : "-"))) {
      const example = `${name}${stat ? `.${stat}` : ""}${worseOp}${worseOp === ">" ? "+" : "-"}${value}${unit ?? ""}`;
      throw new GateSpecError(
        `--fail-on: "${text}": a gate fires when a metric gets worse; ${name} gets worse as it ${
          metric.better === "lower" ? "rises" : "falls"
        }: write ${example}`,
      );
    }
    if (unit && unit !== "%" && unit !== metric.unit) {
      throw new GateSpecError(
        `--fail-on: "${text}": ${name} is in ${metric.unit || "a fraction"}: use % or ${
          metric.unit || "a bare number"
        }`,
      );
    }
    const n = Number(value);
    const kind = unit === "%" ? (metric.kind === "proportion" ? "points" : "relative") : "absolute";
    rules.push({ text, metric: name, statistic: stat ?? "value", kind, threshold: unit === "%" ? n / 100 : n });
  }
  if (rules.length === 0) {
    throw new GateSpecError(`--fail-on: no rule given, e.g. --fail-on "ttft.p99>+10%,error_rate>1%"`);
  }
  return rules;
}

/** How one rule came out. */
export interface GateOutcome {
  rule: GateRule;
  row?: ComparisonRow;
  fired: boolean;
  /** One line: the figures and why it fired or not. */
  reason: string;
}

/** The worsening of a row in the rule's terms (positive = worse), or null when it cannot be computed. */
function worsening(row: ComparisonRow, rule: GateRule): number | null {
  if (row.difference === null) return null;
  const worse = row.better === "lower" ? row.difference : -row.difference;
  if (rule.kind === "relative") return row.baseline ? worse / Math.abs(row.baseline) : null;
  return worse;
}

function amount(rule: GateRule, x: number): string {
  if (rule.kind === "relative") return `${(x * 100).toFixed(1)} %`;
  if (rule.kind === "points") return `${(x * 100).toFixed(2)} points`;
  return `${Number(x.toPrecision(4))}`;
}

/**
 * Applies a gate's rules to a comparison.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { benchmark, compareRuns, evaluateGate, parseGate } from "../../mod.ts";
 * const run = async (name: string, seed: number) => {
 *   const { summary, records } = await benchmark({ maxNumCompletedRequests: 12, seed }, { writeFiles: false });
 *   return { name, summary, records };
 * };
 * const comparison = compareRuns(await run("a", 1), await run("b", 2), { resamples: 200 });
 * const [outcome] = evaluateGate(comparison, parseGate("error_rate>+5%"));
 * assert.equal(outcome.fired, false); // no request failed on either side
 * ```
 */
export function evaluateGate(comparison: Comparison, rules: readonly GateRule[]): GateOutcome[] {
  return rules.map((rule) => {
    const row = comparison.rows.find((r) => r.metric === rule.metric && r.statistic === rule.statistic);
    if (!row) return { rule, fired: false, reason: "not compared (neither run has this figure)" };
    const w = worsening(row, rule);
    if (w === null) return { rule, row, fired: false, reason: "no value on one side" };
    const beyond = w > rule.threshold;
    const by = `worse by ${amount(rule, w)} (limit ${amount(rule, rule.threshold)})`;
    const better = `${w <= 0 ? "not worse" : by}`;
    if (row.verdict === "single value") {
      return {
        rule,
        row,
        fired: beyond,
        reason: `${beyond ? by : better}; single value per run: the threshold alone decides`,
      };
    }
    if (row.verdict === "too few requests") {
      return { rule, row, fired: false, reason: `not judged: ${row.why ?? "too few requests"}` };
    }
    const significant = row.verdict === "worse";
    return {
      rule,
      row,
      fired: beyond && significant,
      reason: beyond
        ? `${by}; ${significant ? "significant" : "not significant (the interval includes 0)"}`
        : `${better}${significant ? " (a significant difference, within the limit)" : ""}`,
    };
  });
}
