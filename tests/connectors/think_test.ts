// `--reasoning-tags think`: reasoning written inside the answer between <think> and </think>.
import assert from "node:assert/strict";
import { fc } from "../_dev_deps.ts";
import { createThinkSplitter } from "../../lib/connectors/openai.ts";
import type { StreamEvent } from "../../lib/connectors/types.ts";

type Delta = Extract<StreamEvent, { type: "delta" }>;
const delta = (content: string): Delta => ({ type: "delta", t: 0, content, reasoning: "", finishReason: null });

function splitAll(pieces: string[]): { content: string; reasoning: string; events: Delta[] } {
  const splitter = createThinkSplitter();
  const events = pieces.map(delta);
  for (const ev of events) splitter.split(ev);
  return {
    content: events.map((e) => e.content).join(""),
    reasoning: events.map((e) => e.reasoning).join(""),
    events,
  };
}

Deno.test("think tags: the text between them is reasoning, the rest the answer, the tags neither", () => {
  const r = splitAll(["<think>", "Let me see", ". Two", " and two.</think>", "Four", "."]);
  assert.equal(r.reasoning, "Let me see. Two and two.");
  assert.equal(r.content, "Four.");
  assert.deepEqual(r.events.map((e) => [e.reasoning, e.content]), [
    ["", ""],
    ["Let me see", ""],
    [". Two", ""],
    [" and two.", ""],
    ["", "Four"],
    ["", "."],
  ]);
  // The chunk that closes the reasoning and opens the answer carries both.
  assert.deepEqual(splitAll(["<think>a</think>b"]).events.map((e) => [e.reasoning, e.content]), [["a", "b"]]);
});

Deno.test("think tags: any split of the same text into chunks gives the same reasoning and answer", () => {
  const text = "<think>I should count: 1, 2 < 3 </thin k?</think>The answer is 3 <b>.";
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 1, max: text.length - 1 }), { maxLength: 12 }), (cuts) => {
      const at = [0, ...cuts.sort((a, b) => a - b), text.length];
      const pieces = at.slice(1).map((end, i) => text.slice(at[i], end));
      const r = splitAll(pieces);
      assert.equal(r.reasoning, "I should count: 1, 2 < 3 </thin k?");
      assert.equal(r.content, "The answer is 3 <b>.");
    }),
  );
});
