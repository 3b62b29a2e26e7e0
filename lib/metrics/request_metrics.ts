import type { RequestRecord } from "../results/schema.ts";
import type { RequestSpec } from "../sampler/sampler.ts";
import { serverTimings } from "./server_timings.ts";
import type { RequestTrace } from "./trace.ts";

/** What {@link buildRecord} needs besides the trace. */
export interface BuildRecordOptions {
  spec: RequestSpec;
  /** `performance.now()` at the run's start; offsets in the record are from it. */
  runStart: number;
  /** Counts output tokens when the server reports none. */
  countTokens: (text: string) => number;
  /** The tokenizer's count of the generated text, when the caller counted it already (then `countTokens` is unused). */
  outputTokens?: number;
  /** The tokenizer's count of the reasoning text, when the caller counted it already. */
  reasoningTokens?: number;
  /** False in batch mode: one JSON body has no first-token or inter-token timing. @default true */
  streamed?: boolean;
  /** When the request failed: its error (status becomes `error`, or `aborted` for code ABORTED). */
  error?: RequestRecord["error"];
  /** When the failure happened (`performance.now()`); the end offset of a failed request. */
  failedAt?: number;
  /** Scheduled send time (`performance.now()`); the actual send minus it is the client queue time. */
  scheduledAt?: number;
}

const round = (x: number, digits = 3) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};
const r = (x: number | null) => (x === null || !Number.isFinite(x) ? null : round(x));

/**
 * Computes one request's metrics from its trace, exactly as DESIGN.md §2 defines them: TTFT = first text-carrying
 * event − t0; E2E = last byte − t0; inter-token latencies = gaps between text-carrying events after the first;
 * output tokens from server usage, else the tokenizer; TPOT = (E2E − TTFT) / (output tokens − 1); output throughput =
 * output tokens / E2E; decode throughput = (output tokens − 1) / (E2E − TTFT).
 */
export function buildRecord(trace: RequestTrace, options: BuildRecordOptions): RequestRecord {
  const { spec, runStart } = options;
  const streamed = options.streamed ?? true;
  const t0 = trace.t0 ?? options.failedAt ?? runStart;
  const tEnd = options.error ? (options.failedAt ?? trace.tEnd ?? t0) : (trace.tEnd ?? t0);
  const ok = options.error === undefined;

  const serverOut = trace.usage?.completion_tokens;
  const serverIn = trace.usage?.prompt_tokens;
  const noText = trace.content === "" && trace.reasoning === "";
  const outputTokenSource = typeof serverOut === "number" ? "server" : "tokenizer";
  const outputTokens = typeof serverOut === "number" ? serverOut : noText && !ok ? null : options.outputTokens ??
    options.countTokens(trace.content) + (trace.reasoning ? options.countTokens(trace.reasoning) : 0);
  const inputTokenSource = typeof serverIn === "number" ? "server" : "tokenizer";
  const inputTokens = typeof serverIn === "number" ? serverIn : spec.promptTokens;

  const ttfb = trace.tResponse === null ? null : trace.tResponse - t0;
  const firstText = trace.textTimes.length > 0 ? trace.textTimes[0] : null;
  const ttft = streamed && firstText !== null ? firstText - t0 : null;
  const e2e = ok ? tEnd - t0 : null;
  const itl: number[] = [];
  if (streamed) {
    for (let i = 1; i < trace.textTimes.length; i++) itl.push(round(trace.textTimes[i] - trace.textTimes[i - 1]));
  }
  const decoding = ok && ttft !== null && e2e !== null && outputTokens !== null && outputTokens > 1;
  const tpot = decoding ? (e2e! - ttft!) / (outputTokens! - 1) : null;
  const decodeTokensPerS = decoding && e2e! > ttft! ? (outputTokens! - 1) / ((e2e! - ttft!) / 1000) : null;
  const outputTokensPerS = ok && e2e !== null && e2e > 0 && outputTokens !== null ? outputTokens / (e2e / 1000) : null;

  const record: RequestRecord = {
    index: spec.index,
    status: ok ? "ok" : options.error!.code === "ABORTED" ? "aborted" : "error",
    startOffsetMs: round(t0 - runStart),
    endOffsetMs: round(tEnd - runStart),
    clientQueueMs: options.scheduledAt === undefined ? 0 : round(Math.max(0, t0 - options.scheduledAt)),
    httpStatus: trace.httpStatus,
    ttfbMs: r(ttfb),
    ttftMs: r(ttft),
    e2eMs: r(e2e),
    tpotMs: r(tpot),
    interTokenLatenciesMs: itl,
    textEvents: trace.textTimes.length,
    emptyEvents: trace.emptyEvents,
    tokensPerEvent: outputTokens !== null && trace.textTimes.length > 0
      ? r(outputTokens / trace.textTimes.length)
      : null,
    requestedInputTokens: spec.requestedInputTokens,
    inputTokens,
    inputTokenSource,
    requestedOutputTokens: spec.maxTokens,
    outputTokens,
    outputTokenSource,
    outputTokensPerS: r(outputTokensPerS),
    decodeTokensPerS: r(decodeTokensPerS),
    finishReason: trace.finishReason,
    generatedText: trace.content,
  };
  if (trace.reasoning !== "") Object.assign(record, reasoningFields(trace, t0, record, options));
  if (spec.datasetLine !== undefined) record.datasetLine = spec.datasetLine;
  const cached = trace.usage?.prompt_tokens_details?.cached_tokens;
  if (typeof cached === "number" && Number.isInteger(cached) && cached >= 0) record.cachedInputTokens = cached;
  if (trace.connectMs !== undefined) record.connectMs = round(trace.connectMs);
  if (trace.tWritten !== undefined && trace.t0 !== null) record.requestWrittenMs = round(trace.tWritten - trace.t0);
  if (options.error) record.error = options.error;
  if (trace.firstDeltaEmpty) record.firstChunkEmpty = true;
  if (options.scheduledAt !== undefined) {
    record.scheduledOffsetMs = round(options.scheduledAt - runStart);
    if (record.ttftMs !== null) record.ttftFromScheduleMs = round(record.ttftMs + record.clientQueueMs);
    if (record.e2eMs !== null) record.e2eFromScheduleMs = round(record.e2eMs + record.clientQueueMs);
  }
  const server = serverTimings(trace.usage);
  if (Object.keys(server).length > 0) {
    Object.assign(record, server);
    if (server.serverTtftMs !== undefined && record.ttftMs !== null) {
      record.ttftOverheadMs = round(record.ttftMs - server.serverTtftMs);
    }
  }
  return record;
}

