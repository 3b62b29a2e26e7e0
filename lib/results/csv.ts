/**
 * Runs as CSV (`deno task export`): one row per request with the run's id and key configuration as columns, so the
 * rows of many runs concatenate into one table; or one row per run summary. RFC 4180 quoting (a field with a comma,
 * quote or line break is quoted, quotes doubled), `\n` line ends, empty for a missing value.
 * @module
 */
import {
  METRIC_FIELDS,
  RecordErrorSchema,
  type RequestRecord,
  RequestRecordSchema,
  type RunSummary,
} from "./schema.ts";

function quote(v: unknown): string {
  if (v === undefined || v === null) return "";
  const s = typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : JSON.stringify(v);
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows (arrays of values) as CSV text, header first. */
export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [header, ...rows].map((r) => r.map(quote).join(",")).join("\n") + "\n";
}

/** Parses CSV text (RFC 4180) into rows of strings. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else field += ch;
      i++;
      continue;
    }
    if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += ch;
    i++;
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** The run's configuration as columns of every request row (what tells runs apart in a concatenated table). */
export const RUN_COLUMNS = [
  "runId",
  "simulated",
  "api",
  "model",
  "mode",
  "concurrency",
  "requestRate",
  "arrival",
  "meanInputTokens",
  "stddevInputTokens",
  "meanOutputTokens",
  "stddevOutputTokens",
  "dataset",
  "seed",
  "startedAt",
] as const;

function runColumns(summary: RunSummary): unknown[] {
  const c = summary.config;
  const values: Record<(typeof RUN_COLUMNS)[number], unknown> = {
    runId: summary.runId,
    simulated: summary.simulated,
    api: summary.endpoint.api,
    model: summary.endpoint.model,
    mode: c.mode,
    concurrency: c.numConcurrentRequests,
    requestRate: c.requestRate,
    arrival: c.requestRate === undefined ? undefined : c.arrival,
    meanInputTokens: c.meanInputTokens,
    stddevInputTokens: c.stddevInputTokens,
    meanOutputTokens: c.meanOutputTokens,
    stddevOutputTokens: c.stddevOutputTokens,
    dataset: summary.dataset?.path ?? c.dataset,
    seed: c.seed,
    startedAt: summary.run.startedAt,
  };
  return RUN_COLUMNS.map((k) => values[k]);
}

const RECORD_KEYS = Object.keys(RequestRecordSchema.shape).filter((k) => k !== "runId" && k !== "error");
const ERROR_KEYS = Object.keys(RecordErrorSchema.shape);

/** The header of the per-request CSV: the run's columns, every record field, the error's fields as `error.<name>`. */
export const RECORD_CSV_HEADER: readonly string[] = [
  ...RUN_COLUMNS,
  ...RECORD_KEYS,
  ...ERROR_KEYS.map((k) => `error.${k}`),
];

/**
 * One row per request (warm-up requests included, marked by `warmup`). Inter-token gaps are one field, the gaps
 * separated by spaces. A record without a `runId` (older files) gets the summary's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { benchmark, recordsCsv } from "../../mod.ts";
 * const { summary, records } = await benchmark({ maxNumCompletedRequests: 2 }, { writeFiles: false });
 * const [header, first] = recordsCsv(summary, records).split("\n"); // (answers' text may hold line breaks)
 * assert.ok(header.startsWith("runId,simulated,api,model,mode,concurrency"));
 * assert.match(first, /^[^,]+,true,sim,llm-bench-sim,stream,8,/);
 * ```
 */
export function recordsCsv(summary: RunSummary, records: readonly RequestRecord[]): string {
  const run = runColumns(summary);
  return toCsv(
    RECORD_CSV_HEADER,
    records.map((r) => {
      const rec = r as Record<string, unknown>;
      return [
        ...(r.runId && r.runId !== summary.runId ? [r.runId, ...run.slice(1)] : run),
        ...RECORD_KEYS.map((k) => (k === "interTokenLatenciesMs" ? r.interTokenLatenciesMs.join(" ") : rec[k])),
        ...ERROR_KEYS.map((k) => (r.error as Record<string, unknown> | undefined)?.[k]),
      ];
    }),
  );
}

