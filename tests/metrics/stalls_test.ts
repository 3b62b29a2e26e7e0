// The stall model on synthetic arrival times (exact values), and end to end: the simulator's pause-mid-stream fault
// shows as one stall of about the pause minus the reader's buffer; a smooth run shows none.
import assert from "node:assert/strict";
import { benchmark } from "../../mod.ts";
import { arrivalsOf, readerStalls, stallFields } from "../../lib/metrics/stalls.ts";
import { DEFAULT_READING_SPEED } from "../../lib/config/schema.ts";

Deno.test("a reader faster than the stream waits at every gap; a slower one never", () => {
  // One token every 100 ms (10 tokens/s). A reader at 20 tokens/s needs 50 ms per token: waits 50 ms each time.
  const arrivals = [0, 100, 200, 300, 400];
  const fast = readerStalls(arrivals, 1, 20);
  assert.equal(fast.count, 4);
  assert.equal(fast.totalMs, 200);
  assert.equal(fast.longestMs, 50);
  assert.deepEqual(fast.stalls.map((s) => s.atMs), [50, 150, 250, 350]);
  // At 5 tokens/s (200 ms per token) the reader is always behind: no stall.
  assert.deepEqual(readerStalls(arrivals, 1, 5), { count: 0, totalMs: 0, longestMs: 0, stalls: [] });
});

Deno.test("a pause longer than the buffer stalls by the difference; a shorter one costs nothing", () => {
  // 10 tokens at 10 ms apart (0…90 ms), a 2-second pause, then 10 more. Reader at 100 tokens/s reads the first 10 by
  // 100 ms; the 11th arrives at 2,090 ms: one stall of 1,990 ms.
  const first = Array.from({ length: 10 }, (_, i) => i * 10);
  const arrivals = [...first, ...Array.from({ length: 10 }, (_, i) => 2090 + i * 10)];
  const s = readerStalls(arrivals, 1, 100);
  assert.equal(s.count, 1);
  assert.equal(s.longestMs, 1990);
  assert.deepEqual(s.stalls, [{ atMs: 100, ms: 1990 }]);
  // At 4 tokens/s the first 10 tokens take 2.5 s to read: the pause is inside the buffer.
  assert.equal(readerStalls(arrivals, 1, 4).count, 0);
});

Deno.test("several tokens per chunk: the reader's buffer is in tokens, not chunks", () => {
  // Chunks of 5 tokens every 100 ms; a reader at 40 tokens/s reads a chunk in 125 ms: never waits.
  assert.equal(readerStalls([0, 100, 200, 300], 5, 40).count, 0);
  // The same arrivals as 1 token each: the reader (25 ms per token) waits 75 ms at each chunk.
  const one = readerStalls([0, 100, 200, 300], 1, 40);
  assert.equal(one.count, 3);
  assert.equal(one.totalMs, 225);
  // Per-chunk token counts: 10 tokens (250 ms of reading) then 1 token chunks.
  const varied = readerStalls([0, 100, 400], [10, 1, 1], 40);
  assert.deepEqual(varied.stalls, [{ atMs: 275, ms: 125 }]);
});

Deno.test("a record's arrivals come from its TTFT and gaps; failed requests get no stall fields", () => {
  assert.deepEqual(arrivalsOf({ ttftMs: 50, interTokenLatenciesMs: [10, 20] }), [50, 60, 80]);
  const ok = { status: "ok", ttftMs: 50, interTokenLatenciesMs: [10, 2000], outputTokens: 3, textEvents: 3 };
  assert.deepEqual(stallFields(ok, 100), {
    stallCount: 1,
    stallMs: 1990,
    longestStallMs: 1990,
    stalls: [{ atMs: 70, ms: 1990 }],
  });
  assert.equal(stallFields({ ...ok, status: "error" }, 100), undefined);
  assert.equal(stallFields({ ...ok, ttftMs: null }, 100), undefined);
});

Deno.test("end to end: pause-mid-stream is one stall of about the pause minus the buffer; a smooth run has none", async () => {
  const pauseMs = 1500;
  const paused = await benchmark({
    maxNumCompletedRequests: 2,
    numConcurrentRequests: 1,
    meanOutputTokens: 40,
    stddevOutputTokens: 0,
    readingSpeed: 50,
    sim: { faults: { plan: ["pause-mid-stream", "none"], pauseMs } },
  }, { writeFiles: false });
  const [hit, smooth] = [...paused.records].sort((a, b) => a.index - b.index);
  assert.equal(hit.status, "ok", "the paused answer ends normally");
  // One stall from the pause; on a busy machine (tests run in parallel on 2 cores) a chunk read a few ms late can add a
  // wait of a few ms before it, which is the client's, not the pause's: count the waits longer than 100 ms.
  assert.equal(hit.stalls!.filter((st) => st.ms > 100).length, 1, JSON.stringify(hit.stalls));
  assert.ok(hit.stallCount! >= 1);
  // The pause comes after 20 tokens; at 50 tokens/s those take 400 ms to read, and arrived over ~20 × 9 ms.
  const buffer = 20 * (1000 / 50) - (hit.interTokenLatenciesMs.slice(0, 19).reduce((a, b) => a + b, 0));
  assert.ok(
    Math.abs(hit.longestStallMs! - (pauseMs - buffer)) < 60,
    `stall ${hit.longestStallMs} vs ${pauseMs - buffer}`,
  );
  assert.equal(smooth.stallCount, 0);
  assert.equal(paused.summary.stalls!.answersWithStall, 1);
  assert.ok(paused.summary.health!.notes.some((n) => /1 of 2 answers stalled a reader at 50 tokens\/s/.test(n)));

  const calm = await benchmark({ maxNumCompletedRequests: 6, meanOutputTokens: 30 }, { writeFiles: false });
  assert.equal(calm.summary.stalls!.readingSpeedTokensPerS, DEFAULT_READING_SPEED);
  assert.equal(calm.summary.stalls!.answersWithStall, 0, "a smooth stream never makes a reader wait");
  assert.ok(calm.records.every((r) => r.stallCount === 0 && r.stalls === undefined));
});
