import { Agent, fetch as undiciFetch, type RequestInit as UndiciRequestInit } from "undici";
import { RequestError } from "../errors.ts";
import type { FetchLike } from "./types.ts";

/** Response header by which llm-bench's simulated endpoint marks its answers, so results say "simulated" even when
 * it is reached as a plain OpenAI-compatible URL. */
export const SIMULATED_HEADER = "x-llm-bench-simulated";

/** A `fetch` bound to one pooled keep-alive HTTP client, and the means to close it. */
export interface PooledFetch {
  fetch: FetchLike;
  /** Closes every pooled connection. */
  close(): Promise<void>;
}

/**
 * One keep-alive connection pool for a whole run, so requests reuse connections instead of opening one each.
 * npm:undici's fetch over an `Agent`: on this machine it reads a stream of 1,000 SSE events with 2.5× less CPU than
 * Deno's native fetch (benchmarks/http_client_bench.ts), with the same one-event-per-read granularity.
 */
export function createPooledFetch(): PooledFetch {
  const agent = new Agent({ keepAliveTimeout: 60_000, keepAliveMaxTimeout: 600_000 });
  return {
    fetch: (input, init) =>
      undiciFetch(input as string, { ...init, dispatcher: agent } as UndiciRequestInit) as unknown as Promise<Response>,
    close: () => agent.destroy().catch(() => {}),
  };
}

/** Reads at most `limit` characters of a response body for an error message, then cancels the rest. */
export async function bodyExcerpt(res: Response, limit = 300): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    while (text.length < limit) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // An excerpt is best effort: the status code already says what failed.
  } finally {
    reader.cancel().catch(() => {});
  }
  text = text.replace(/\s+/g, " ").trim();
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}

/** Maps an exception from fetch or a body read to a {@link RequestError}. */
export function toRequestError(e: unknown, signal: AbortSignal | undefined, endpoint: string): RequestError {
  if (e instanceof RequestError) return e;
  if (signal?.aborted) {
    const reason = signal.reason;
    if (reason instanceof DOMException && reason.name === "TimeoutError") {
      return new RequestError("TIMEOUT", "Request timed out", { cause: e });
    }
    const why = reason instanceof Error ? reason.message : typeof reason === "string" ? reason : "aborted";
    return new RequestError("ABORTED", `Request aborted: ${why}`, { cause: e });
  }
  const message = e instanceof Error ? e.message : String(e);
  return new RequestError("CONNECTION", `Cannot reach ${endpoint}: ${message.split("\n")[0]}`, { cause: e });
}
