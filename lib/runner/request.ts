/**
 * One request's lifecycle, the only place in lib/ that reads a connector's stream: send it, stamp its events into a
 * trace, watch its time limits, count its output tokens when the server reports none, and turn the outcome — answer,
 * failure or abort — into a {@link RequestRecord}. The runner, the measuring threads and the chat session all use it.
 * @module
 */
import type { Connector } from "../connectors/types.ts";
import { RequestError } from "../errors.ts";
import { buildRecord, reportedReasoningTokens } from "../metrics/request_metrics.ts";
import { addEvent, newTrace, type RequestTrace } from "../metrics/trace.ts";
import type { RequestRecord } from "../results/schema.ts";
import type { RequestSpec } from "../sampler/sampler.ts";

/** Per-request time limits, ms. */
export interface RequestTimeouts {
  /** From send to the first text-carrying event. */
  firstTokenMs?: number;
  /** Longest silence between events once the response has started (its clock starts at the first byte). */
  idleMs?: number;
  /** The whole request. */
  totalMs?: number;
}

type Phase = "first-token" | "idle" | "total";

/**
 * Watches one request against its limits with one timer, re-armed only when it fires: the per-event cost is a
 * timestamp assignment (the per-chunk path is the hot path).
 */
function watchdog(limits: RequestTimeouts, abort: (phase: Phase, message: string) => void) {
  const start = performance.now();
  let last = start;
  let text = false;
  // The idle limit is a mid-response limit: before the response's first byte (a long prefill of a huge prompt) only
  // the first-token and whole-request limits apply.
  let responded = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fire = (phase: Phase, ms: number, what: string) => abort(phase, `${what} within ${ms / 1000} s`);
  const check = () => {
    timer = undefined;
    const now = performance.now();
    const deadlines: [number, Phase, number, string][] = [];
    if (limits.totalMs !== undefined) {
      deadlines.push([start + limits.totalMs, "total", limits.totalMs, "request not done"]);
    }
    if (!text && limits.firstTokenMs !== undefined) {
      deadlines.push([start + limits.firstTokenMs, "first-token", limits.firstTokenMs, "no first token"]);
    }
    if (limits.idleMs !== undefined && responded && (text || limits.firstTokenMs === undefined)) {
      deadlines.push([last + limits.idleMs, "idle", limits.idleMs, "no data from the server"]);
    }
    if (deadlines.length === 0) return;
    deadlines.sort((a, b) => a[0] - b[0]);
    const [at, phase, ms, what] = deadlines[0];
    if (at <= now) fire(phase, ms, what);
    else timer = setTimeout(check, at - now);
  };
  check();
  return {
    /** An event arrived at `t` (its read's stamp: no clock read on the per-chunk path). */
    activity(t: number, isText: boolean) {
      last = t;
      if (!responded) {
        // The first event comes when the response began (the `start` event carries t0, from before the request).
        responded = true;
        last = performance.now();
        if (timer !== undefined) clearTimeout(timer);
        check();
      }
      if (isText && !text) {
        text = true;
        if (timer !== undefined) clearTimeout(timer);
        check();
      }
    },
    stop() {
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}

/** Options of {@link measureRequest}. */
export interface MeasureOptions {
  /** `performance.now()` at the run's start; the record's offsets are from it. */
  runStart: number;
  /** Counts output tokens when the server reports no usage (may answer later, e.g. from a tokenizer worker). */
  countTokens: (text: string) => number | Promise<number>;
  /** Aborting it ends the request; the record is `aborted`. */
  signal?: AbortSignal;
  /** Per-request limits; a request past one fails with code TIMEOUT and the phase that struck. */
  timeouts?: RequestTimeouts;
  /** False in batch mode. @default true */
  streamed?: boolean;
  /** Scheduled send time (`performance.now()`), in an open loop. */
  scheduledAt?: number;
  /** Called with each piece of generated text as it arrives (a chat shows the answer as it comes). */
  onText?: (text: string) => void;
  /**
   * Awaited once the stream has ended, before the record is built: lets reads already waiting on other streams be
   * stamped first.
   */
  settle?: () => Promise<void>;
}

/** A measured request: its record, its text and whether the server said it is llm-bench's simulator. */
export interface MeasuredRequest {
  record: RequestRecord;
  /** The generated text (content only). */
  content: string;
  simulatedServer: boolean;
}

/** The record's error for anything a request threw. */
function errorOf(e: unknown, phase: Phase | undefined): NonNullable<RequestRecord["error"]> {
  const err = e instanceof RequestError
    ? e
    : new RequestError("BAD_RESPONSE", e instanceof Error ? e.message : String(e), { cause: e });
  const error: NonNullable<RequestRecord["error"]> = { code: err.code, message: err.message };
  if (err.httpStatus !== undefined) error.httpStatus = err.httpStatus;
  if (err.bodyExcerpt !== undefined) error.bodyExcerpt = err.bodyExcerpt;
  if (err.retryAfterS !== undefined) error.retryAfterS = err.retryAfterS;
  if (err.rateLimit !== undefined) error.rateLimit = err.rateLimit;
  if (err.code === "TIMEOUT" && phase) error.phase = phase;
  return error;
}

/**
 * Sends one request and measures it (DESIGN.md §2). Never throws for a failed request: the failure is the record's
 * `error`, with the server's message, status, body excerpt and Retry-After when there were any.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createOpenAIConnector, loadCorpus, loadTokenizer } from "../../mod.ts";
 * import { measureRequest } from "./request.ts";
 * import { startSimServer } from "../simulator/mod.ts";
 * const tokenizer = await loadTokenizer();
 * await using sim = startSimServer({ tokenizer, corpus: await loadCorpus(), params: { faults: { plan: ["status-503"] } } });
 * await using connector = createOpenAIConnector({ baseUrl: sim.baseUrl, model: "llm-bench-sim" });
 * const spec = { index: 0, prompt: "Hi", promptTokens: 1, requestedInputTokens: 1, maxTokens: 5 };
 * const { record } = await measureRequest(connector, spec, { runStart: performance.now(), countTokens: tokenizer.count });
 * assert.equal(record.status, "error"); // a failure is a record, not an exception
 * assert.equal(record.error?.httpStatus, 503);
 * assert.match(record.error?.bodyExcerpt ?? "", /overloaded/);
 * ```
 */
export async function measureRequest(
  connector: Connector,
  spec: RequestSpec,
  options: MeasureOptions,
): Promise<MeasuredRequest> {
  const trace = newTrace();
  // Output tokens are counted only where the server reported no usage, after the stream has ended.
  const countOutput = async (t: RequestTrace): Promise<number | undefined> => {
    if (typeof t.usage?.completion_tokens === "number" || (t.content === "" && t.reasoning === "")) return undefined;
    return await options.countTokens(t.content) + (t.reasoning ? await options.countTokens(t.reasoning) : 0);
  };
  // Reasoning tokens are counted only where the server's usage does not break them out.
  const countReasoning = async (t: RequestTrace): Promise<number | undefined> => {
    if (t.reasoning === "") return undefined;
    return reportedReasoningTokens(t.usage) !== undefined ? undefined : await options.countTokens(t.reasoning);
  };
  const limits = options.timeouts ?? {};
  const watched = limits.firstTokenMs !== undefined || limits.idleMs !== undefined || limits.totalMs !== undefined;
  let phase: Phase | undefined;
  const own = watched ? new AbortController() : undefined;
  const dog = own
    ? watchdog(limits, (p, message) => {
      phase = p;
      own.abort(new DOMException(message, "TimeoutError"));
    })
    : undefined;
  // One controller that the run's signal aborts too (a listener costs far less than AbortSignal.any on this path).
  const outer = options.signal;
  const forward = own && outer ? () => own.abort(outer.reason) : undefined;
  if (forward) {
    if (outer!.aborted) forward();
    else outer!.addEventListener("abort", forward, { once: true });
  }
  const signal = own?.signal ?? outer;
  const onText = options.onText;
  const common = {
    spec,
    runStart: options.runStart,
    countTokens: () => 0,
    streamed: options.streamed ?? true,
    scheduledAt: options.scheduledAt,
  };
  let record: RequestRecord;
  try {
    for await (const ev of connector.stream(spec, { signal })) {
      addEvent(trace, ev);
      if (ev.type === "delta") {
        dog?.activity(ev.t, ev.content !== "" || ev.reasoning !== "");
        if (onText && ev.content !== "") onText(ev.content);
      } else dog?.activity(ev.t, false);
    }
    if (options.settle) await options.settle();
    const empty = trace.content === "" && trace.reasoning === "";
    record = empty
      ? buildRecord(trace, {
        ...common,
        error: { code: "EMPTY_RESPONSE", message: "The response carried no generated text" },
        failedAt: trace.tEnd ?? performance.now(),
      })
      : buildRecord(trace, {
        ...common,
        outputTokens: await countOutput(trace),
        reasoningTokens: await countReasoning(trace),
      });
  } catch (e) {
    const failedAt = performance.now();
    const outputTokens = await countOutput(trace).catch(() => undefined);
    record = buildRecord(trace, { ...common, outputTokens, error: errorOf(e, phase), failedAt });
  } finally {
    dog?.stop();
    if (forward) outer!.removeEventListener("abort", forward);
  }
  return { record, content: trace.content, simulatedServer: trace.simulatedServer };
}
