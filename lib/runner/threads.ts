/**
 * Measuring on several threads (`--client-threads N`): the run's connections are spread over N worker threads, each
 * with its own event loop, heap and HTTP client, so one thread's busy spell or garbage collection delays the stamps of
 * its own streams only, and a machine with spare cores reads more streams on time. The main thread only plans,
 * relays progress and merges the records onto one clock.
 * @module
 */
import type { RunConfig } from "../config/schema.ts";
import type { RequestRecord } from "../results/schema.ts";
import type { RequestSpec } from "../sampler/sampler.ts";
import type { ClientLoad } from "./monitor.ts";
import { countFinished, newProgress, type RequestTimeouts, type RunOptions, type RunResult } from "./runner.ts";

/** Options of {@link runInThreads}: those of `sendRequests`, with a run configuration instead of a connector. */
export type ThreadedRunOptions = Omit<RunOptions, "connector" | "part"> & {
  /** Each thread builds its connector from it (`createConnector(config, { baseUrl })`). */
  config: RunConfig;
  baseUrl: string;
  threads: number;
  /** Each thread opens its connections before the common clock starts. @default false */
  warmConnections?: boolean;
};

/** What the threads did besides their records: their event-loop lag and connections, for the health verdict. */
export interface ThreadedRunResult extends RunResult {
  threadLoad: Pick<ClientLoad, "lagMs" | "connections"> & { threads: number };
}

/** Prompts a duration-bound threaded run draws before it starts (each thread reuses its share). */
const DURATION_POOL = 1000;

/** What a measuring thread is given. */
export interface ThreadJob {
  config: RunConfig;
  baseUrl: string;
  requests: RequestSpec[];
  concurrency: number;
  maxRequests?: number;
  indexStride: number;
  indexOffset: number;
  schedule?: number[];
  timeoutMs: number;
  timeouts?: RequestTimeouts;
  durationMs?: number;
  maxFailures?: number;
  streamed: boolean;
  warmup: boolean;
  /** Connections to open before the clock starts (0: none). */
  warmConnections: number;
}

/** Messages from a measuring thread. */
export type ThreadMessage =
  | { type: "ready" }
  | { type: "record"; record: RequestRecord; inFlight: number }
  | { type: "count"; id: number; text: string }
  | {
    type: "done";
    stopReason: RunResult["stopReason"];
    startedAt: string;
    simulatedResponses: number;
    lagMs: number[];
    connections?: { opened: number; requests: number; reused: number };
  }
  | { type: "error"; message: string };

/**
 * Splits `n` items over `threads` round-robin: item i goes to thread i mod threads (the split every part of a
 * threaded run uses).
 */
export function roundRobin<T>(items: readonly T[], threads: number): T[][] {
  const parts: T[][] = Array.from({ length: threads }, () => []);
  items.forEach((x, i) => parts[i % threads].push(x));
  return parts;
}

/**
 * Runs a benchmark on `threads` worker threads (at most one per concurrency slot). Concurrency, requests and an
 * open-loop schedule are split round-robin; every thread starts its clock at the same instant; records come back with
 * offsets on that common clock, through `onRecord` as they finish. Aborting `signal` stops every thread.
 */
