import assert from "node:assert/strict";
import { parseRunConfig } from "../../lib/config/resolve.ts";
import { DEFAULT_CONCURRENCY, DEFAULT_REQUESTS, OPEN_LOOP_MAX_IN_FLIGHT } from "../../lib/config/schema.ts";
import { planRun } from "../../lib/plan/plan.ts";
import { testTokenizer } from "../_helpers.ts";

Deno.test("planRun() resolves concurrency and request count from the run's shape", async () => {
  const tok = await testTokenizer();
  const closed = await planRun(parseRunConfig({}), tok);
  assert.equal(closed.concurrency, 8);
  assert.equal(closed.max, 40);
  assert.deepEqual([DEFAULT_CONCURRENCY, DEFAULT_REQUESTS, OPEN_LOOP_MAX_IN_FLIGHT], [8, 40, 100_000]);
  assert.equal(closed.schedule, undefined);
  const open = await planRun(parseRunConfig({ requestRate: 2, maxNumCompletedRequests: 5 }), tok);
  assert.equal(open.concurrency, 100_000, "no cap unless given");
  assert.equal(open.schedule?.length, 5);
  const capped = await planRun(
    parseRunConfig({ requestRate: 2, maxNumCompletedRequests: 5, numConcurrentRequests: 3 }),
    tok,
  );
  assert.equal(capped.concurrency, 3);
  const timed = await planRun(parseRunConfig({ durationS: 2, requestRate: 10 }), tok);
  assert.equal(timed.max, Infinity);
  assert.ok(timed.schedule!.length >= 30, "arrivals for the whole duration");
});
