/**
 * Building the simulator's HTTP responses: JSON bodies and streamed bodies whose chunks can learn when they went to
 * the socket. Every response carries the simulated-response header.
 * @module
 */
import { SIMULATED_HEADER } from "../wire.ts";
import type { DirectBodies } from "./http1.ts";

const encoder = new TextEncoder();

/** A JSON response, marked simulated. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", [SIMULATED_HEADER]: "1", ...headers },
  });
}

/** Enqueues one chunk of a streamed body; `onSent` gets the epoch ms it went to the socket. */
export type Send = (text: string, onSent?: (epochMs: number) => void) => void;

/**
 * Makes streamed responses. Under llm-bench's HTTP/1.1 server (`direct` given) the body is a direct one, written chunk
 * by chunk as it is sent, and a chunk's `onSent` is called just before its socket write — exact; under `Deno.serve`
 * the body is a `ReadableStream` and `onSent` is called when the chunk is enqueued, which is earlier.
 */
export function createStreamer(direct?: DirectBodies) {
  return (
    contentType: string,
    run: (send: Send, cancelled: () => boolean) => Promise<void>,
  ): Response => {
    const headers = { "content-type": contentType, "cache-control": "no-cache", [SIMULATED_HEADER]: "1" };
    if (direct) {
      const res = new Response(null, { headers });
      direct.set(res, (write, cancelled) =>
        run((s, onSent) => {
          if (cancelled()) return;
          write(encoder.encode(s), onSent && ((t) => onSent(performance.timeOrigin + t)));
        }, cancelled));
      return res;
    }
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        run((s, onSent) => {
          if (cancelled) return;
          const bytes = encoder.encode(s);
          onSent?.(performance.timeOrigin + performance.now());
          controller.enqueue(bytes);
        }, () => cancelled).then(() => {
          if (!cancelled) controller.close();
        }).catch((e) => {
          if (!cancelled) controller.error(e);
        });
      },
      cancel() {
        cancelled = true;
      },
    });
    return new Response(body, { headers });
  };
}

/** What {@link createStreamer} returns. */
export type Streamer = ReturnType<typeof createStreamer>;
