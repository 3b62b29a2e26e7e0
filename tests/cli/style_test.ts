import assert from "node:assert/strict";
import { emphasize, paint } from "../../lib/cli/style.ts";

Deno.test("emphasize() colours the simulated banner, a suspect verdict and failures on a terminal, nothing when off", () => {
  const summary = [
    "*** SIMULATED ENDPOINT — numbers come from llm-bench's built-in simulator, not a model server ***",
    "Health: SUSPECT — the client's event loop lagged",
    "Requests                 4 started · 2 ok · 2 failed · 0 aborted (stop: completed)",
    "Error rate               50.0 % (HTTP_STATUS × 2)",
    "Run wall time            1.0 s",
  ].join("\n");
  assert.equal(emphasize(summary, false), summary, "piped or NO_COLOR: plain text");
  const lines = emphasize(summary, true).split("\n");
  assert.equal(lines[0], paint(summary.split("\n")[0], "warn", true));
  assert.ok(lines[1].startsWith("\x1b[1;31m"));
  assert.ok(lines[2].startsWith("\x1b[1;31m"));
  assert.ok(lines[3].startsWith("\x1b[1;31m"));
  assert.equal(lines[4], "Run wall time            1.0 s");
  assert.equal(emphasize("Requests 4 started · 4 ok · 0 failed", true), "Requests 4 started · 4 ok · 0 failed");
});