export async function runInThreads(options: ThreadedRunOptions): Promise<ThreadedRunResult> {
  const threads = Math.max(1, Math.min(options.threads, options.concurrency));
  const total = Math.min(options.maxRequests ?? options.requests.length, options.schedule?.length ?? Infinity);
  const finite = Number.isFinite(total);
  // Finite runs: each thread gets its own explicit list (positions t, t+N, …, with the global indices a single
  // thread would have given them); duration-bound runs: a share of the prompts, reused with indices kept unique.
  const positions = finite ? Array.from({ length: total }, (_, j) => j) : [];
  const specAt = (j: number): RequestSpec => {
    const base = options.requests.at(j % options.requests.length)!;
    return j < options.requests.length ? base : { ...base, index: j };
  };
  // A duration-bound run's threads share a pool of prompts, reused with fresh indices.
  const pool = () => Array.from({ length: Math.min(options.requests.length, DURATION_POOL) }, (_, j) => specAt(j));
  const jobs: ThreadJob[] = Array.from({ length: threads }, (_, t) => ({
    config: options.config,
    baseUrl: options.baseUrl,
    requests: finite ? roundRobin(positions, threads)[t].map(specAt) : roundRobin(pool(), threads)[t],
    concurrency: Math.floor(options.concurrency / threads) + (t < options.concurrency % threads ? 1 : 0),
    maxRequests: finite ? undefined : Infinity,
    indexStride: threads,
    indexOffset: t,
    schedule: options.schedule ? roundRobin(options.schedule.slice(0, total), threads)[t] : undefined,
    timeoutMs: options.timeoutMs,
    timeouts: options.timeouts,
    durationMs: options.durationMs,
    // Fail fast per thread: each sees its share of the first requests.
    ...(options.maxFailures !== undefined
      ? { maxFailures: Math.max(1, Math.ceil(options.maxFailures / threads)) }
      : {}),
    streamed: options.streamed ?? true,
    warmup: options.warmup ?? false,
    warmConnections: 0,
  }));
  if (options.warmConnections) {
    for (const job of jobs) {
      job.warmConnections = Math.min(job.concurrency, finite ? job.requests.length : Infinity, 1024);
    }
  }

  const progress = newProgress(total);
  const inFlight = new Array(threads).fill(0);
  const records: RequestRecord[] = [];
  const workers: Worker[] = [];
  const stopAll = () => {
    for (const w of workers) w.postMessage({ type: "stop" });
  };
  // Every thread starts its clock at the same instant, once all have loaded, so their schedules and offsets agree.
  let startAtEpochMs = Infinity;
  let ready = 0;
  options.signal?.addEventListener("abort", stopAll, { once: true });
  try {
    const done = await Promise.all(
      jobs.map((job, t) =>
        new Promise<Extract<ThreadMessage, { type: "done" }>>((resolve, reject) => {
          const worker = new Worker(new URL("./_thread_main.ts", import.meta.url), { type: "module" });
          workers.push(worker);
          worker.onerror = (e) => {
            e.preventDefault();
            reject(new Error(`measuring thread ${t} failed: ${e.message}`));
          };
          worker.onmessage = async (e: MessageEvent<ThreadMessage>) => {
            const m = e.data;
            if (m.type === "ready") {
              if (++ready === threads) {
                startAtEpochMs = performance.timeOrigin + performance.now() + 5;
                for (const w of workers) w.postMessage({ type: "start", startAtEpochMs });
              }
            } else if (m.type === "record") {
              const r = m.record;
              inFlight[t] = m.inFlight;
              records.push(r);
              options.onRecord?.(r);
              countFinished(progress, r);
              progress.inFlight = inFlight.reduce((a, b) => a + b, 0);
              progress.elapsedMs = performance.timeOrigin + performance.now() - startAtEpochMs;
              options.onProgress?.({ ...progress });
            } else if (m.type === "count") {
              let value = 0;
              try {
                value = await options.countTokens(m.text);
              } catch {
                // the thread records what the server said, or nothing
              }
              worker.postMessage({ type: "count-reply", id: m.id, value });
            } else if (m.type === "done") {
              resolve(m);
            } else {
              reject(new Error(`measuring thread ${t} failed: ${m.message}`));
            }
          };
          if (options.signal?.aborted) worker.postMessage({ type: "stop" });
          worker.postMessage({ type: "run", job });
        })
      ),
    );
    const reasons = done.map((d) => d.stopReason);
    const stopReason: RunResult["stopReason"] = reasons.includes("interrupted")
      ? "interrupted"
      : reasons.includes("timeout")
      ? "timeout"
      : reasons.includes("failing")
      ? "failing"
      : reasons.includes("duration")
      ? "duration"
      : "completed";
    const conns = done.every((d) => d.connections)
      ? done.reduce(
        (a, d) => ({
          opened: a.opened + d.connections!.opened,
          requests: a.requests + d.connections!.requests,
          reused: a.reused + d.connections!.reused,
        }),
        { opened: 0, requests: 0, reused: 0 },
      )
      : undefined;
    return {
      records,
      stopReason,
      startedAt: done.map((d) => d.startedAt).sort()[0],
      simulatedResponses: done.reduce((a, d) => a + d.simulatedResponses, 0),
      runStartEpochMs: startAtEpochMs,
      threadLoad: {
        threads,
        lagMs: done.flatMap((d) => d.lagMs),
        connections: conns && { ...conns, concurrency: options.concurrency },
      },
    };
  } finally {
    options.signal?.removeEventListener("abort", stopAll);
    for (const w of workers) w.terminate();
  }
}
