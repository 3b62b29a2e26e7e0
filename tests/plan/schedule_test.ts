import assert from "node:assert/strict";
import { arrivalSchedule } from "../../lib/plan/schedule.ts";

const gaps = (s: number[]) => s.slice(1).map((t, i) => t - s[i]);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const cv = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2))) / m;
};

Deno.test("a Poisson schedule achieves its rate within statistical tolerance, with exponential gaps", () => {
  const s = arrivalSchedule({ rate: 8, arrival: "poisson", count: 4000, seed: 3 });
  assert.equal(s[0], 0);
  const achieved = (s.length - 1) / (s.at(-1)! / 1000);
  // 4,000 exponential gaps: the rate's relative standard error is 1/√4000 ≈ 1.6 %; allow 5 %.
  assert.ok(Math.abs(achieved - 8) / 8 < 0.05, `achieved ${achieved} req/s`);
  assert.ok(Math.abs(cv(gaps(s)) - 1) < 0.06, `coefficient of variation ${cv(gaps(s))}`);
});

Deno.test("gamma arrivals keep the rate; burstiness < 1 spreads the gaps, > 1 evens them", () => {
  for (const [shape, expectedCv] of [[0.25, 2], [4, 0.5]] as const) {
    const s = arrivalSchedule({ rate: 10, arrival: "gamma", burstiness: shape, count: 6000, seed: 1 });
    const achieved = (s.length - 1) / (s.at(-1)! / 1000);
    assert.ok(Math.abs(achieved - 10) / 10 < 0.07, `shape ${shape}: ${achieved} req/s`);
    assert.ok(Math.abs(cv(gaps(s)) - expectedCv) / expectedCv < 0.12, `shape ${shape}: cv ${cv(gaps(s))}`);
  }
});

Deno.test("a constant schedule is exact; schedules are seeded", () => {
  assert.deepEqual(arrivalSchedule({ rate: 4, arrival: "constant", count: 4 }), [0, 250, 500, 750]);
  assert.deepEqual(arrivalSchedule({ rate: 2, count: 50, seed: 9 }), arrivalSchedule({ rate: 2, count: 50, seed: 9 }));
  assert.notDeepEqual(
    arrivalSchedule({ rate: 2, count: 50, seed: 9 }),
    arrivalSchedule({ rate: 2, count: 50, seed: 10 }),
  );
});
