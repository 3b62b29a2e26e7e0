import process from "node:process";

/** What the client itself did during a run: event-loop lag and CPU use. */
export interface ClientLoad {
  /** How late each 20 ms tick fired, ms: a busy or blocked event loop shows here, and so it stamps chunks late. */
  lagMs: number[];
  /** CPU time of this process (all threads, including the simulator's worker when there is one), ms. */
  cpuMs: number;
  wallMs: number;
  /**
   * Connections the HTTP client opened for the run's requests, and requests that reused a kept-alive one, when the
   * client can tell (llm-bench's HTTP client can; Deno's fetch cannot). `concurrency` is the run's cap.
   */
  connections?: { opened: number; requests: number; reused: number; concurrency: number };
  /** Threads that read the streams (`--client-threads`); `lagMs` then holds every thread's samples. @default 1 */
  threads?: number;
}

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
