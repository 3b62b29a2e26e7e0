import assert from "node:assert/strict";
import { applyEnv, parseChatConfig, parseRunConfig, publicConfig, safeUrl } from "../../lib/config/resolve.ts";
import { ChatConfigSchema, configDefaults, RunConfigFields } from "../../lib/config/schema.ts";
import { ConfigError } from "../../lib/errors.ts";

Deno.test("parseRunConfig() fills defaults in one place and targets the simulator", () => {
  const c = parseRunConfig({});
  assert.equal(c.llmApi, "sim");
  assert.equal(c.model, "llm-bench-sim");
  assert.equal(c.meanInputTokens, 550);
  assert.equal(c.numConcurrentRequests, 8, "resolved by the run's shape: 8 in a closed loop");
  assert.equal(c.maxNumCompletedRequests, 40);
  assert.equal(c.mode, "stream");
  assert.equal(c.sim.maxBatch, 64);
  assert.equal(parseRunConfig({ model: "x" }).sim.model, "x"); // the simulator serves the run's model
});

Deno.test("parseRunConfig() errors are one line naming the field, the value and what is accepted", () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ meanInputTokens: 0 }, /meanInputTokens: must be ≥ 1 \(got 0\)/],
    [{ meanInputTokens: 1.5 }, /meanInputTokens: expected an integer \(got 1.5\)/],
    [{ numConcurrentRequests: "abc" }, /numConcurrentRequests: expected a number \(got "abc"\)/],
    [{ mode: "fast" }, /mode: accepted values: stream, batch \(got "fast"\)/],
    [{ llmApi: "foo" }, /llmApi: accepted values: sim, openai, sambanova, sambastudio/],
    [{ timeoutS: -1 }, /timeoutS: must be > 0/],
    [{ llmApi: "openai", baseUrl: "http://x/v1" }, /model: is required with llmApi openai/],
    [{ llmApi: "openai", model: "m" }, /llmApi: openai needs baseUrl \(or OPENAI_API_BASE\)/],
    [
      { llmApi: "sambanova", model: "m", baseUrl: "http://h/v1" },
      /llmApi: sambanova needs an API key: set SAMBANOVA_API_KEY/,
    ],
    [
      { llmApi: "sambastudio", model: "m" },
      /llmApi: sambastudio needs SAMBASTUDIO_URL \(or BASE_URL, PROJECT_ID and ENDPOINT_ID\)/,
    ],
    [{ baseUrl: "ftp://x" }, /baseUrl: must be an http/],
    [{ sim: { maxBatch: 0 } }, /sim\.maxBatch: must be ≥ 1/],
    [{ bogus: 1 }, /unknown option bogus/],
  ];
  for (const [input, pattern] of cases) {
    assert.throws(() => parseRunConfig(input as never), (e: Error) => {
      assert.ok(e instanceof ConfigError, `${JSON.stringify(input)}`);
      assert.match(e.message, pattern);
      assert.ok(!e.message.includes("\n"), "one line");
      return true;
    });
  }
});

Deno.test("an API key is never echoed in a config error or in the public config", () => {
  assert.throws(() => parseRunConfig({ apiKey: 12 as never }), (e: Error) => !e.message.includes("12"));
  const c = parseRunConfig({
    llmApi: "openai",
    model: "m",
    baseUrl: "http://u:pw@h/v1?api_key=abc",
    apiKey: "sk-1234",
  });
  const pub = JSON.stringify(publicConfig(c));
  assert.ok(!pub.includes("sk-1234"));
  assert.ok(!pub.includes("pw"));
  assert.ok(!pub.includes("abc"));
  assert.equal(safeUrl("http://u:pw@h/v1?api_key=abc"), "http://h/v1?api_key=%5Bredacted%5D");
});

Deno.test("applyEnv() reads OPENAI_API_BASE/KEY and picks openai when a base URL is set", () => {
  const env = { OPENAI_API_BASE: "http://h:1/v1", OPENAI_API_KEY: "k" };
  assert.deepEqual(applyEnv({}, env), { llmApi: "openai", baseUrl: "http://h:1/v1", apiKey: "k" });
  assert.deepEqual(applyEnv({}, {}), { llmApi: "sim" });
  assert.equal(applyEnv({ llmApi: "sim" }, env).baseUrl, undefined);
  assert.equal(applyEnv({ baseUrl: "http://other/v1" }, env).baseUrl, "http://other/v1");
});

