import assert from "node:assert/strict";
import { serverTimings } from "../../lib/metrics/server_timings.ts";

Deno.test("serverTimings() reads SambaNova Cloud usage: seconds to ms, rates as they are", () => {
  assert.deepEqual(
    serverTimings({
      prompt_tokens: 100,
      completion_tokens: 50,
      time_to_first_token: 0.1234,
      total_latency: 1.5,
      completion_tokens_after_first_per_sec: 40.5,
      completion_tokens_per_sec: 33.3,
      total_tokens_per_sec: 100,
      acceptance_rate: 2.5,
      batch_size_used: 4,
    }),
    {
      serverTtftMs: 123.4,
      serverE2eMs: 1500,
      serverDecodeTokensPerS: 40.5,
      serverOutputTokensPerS: 33.3,
      serverTotalTokensPerS: 100,
      serverAcceptanceRate: 2.5,
      serverBatchSize: 4,
      serverInputTokens: 100,
      serverOutputTokens: 50,
    },
  );
});

Deno.test("serverTimings(): a reported 0 is a value, an absent field is absent", () => {
  const t = serverTimings({ prompt_tokens: 0, completion_tokens: 0, time_to_first_token: 0, batch_size_used: 0 });
  assert.deepEqual(t, { serverTtftMs: 0, serverBatchSize: 0, serverInputTokens: 0, serverOutputTokens: 0 });
  assert.equal("serverE2eMs" in t, false);
  assert.deepEqual(serverTimings(null), {});
  assert.deepEqual(serverTimings({ prompt_tokens: 5, completion_tokens: 7 }), {
    serverInputTokens: 5,
    serverOutputTokens: 7,
  });
});

Deno.test("serverTimings() reads SambaStudio's final-event metrics (counts, numbers sent as strings)", () => {
  const t = serverTimings({
    prompt_tokens_count: 12,
    completion_tokens_count: 30,
    time_to_first_token: "0.05",
    total_latency: 0.8,
  });
  assert.deepEqual(t, { serverTtftMs: 50, serverE2eMs: 800, serverInputTokens: 12, serverOutputTokens: 30 });
});
