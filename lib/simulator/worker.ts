/**
 * The simulated endpoint in a Web Worker: its own thread and event loop, so the work of serving (tokenizing prompts,
 * timers, writing chunks) never delays the client's timestamps in the process that measures it.
 * @module
 */
import type { SimParamsInput } from "./params.ts";

/** Options of {@link startSimWorker}. */
export interface SimWorkerOptions {
  params?: SimParamsInput;
  /**
   * tokenizer.json the simulator counts prompts with. Absent: the bundled tokenizer's table of the corpus, which counts
   * the sampler's prompts exactly and estimates other text, with no tokenizer loaded.
   */
  tokenizerPath?: string;
  /** When set, requests must carry it as a bearer token. */
  apiKey?: string;
  /** Aborting it while the endpoint starts ends its worker; the start rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** A simulated endpoint running in a worker. */
export interface SimWorker extends AsyncDisposable {
  readonly baseUrl: string;
  close(): Promise<void>;
}

type FromWorker = { type: "ready"; baseUrl: string } | { type: "error"; message: string } | { type: "closed" };

/** Starts the simulated endpoint in a worker thread; resolves once it listens on 127.0.0.1. */
export function startSimWorker(options: SimWorkerOptions = {}): Promise<SimWorker> {
  const worker = new Worker(new URL("./_worker_main.ts", import.meta.url), { type: "module" });
  const { signal, ...start } = options;
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      worker.terminate();
      reject(signal!.reason);
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    worker.onerror = (e) => {
      signal?.removeEventListener("abort", onAbort);
      e.preventDefault();
      worker.terminate();
      reject(new Error(`Simulated endpoint failed to start: ${e.message}`));
    };
    worker.onmessage = (e: MessageEvent<FromWorker>) => {
      if (e.data.type !== "ready" && e.data.type !== "error") return;
      signal?.removeEventListener("abort", onAbort);
      if (e.data.type === "error") {
        worker.terminate();
        reject(new Error(`Simulated endpoint failed to start: ${e.data.message}`));
        return;
      }
      if (e.data.type !== "ready") return;
      const baseUrl = e.data.baseUrl;
      let closing: Promise<void> | undefined;
      const close = () =>
        closing ??= new Promise<void>((done) => {
          const timer = setTimeout(() => {
            worker.terminate();
            done();
          }, 5000);
          worker.onmessage = (m: MessageEvent<FromWorker>) => {
            if (m.data.type === "closed") {
              clearTimeout(timer);
              worker.terminate();
              done();
            }
          };
          worker.postMessage({ type: "close" });
        });
      resolve({ baseUrl, close, [Symbol.asyncDispose]: close });
    };
    worker.postMessage({ type: "start", options: start });
  });
}
