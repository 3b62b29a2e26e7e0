import pLimit from "p-limit";
import { createTurns } from "../event_loop.ts";
import type { Connector } from "../connectors/types.ts";
import type { RequestRecord } from "../results/schema.ts";
import type { RequestList } from "../plan/plan.ts";
import type { ChatMessage, RequestSpec } from "../sampler/sampler.ts";
import type { Session } from "../sampler/dataset.ts";
import { type MeasuredRequest, measureRequest, type RequestTimeouts } from "./request.ts";

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
  /** The run has stopped (Ctrl-C, its timeout, failing, a backlog): what finishes now are the aborted requests. */
  stopped?: boolean;
}

/** A run's progress before any request has finished. */
export function newProgress(total: number): RunProgress {
  return { finished: 0, succeeded: 0, failed: 0, aborted: 0, inFlight: 0, total, elapsedMs: 0, outputTokens: 0 };
}

/** Counts a finished request in a run's progress. */
export function countFinished(progress: RunProgress, record: RequestRecord): void {
  progress.finished++;
  if (record.status === "ok") {
    progress.succeeded++;
    progress.outputTokens += record.outputTokens ?? 0;
  } else if (record.status === "aborted") progress.aborted++;
  else progress.failed++;
}

/** Options of {@link sendRequests}. */
export interface RunOptions {
  connector: Connector;
  /** The requests, in sending order; the run sends at most this many. */
  requests: RequestList;
  /** Requests in flight at once (closed loop). */
  concurrency: number;
  /** Stop the run after this long; requests in flight are aborted and recorded as `aborted`. */
  timeoutMs: number;
  /** Counts output tokens when the server reports no usage (may answer later, e.g. from a tokenizer worker). */
  countTokens: (text: string) => number | Promise<number>;
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
  /** Requests to send in all; past the end of `requests` they are reused. @default requests.length */
  maxRequests?: number;
  /**
   * Open loop: request i is due `schedule[i]` ms after the run starts (see `arrivalSchedule`), capped by
   * `concurrency` requests in flight. Without it, the run is a closed loop.
   */
  schedule?: readonly number[];
  /** Stop sending new requests after this long; those in flight finish (stop reason `duration`). */
  durationMs?: number;
  /**
   * Multi-turn sessions (instead of `requests`): each session's turns in order, each sent with the conversation so far
   * (system messages, earlier turns and the model's actual answers); `concurrency` sessions at once. A session whose
   * turn fails ends there (its history would be incomplete).
   */
  sessions?: readonly Session[];
  /** Think time between an answer and the session's next turn, ms. @default 0 */
  turnDelayMs?: number;
  /** Mark every record as warm-up (not counted in the summary). */
  warmup?: boolean;
  /** Aborting it stops sending new requests; those in flight finish (stop reason `precision`: the targets were met). */
  stopSending?: AbortSignal;
  /** This run as one part of a larger one (a measuring thread, a shard): the clock and request indexes it shares. */
  part?: RunPart;
  /**
   * Stop the run (stop reason `backlog`) once more requests than this are in flight — the endpoint has fallen behind
   * the arrivals and the backlog would only grow; those in flight are aborted and recorded. Absent: no limit.
   */
  maxBacklog?: number;
  /**
   * Fail fast: stop the run (stop reason `failing`) when the first this-many finished requests all failed; those in
   * flight are aborted and recorded. Absent: never.
   */
  maxFailures?: number;
  /** Wait out a 429 as its Retry-After says and send the request again, for at most `maxWaitS` in all. */
  rateLimit?: { maxWaitS: number };
}

/** What a run that is one part of a larger one shares with the others. */
export interface RunPart {
  /**
   * The run's clock start, as a `performance.now()` value (it may lie in the past): the parts share one clock this way.
   * @default the moment {@link sendRequests} is called
   */
  clockStart?: number;
  /**
   * Index of a request reused past the end of `requests`: `indexStride × position + indexOffset` (every part keeps
   * indices unique across them). @default stride 1, offset 0
   */
  indexStride?: number;
  indexOffset?: number;
}

