import assert from "node:assert/strict";
import { parseRunConfig } from "../../lib/config/resolve.ts";
import { ConfigError } from "../../lib/errors.ts";
import { startTokenizerWorker } from "../../lib/plan/tokenizer_worker.ts";
import { testTokenizer } from "../_helpers.ts";

Deno.test("the tokenizer worker counts and plans exactly like the tokenizer on this thread", async () => {
  await using tw = await startTokenizerWorker();
  const local = await testTokenizer();
  assert.equal(tw.name, local.name);
  assert.equal(
    await tw.count("Shall I compare thee to a summer's day?"),
    local.count("Shall I compare thee to a summer's day?"),
  );
  const plan = await tw.plan(parseRunConfig({ maxNumCompletedRequests: 5, seed: 3 }));
  assert.equal(plan.requests.length, 5);
  assert.ok(plan.requests.every((r) => local.count(r.prompt) === r.requestedInputTokens));
});

Deno.test("the tokenizer worker reports bad configuration as a ConfigError", async () => {
  await assert.rejects(
    startTokenizerWorker("/no/such/tokenizer.json"),
    (e: Error) => e instanceof ConfigError && e.field === "tokenizer" && /^tokenizer: /.test(e.message),
  );
  await using tw = await startTokenizerWorker();
  await assert.rejects(
    tw.plan(parseRunConfig({ dataset: "/no/such.jsonl" })),
    (e: Error) => e instanceof ConfigError && e.field === "dataset" && /^dataset: cannot read/.test(e.message),
  );
});
