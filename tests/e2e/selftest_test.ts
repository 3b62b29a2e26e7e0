// `deno task selftest` end to end, at one small level: the exact simulator runs in its own process, every request is
// matched to the server's chunk log, and the table and verdict are printed.
import assert from "node:assert/strict";

const root = new URL("../../", import.meta.url).pathname;

Deno.test("deno task selftest prints the error table and a verdict per level", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `--config=${root}deno.json`,
      `${root}lib/cli/selftest.ts`,
      "--concurrency",
      "2,4",
      "--output-tokens",
      "6",
      "--itl-ms",
      "10",
      "--floor-chunks",
      "20",
    ],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  assert.ok(out.code === 0 || out.code === 1, new TextDecoder().decode(out.stderr));
  // The floor is measured over a bare socket; each chunk is seen after it was written (the two processes' clocks
  // agree), and not absurdly later.
  const floor =
    /Machine floor: a bare socket read sees the simulator's write after p50 ([\d.]+), p99 ([\d.]+), max ([\d.]+) ms \(20 chunks/
      .exec(stdout);
  assert.ok(floor, stdout);
  assert.ok(Number(floor[1]) >= 0 && Number(floor[3]) < 1000, floor[0]);
  assert.match(stdout, /conc\. +requests +chunks +send p50 +send p99 +send max +TTFT p50/);
  assert.match(stdout, /^ +2 +16\/16 +96 /m, "every request matched to the server's log, 6 chunks each");
  assert.match(stdout, /^ +4 +16\/16 +96 /m);
  assert.match(
    stdout,
    /^concurrency 2: (PASS|MISS) \(targets: send p99 ≤ 1 ms, TTFT p99 ≤ 5 ms, E2E p99 ≤ 0.5 ms, inter-token p50 ≤ 0.5 ms\)/m,
  );
  // Every matched request has a send side: the server received it after its t0 (the two clocks agree).
  const row = /^ +2 +16\/16 +96 +(-?[\d.]+) +(-?[\d.]+) +(-?[\d.]+) /m.exec(stdout)!;
  assert.ok(Number(row[1]) >= 0 && Number(row[3]) < 1000, row[0]);
  assert.equal(out.code, /MISS/.test(stdout) ? 1 : 0);
});
