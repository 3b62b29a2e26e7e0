/**
 * The simulator's sleeps: a decode-step clock that shares one timer among every sequence due in the same millisecond,
 * and stalls that end early when the server shuts down.
 * @module
 */

/**
 * Sleeps until `performance.now()` reaches `at`, sharing one timer among every sleeper due in the same millisecond
 * (timers have millisecond resolution anyway): with hundreds of streams decoding in step, one timer per step instead
 * of one per stream — CPU the simulator no longer takes from a client measuring on the same cores.
 */
export function createStepClock(): (at: number) => Promise<void> {
  const due = new Map<number, (() => void)[]>();
  return (at) => {
    const slot = Math.ceil(at);
    return new Promise((resolve) => {
      let list = due.get(slot);
      if (!list) {
        due.set(slot, list = []);
        setTimeout(() => {
          due.delete(slot);
          for (const wake of list!) wake();
        }, Math.max(0, slot - performance.now()));
      }
      list.push(resolve);
    });
  };
}

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
