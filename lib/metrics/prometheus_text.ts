/**
 * Prometheus' text exposition format (version 0.0.4, what vLLM, SGLang and TGI serve at `/metrics`) read into metric
 * families. Written here because the npm parser (parse-prometheus-text-format 1.1.1) merges every label set of a
 * histogram into one and drops their `_sum` and `_count` — and every histogram vLLM serves carries a `model_name`
 * label. Checked against prom-client's own output (tests/metrics/prometheus_text_test.ts).
 * @module
 */

/** A family's type, from its `# TYPE` line (`untyped` without one). */
export type MetricType = "counter" | "gauge" | "histogram" | "summary" | "untyped";

/** One sample line: its name (`x_bucket` for a histogram's bucket), labels and value. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A metric family: its type and samples (a histogram's `_bucket`, `_sum` and `_count` lines among them). */
export interface MetricFamily {
  type: MetricType;
  samples: PromSample[];
}

const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);
const SUFFIXES: Record<string, readonly string[]> = {
  histogram: ["_bucket", "_sum", "_count", "_created"],
  summary: ["_sum", "_count", "_created"],
  counter: ["_total", "_created"],
};

/** A sample value: a float, `NaN`, `+Inf` or `-Inf`. */
function parseValue(text: string): number | null {
  if (text === "+Inf" || text === "Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (text === "NaN") return NaN;
  const v = Number(text);
  return text.trim() !== "" && !Number.isNaN(v) ? v : null;
}

/** Reads `{a="x",b="y\"z"}` from `line` at `i` (just past `{`); returns the labels and the index past `}`. */
function parseLabels(line: string, i: number): [Record<string, string>, number] | null {
  const labels: Record<string, string> = {};
  for (;;) {
    while (line[i] === " " || line[i] === ",") i++;
    if (line[i] === "}") return [labels, i + 1];
    const eq = line.indexOf("=", i);
    if (eq < 0 || line[eq + 1] !== '"') return null;
    const key = line.slice(i, eq).trim();
    let j = line.indexOf('"', eq + 2);
    let value: string;
    const backslash = line.indexOf("\\", eq + 2);
    if (j >= 0 && (backslash < 0 || backslash > j)) {
      value = line.slice(eq + 2, j); // no escapes: the common case, without a loop
    } else {
      value = "";
      for (j = eq + 2; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === "\\") {
          j++;
          value += line[j] === "n" ? "\n" : line[j];
        } else value += line[j];
      }
    }
    if (j < 0 || j >= line.length) return null;
    labels[key] = value;
    i = j + 1;
  }
}

/**
 * Parses an exposition into families by name (`# TYPE` name; a sample with no family of its own is `untyped` under its
 * own name). Lines it cannot read are counted in `skipped`, never thrown: one odd line must not lose a scrape. With
 * `only`, the samples of other families are passed over unread (a scrape on the measuring thread reads what it needs).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePrometheusText } from "./prometheus_text.ts";
 * const { families } = parsePrometheusText([
 *   "# TYPE vllm:num_requests_running gauge",
 *   'vllm:num_requests_running{model_name="m"} 3',
 *   "# TYPE vllm:time_to_first_token_seconds histogram",
 *   'vllm:time_to_first_token_seconds_bucket{model_name="m",le="0.1"} 1',
 *   'vllm:time_to_first_token_seconds_bucket{model_name="m",le="+Inf"} 2',
 *   'vllm:time_to_first_token_seconds_count{model_name="m"} 2',
 * ].join("\n"));
 * assert.equal(families["vllm:num_requests_running"].samples[0].value, 3);
 * assert.equal(families["vllm:time_to_first_token_seconds"].samples[1].labels.le, "+Inf");
 * ```
 */
export function parsePrometheusText(
  text: string,
  options: { only?: ReadonlySet<string> } = {},
): { families: Record<string, MetricFamily>; skipped: number } {
  const families: Record<string, MetricFamily> = {};
  // Only these families (and their samples' suffixed names): the lines of others are passed over unparsed.
  const only = options.only;
  const wanted = only &&
    new Set([...only].flatMap((n) => ["", "_bucket", "_sum", "_count", "_total"].map((x) => n + x)));
  let skipped = 0;
  let current: { name: string; family: MetricFamily } | null = null;
  const familyOf = (sample: string): MetricFamily => {
    if (
      current &&
      (sample === current.name || (SUFFIXES[current.family.type] ?? []).some((s) => sample === current!.name + s))
    ) {
      return current.family;
    }
    return (families[sample] ??= { type: "untyped", samples: [] });
  };
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "") continue;
    if (line.startsWith("#")) {
      const m = /^#\s+TYPE\s+(\S+)\s+(\S+)/.exec(line);
      if (m && only && !only.has(m[1])) {
        current = null;
        continue;
      }
      if (m && TYPES.has(m[2])) {
        const family = (families[m[1]] ??= { type: m[2] as MetricType, samples: [] });
        family.type = m[2] as MetricType;
        current = { name: m[1], family };
      }
      continue;
    }
    const nameEnd = line.search(/[{\s]/);
    if (nameEnd <= 0) {
      skipped++;
      continue;
    }
    const name = line.slice(0, nameEnd);
    if (wanted && !wanted.has(name)) continue;
    let labels: Record<string, string> = {};
    let rest = nameEnd;
    if (line[nameEnd] === "{") {
      const parsed = parseLabels(line, nameEnd + 1);
      if (!parsed) {
        skipped++;
        continue;
      }
      [labels, rest] = parsed;
    }
    const value = parseValue(line.slice(rest).trim().split(/\s+/)[0] ?? "");
    if (value === null) {
      skipped++;
      continue;
    }
    familyOf(name).samples.push({ name, labels, value });
  }
  return { families, skipped };
}
