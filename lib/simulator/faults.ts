/**
 * Fault injection, the same for every wire format: which request gets which fault (by scenario or at a seeded rate),
 * the faults that replace the response (status codes, an HTML page, late headers, a stall before the first byte) and
 * the faults that strike a stream after a few tokens (reset, malformed chunk, error event, oversized line, stall,
 * missing end marker), and a pause halfway through an answer that then ends normally. Each wire format says how its error bodies and broken chunks look.
 * @module
 */
import { createPrng } from "../sampler/prng.ts";
import { SIMULATED_HEADER } from "../wire.ts";
import type { FaultKind, SimParams } from "./params.ts";
import { json, type Send } from "./responses.ts";
import type { Stalls } from "./timing.ts";

/** How one wire format writes what the faults send. */
export interface FaultDialect {
  /** The JSON body of an error response. */
  errorBody(status: number, message: string, type: string): unknown;
  /** A chunk that is not valid in this format. */
  malformedChunk: string;
  /** An error sent as an event in the middle of the stream. */
  errorEvent(message: string): string;
  /** The start of one endless event / line (sent without its end). */
  oversizedPrefix: string;
}

/** Faults that end a stream after a few tokens. */
const STREAM_FAULTS: ReadonlySet<FaultKind> = new Set([
  "reset",
  "malformed-chunk",
  "error-event",
  "oversized-line",
  "stall-mid-stream",
]);

/** The server's faults: one instance per server, counting its generation requests. */
export interface Faults {
  /** The fault of the next generation request (`none` most of the time). */
  next(): FaultKind;
  /**
   * Applies a fault that replaces or delays the response: resolves to the response to send instead, or undefined to
   * go on (after any delay the fault calls for).
   */
  beforeResponse(fault: FaultKind, dialect: FaultDialect): Promise<Response | undefined>;
  /** A "pause-mid-stream" answer's pause: after how many tokens of an answer of `maxTokens`, and how long. */
  pauseOf(fault: FaultKind, maxTokens: number): Pause | undefined;
  /** Whether `fault` strikes the stream, and after how many tokens of an answer of `maxTokens`. */
  strikesAt(fault: FaultKind, maxTokens: number): number | undefined;
  /** Sends what a stream fault sends once it has struck; throws for `reset` (the connection is dropped). */
  strike(fault: FaultKind, send: Send, dialect: FaultDialect): Promise<void>;
}

/** A pause in the middle of an answer: after `afterTokens` tokens, `ms` without the next one. */
export interface Pause {
  afterTokens: number;
  ms: number;
}

/** Creates the fault injector of a server. */
export function createFaults(params: SimParams, stalls: Stalls, isClosing: () => boolean): Faults {
  const f = params.faults;
  const prng = createPrng(params.seed ^ 0xfa17);
  let n = 0;
  const error = (dialect: FaultDialect, status: number, message: string, type: string, headers = {}) =>
    json(status, dialect.errorBody(status, message, type), headers);
  // The quota's window: when the requests of the last second were admitted.
  const admitted: number[] = [];
  const overQuota = () => {
    if (f.quotaRps === undefined) return false;
    const now = performance.now();
    while (admitted.length && now - admitted[0] >= 1000) admitted.shift();
    if (admitted.length >= f.quotaRps) return true;
    admitted.push(now);
    return false;
  };
  return {
    next() {
      if (overQuota()) return "status-429";
      const i = n++;
      if (f.plan.length > 0) return f.plan[i % f.plan.length];
      if (f.rate > 0 && prng.next() < f.rate) return f.kinds[prng.int(f.kinds.length)];
      return "none";
    },
    async beforeResponse(fault, dialect) {
      switch (fault) {
        case "status-429":
          // As hosted APIs send them (OpenAI's names): the quota left, and when it resets.
          return error(dialect, 429, "Rate limit exceeded: too many requests", "rate_limit_error", {
            "retry-after": String(f.retryAfterS),
            "x-ratelimit-limit-requests": "60",
            "x-ratelimit-remaining-requests": "0",
            "x-ratelimit-reset-requests": `${f.retryAfterS}s`,
            "x-ratelimit-remaining-tokens": "0",
            "x-ratelimit-reset-tokens": `${f.retryAfterS}s`,
          });
        case "status-500":
          return error(dialect, 500, "Internal server error", "server_error");
        case "status-503":
          return error(dialect, 503, "Service unavailable: the model is overloaded", "server_error");
        case "wrong-content-type":
          return new Response("<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>", {
            headers: { "content-type": "text/html", [SIMULATED_HEADER]: "1" },
          });
        case "slow-headers":
          await stalls.wait(f.slowHeadersMs);
          return undefined;
        case "stall-first-byte":
          await stalls.wait(f.stallMs);
          return isClosing() ? error(dialect, 503, "Server shutting down", "server_error") : undefined;
        default:
          return undefined;
      }
    },
    pauseOf(fault, maxTokens) {
      // Halfway, so the reader has a buffer of the first half when the pause begins.
      return fault === "pause-mid-stream" && maxTokens > 1
        ? { afterTokens: Math.max(1, Math.floor(maxTokens / 2)), ms: f.pauseMs }
        : undefined;
    },
    strikesAt(fault, maxTokens) {
      // After a few tokens, so the request has started streaming when it fails.
      return STREAM_FAULTS.has(fault) ? Math.min(3, maxTokens - 1) : undefined;
    },
    async strike(fault, send, dialect) {
      switch (fault) {
        case "reset":
          throw new Error("simulated connection reset");
        case "malformed-chunk":
          send(dialect.malformedChunk);
          return;
        case "error-event":
          send(dialect.errorEvent("Internal server error: the model worker crashed"));
          return;
        case "oversized-line":
          send(dialect.oversizedPrefix + "x".repeat(f.oversizedBytes));
          return;
        case "stall-mid-stream":
          await stalls.wait(f.stallMs);
          return;
      }
    },
  };
}
