/**
 * The steady-state window of a run (README "How precise is it"): where the intended load was actually held, so that
 * ramp-up (connections filling, the first wave) and drain (the last requests finishing with fewer beside them) do not
 * blur its figures.
 *
 * - A closed loop (and multi-turn sessions) holds its concurrency: the window is the longest span with at least 95 % of
 *   the intended requests in flight.
 * - An open loop holds its arrival rate while it sends: the window runs from its first send to its last (the drain
 *   after it is left out).
 * - A trace has no single intended load: no window.
 *
 * The window's figures are those of the requests that started and ended inside it.
 * @module
 */
import type { RequestRecord } from "../results/schema.ts";

/** The share of the intended concurrency that counts as held. */
export const HELD_SHARE = 0.95;

/** What a run intended: its concurrency (closed loop), or that it was an open loop; neither for a trace. */
export interface IntendedLoad {
  /** Requests in flight a closed loop keeps. */
  concurrency?: number;
  /** The run sent on an arrival schedule (a rate). */
  openLoop?: boolean;
}

/** A steady-state window: its span (ms from the run's start), and how it was found. */
export interface SteadyWindow {
  startMs: number;
  endMs: number;
  /** How the window was found, in words: `8 or more in flight (95 % of 8)`, `while sending (open loop)`. */
  basis: string;
}

/**
 * The longest span in which the intended load was held, or null when there is none (a trace; no request finished).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { steadyWindow } from "./window.ts";
 * // Two requests at a time: the first wave, a second one started as each finished, then the drain.
 * const r = (startOffsetMs: number, endOffsetMs: number) => ({ startOffsetMs, endOffsetMs });
 * const w = steadyWindow([r(0, 100), r(0, 120), r(100, 200), r(120, 260)], { concurrency: 2 });
 * assert.deepEqual([w!.startMs, w!.endMs], [0, 200]); // from 200 ms on, one request is left
 * ```
 */
export function steadyWindow(
  records: readonly Pick<RequestRecord, "startOffsetMs" | "endOffsetMs">[],
  intended: IntendedLoad,
): SteadyWindow | null {
  if (records.length === 0) return null;
  if (intended.openLoop) {
    let first = Infinity;
    let last = -Infinity;
    for (const r of records) {
      first = Math.min(first, r.startOffsetMs);
      last = Math.max(last, r.startOffsetMs);
    }
    return last > first ? { startMs: first, endMs: last, basis: "while sending (open loop)" } : null;
  }
  if (!intended.concurrency) return null;
  const target = Math.min(intended.concurrency, records.length);
  const need = Math.max(1, Math.ceil(target * HELD_SHARE));
  // In flight over time: +1 at each start, −1 at each end; at equal times, ends first (a slot handed over).
  const events: [number, number][] = [];
  for (const r of records) events.push([r.startOffsetMs, 1], [r.endOffsetMs, -1]);
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const held: [number, number][] = [];
  let inFlight = 0;
  let since: number | null = null;
  for (let i = 0; i < events.length; i++) {
    const [t, d] = events[i];
    inFlight += d;
    // Only the count after every event at this instant matters.
    if (i + 1 < events.length && events[i + 1][0] === t) continue;
    if (inFlight >= need && since === null) since = t;
    else if (inFlight < need && since !== null) {
      held.push([since, t]);
      since = null;
    }
  }
  // A closed loop sends the next request a moment after one finishes: a dip that short is a slot handed over, not the
  // load let go (2 % of the median request's duration, at least 2 ms).
  const durations = records.map((r) => r.endOffsetMs - r.startOffsetMs).sort((a, b) => a - b);
  const handover = Math.max(2, 0.02 * durations[Math.floor(durations.length / 2)]);
  let best: [number, number] | null = null;
  let current: [number, number] | null = null;
  for (const span of held) {
    if (current && span[0] - current[1] <= handover) current[1] = span[1];
    else current = [span[0], span[1]];
    if (!best || current[1] - current[0] > best[1] - best[0]) best = [current[0], current[1]];
  }
  if (!best || best[1] <= best[0]) return null;
  return { startMs: best[0], endMs: best[1], basis: `${need} or more in flight (${HELD_SHARE * 100} % of ${target})` };
}

/** The records that started and ended inside a window. */
export function recordsIn<R extends Pick<RequestRecord, "startOffsetMs" | "endOffsetMs">>(
  records: readonly R[],
  window: Pick<SteadyWindow, "startMs" | "endMs">,
): R[] {
  return records.filter((r) => r.startOffsetMs >= window.startMs && r.endOffsetMs <= window.endMs);
}
