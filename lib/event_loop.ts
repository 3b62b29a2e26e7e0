/**
 * Yielding to I/O: a turn of the event loop in which the sockets are polled and the reads that have arrived are
 * resolved (and stamped). The client's runner and the simulated endpoint both use it.
 *
 * Why not a message to itself (`MessageChannel`) or `setImmediate`: measured on Deno 2.9 (a busy loop of 0.3 ms slices
 * with a yield between them, reading a socket another process writes every 2 ms), a `MessageChannel` yield never let
 * the socket's reads in — they waited until the loop ended, hundreds of milliseconds — and `setImmediate` let them in
 * 10–20 ms late: an operation that completes at once does not make the runtime poll its sockets. A `setTimeout(0)`
 * does, at ~2 ms a yield. A byte sent to itself over a loopback connection does too, at tens of microseconds: the read
 * that waits for it cannot complete before the runtime has polled every socket.
 * @module
 */

/** A source of turns (see {@link createTurns}); `close()` ends it and releases whoever waits. */
export type Turns = (() => Promise<void>) & { close(): void };

/**
 * Turns of the event loop, in the order asked for: `turn()` resolves after the runtime has polled its sockets at least
 * once since the call (one byte over a loopback connection of its own, opened at the first turn; where that is not
 * permitted, a `setTimeout(0)`). Close it when done: its connection keeps the event loop alive.
 */
export function createTurns(): Turns {
  const waiting: (() => void)[] = [];
  let closed = false;
  let pumping = false;
  let pair: Promise<{ a: Deno.Conn; b: Deno.Conn } | null> | undefined;
  const open = async () => {
    let listener: Deno.Listener | undefined;
    try {
      listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const [a, b] = await Promise.all([
        Deno.connect({ hostname: "127.0.0.1", port: (listener.addr as Deno.NetAddr).port }),
        listener.accept(),
      ]);
      a.setNoDelay(true);
      return { a, b };
    } catch {
      return null; // no network permission: timer turns
    } finally {
      listener?.close();
    }
  };
  const one = new Uint8Array([1]);
  const buf = new Uint8Array(64);
  const pump = async () => {
    pumping = true;
    try {
      const conns = await (pair ??= open());
      while (waiting.length > 0 && !closed) {
        if (conns) {
          await conns.a.write(one);
          await conns.b.read(buf);
        } else await new Promise((resolve) => setTimeout(resolve, 0));
        waiting.shift()?.();
      }
    } catch {
      // closed meanwhile
    } finally {
      pumping = false;
      if (closed) { for (const wake of waiting.splice(0)) wake(); }
    }
  };
  const turn = () =>
    new Promise<void>((resolve) => {
      if (closed) return resolve();
      waiting.push(resolve);
      if (!pumping) void pump();
    });
  return Object.assign(turn, {
    close() {
      if (closed) return;
      closed = true;
      void pair?.then((conns) => {
        for (const c of [conns?.a, conns?.b]) {
          try {
            c?.close();
          } catch {
            // already closed
          }
        }
      });
      for (const wake of waiting.splice(0)) wake();
    },
  });
}
