/**
 * The simulator's debug routes, served only when it logs chunks (`deno task selftest`): `GET /debug/chunk-log` returns
 * every logged request's arrival and chunk send times (epoch ms) with the server's CPU time so far in
 * `x-llm-bench-cpu-us`; `DELETE /debug/chunk-log` empties it; `GET /debug/clock-stream?n=&intervalMs=` streams `n`
 * one-line chunks about `intervalMs` apart, each logged as it is written — the machine's floor.
 * @module
 */
import process from "node:process";
import { createPrng } from "../sampler/prng.ts";
import type { H1Request } from "./http1.ts";
import { json, type Streamer } from "./responses.ts";
import type { Stalls } from "./timing.ts";
import type { ChunkLogEntry } from "./wire_context.ts";

/** The chunk log and the routes that read it. */
export interface DebugRoutes {
  /** Starts the log of a generation request carrying `x-request-id` (none without the header). */
  logRequest(req: H1Request, arrival: number): ChunkLogEntry | undefined;
  /** Answers a debug route, or undefined when `path` is not one. */
  handle(req: H1Request, url: URL, path: string, arrival: number): Response | undefined;
}

/** Creates the debug routes of a server that logs chunks. */
export function createDebugRoutes(stream: Streamer, stalls: Stalls): DebugRoutes {
  let chunkLog: Record<string, ChunkLogEntry> = {};
  const start = (id: string, arrival: number): ChunkLogEntry =>
    chunkLog[id] = { arrival: performance.timeOrigin + arrival, sends: [], end: null };
  return {
    logRequest(req, arrival) {
      const id = req.headers.get("x-request-id");
      return id === null ? undefined : start(id, arrival);
    },
    handle(req, url, path, arrival) {
      if (path === "/debug/chunk-log" && req.method === "GET") {
        // The server process's CPU time so far (all threads), µs: the selftest reports the server's cost per chunk.
        const cpu = process.cpuUsage();
        return json(200, chunkLog, { "x-llm-bench-cpu-us": String(cpu.user + cpu.system) });
      }
      if (path === "/debug/chunk-log" && req.method === "DELETE") {
        chunkLog = {};
        return new Response(null, { status: 204 });
      }
      if (path === "/debug/clock-stream" && req.method === "GET") {
        const n = Math.min(Number(url.searchParams.get("n") ?? 200) || 0, 10_000);
        const interval = Math.min(Number(url.searchParams.get("intervalMs") ?? 20) || 20, 1_000);
        const entry = start(req.headers.get("x-request-id") ?? "clock", arrival);
        const prng = createPrng(n);
        return stream("text/plain", async (send, cancelled) => {
          for (let i = 0; i < n && !cancelled(); i++) {
            await stalls.wait(interval * (0.5 + prng.next()));
            send(`${i}\n`, (t) => entry.sends.push(t));
          }
          entry.end = performance.timeOrigin + performance.now();
        });
      }
      return undefined;
    },
  };
}