Deno.test("applyEnv() takes SambaNova Cloud and SambaStudio settings as the original kit's .env had them", () => {
  assert.deepEqual(applyEnv({ llmApi: "sambanova" }, { SAMBANOVA_API_KEY: "k" }), {
    llmApi: "sambanova",
    baseUrl: "https://api.sambanova.ai/v1",
    apiKey: "k",
    ignoreEos: true,
  });
  assert.equal(applyEnv({ llmApi: "sambanova", ignoreEos: false }, {}).ignoreEos, false);
  const kit = { BASE_URL: "https://studio.example/", PROJECT_ID: "p1", ENDPOINT_ID: "e1", API_KEY: "k1" };
  assert.deepEqual(applyEnv({ llmApi: "sambastudio" }, kit), {
    llmApi: "sambastudio",
    baseUrl: "https://studio.example/api/predict/generic/stream/p1/e1",
    apiKey: "k1",
  });
  const later = { SAMBASTUDIO_URL: "https://s/api/v2/predict/generic/stream/p/e", SAMBASTUDIO_API_KEY: "k2", ...kit };
  assert.equal(applyEnv({ llmApi: "sambastudio" }, later).baseUrl, later.SAMBASTUDIO_URL);
  assert.equal(applyEnv({ llmApi: "sambastudio" }, later).apiKey, "k2");
});

Deno.test("the chat schema takes its endpoint fields from the run schema, with the same rules", () => {
  for (const field of ["llmApi", "model", "baseUrl", "apiKey", "httpClient", "tokenizer", "sim"] as const) {
    assert.equal(ChatConfigSchema.shape[field], RunConfigFields.shape[field], field);
  }
  assert.throws(() => parseChatConfig({ llmApi: "openai", baseUrl: "http://h/v1" }), /model: is required/);
  assert.throws(() => parseChatConfig({ llmApi: "sambanova", model: "m" }), /sambanova needs an API key/);
  assert.equal(parseChatConfig({}).maxTokens, 256);
});

Deno.test("configDefaults() are the schema's defaults", () => {
  const d = configDefaults();
  assert.equal(d.meanInputTokens, 550);
  assert.equal(d.timeoutS, 600);
  assert.equal(d.numConcurrentRequests, undefined, "depends on the run's shape (see dependentDefaults)");
});

Deno.test("settings whose defaults depend on the run's shape are resolved once, by the schema", () => {
  const open = parseRunConfig({ requestRate: 2 });
  assert.equal(open.numConcurrentRequests, 100_000, "an open loop: no cap");
  assert.equal(open.maxNumCompletedRequests, 40);
  assert.equal(parseRunConfig({ requestRate: 2, numConcurrentRequests: 4 }).numConcurrentRequests, 4);
  assert.equal(parseRunConfig({ durationS: 5 }).maxNumCompletedRequests, undefined, "unbounded with a duration");
  const sessions = parseRunConfig({ multiTurn: true });
  assert.deepEqual([sessions.sessions, sessions.turns, sessions.maxNumCompletedRequests], [8, 3, 24]);
  // A default typed out is the same configuration as the default left out.
  assert.deepEqual(parseRunConfig({ numConcurrentRequests: 8, maxNumCompletedRequests: 40 }), parseRunConfig({}));
});

Deno.test("a dataset's format is resolved from its first row; a trace is an open loop with no cap", async () => {
  const dir = await Deno.makeTempDir();
  const trace = `${dir}/trace.jsonl`;
  await Deno.writeTextFile(trace, '{"timestamp": 0, "input_length": 10, "output_length": 5, "hash_ids": [1]}\n');
  const t = parseRunConfig({ dataset: trace });
  assert.deepEqual([t.datasetFormat, t.numConcurrentRequests], ["mooncake", 100_000]);
  assert.equal(parseRunConfig({ dataset: trace, numConcurrentRequests: 3 }).numConcurrentRequests, 3);
  const share = `${dir}/share.json`;
  await Deno.writeTextFile(share, JSON.stringify([{ conversations: [{ from: "human", value: "{not [json" }] }]));
  assert.deepEqual(
    [parseRunConfig({ dataset: share }).datasetFormat, parseRunConfig({ dataset: share }).numConcurrentRequests],
    ["sharegpt", 8],
  );
  assert.equal(
    parseRunConfig({ dataset: `${dir}/missing.jsonl` }).datasetFormat,
    "auto",
    "the plan says what is wrong",
  );
});
