import process from "node:process";
import type { HttpClientStats } from "../connectors/types.ts";
import type { ClientLoad } from "../metrics/health.ts";

export type { ClientLoad };

/** Starts sampling the event loop's lag and the process's CPU time; `stop()` returns what was seen. */
export function startClientMonitor(intervalMs = 20): { stop(): ClientLoad } {
  const lagMs: number[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let expected = t0 + intervalMs;
  const timer = setInterval(() => {
    const now = performance.now();
    lagMs.push(Math.max(0, now - expected));
    expected = now + intervalMs;
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      const cpu = process.cpuUsage(cpu0);
      return { lagMs, cpuMs: (cpu.user + cpu.system) / 1000, wallMs: performance.now() - t0 };
    },
  };
}

/** What an HTTP client's figures say of one run: connections opened, requests sent and reused between two readings. */
export function connectionDelta(
  before: HttpClientStats | undefined,
  after: HttpClientStats | undefined,
): HttpClientStats | undefined {
  if (!before || !after) return undefined;
  return {
    connectionsOpened: after.connectionsOpened - before.connectionsOpened,
    requests: after.requests - before.requests,
    reused: after.reused - before.reused,
  };
}