export type { RequestTimeouts };

const limited = (r: RequestRecord) => r.status === "error" && r.error?.code === "RATE_LIMITED";

/** Sleeps until `performance.now()` reaches `at`, or until `signal` aborts. */
function sleepUntil(at: number, signal: AbortSignal): Promise<void> {
  const ms = at - performance.now();
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * Why a run ended: all sent and finished, its duration, precision targets met, its timeout, Ctrl-C, a backlog, or its
 * first requests all failing.
 */
export type StopReason = "completed" | "duration" | "precision" | "timeout" | "interrupted" | "backlog" | "failing";

/** What a run produced. */
export interface RunResult {
  records: RequestRecord[];
  stopReason: StopReason;
  /** Wall-clock start, ISO 8601. */
  startedAt: string;
  /** Responses that came from llm-bench's simulated endpoint (it marks them with a header). */
  simulatedResponses: number;
  /** Wall-clock time of the run's start, epoch ms (sub-ms): record offsets are from it. */
  runStartEpochMs: number;
}

/**
 * Sends a run's requests — a closed loop keeping `concurrency` in flight, an open loop on `schedule`, or multi-turn
 * `sessions` — until every request has finished, the timeout passes, or `signal` aborts. Never prints and never throws
 * for a failed request — each outcome is a {@link RequestRecord}. (The whole run — plan, endpoint, files, summary — is
 * `benchmark()`.)
 *
 * @example Two requests, one at a time, against a simulated endpoint in this process
 * ```ts
 * import assert from "node:assert/strict";
 * import { createOpenAIConnector, loadCorpus, loadTokenizer } from "../../mod.ts";
 * import { startSimServer } from "../simulator/mod.ts";
 * import { sendRequests } from "./runner.ts";
 * const tokenizer = await loadTokenizer();
 * await using sim = startSimServer({ tokenizer, corpus: await loadCorpus() });
 * await using connector = createOpenAIConnector({ baseUrl: sim.baseUrl, model: "llm-bench-sim" });
 * const spec = (index: number) => ({ index, prompt: "Hi", promptTokens: 1, requestedInputTokens: 1, maxTokens: 5 });
 * const run = await sendRequests({
 *   connector,
 *   requests: [spec(0), spec(1)],
 *   concurrency: 1,
 *   timeoutMs: 60_000,
 *   countTokens: tokenizer.count,
 * });
 * assert.deepEqual(run.records.map((r) => [r.status, r.outputTokens]), [["ok", 5], ["ok", 5]]);
 * assert.equal(run.simulatedResponses, 2);
 * ```
 */
export async function sendRequests(options: RunOptions): Promise<RunResult> {
  const { connector, requests } = options;
  const streamed = options.streamed ?? true;
  const startedAt = new Date().toISOString();
  const runStart = options.part?.clockStart ?? performance.now();
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
  // A turn of the event loop in which the sockets are polled (lib/event_loop.ts): reads already waiting come first.
  const yieldToIo = createTurns();
  const progress = newProgress(Math.min(options.maxRequests ?? requests.length, options.schedule?.length ?? Infinity));

  // Whether a finished request's slot is refilled at once (the closed loop says so).
  let refills = () => false;
  // Fail fast: requests failed before any succeeded.
  let leadingFailures = 0;
  let anySucceeded = false;
  const send: Send = async (spec, scheduledAt, extra) => {
    if (stop.signal.aborted) return;
    progress.inFlight++;
    if (options.maxBacklog !== undefined && progress.inFlight > options.maxBacklog && stopReason === "completed") {
      stopReason = "backlog";
      stop.abort(new DOMException(`more than ${options.maxBacklog} requests in flight: a backlog`, "AbortError"));
    }
    const attempt = () =>
      measureRequest(connector, spec, {
        runStart,
        countTokens: options.countTokens,
        signal: stop.signal,
        timeouts: options.timeouts,
        streamed,
        scheduledAt,
        // This request's times are taken; building its record and sending the next one can wait for the reads that
        // have already arrived on other streams, so their chunks are stamped first.
        settle: () => (progress.inFlight > 1 ? yieldToIo() : Promise.resolve()),
      });
    let measured = await attempt();
    if (options.rateLimit && limited(measured.record)) measured = await waitOut(measured, attempt, options.rateLimit);
    const record = measured.record;
    progress.inFlight--;
    if (measured.simulatedServer) simulatedResponses++;
    if (options.warmup) record.warmup = true;
    if (extra) Object.assign(record, extra);
    records.push(record);
    options.onRecord?.(record);
    countFinished(progress, record);
    if (options.maxFailures !== undefined && !anySucceeded) {
      if (record.status === "ok") anySucceeded = true;
      else if (record.status === "error" && ++leadingFailures >= options.maxFailures && stopReason === "completed") {
        stopReason = "failing";
        stop.abort(new DOMException(`the first ${leadingFailures} requests all failed`, "AbortError"));
      }
    }
    progress.elapsedMs = performance.now() - runStart;
    // A closed loop hands the finished request's slot straight to the next one: that slot counts as in flight (else
    // the line reads one short of the concurrency the records show held).
    options.onProgress?.({
      ...progress,
      inFlight: progress.inFlight + (refills() ? 1 : 0),
      ...(stop.signal.aborted ? { stopped: true } : {}),
    });
    return record;
  };

  /**
   * `--on-rate-limit wait`: waits as a 429's Retry-After says (1 s when it says nothing) and sends again, until an
   * attempt is not rate limited or the waits would pass `maxWaitS`; the recorded attempt is the last, with the retries
   * and the time since the first attempt's t0 beside it.
   */
  const waitOut = async (
    first: MeasuredRequest,
    attempt: () => Promise<MeasuredRequest>,
    limit: { maxWaitS: number },
  ): Promise<MeasuredRequest> => {
    const firstT0 = runStart + first.record.startOffsetMs;
    let measured = first;
    let retries = 0;
    let waited = 0;
    let asked = 0;
    while (limited(measured.record) && !stop.signal.aborted) {
      const waitMs = Math.max(0, (measured.record.error?.retryAfterS ?? 1) * 1000);
      asked = Math.max(asked, measured.record.error?.retryAfterS ?? 0);
      if (waited + waitMs > limit.maxWaitS * 1000) break;
      waited += waitMs;
      await sleepUntil(performance.now() + waitMs, stop.signal);
      if (stop.signal.aborted) break;
      measured = await attempt();
      retries++;
    }
    if (retries > 0) {
      measured.record.rateLimitRetries = retries;
      measured.record.rateLimitWaitMs = Math.round((runStart + measured.record.startOffsetMs - firstT0) * 1000) / 1000;
      measured.record.rateLimitRetryAfterS = asked;
    }
    return measured;
  };

  // Stops sending new requests (the duration); requests in flight run on.
  const sending = new AbortController();
  const durationTimer = options.durationMs === undefined ? undefined : setTimeout(() => {
    if (stopReason === "completed") stopReason = "duration";
    sending.abort();
  }, options.durationMs);
  const enough = () => {
    if (stopReason === "completed") stopReason = "precision";
    sending.abort();
  };
  if (options.stopSending?.aborted) enough();
  options.stopSending?.addEventListener("abort", enough, { once: true });
  const loop: Loop = {
    options,
    send,
    setRefills: (f) => (refills = f),
    runStart,
    max: options.maxRequests ?? requests.length,
    halted: () => stop.signal.aborted || sending.signal.aborted,
    // What cuts a wait before the next request short: the run stopping, or its sending.
    wake: AbortSignal.any([stop.signal, sending.signal]),
  };
  try {
    if (options.sessions) await sessionLoop(loop, options.sessions);
    else if (options.schedule) await openLoop(loop, options.schedule);
    else await closedLoop(loop);
  } finally {
    yieldToIo.close();
    clearTimeout(timer);
    if (durationTimer !== undefined) clearTimeout(durationTimer);
    options.signal?.removeEventListener("abort", onAbort);
    options.stopSending?.removeEventListener("abort", enough);
  }
  return { records, stopReason, startedAt, simulatedResponses, runStartEpochMs: performance.timeOrigin + runStart };
}

/** Sends one request and records it (`undefined` when the run had already stopped). */
type Send = (
  spec: RequestSpec,
  scheduledAt?: number,
  extra?: Partial<RequestRecord>,
) => Promise<RequestRecord | undefined>;

/** What each way of sending shares: the run's options, its one `send`, its clock and when to stop. */
interface Loop {
  options: RunOptions;
  send: Send;
  runStart: number;
  /** Requests to send in all. */
  max: number;
  /** True once the run stopped or stopped sending. */
  halted: () => boolean;
  /** Aborts when the run stops or stops sending: cuts a wait short. */
  wake: AbortSignal;
  /** Tells the progress whether a finished request's slot is refilled at once. */
  setRefills: (refills: () => boolean) => void;
}

/** Request `i` of the run; past the end of `requests` (a duration-bound run) the list is reused with fresh indices. */
function specAt(options: RunOptions, i: number): RequestSpec {
  const { requests, part } = options;
  const base = requests.at(i % requests.length)!;
  return i < requests.length ? base : { ...base, index: (part?.indexStride ?? 1) * i + (part?.indexOffset ?? 0) };
}

/** Closed loop: a worker per concurrency slot sends the next request as soon as its last one finished. */
async function closedLoop({ options, send, max, halted, setRefills }: Loop): Promise<void> {
  let next = 0;
  setRefills(() => !halted() && next < max);
  const worker = async () => {
    while (!halted() && next < max) await send(specAt(options, next++));
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, max) }, worker));
}

