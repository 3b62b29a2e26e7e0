import assert from "node:assert/strict";
import { fc } from "../_dev_deps.ts";
import { createSseDecoder, type TimedSseEvent } from "../../lib/connectors/sse.ts";

const enc = new TextEncoder();

function decodeAll(pieces: Uint8Array[]): TimedSseEvent[] {
  const d = createSseDecoder();
  const out: TimedSseEvent[] = [];
  pieces.forEach((p, i) => out.push(...d.push(p, i)));
  out.push(...d.end(pieces.length));
  return out;
}

Deno.test("SSE decoder takes LF, CRLF, data: without a space, comments and many events per read", () => {
  const text = ': ping\r\n\r\ndata: {"a":1}\r\n\r\ndata:{"b":2}\n\ndata: [DONE]\n\n';
  const events = decodeAll([enc.encode(text)]);
  assert.deepEqual(events.map((e) => e.data), ['{"a":1}', '{"b":2}', "[DONE]"]);
});

Deno.test("SSE decoder stamps an event with the read that completed it", () => {
  const events = decodeAll([enc.encode("data: one"), enc.encode("\n"), enc.encode("\ndata: two\n\n")]);
  assert.deepEqual(events.map((e) => [e.data, e.t]), [["one", 2], ["two", 2]]);
});

Deno.test("SSE decoder joins multi-line data and keeps event names", () => {
  const events = decodeAll([enc.encode("event: error\ndata: line1\ndata: line2\n\n")]);
  assert.equal(events[0].data, "line1\nline2");
  assert.equal(events[0].event, "error");
});

Deno.test("SSE decoder keeps a multi-byte character split across reads", () => {
  const bytes = enc.encode('data: {"t":"naïve ✓"}\n\n');
  const at = bytes.indexOf(0xe2) + 1; // inside the 3-byte check mark
  const events = decodeAll([bytes.slice(0, at), bytes.slice(at)]);
  assert.equal(JSON.parse(events[0].data).t, "naïve ✓");
});

Deno.test("SSE decoder: any split of the same bytes gives the same events (property)", () => {
  const eventArb = fc.record({
    data: fc.string({ unit: fc.constantFrom("a", "b", "é", "✓", "{", "}", '"', ":", " ", "🙂") }),
    comment: fc.boolean(),
  });
  fc.assert(
    fc.property(
      fc.array(eventArb, { minLength: 1, maxLength: 12 }),
      fc.constantFrom("\n", "\r\n"),
      fc.constantFrom("data: ", "data:"),
      fc.array(fc.nat(), { maxLength: 20 }),
      (evs, eol, prefix, cuts) => {
        const text = evs.map((e) => (e.comment ? `: ping${eol}` : "") + `${prefix}${e.data}${eol}${eol}`).join("");
        const bytes = enc.encode(text);
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const pieces: Uint8Array[] = [];
        let last = 0;
        for (const p of points) {
          pieces.push(bytes.slice(last, p));
          last = p;
        }
        pieces.push(bytes.slice(last));
        const whole = decodeAll([bytes]).map((e) => e.data);
        const split = decodeAll(pieces).map((e) => e.data);
        // "data:x" and "data: x" differ only by the optional space, which the spec strips.
        const expected = evs.map((e) => (prefix === "data:" && e.data.startsWith(" ") ? e.data.slice(1) : e.data));
        assert.deepEqual(split, whole);
        assert.deepEqual(split, expected);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("SSE decoder never throws on arbitrary bytes; an oversized event becomes an error, not memory", () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 20 }), (pieces) => {
      const d = createSseDecoder({ maxEventSize: 256 });
      pieces.forEach((p, i) => d.push(p, i));
      d.end(pieces.length);
    }),
    { numRuns: 500 },
  );
  const d = createSseDecoder({ maxEventSize: 1000 });
  d.push(new TextEncoder().encode("data: " + "x".repeat(5000)), 1);
  assert.match(d.error!, /exceeds 1000 characters/);
  assert.deepEqual(d.push(new TextEncoder().encode("\n\ndata: y\n\n"), 2), [], "ignores what follows");
});

Deno.test("OpenAI stream parser: arbitrary bytes give events or a typed RequestError, nothing else", async () => {
  const { createOpenAIStreamParser } = await import("../../lib/connectors/openai.ts");
  const { RequestError } = await import("../../lib/errors.ts");
  const frag = fc.constantFrom(
    "data: ",
    "data:",
    "\n",
    "\r\n",
    "{",
    "}",
    '"choices"',
    ":",
    "[",
    "]",
    '{"delta":{"content":"a"}}',
    "[DONE]",
    '"error"',
    "null",
    "x",
  );
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          fc.uint8Array({ maxLength: 50 }),
          fc.array(frag, { maxLength: 30 }).map((a) => new TextEncoder().encode(a.join(""))),
        ),
        { maxLength: 12 },
      ),
      (pieces) => {
        const p = createOpenAIStreamParser();
        try {
          pieces.forEach((b, i) => p.push(b, i));
          p.end(pieces.length);
        } catch (e) {
          if (!(e instanceof RequestError)) throw e;
        }
      },
    ),
    { numRuns: 500 },
  );
});
