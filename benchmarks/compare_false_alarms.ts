// How often does `deno task compare`'s gate fire on two runs of the same configuration (the false-alarm rate on this
// machine)? Runs PAIRS pairs of identical runs against the simulated endpoint, one after another, compares each pair
// and counts: pairs where the gate fired, and per figure how often the verdict was "better" or "worse" (a calibrated
// 95 % interval would say so about 5 % of the time, if the runs were independent samples of one distribution — the
// machine's own drift between two runs adds to that).
// Run: deno task perf:false-alarms [PAIRS] [GATE]
import { benchmark } from "../mod.ts";
import { compareRuns } from "../lib/compare/compare.ts";
import { evaluateGate, parseGate } from "../lib/compare/gate.ts";

const pairs = Number(Deno.args[0] ?? 20);
const gate = parseGate(Deno.args[1] ?? "ttft.p50>+10%,itl.p50>+5%,tpot.p50>+5%,e2e.p50>+10%,error_rate>1%");
const config = {
  maxNumCompletedRequests: 60,
  numConcurrentRequests: 8,
  meanInputTokens: 550,
  meanOutputTokens: 40,
  stddevOutputTokens: 0,
} as const;
console.error(`${pairs} pairs of identical runs: ${JSON.stringify(config)}; gate ${gate.map((r) => r.text).join(",")}`);
let fired = 0;
const flagged = new Map<string, number>();
const judged = new Map<string, number>();
for (let i = 0; i < pairs; i++) {
  const a = await benchmark(config, { writeFiles: false });
  const b = await benchmark(config, { writeFiles: false });
  const c = compareRuns({ name: "a", ...a }, { name: "b", ...b }, { seed: i + 1 });
  const outcome = evaluateGate(c, gate);
  const hit = outcome.filter((o) => o.fired);
  if (hit.length) fired++;
  for (const row of c.rows) {
    if (!row.interval) continue;
    const key = `${row.metric}.${row.statistic}`;
    judged.set(key, (judged.get(key) ?? 0) + 1);
    if (row.verdict === "better" || row.verdict === "worse") flagged.set(key, (flagged.get(key) ?? 0) + 1);
  }
  console.error(
    `pair ${i + 1}: gate ${
      hit.length ? `FIRED (${hit.map((o) => `${o.rule.text}: ${o.reason}`).join("; ")})` : "passed"
    }`,
  );
}
console.log(`gate fired on ${fired} of ${pairs} identical pairs (${((fired / pairs) * 100).toFixed(0)} %)`);
console.log("figure               significant (better/worse) in");
for (const [key, n] of judged) {
  const f = flagged.get(key) ?? 0;
  console.log(`${key.padEnd(20)} ${String(f).padStart(3)} of ${n} pairs (${((f / n) * 100).toFixed(0)} %)`);
}
