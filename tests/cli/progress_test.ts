import assert from "node:assert/strict";
import { createProgressView, progressLine } from "../../lib/cli/progress.ts";
import { newProgress } from "../../lib/runner/runner.ts";

const at = (finished: number, total: number, over: Partial<ReturnType<typeof newProgress>> = {}) => ({
  ...newProgress(total),
  finished,
  succeeded: finished,
  inFlight: 8,
  elapsedMs: finished * 250,
  outputTokens: finished * 150,
  ...over,
});

Deno.test("progressLine() never exceeds the width it is given, at any width and any progress", () => {
  const states = [
    at(0, 40),
    at(12, 40),
    at(40, 40),
    at(123_456, 1_000_000, { failed: 17, aborted: 3 }),
    at(5, Infinity),
    at(99_999, 100_000, { elapsedMs: 86_400_000 }),
  ];
  for (let width = 20; width <= 200; width++) {
    for (const p of states) {
      const line = progressLine(p, width);
      assert.ok([...line].length <= width, `${[...line].length} > ${width}: ${line}`);
    }
  }
});

Deno.test("progressLine() keeps what matters first: done, in flight, failures, ETA; a bar when there is room", () => {
  const line = progressLine(at(12, 40, { failed: 2 }), 79);
  assert.match(line, /^\[█+░+\] 12\/40 done · 8 in flight · 2 failed · ETA 00:07 · /);
  // Once the run stopped: no ETA and no work in flight, only what finished.
  const stopped = progressLine({ ...at(12, 40), stopped: true }, 79);
  assert.match(stopped, /^\[█+░+\] 12\/40 done · stopped · /);
  assert.doesNotMatch(stopped, /ETA|in flight/);
  const narrow = progressLine(at(12, 40), 30);
  assert.match(narrow, /12\/40 done/);
  assert.ok(!narrow.includes("tok/s"));
});

Deno.test("the progress view redraws one line in place on a terminal and ends it cleanly", () => {
  const written: string[] = [];
  const out = {
    writeSync: (b: Uint8Array) => (written.push(new TextDecoder().decode(b)), b.length),
    isTerminal: () => true,
  };
  const view = createProgressView("progress", out, () => 80);
  view.update(at(1, 4));
  view.update(at(4, 4));
  view.done();
  const text = written.join("");
  assert.ok(!text.slice(0, -1).includes("\n"), "no new line until the end");
  assert.ok(text.endsWith("\n"));
  for (const frame of text.split("\r\x1b[2K").filter(Boolean)) assert.ok([...frame.trimEnd()].length <= 79, frame);
});
