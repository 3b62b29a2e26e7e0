// `--tokenizer server`: prompts sized by the endpoint's own counts, through `deno task bench` against a server of the
// test's own that counts with another "tokenizer" (1.2 of the bundled one's tokens, plus a 7-token chat template).
import assert from "node:assert/strict";
import { readRecords, readSummary } from "../../lib/results/files.ts";
import { quirkyStream, runTask, startScriptedServer, testTokenizer } from "../_helpers.ts";

const tokenizer = await testTokenizer();
const serverCount = (text: string) => 7 + Math.round(1.2 * tokenizer.count(text));

function countingServer(usage = true) {
  return startScriptedServer((body) => {
    const messages = body.messages as { content: string }[];
    const promptTokens = serverCount(messages.map((m) => m.content).join(""));
    const n = body.max_tokens as number;
    const pieces = quirkyStream(Array.from({ length: n }, (_, i) => ` w${i}`), { usage: false });
    if (usage) {
      const u = { prompt_tokens: promptTokens, completion_tokens: n, total_tokens: promptTokens + n };
      pieces.splice(-1, 0, `data: ${JSON.stringify({ id: "x", choices: [], usage: u })}\r\n\r\n`);
    }
    return { pieces, gapMs: 1 };
  });
}

Deno.test("--tokenizer server: calibrated on the server's counts, prompts hit the requested count within 2 %", async () => {
  await using server = countingServer();
  const cwd = await Deno.makeTempDir();
  const r = await runTask("bench", [
    "--base-url",
    server.baseUrl,
    "--model",
    "m",
    "--tokenizer",
    "server",
    "--max-num-completed-requests",
    "12",
    "--mean-output-tokens",
    "5",
    "--results-dir",
    `${cwd}/r`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    /^Prompts sized by the server's counts: server tokens = [67]\.\d \+ 1\.[12]\d\d × the bundled tokenizer's, over 4 requests/m,
  );
  const summary = await readSummary(`${/^Summary: (.+)$/m.exec(r.stdout)![1]}`);
  const c = summary.calibration!;
  assert.equal(c.requests.length, 4, "the calibration's requests recorded");
  assert.ok(Math.abs(c.slope - 1.2) < 0.01 && Math.abs(c.intercept - 7) < 2, `${c.intercept} + ${c.slope} × local`);
  assert.ok(c.residual < 0.02);
  assert.equal(server.received.length, 4 + 12, "4 calibration requests, then the run's 12");
  assert.ok(server.received.slice(0, 4).every((b) => b.max_tokens === 1), "calibration asks for 1 token");
  const records = await readRecords(`${/^Records: (.+)$/m.exec(r.stdout)![1]}`);
  for (const x of records) {
    assert.equal(x.inputTokenSource, "server");
    const miss = Math.abs(x.inputTokens! - x.requestedInputTokens) / x.requestedInputTokens;
    assert.ok(miss <= 0.02, `server counted ${x.inputTokens} for a request of ${x.requestedInputTokens}`);
  }
  assert.doesNotMatch(r.stdout, /Token counts/, "no disagreement to report");
  assert.match(summary.tokenizer, /^the server's counts \(calibrated on 4 requests/);
});

Deno.test("--tokenizer server with an endpoint that reports no usage: one line, exit 2, no run", async () => {
  await using server = countingServer(false);
  const cwd = await Deno.makeTempDir();
  const r = await runTask("bench", [
    "--base-url",
    server.baseUrl,
    "--model",
    "m",
    "--tokenizer",
    "server",
    "--results-dir",
    `${cwd}/r`,
  ]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(
    r.stderr,
    /^error: --tokenizer: the endpoint reports no usage\.prompt_tokens, so its token counts cannot size the prompts: give --tokenizer PATH to the model's tokenizer\.json$/m,
  );
  assert.equal(server.received.length, 1, "the first calibration request, nothing after it");
});
