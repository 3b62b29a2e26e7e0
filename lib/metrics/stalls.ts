/**
 * Stalls against a reading speed (README "Stalls"): does an answer *read* smoothly? A reader starts at the first
 * token and reads at a steady pace; text arrives with its tokens at their arrival times. When the reader has read
 * everything that has arrived and waits for more, that wait is a **stall**. A stream faster than the reader builds up
 * a buffer, so a short pause mid-answer costs nothing; a pause longer than the buffer stalls the reader by the
 * difference.
 * @module
 */

export { DEFAULT_READING_SPEED } from "../config/schema.ts";

/** One stall: when it began (ms after the request's t0) and how long the reader waited. */
export interface Stall {
  atMs: number;
  ms: number;
}

/** A reader's stalls over one answer. */
export interface ReaderStalls {
  count: number;
  totalMs: number;
  longestMs: number;
  stalls: Stall[];
}

/**
 * The stalls of a reader reading at `tokensPerS` an answer whose text events arrived at `arrivalsMs` (ms after t0,
 * ascending), carrying `tokens` tokens each (one number: the same for every event — e.g. output tokens / text events
 * when the server reports only the total).
 *
 * @example Three tokens a second read at 2 per second: no stall; a 2-second gap after the first token: one stall
 * ```ts
 * import assert from "node:assert/strict";
 * import { readerStalls } from "./stalls.ts";
 * // 1 token at 0 ms, 1 at 2,000 ms; the reader needs 500 ms for the first, then waits 1,500 ms.
 * assert.deepEqual(readerStalls([0, 2000], 1, 2), { count: 1, totalMs: 1500, longestMs: 1500, stalls: [{ atMs: 500, ms: 1500 }] });
 * ```
 */
export function readerStalls(
  arrivalsMs: readonly number[],
  tokens: number | readonly number[],
  tokensPerS: number,
): ReaderStalls {
  const out: ReaderStalls = { count: 0, totalMs: 0, longestMs: 0, stalls: [] };
  if (arrivalsMs.length === 0 || !(tokensPerS > 0)) return out;
  const msPerToken = 1000 / tokensPerS;
  const k = (i: number) => (typeof tokens === "number" ? tokens : tokens[i] ?? 0);
  // When the reader will have read everything that has arrived so far.
  let readUntil = arrivalsMs[0] + k(0) * msPerToken;
  for (let i = 1; i < arrivalsMs.length; i++) {
    const at = arrivalsMs[i];
    if (at > readUntil) {
      const ms = at - readUntil;
      out.count++;
      out.totalMs += ms;
      out.longestMs = Math.max(out.longestMs, ms);
      out.stalls.push({ atMs: readUntil, ms });
      readUntil = at;
    }
    readUntil += k(i) * msPerToken;
  }
  return out;
}

/** Arrival times of a record's text events, ms after t0, rebuilt from its TTFT and inter-token gaps. */
export function arrivalsOf(record: { ttftMs: number | null; interTokenLatenciesMs: readonly number[] }): number[] {
  if (record.ttftMs === null) return [];
  const out = [record.ttftMs];
  for (const gap of record.interTokenLatenciesMs) out.push(out[out.length - 1] + gap);
  return out;
}

/** At most this many stalls are kept per record (for the stall chart); the count and totals cover all. */
export const MAX_STALLS_KEPT = 50;

const round = (x: number) => Math.round(x * 1000) / 1000;

/**
 * A finished record's stall fields at `tokensPerS`: for a successful streamed answer `stallCount`, `stallMs` (total),
 * `longestStallMs` and the stalls themselves (at most {@link MAX_STALLS_KEPT}); nothing for a failed request or a
 * batch response. Each text event is taken to carry output tokens / text events tokens (servers report the total).
 */
export function stallFields(
  record: {
    status: string;
    ttftMs: number | null;
    interTokenLatenciesMs: readonly number[];
    outputTokens: number | null;
    textEvents: number;
  },
  tokensPerS: number,
): { stallCount: number; stallMs: number; longestStallMs: number; stalls?: Stall[] } | undefined {
  if (record.status !== "ok" || record.ttftMs === null || record.textEvents === 0) return undefined;
  const perEvent = record.outputTokens !== null && record.outputTokens > 0
    ? record.outputTokens / record.textEvents
    : 1;
  const s = readerStalls(arrivalsOf(record), perEvent, tokensPerS);
  return {
    stallCount: s.count,
    stallMs: round(s.totalMs),
    longestStallMs: round(s.longestMs),
    ...(s.count > 0
      ? { stalls: s.stalls.slice(0, MAX_STALLS_KEPT).map((x) => ({ atMs: round(x.atMs), ms: round(x.ms) })) }
      : {}),
  };
}
