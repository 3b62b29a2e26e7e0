/**
 * The simulator's sleeps: a decode-step clock that shares one timer among every sequence due in the same millisecond,
 * and stalls that end early when the server shuts down.
 * @module
 */

import { createTurns } from "../event_loop.ts";

/**
 * Sleeps until `performance.now()` reaches `at`, sharing one timer among every sleeper due in the same millisecond
 * (timers have millisecond resolution anyway): with hundreds of streams decoding in step, one timer per step instead
 * of one per stream — CPU the simulator no longer takes from a client measuring on the same cores.
 */
export function createStepClock(): StepClock {
  const due = new Map<number, (() => void)[]>();
  const turn = createTurns();
  // The sleepers of a step wake in slices of at most SLICE_MS of their work (each writes its chunk), with a turn of
  // the event loop between slices: hundreds of streams stepping at once never keep the server from its sockets —
  // from reading, and stamping, the requests that arrive meanwhile — for longer than a slice.
  const wakeAll = async (list: (() => void)[]) => {
    let slice = performance.now();
    for (const wake of list) {
      wake();
      await null; // the woken sequence runs to its next sleep first
      if (performance.now() - slice > SLICE_MS) {
        await turn();
        slice = performance.now();
      }
    }
  };
  const sleep = (at: number) => {
    const slot = Math.ceil(at);
    return new Promise<void>((resolve) => {
      let list = due.get(slot);
      if (!list) {
        due.set(slot, list = []);
        setTimeout(() => {
          due.delete(slot);
          void wakeAll(list!);
        }, Math.max(0, slot - performance.now()));
      }
      list.push(resolve);
    });
  };
  return Object.assign(sleep, { close: () => turn.close() });
}

/** How long a slice of a step's work may run before the event loop gets a turn, ms. */
const SLICE_MS = 0.3;

/** {@link createStepClock}'s sleep; `close()` when the server stops. */
export type StepClock = ((at: number) => Promise<void>) & { close(): void };

/** Waits that the server can cut short: `wait(ms)` resolves after `ms`, or at once on `releaseAll()`. */
export interface Stalls {
  wait(ms: number): Promise<void>;
  /** Ends every wait now (the server is shutting down) and every later one at once. */
  releaseAll(): void;
}

/** Creates the server's {@link Stalls}, so a stalled request never holds shutdown up. */
export function createStalls(): Stalls {
  const pending = new Set<() => void>();
  let released = false;
  return {
    wait(ms) {
      if (released) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          pending.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.max(0, ms));
        pending.add(done);
      });
    },
    releaseAll() {
      released = true;
      for (const done of [...pending]) done();
    },
  };
}
