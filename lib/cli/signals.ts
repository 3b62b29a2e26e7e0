/**
 * Ctrl-C and SIGTERM for the CLI: one interrupt is one interrupt. A terminal's Ctrl-C reaches every process of the
 * foreground group — `deno task` and the program it runs — and `deno task` forwards it to its child as well, so the
 * program sees the same Ctrl-C twice, a few milliseconds apart. Copies that arrive within
 * {@link SIGNAL_COPY_WINDOW_MS} of the first are that same interrupt; a signal after that is a second one.
 * @module
 */

/** How long after an interrupt its copies can still arrive, ms. */
export const SIGNAL_COPY_WINDOW_MS = 500;

/** The signals that interrupt a run, and the exit code each ends the process with. */
export const INTERRUPT_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/** A signal that interrupts a run. */
export type InterruptSignal = keyof typeof INTERRUPT_EXIT_CODES;

/**
 * Calls `onInterrupt` on the first SIGINT or SIGTERM and `onSecond` on a later, separate one (copies of the first are
 * ignored). Disposing it removes the listeners.
 */
export function listenForInterrupts(
  onInterrupt: (signal: InterruptSignal) => void,
  onSecond: (signal: InterruptSignal) => void,
  now: () => number = () => performance.now(),
): Disposable {
  let first: number | undefined;
  const handler = (signal: InterruptSignal) => () => {
    const t = now();
    if (first === undefined) {
      first = t;
      onInterrupt(signal);
    } else if (t - first > SIGNAL_COPY_WINDOW_MS) onSecond(signal);
  };
  const handlers = { SIGINT: handler("SIGINT"), SIGTERM: handler("SIGTERM") };
  for (const [sig, h] of Object.entries(handlers)) Deno.addSignalListener(sig as Deno.Signal, h);
  return {
    [Symbol.dispose]() {
      for (const [sig, h] of Object.entries(handlers)) Deno.removeSignalListener(sig as Deno.Signal, h);
    },
  };
}