/**
 * A reasoning answer's own figures (DESIGN.md §9): time to first answer token, how long the reasoning streamed, its
 * text events, reasoning tokens (usage.completion_tokens_details.reasoning_tokens when reported, else counted) and the
 * answer's tokens (output less reasoning).
 */
function reasoningFields(
  trace: RequestTrace,
  t0: number,
  record: RequestRecord,
  options: BuildRecordOptions,
): Partial<RequestRecord> {
  const firstText = trace.textTimes[0];
  const lastReasoning = trace.textTimes[Math.max(0, trace.reasoningEvents - 1)];
  const reported = reportedReasoningTokens(trace.usage);
  const reasoningTokens = reported ?? options.reasoningTokens ?? options.countTokens(trace.reasoning);
  const out = record.outputTokens;
  const streamed = options.streamed ?? true;
  const fields: Partial<RequestRecord> = {
    reasoningEvents: trace.reasoningEvents,
    reasoningTokens,
    reasoningTokenSource: reported !== undefined ? "server" : "tokenizer",
  };
  // Absent where a figure is undefined: no answer text, a response not streamed, no output count.
  const ttfat = streamed && trace.firstContentAt !== null ? r(trace.firstContentAt - t0) : null;
  if (ttfat !== null) fields.ttfatMs = ttfat;
  const reasoning = streamed && firstText !== undefined ? r((trace.firstContentAt ?? lastReasoning) - firstText) : null;
  if (reasoning !== null) fields.reasoningMs = reasoning;
  if (out !== null) fields.answerTokens = Math.max(0, out - reasoningTokens);
  return fields;
}

/** The reasoning tokens a server's usage breaks out (`completion_tokens_details.reasoning_tokens`), if it does. */
export function reportedReasoningTokens(usage: RequestTrace["usage"]): number | undefined {
  const details = usage?.completion_tokens_details as { reasoning_tokens?: unknown } | undefined;
  return typeof details?.reasoning_tokens === "number" ? details.reasoning_tokens : undefined;
}
