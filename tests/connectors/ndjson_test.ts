import assert from "node:assert/strict";
import { fc } from "../_dev_deps.ts";
import { createLineDecoder } from "../../lib/connectors/ndjson.ts";

const enc = new TextEncoder();

Deno.test("NDJSON decoder: LF and CRLF, blank lines skipped, a last line without newline kept", () => {
  const d = createLineDecoder();
  const lines = [...d.push(enc.encode('{"a":1}\r\n\n{"b":2}\n{"c"'), 1), ...d.push(enc.encode(":3}"), 2), ...d.end(3)];
  assert.deepEqual(lines, [{ text: '{"a":1}', t: 1 }, { text: '{"b":2}', t: 1 }, { text: '{"c":3}', t: 3 }]);
});

Deno.test("NDJSON decoder: any split of the same bytes gives the same lines, stamped by the read completing them", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.string({ unit: fc.constantFrom("a", "é", "✓", "{", "}", '"', " ", "🙂") }).filter((s) => s.trim() !== ""),
        {
          minLength: 1,
          maxLength: 10,
        },
      ),
      fc.constantFrom("\n", "\r\n"),
      fc.array(fc.nat(), { maxLength: 16 }),
      (lines, eol, cuts) => {
        const bytes = enc.encode(lines.join(eol) + eol);
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const d = createLineDecoder();
        const out: { text: string; t: number }[] = [];
        let last = 0;
        points.forEach((p, i) => {
          out.push(...d.push(bytes.slice(last, p), i));
          last = p;
        });
        out.push(...d.push(bytes.slice(last), points.length));
        out.push(...d.end(points.length + 1));
        assert.deepEqual(out.map((l) => l.text), lines);
        assert.ok(out.every((l) => l.t <= points.length), "every line completed by a read, none left for end()");
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("NDJSON decoder never throws on arbitrary bytes", () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 20 }), (pieces) => {
      const d = createLineDecoder();
      pieces.forEach((p, i) => d.push(p, i));
      d.end(pieces.length);
    }),
    { numRuns: 500 },
  );
});