/**
 * Open loop: each request is due at its scheduled time, measured from the run's start (no drift), then waits for a
 * slot if a concurrency cap is set; the wait is its client queue time.
 */
async function openLoop({ options, send, runStart, max, halted, wake }: Loop, schedule: readonly number[]) {
  const limit = pLimit(options.concurrency);
  const started: Promise<unknown>[] = [];
  for (let i = 0; i < max && i < schedule.length && !halted(); i++) {
    const due = runStart + schedule[i];
    await sleepUntil(due, wake);
    if (halted()) break;
    started.push(limit(() => send(specAt(options, i), due)));
  }
  await Promise.all(started);
}

/**
 * Multi-turn: a worker per concurrency slot takes the next session and sends its turns one after another, each with
 * the conversation so far (the model's actual answers included). A session whose turn fails ends there.
 */
async function sessionLoop({ options, send, max, halted, wake }: Loop, sessions: readonly Session[]): Promise<void> {
  let nextSession = 0;
  let sent = 0;
  const worker = async () => {
    while (!halted() && nextSession < sessions.length && sent < max) {
      const session = sessions[nextSession++];
      const history: ChatMessage[] = [...session.system];
      for (const [t, turn] of session.turns.entries()) {
        if (halted() || sent >= max) break;
        if (t > 0 && options.turnDelayMs) {
          await sleepUntil(performance.now() + options.turnDelayMs, wake);
          if (halted()) break;
        }
        const messages: ChatMessage[] = [...history, { role: "user", content: turn.user }];
        const tokens = await options.countTokens(messages.map((m) => m.content).join("\n"));
        const spec: RequestSpec = {
          index: sent++,
          prompt: turn.user,
          promptTokens: tokens,
          requestedInputTokens: tokens,
          maxTokens: turn.maxTokens,
          messages,
          ...(turn.line !== undefined ? { datasetLine: turn.line } : {}),
        };
        const record = await send(spec, undefined, { sessionId: session.id, turn: t + 1 });
        if (!record || record.status !== "ok") break;
        history.push({ role: "user", content: turn.user }, { role: "assistant", content: record.generatedText });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, sessions.length) }, worker));
}
