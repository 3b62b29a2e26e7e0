/**
 * The tokenizer in a worker thread of its own. The Llama 3 tokenizer keeps tens of megabytes on the heap of whatever thread loads
 * it, and every major garbage collection of that heap pauses the thread's event loop for tens of milliseconds — late
 * timestamps, if that thread is the one reading the streams. Here the requests are drawn and tokens are counted in a
 * worker, and the measuring thread's heap stays small.
 * @module
 */
import type { RunConfig } from "../config/schema.ts";
import { ConfigError } from "../errors.ts";
import type { RequestSpec } from "../sampler/sampler.ts";
import type { RunPlan } from "./plan.ts";

/** A tokenizer running in a worker thread. */
export interface TokenizerWorker extends AsyncDisposable {
  /** What the results call the tokenizer. */
  readonly name: string;
  /** Token count of a text. */
  count(text: string): Promise<number>;
  /** Draws a run's requests and schedule (see `planRun`). */
  plan(config: RunConfig, onProgress?: (done: number, total: number) => void): Promise<RunPlan<RequestSpec[]>>;
  close(): Promise<void>;
}

type Reply =
  | { id: number; progress: { done: number; total: number } }
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; name: string; message: string; detail?: string; field?: string };

/**
 * Starts the worker and loads the tokenizer in it (`path`: a tokenizer.json; the bundled one when absent). Aborting
 * `signal` ends the worker: the load, and any call still waiting, reject with the signal's reason.
 */
export async function startTokenizerWorker(
  path?: string,
  options: { signal?: AbortSignal } = {},
): Promise<TokenizerWorker> {
  const worker = new Worker(new URL("./_tokenizer_worker_main.ts", import.meta.url), { type: "module" });
  let next = 0;
  const pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; onProgress?: (done: number, total: number) => void }
  >();
  let failure: Error | undefined;
  worker.onmessage = (e: MessageEvent<Reply>) => {
    const p = pending.get(e.data.id);
    if (!p) return;
    if ("progress" in e.data) return p.onProgress?.(e.data.progress.done, e.data.progress.total);
    pending.delete(e.data.id);
    if (e.data.ok) p.resolve(e.data.value);
    else {
      const r = e.data;
      p.reject(
        r.name === "ConfigError" ? new ConfigError(r.detail ?? r.message, { field: r.field }) : new Error(r.message),
      );
    }
  };
  const fail = (reason: Error) => {
    failure ??= reason;
    for (const p of pending.values()) p.reject(failure);
    pending.clear();
  };
  worker.onerror = (e) => {
    e.preventDefault();
    fail(new Error(`The tokenizer worker failed: ${e.message}`));
  };
  const signal = options.signal;
  const onAbort = () => {
    worker.terminate();
    fail(signal!.reason instanceof Error ? signal!.reason : new DOMException("aborted", "AbortError"));
  };
  if (signal?.aborted) onAbort();
  signal?.addEventListener("abort", onAbort, { once: true });
  const call = (op: string, arg?: unknown, onProgress?: (done: number, total: number) => void) =>
    new Promise<unknown>((resolve, reject) => {
      if (failure) return reject(failure);
      const id = next++;
      pending.set(id, { resolve, reject, onProgress });
      worker.postMessage({ id, op, arg });
    });
  let name: string;
  try {
    name = await call("load", path) as string;
  } catch (e) {
    signal?.removeEventListener("abort", onAbort);
    worker.terminate();
    throw e;
  }
  const close = () => {
    signal?.removeEventListener("abort", onAbort);
    worker.terminate();
    fail(new Error("The tokenizer worker was closed"));
    return Promise.resolve();
  };
  return {
    name,
    count: (text) => call("count", text) as Promise<number>,
    plan: (config, onProgress) => call("plan", config, onProgress) as Promise<RunPlan<RequestSpec[]>>,
    close,
    [Symbol.asyncDispose]: close,
  };
}
