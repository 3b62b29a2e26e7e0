import assert from "node:assert/strict";
import { parseRunConfig } from "../../lib/config/resolve.ts";
import { warmRequestPath } from "../../lib/runner/warm.ts";
import { spec } from "../_helpers.ts";

Deno.test("warmRequestPath() runs the run's own connector against a stand-in in each wire format, not the endpoint", async () => {
  // Nothing listens at the endpoint's port: a request sent there would fail, and the count of successes would show it.
  const cases = [
    parseRunConfig({ llmApi: "openai", baseUrl: "http://127.0.0.1:9/v1", model: "m" }),
    parseRunConfig({ llmApi: "openai", baseUrl: "http://127.0.0.1:9/v1", model: "m", endpoint: "completions" }),
    parseRunConfig({
      llmApi: "sambastudio",
      baseUrl: "http://127.0.0.1:9/api/predict/generic/stream/p/e",
      model: "COE/x",
      apiKey: "k",
    }),
    parseRunConfig({
      llmApi: "sambastudio",
      baseUrl: "http://127.0.0.1:9/api/v2/predict/generic/stream/p/e",
      model: "x",
      apiKey: "k",
    }),
  ];
  for (const config of cases) {
    assert.equal(await warmRequestPath(config, config.baseUrl!, spec(0, 8), { count: 40 }), 40, config.baseUrl);
  }
});
