import pLimit from "p-limit";
import type { Connector } from "../connectors/types.ts";
import { RequestError } from "../errors.ts";
import { buildRecord } from "../metrics/request_metrics.ts";
import { addEvent, newTrace } from "../metrics/trace.ts";
import type { RequestRecord } from "../results/schema.ts";
import type { RequestSpec } from "../sampler/sampler.ts";

/** Progress of a run, reported after every finished request. */
export interface RunProgress {
  /** Requests finished (any outcome). */
  finished: number;
  succeeded: number;
  failed: number;
  aborted: number;
  inFlight: number;
  /** Requests the run will send at most. */
  total: number;
  elapsedMs: number;
  /** Σ output tokens of successful requests so far. */
  outputTokens: number;
}

/** Options of {@link runBenchmark}. */
export interface RunOptions {
  connector: Connector;
  /** The requests, in sending order; the run sends at most this many. */
  requests: readonly RequestSpec[];
  /** Requests in flight at once (closed loop). */
  concurrency: number;
  /** Stop the run after this long; requests in flight are aborted and recorded as `aborted`. */
  timeoutMs: number;
  /** Counts output tokens when the server reports no usage. */
  countTokens: (text: string) => number;
  /** False in batch mode. @default true */
  streamed?: boolean;
  /** Aborting it stops the run like the timeout does (stop reason `interrupted`). */
  signal?: AbortSignal;
  /** Called with each record as soon as its request finishes, before the progress update. */
  onRecord?: (record: RequestRecord) => void;
  /** Called after every finished request. */
  onProgress?: (progress: RunProgress) => void;
  /** Per-request limits; a request past one fails with code TIMEOUT and the phase that struck. */
  timeouts?: RequestTimeouts;
}

/** Per-request time limits, ms. */
export interface RequestTimeouts {
  /** From send to the first text-carrying event. */
  firstTokenMs?: number;
  /** Longest silence between events once the response has started. */
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
    if (limits.idleMs !== undefined && (text || limits.firstTokenMs === undefined)) {
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
    activity(isText: boolean) {
      last = performance.now();
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

/** What a run produced. */
export interface RunResult {
  records: RequestRecord[];
  stopReason: "completed" | "timeout" | "interrupted";
  /** Wall-clock start, ISO 8601. */
  startedAt: string;
  /** Responses that came from llm-bench's simulated endpoint (it marks them with a header). */
  simulatedResponses: number;
}

/**
 * Runs a closed-loop benchmark: keeps `concurrency` requests in flight until every request has finished, the
 * timeout passes, or `signal` aborts. Never prints and never throws for a failed request — each outcome is a
 * {@link RequestRecord}.
 */
export async function runBenchmark(options: RunOptions): Promise<RunResult> {
  const { connector, requests, countTokens } = options;
  const streamed = options.streamed ?? true;
  const startedAt = new Date().toISOString();
  const runStart = performance.now();
  const stop = new AbortController();
  let stopReason: RunResult["stopReason"] = "completed";
  const timer = setTimeout(() => {
    stopReason = "timeout";
    stop.abort(new DOMException(`run timeout of ${options.timeoutMs / 1000} s reached`, "AbortError"));
  }, options.timeoutMs);
  const onAbort = () => {
    if (stopReason === "completed") stopReason = "interrupted";
    stop.abort(new DOMException("run interrupted", "AbortError"));
  };
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener("abort", onAbort, { once: true });

  const records: RequestRecord[] = [];
  let simulatedResponses = 0;
  const progress: RunProgress = {
    finished: 0,
    succeeded: 0,
    failed: 0,
    aborted: 0,
    inFlight: 0,
    total: requests.length,
    elapsedMs: 0,
    outputTokens: 0,
  };

  const one = async (spec: RequestSpec) => {
    if (stop.signal.aborted) return;
    progress.inFlight++;
    const trace = newTrace();
    let record: RequestRecord;
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
    const signal = own ? AbortSignal.any([stop.signal, own.signal]) : stop.signal;
    try {
      for await (const ev of connector.stream(spec, { signal })) {
        addEvent(trace, ev);
        dog?.activity(ev.type === "delta" && (ev.content !== "" || ev.reasoning !== ""));
      }
      const empty = trace.content === "" && trace.reasoning === "";
      record = empty
        ? buildRecord(trace, {
          spec,
          runStart,
          countTokens,
          streamed,
          error: { code: "EMPTY_RESPONSE", message: "The response carried no generated text" },
          failedAt: trace.tEnd ?? performance.now(),
        })
        : buildRecord(trace, { spec, runStart, countTokens, streamed });
    } catch (e) {
      const failedAt = performance.now();
      const err = e instanceof RequestError
        ? e
        : new RequestError("BAD_RESPONSE", e instanceof Error ? e.message : String(e), { cause: e });
      const error: NonNullable<RequestRecord["error"]> = { code: err.code, message: err.message };
      if (err.httpStatus !== undefined) error.httpStatus = err.httpStatus;
      if (err.bodyExcerpt !== undefined) error.bodyExcerpt = err.bodyExcerpt;
      if (err.retryAfterS !== undefined) error.retryAfterS = err.retryAfterS;
      if (err.code === "TIMEOUT" && phase) error.phase = phase;
      record = buildRecord(trace, { spec, runStart, countTokens, streamed, error, failedAt });
    }
    dog?.stop();
    progress.inFlight--;
    if (trace.simulatedServer) simulatedResponses++;
    records.push(record);
    options.onRecord?.(record);
    progress.finished++;
    if (record.status === "ok") {
      progress.succeeded++;
      progress.outputTokens += record.outputTokens ?? 0;
    } else if (record.status === "aborted") progress.aborted++;
    else progress.failed++;
    progress.elapsedMs = performance.now() - runStart;
    options.onProgress?.({ ...progress });
  };

  const limit = pLimit(options.concurrency);
  try {
    await Promise.all(requests.map((spec) => limit(() => one(spec))));
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
  }
  return { records, stopReason, startedAt, simulatedResponses };
}