/**
 * Rebuilds records from {@link recordsCsv}'s text (the columns it wrote), validated by the records' schema: the
 * export round-trips.
 */
export function recordsFromCsv(text: string): RequestRecord[] {
  const [header, ...rows] = parseCsv(text);
  type Field = { safeParse(v: unknown): { success: boolean } };
  const recordShape = RequestRecordSchema.shape as unknown as Record<string, Field>;
  const errorShape = RecordErrorSchema.shape as unknown as Record<string, Field>;
  // A field's text back to its type, as its schema takes it: text, then true/false, then a number; empty is null
  // where the field takes null, absent where it is optional, "" where it must be text.
  const typed = (schema: Field, raw: string): unknown => {
    if (raw === "") {
      if (schema.safeParse(null).success) return null;
      return schema.safeParse(undefined).success ? undefined : schema.safeParse("").success ? "" : undefined;
    }
    if (schema.safeParse(raw).success) return raw;
    if ((raw === "true" || raw === "false") && schema.safeParse(raw === "true").success) return raw === "true";
    return Number(raw);
  };
  return rows.map((row, line) => {
    const rec: Record<string, unknown> = {};
    const error: Record<string, unknown> = {};
    header.forEach((name, i) => {
      const raw = row[i] ?? "";
      if (name === "interTokenLatenciesMs") rec[name] = raw === "" ? [] : raw.split(" ").map(Number);
      else if (name.startsWith("error.") && errorShape[name.slice(6)]) {
        // A record without an error has every error column empty.
        if (raw !== "") error[name.slice(6)] = typed(errorShape[name.slice(6)], raw);
      } else if (recordShape[name] && (name === "runId" || RECORD_KEYS.includes(name))) {
        const v = typed(recordShape[name], raw);
        if (v !== undefined) rec[name] = v;
      }
    });
    if (Object.keys(error).length) rec.error = error;
    const parsed = RequestRecordSchema.safeParse(rec);
    if (!parsed.success) {
      throw new Error(
        `CSV line ${line + 2}: ${parsed.error.issues[0].path.join(".")}: ${parsed.error.issues[0].message}`,
      );
    }
    return parsed.data;
  });
}

const SUMMARY_STATS = ["mean", "p50", "p90", "p99"] as const;

/** The header of the summaries CSV. */
export const SUMMARY_CSV_HEADER: readonly string[] = [
  ...RUN_COLUMNS,
  "stopReason",
  "wallTimeS",
  "requestsStarted",
  "requestsSucceeded",
  "requestsFailed",
  "requestsAborted",
  "errorRate",
  "outputTokensPerS",
  "requestsPerS",
  "goodputRequestsPerS",
  "sloAttainment",
  "health",
  ...METRIC_FIELDS.flatMap((f) => SUMMARY_STATS.map((s) => `${f}.${s}`)),
];

/**
 * One row per run summary.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { benchmark, summariesCsv } from "../../mod.ts";
 * const { summary } = await benchmark({ maxNumCompletedRequests: 2 }, { writeFiles: false });
 * assert.equal(summariesCsv([summary, summary]).trim().split("\n").length, 3); // a header and a row each
 * ```
 */
export function summariesCsv(summaries: readonly RunSummary[]): string {
  return toCsv(
    SUMMARY_CSV_HEADER,
    summaries.map((s) => [
      ...runColumns(s),
      s.run.stopReason,
      s.run.wallTimeS,
      s.run.requestsStarted,
      s.run.requestsSucceeded,
      s.run.requestsFailed,
      s.run.requestsAborted,
      s.errors.rate,
      s.throughput.outputTokensPerS,
      s.throughput.requestsPerS,
      s.goodput?.requestsPerS,
      s.goodput?.attainment,
      s.health?.verdict,
      ...METRIC_FIELDS.flatMap((f) => SUMMARY_STATS.map((st) => s.metrics[f][st])),
    ]),
  );
}
