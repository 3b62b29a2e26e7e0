import assert from "node:assert/strict";
import { applyEnv, flagName, parseRunConfig, publicConfig, safeUrl } from "../../lib/config/resolve.ts";
import { ConfigError } from "../../lib/errors.ts";

Deno.test("parseRunConfig() fills defaults in one place and targets the simulator", () => {
  const c = parseRunConfig({});
  assert.equal(c.llmApi, "sim");
  assert.equal(c.model, "llm-bench-sim");
  assert.equal(c.meanInputTokens, 550);
  assert.equal(c.numConcurrentRequests, undefined); // resolved per run shape: 8 in a closed loop, no cap open loop
  assert.equal(c.mode, "stream");
  assert.equal(c.sim.maxBatch, 64);
  assert.equal(parseRunConfig({ model: "x" }).sim.model, "x"); // the simulator serves the run's model
});

Deno.test("parseRunConfig() errors are one line naming the flag, the value and what is accepted", () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ meanInputTokens: 0 }, /--mean-input-tokens: must be ≥ 1 \(got 0\)/],
    [{ meanInputTokens: 1.5 }, /--mean-input-tokens: expected an integer \(got 1.5\)/],
    [{ numConcurrentRequests: "abc" }, /--num-concurrent-requests: expected a number \(got "abc"\)/],
    [{ mode: "fast" }, /--mode: accepted values: stream, batch \(got "fast"\)/],
    [{ llmApi: "foo" }, /--llm-api: accepted values: sim, openai, sambanova, sambastudio/],
    [{ timeoutS: -1 }, /--timeout: must be > 0/],
    [{ llmApi: "openai", baseUrl: "http://x/v1" }, /--model: is required with --llm-api openai/],
    [{ llmApi: "openai", model: "m" }, /--llm-api: openai needs --base-url \(or OPENAI_API_BASE\)/],
    [
      { llmApi: "sambanova", model: "m", baseUrl: "http://h/v1" },
      /--llm-api: sambanova needs an API key: set SAMBANOVA_API_KEY/,
    ],
    [
      { llmApi: "sambastudio", model: "m" },
      /--llm-api: sambastudio needs SAMBASTUDIO_URL \(or BASE_URL, PROJECT_ID and ENDPOINT_ID\)/,
    ],
    [{ baseUrl: "ftp://x" }, /--base-url: must be an http/],
    [{ sim: { maxBatch: 0 } }, /--sim-params maxBatch: must be ≥ 1/],
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

Deno.test("flagName() maps config fields to CLI flags", () => {
  assert.equal(flagName("meanInputTokens"), "--mean-input-tokens");
  assert.equal(flagName("timeoutS"), "--timeout");
  assert.equal(flagName("llmApi"), "--llm-api");
});
