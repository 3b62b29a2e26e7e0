import assert from "node:assert/strict";
import {
  attainmentInterval,
  attainmentOf,
  capacityAnswer,
  nextLoad,
  type ProbePoint,
  probeVerdict,
} from "../../lib/metrics/capacity.ts";
import { fixtureRecord } from "../_helpers.ts";

Deno.test("attainment's Wilson interval: textbook figures; a verdict from the interval, not the point", () => {
  // 8 of 10: Wilson 95 % [0.490, 0.943].
  const [lo, hi] = attainmentInterval(8, 10)!;
  assert.ok(Math.abs(lo - 0.4902) < 1e-3 && Math.abs(hi - 0.9433) < 1e-3, `${lo} ${hi}`);
  assert.equal(attainmentInterval(0, 0), null);
  // 100 % of 20 requests cannot tell 90 % from 100 %; 100 % of 40 can.
  assert.equal(probeVerdict(20, 20, 0.9), "INDETERMINATE");
  assert.equal(probeVerdict(40, 40, 0.9), "PASS");
  assert.equal(probeVerdict(20, 40, 0.9), "FAIL");
  assert.equal(probeVerdict(88, 100, 0.9), "INDETERMINATE", "88 % of 100: the interval straddles 90 %");
});

Deno.test("a probe judges its measured requests: a miss is a failure, an abort, or a request over the SLO", () => {
  const records = [
    fixtureRecord({ index: 0, meetsSlo: true }),
    fixtureRecord({ index: 1, meetsSlo: false }),
    fixtureRecord({ index: 2, status: "aborted" }),
    fixtureRecord({ index: 3, warmup: true, meetsSlo: true }),
  ];
  assert.deepEqual(attainmentOf(records, (r) => r.meetsSlo === true), { met: 1, n: 3 });
});

const pass = (load: number): ProbePoint => ({ load, verdict: "PASS" });
const fail = (load: number): ProbePoint => ({ load, verdict: "FAIL" });

Deno.test("the search doubles while probes pass, then bisects to the precision", () => {
  const o = { precision: 0.1, integer: true };
  assert.equal(nextLoad([pass(1), pass(2), pass(4)], o), 8);
  assert.equal(nextLoad([pass(1), pass(2), pass(4), pass(8), fail(16)], o), 12);
  assert.equal(nextLoad([pass(8), fail(16), fail(12)], o), 10);
  assert.equal(nextLoad([pass(8), fail(16), fail(12), pass(10)], o), 11);
  assert.equal(nextLoad([pass(10), fail(11)], o), null, "one apart: done");
  assert.equal(nextLoad([pass(100), fail(109)], o), null, "within 10 %: done");
  assert.equal(nextLoad([fail(1)], o), null, "the lowest load failed");
  // Rates are not integers: bisection to the relative precision.
  assert.equal(nextLoad([pass(2), fail(4)], { precision: 0.1, integer: false }), 3);
  assert.equal(nextLoad([pass(3.8), fail(4)], { precision: 0.1, integer: false }), null);
  assert.deepEqual(capacityAnswer([pass(1), pass(2), pass(4), fail(8), pass(5), fail(6)]), { max: 5, upper: 6 });
  assert.deepEqual(capacityAnswer([pass(1), pass(2)]), { max: 2, upper: null });
  assert.deepEqual(capacityAnswer([fail(1)]), { max: null, upper: 1 });
  // A pass above a failing load is no capacity: the answer is below the lowest failure.
  assert.deepEqual(capacityAnswer([pass(4), fail(6), pass(7)]), { max: 4, upper: 6 });
});
