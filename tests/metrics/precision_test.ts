import assert from "node:assert/strict";
import { parsePrecisionTargets } from "../../lib/config/precision.ts";
import { parseRunConfig } from "../../lib/config/resolve.ts";
import { precisionState } from "../../lib/metrics/precision.ts";
import { fixtureRecord } from "../_helpers.ts";

Deno.test("precision targets: METRIC.STATISTIC:N%, one line naming what is wrong otherwise", () => {
  assert.deepEqual(parsePrecisionTargets("ttft.p99:5%, itl.p50:2.5%"), [
    { metric: "ttftMs", statistic: "p99", relative: 0.05 },
    { metric: "interTokenLatencyMs", statistic: "p50", relative: 0.025 },
  ]);
  assert.match(String(parsePrecisionTargets("latency.p50:5%")), /unknown metric "latency": accepted ttft, e2e/);
  assert.match(String(parsePrecisionTargets("ttft.p42:5%")), /unknown statistic "p42"/);
  assert.match(String(parsePrecisionTargets("ttft.p50:0%")), /above 0 % and below 100 %/);
  // A run with targets is bounded by them (and its timeout), not by the default 40 requests.
  const config = parseRunConfig({ targetPrecision: "ttft.p50:5%" });
  assert.equal(config.maxNumCompletedRequests, undefined);
  assert.deepEqual(config.targetPrecision, [{ metric: "ttftMs", statistic: "p50", relative: 0.05 }]);
  assert.equal(
    parseRunConfig({ targetPrecision: "ttft.p50:5%", maxNumCompletedRequests: 100 }).maxNumCompletedRequests,
    100,
  );
  assert.throws(() => parseRunConfig({ targetPrecision: "ttft.p50:5%", clientThreads: 2 }), /one measuring thread/);
});

Deno.test("precisionState(): a figure's half-width against its target; too few is not reached", () => {
  const records = Array.from({ length: 40 }, (_, i) => fixtureRecord({ index: i, ttftMs: 100 + i }));
  const [p50, p99] = precisionState(records, [
    { metric: "ttftMs", statistic: "p50", relative: 0.1 },
    { metric: "ttftMs", statistic: "p99", relative: 0.5 },
  ]);
  // TTFT 100 … 139: p50 119.5, its interval the 14th and 27th values (113, 126): ±6.5 / 119.5.
  assert.deepEqual(p50.interval, [113, 126]);
  assert.ok(Math.abs(p50.halfWidth! - 6.5 / 119.5) < 1e-9);
  assert.equal(p50.reached, true);
  assert.equal(p99.halfWidth, null);
  assert.equal(p99.reached, false, "no interval for a p99 of 40 requests, however wide the target");
  const tight = precisionState(records, [{ metric: "ttftMs", statistic: "p50", relative: 0.01 }]);
  assert.equal(tight[0].reached, false);
});
