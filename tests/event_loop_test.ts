import assert from "node:assert/strict";
import { createTurns } from "../lib/event_loop.ts";

Deno.test("a turn lets a socket's waiting read in, where busy work with other yields would starve it", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const [a, b] = await Promise.all([
    Deno.connect({ hostname: "127.0.0.1", port: (listener.addr as Deno.NetAddr).port }),
    listener.accept(),
  ]);
  listener.close();
  const turn = createTurns();
  try {
    // The read waits first; then the bytes are written; then 0.2 ms slices of busy work with a turn between them.
    // Without a real poll of the sockets (a MessageChannel yield, measured: never before the loop's end) the read
    // would resolve only after all 50 slices.
    let readAtSlice = -1;
    let slice = 0;
    const reading = b.read(new Uint8Array(16)).then(() => void (readAtSlice = slice));
    await a.write(new Uint8Array([1, 2, 3]));
    for (; slice < 50; slice++) {
      const end = performance.now() + 0.2;
      while (performance.now() < end);
      await turn();
    }
    await reading;
    assert.ok(readAtSlice >= 0 && readAtSlice < 5, `the read came in at slice ${readAtSlice} of 50`);
  } finally {
    turn.close();
    a.close();
    b.close();
  }
});

Deno.test("turns come in the order asked for, and close() releases whoever waits", async () => {
  const turn = createTurns();
  const order: number[] = [];
  await Promise.all([0, 1, 2, 3].map((i) => turn().then(() => order.push(i))));
  assert.deepEqual(order, [0, 1, 2, 3]);
  const waiting = turn();
  turn.close();
  await waiting;
  await turn(); // after close: at once
});
