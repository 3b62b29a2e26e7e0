// Entry point of a measuring thread (see threads.ts): builds its connector, starts its clock at the agreed instant,
// runs its share of the benchmark and sends each record back on the common clock.
import { createConnector } from "../connectors/factory.ts";
import type { RequestRecord } from "../results/schema.ts";
import { connectionDelta, startClientMonitor } from "./monitor.ts";
import { sendRequests } from "./runner.ts";
import type { ThreadJob, ThreadMessage } from "./threads.ts";

const scope = self as unknown as { onmessage: ((e: MessageEvent) => void) | null; postMessage(m: ThreadMessage): void };
const stop = new AbortController();
const counts = new Map<number, (n: number) => void>();
let nextCount = 0;

let started: (startAtEpochMs: number) => void;
const start = new Promise<number>((resolve) => started = resolve);

async function run(job: ThreadJob): Promise<void> {
  const connector = createConnector(job.config, { baseUrl: job.baseUrl });
  try {
    const warmed = job.warmConnections > 0 ? await connector.warm?.(job.warmConnections, stop.signal) ?? 0 : 0;
    scope.postMessage({ type: "ready" });
    const startAtEpochMs = await start;
    const wait = startAtEpochMs - (performance.timeOrigin + performance.now());
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    let finished: RequestRecord | undefined;
    const monitor = startClientMonitor();
    const before = connector.httpClient?.stats ? { ...connector.httpClient.stats } : undefined;
    const result = await sendRequests({
      connector,
      requests: job.requests,
      concurrency: job.concurrency,
      maxRequests: job.maxRequests,
      schedule: job.schedule,
      // The common clock: offsets and schedule times are the same in every thread.
      part: {
        clockStart: startAtEpochMs - performance.timeOrigin,
        indexStride: job.indexStride,
        indexOffset: job.indexOffset,
      },
      timeoutMs: job.timeoutMs,
      timeouts: job.timeouts,
      durationMs: job.durationMs,
      ...(job.maxFailures !== undefined ? { maxFailures: job.maxFailures } : {}),
      ...(job.config.onRateLimit === "wait" ? { rateLimit: { maxWaitS: job.config.maxRateLimitWaitS } } : {}),
      streamed: job.streamed,
      warmup: job.warmup,
      signal: stop.signal,
      countTokens: (text) =>
        new Promise<number>((resolve) => {
          const id = nextCount++;
          counts.set(id, resolve);
          scope.postMessage({ type: "count", id, text });
        }),
      // Each record goes back with the progress that counts it (onRecord comes first, then onProgress).
      onRecord(record: RequestRecord) {
        finished = record;
      },
      onProgress(p) {
        if (finished) scope.postMessage({ type: "record", record: finished, inFlight: p.inFlight });
        finished = undefined;
      },
    });
    const load = monitor.stop();
    const used = connectionDelta(before, connector.httpClient?.stats);
    scope.postMessage({
      type: "done",
      stopReason: result.stopReason,
      startedAt: result.startedAt,
      simulatedResponses: result.simulatedResponses,
      lagMs: load.lagMs,
      connections: used && { opened: used.connectionsOpened + warmed, requests: used.requests, reused: used.reused },
    });
  } finally {
    await connector.close();
  }
}

scope.onmessage = (e: MessageEvent) => {
  const m = e.data as
    | { type: "run"; job: ThreadJob }
    | { type: "start"; startAtEpochMs: number }
    | { type: "stop" }
    | { type: "count-reply"; id: number; value: number };
  if (m.type === "stop") {
    stop.abort(new DOMException("run interrupted", "AbortError"));
    started(performance.timeOrigin + performance.now()); // a thread still waiting to start runs nothing
  } else if (m.type === "start") started(m.startAtEpochMs);
  else if (m.type === "count-reply") {
    counts.get(m.id)?.(m.value);
    counts.delete(m.id);
  } else {
    run(m.job).catch((err) => scope.postMessage({ type: "error", message: (err as Error)?.message ?? String(err) }));
  }
};
