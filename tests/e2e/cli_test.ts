// The CLI run as a subprocess, the way a user runs it.
import assert from "node:assert/strict";
import { readRecords, readSummary } from "../../lib/results/files.ts";
import { spawnSimProcess } from "../../lib/simulator/process.ts";
import { quirkyStream, runTask, startScriptedServer } from "../_helpers.ts";

const root = new URL("../../", import.meta.url).pathname;

async function bench(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) {
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `--config=${root}deno.json`, `${root}lib/cli/bench.ts`, ...args],
    cwd: opts.cwd ?? (await Deno.makeTempDir()),
    env: { NO_COLOR: "1", ...opts.env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  });
  const out = await cmd.output();
  return { code: out.code, stdout: new TextDecoder().decode(out.stdout), stderr: new TextDecoder().decode(out.stderr) };
}

function filesFrom(stdout: string) {
  const records = /^Records: (.+)$/m.exec(stdout)?.[1];
  const summary = /^Summary: (.+)$/m.exec(stdout)?.[1];
  assert.ok(records && summary, `no results paths in:\n${stdout}`);
  return { records, summary };
}

Deno.test("deno task bench with no endpoint runs on the simulated endpoint, says so, and writes both files", async () => {
  const cwd = await Deno.makeTempDir();
  const r = await bench([
    "--max-num-completed-requests",
    "6",
    "--num-concurrent-requests",
    "3",
    "--mean-output-tokens",
    "20",
  ], { cwd });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /SIMULATED ENDPOINT/);
  assert.match(r.stderr, /progress: 6\/6 done · 6 ok/);
  assert.match(r.stdout, /\*\*\* SIMULATED ENDPOINT/);
  assert.match(r.stdout, /Time to first token \(ms\)/);
  assert.match(r.stdout, /Inter-token latency \(ms\)/);
  assert.match(r.stdout, /Total output throughput/);
  const files = filesFrom(r.stdout);
  assert.ok(files.records.startsWith("data/results/llm-bench-sim_550_20_3_stream_"));
  const summary = await readSummary(`${cwd}/${files.summary}`);
  const records = await readRecords(`${cwd}/${files.records}`);
  assert.equal(summary.simulated, true);
  assert.match(summary.label, /SIMULATED/);
  assert.equal(records.length, 6);
  assert.equal(summary.run.requestsSucceeded, 6);
  assert.equal(summary.metrics.ttftMs.count, 6);
  assert.equal(summary.environment.deno, Deno.version.deno);
  // The run was measured by llm-bench's own HTTP client, over 3 kept-alive connections for 6 requests at concurrency 3,
  // opened before the clock started: every request reused one, none paid for connecting.
  assert.equal(summary.endpoint.httpClient, "llm-bench");
  assert.equal(summary.health?.figures.connectionsOpened, 3);
  assert.equal(summary.health?.figures.connectionReuseShare, 1);
  assert.ok(records.every((x) => x.connectMs === undefined && x.requestWrittenMs! >= 0), "the send side of each");
  assert.match(
    r.stdout,
    /^ {2}event-loop lag p99 [\d.]+ ms, client CPU \d+ % of a core,(?: |\n {2})3 connections opened \(100 % of requests reused one\),(?: |\n {2})send lag p99 [\d.]+ ms$/m,
  );
  const report = await Deno.readTextFile(`${cwd}/${/^Report: +(.+)$/m.exec(r.stdout)![1]}`);
  assert.match(report, /SIMULATED ENDPOINT/);
  assert.match(report, /3 connections opened \(100 % of requests reused one\)/);
  assert.ok(report.split("<svg").length - 1 >= 9, "every chart in the report");
});

Deno.test("every figure with its precision: intervals under the table, every metric's with --intervals, in the files", async () => {
  const cwd = await Deno.makeTempDir();
  const args = ["--max-num-completed-requests", "12", "--mean-output-tokens", "8", "--stddev-output-tokens", "0"];
  const r = await bench(args, { cwd });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^95 % intervals — p50: TTFT [\d.]+–[\d.]+ ms/m);
  assert.match(r.stdout, /too few requests \(368 needed, this run has 12\)/);
  const summary = await readSummary(`${cwd}/${filesFrom(r.stdout).summary}`);
  const ci = summary.metrics.ttftMs.ci!;
  assert.ok(ci.p50![0] <= summary.metrics.ttftMs.p50! && summary.metrics.ttftMs.p50! <= ci.p50![1]);
  assert.equal(ci.p99, null, "12 requests: no p99 interval");
  // The table marks each percentile its 12 requests cannot give an interval for (p90 needs 36, p99 368), not the p50.
  assert.match(r.stdout, /^Time to first token \(ms\) +[\d.]+ +[\d.]+ +[\d.]+\* +[\d.]+\* +[\d.]+ +[\d.]+ +12$/m);
  assert.match(r.stdout, /^\* too few requests for a 95 % interval of that percentile \(p50 needs 6, p90 36,/m);
  const report = await Deno.readTextFile(`${cwd}/${/^Report: +(.+)$/m.exec(r.stdout)![1]}`);
  assert.match(report, /<th>p50 95 % interval<\/th>/);
  assert.match(
    report,
    /<td class="too-few" title="too few requests for a 95 % interval of this percentile">[\d.]+\*<\/td>/,
  );
  assert.match(report, /class="meta too-few-legend"/);
  const full = await bench([...args, "--intervals"], { cwd });
  assert.equal(full.code, 0, full.stderr);
  assert.match(full.stdout, /^95 % interval +p50 +p90 +p99 +mean$/m);
  assert.match(
    full.stdout,
    /^Time to first token \(ms\) +[\d.]+–[\d.]+ +(too few|[\d.]+–[\d.]+) +too few +[\d.]+–[\d.]+$/m,
  );
});

Deno.test("--target-precision keeps sending until the figure is precise enough, then stops and says when", async () => {
  const cwd = await Deno.makeTempDir();
  const quick = ["--mean-output-tokens", "4", "--stddev-output-tokens", "0", "--num-concurrent-requests", "8"];
  const r = await bench([...quick, "--target-precision", "ttft.p50:10%"], { cwd });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Running requests until ttft\.p50 ±10 %/);
  assert.match(r.stdout, /\(stop: precision\)/);
  assert.match(r.stdout, /^Precision +ttft\.p50 ±[\d.]+ % \(target ±10 %\)\s+—\s+reached\s+after\s+\d+\s+requests/m);
  const summary = await readSummary(`${cwd}/${filesFrom(r.stdout).summary}`);
  assert.equal(summary.precision?.reached, true);
  assert.ok(summary.precision!.targets[0].halfWidth! <= 0.1);
  assert.equal(summary.config.maxNumCompletedRequests, undefined, "bounded by the target, not by 40 requests");
  // A bound that comes first: the run ends there and says the target was not reached.
  const capped = await bench([...quick, "--target-precision", "ttft.p99:1%", "--max-num-completed-requests", "10"], {
    cwd,
  });
  assert.equal(capped.code, 0, capped.stderr);
  assert.match(capped.stdout, /\(stop: completed\)/);
  assert.match(capped.stdout, /^Precision +ttft\.p99 too few for an interval \(target ±1\.0 %\) —\s+NOT\s+reached$/m);
});

Deno.test("--repeat N runs one workload N times and sets each figure's run-to-run spread beside its own interval", async () => {
  const cwd = await Deno.makeTempDir();
  const r = await bench(["--repeat", "3", "--max-num-completed-requests", "12", "--mean-output-tokens", "6"], { cwd });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.match(/^── run \d\/3, seed \d: 12 ok/gm)?.length, 3);
  assert.match(r.stdout, /^3 runs of one workload \(seeds 0, 1, 2\)/m);
  assert.match(r.stdout, /^TTFT p50 \(ms\) +[\d.]+ +[\d.]+ +[\d.]+–[\d.]+ +[\d.]+ % +±[\d.]+ %$/m);
  const path = /^Repeat summary: (.+)$/m.exec(r.stdout)![1];
  const repeat = JSON.parse(await Deno.readTextFile(`${cwd}/${path}`));
  assert.deepEqual(repeat.seeds, [0, 1, 2]);
  assert.equal(repeat.rows.find((row: { figure: string }) => row.figure === "ttft.p50").values.length, 3);
  const same = await bench(["--repeat", "2", "--repeat-same-seed", "--max-num-completed-requests", "4"], { cwd });
  assert.match(same.stdout, /^2 runs of one workload \(seed 0 each\)/m);
});

Deno.test("deno task compare takes repeated runs as groups: their requests pooled, said so", async () => {
  const cwd = await Deno.makeTempDir();
  const quick = ["--repeat", "2", "--max-num-completed-requests", "10", "--mean-output-tokens", "6"];
  for (const [dir, seed] of [["a", "0"], ["b", "7"]]) {
    const r = await bench([...quick, "--seed", seed, "--results-dir", `${cwd}/${dir}`], { cwd });
    assert.equal(r.code, 0, r.stderr);
  }
  const c = await runTask("compare", [`${cwd}/a`, `${cwd}/b`, "--resamples", "200"]);
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout, /^Baseline: +\S+_repeat2_\S+ \(2 runs\)/m);
  assert.match(c.stdout, /^Candidate: +\S+_repeat2_\S+ \(2 runs\)/m);
  assert.match(c.stderr, /note: \S+: 2 repeated runs, their requests pooled/);
  assert.match(c.stdout, /^TTFT p50 \(ms\)/m);
});

Deno.test("--find-max concurrency finds where the simulator stops meeting the SLO, probe by probe", async () => {
  const cwd = await Deno.makeTempDir();
  // The simulator serves 2 at once; a third request waits ~200 ms for a slot (20-token answers), past the 150 ms SLO,
  // while two at a time answer in ~50 ms: wide margins on either side, so a busy machine does not move the answer.
  const r = await bench([
    "--find-max",
    "concurrency",
    "--slo",
    "ttft=150ms",
    "--attainment",
    "0.8",
    "--sim-params",
    '{"maxBatch": 2, "jitter": 0}',
    "--mean-input-tokens",
    "100",
    "--stddev-input-tokens",
    "0",
    "--mean-output-tokens",
    "20",
    "--stddev-output-tokens",
    "0",
    "--max-num-completed-requests",
    "40",
    "--max-probes",
    "6",
  ], { cwd });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Searching the highest concurrency that meets TTFT ≤ 150 ms for ≥ 80\.0 % of requests/);
  assert.match(r.stderr, /Server metrics: http:\/\/127\.0\.0\.1:\d+\/metrics \(\d+ families, vLLM names\)/);
  assert.match(
    r.stdout,
    /^probe 1 · concurrency 1: PASS\n {2}TTFT ≤ 150 ms: [\d.]+ % within \(CI [\d.]+ %–[\d.]+ %\) vs 80\.0 %: PASS/m,
  );
  assert.match(r.stdout, /^probe \d · concurrency 4: FAIL/m);
  assert.match(r.stdout, /^Max sustainable concurrency: 2 \(between 2 and 3\)/m);
  assert.match(r.stdout, /^(Knee at concurrency \d+: output throughput grew|No knee)/m);
  // Why it stops, in the simulator's own /metrics: requests wait for its 2 batch slots.
  assert.match(
    r.stdout,
    /^ {2}server: from 2 to 4: waiting requests grow from [\d.]+ to [\d.]+ \(mean\);\s+the\s+running\s+batch\s+stays\s+at\s+most\s+2/m,
  );
  const capacity = JSON.parse(await Deno.readTextFile(`${cwd}/${/^Capacity: (.+)$/m.exec(r.stdout)![1]}`));
  assert.deepEqual([capacity.max, capacity.upper, capacity.stoppedBy], [2, 3, "precision"]);
  assert.ok(capacity.probes.every((p: { stem: string | null }) => p.stem !== null), "every probe is a run with files");
  const page = await Deno.readTextFile(`${cwd}/${/^Capacity report: (.+)$/m.exec(r.stdout)![1]}`);
  assert.match(page, /Max sustainable concurrency: <b>2<\/b> \(between 2 and 3\)/);
  assert.match(page, /data-chart="capacity-throughput"/);
  assert.match(page, /data-chart="capacity-latency"/);
  assert.match(page, /data-chart="capacity-latency-throughput"/);
  assert.match(page, /Server at the knee: from 2 to 4: waiting requests grow/);
});

Deno.test("--find-max with a percentile SLO judges the share within it against the percentile", async () => {
  const cwd = await Deno.makeTempDir();
  // As above (2 batch slots, a third request waits ~200 ms): TTFT p75 ≤ 150 ms holds at 2 (all within) and fails at
  // 4, where half the requests wait for a slot: ~50 % within, far below the 75 % a p75 needs.
  const r = await bench([
    "--find-max",
    "concurrency",
    "--slo",
    "ttft.p75<=150ms,e2e<=10s",
    "--attainment",
    "0.8",
    "--sim-params",
    '{"maxBatch": 2, "jitter": 0}',
    "--mean-input-tokens",
    "100",
    "--stddev-input-tokens",
    "0",
    "--mean-output-tokens",
    "20",
    "--stddev-output-tokens",
    "0",
    "--max-num-completed-requests",
    "60",
    "--max-probes",
    "3",
    "--server-metrics",
    "off",
  ], { cwd });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /meets E2E ≤ 10000 ms for ≥ 80\.0 % of requests; TTFT p75 ≤ 150 ms/);
  assert.match(r.stderr, /^Server metrics: off$/m);
  assert.match(r.stdout, /^ {2}TTFT p75 ≤ 150 ms: 100\.0 % within \(CI [\d.]+ %–100\.0 %\) vs 75\.0 %: PASS/m);
  assert.match(
    r.stdout,
    /^probe 3 · concurrency 4: FAIL\n(.*\n)*? {2}TTFT p75 ≤ 150 ms: [\d.]+ % within .* vs 75\.0 %: FAIL/m,
  );
  assert.doesNotMatch(r.stdout, /server:/, "no server metrics, no server reason");
  const capacity = JSON.parse(await Deno.readTextFile(`${cwd}/${/^Capacity: (.+)$/m.exec(r.stdout)![1]}`));
  assert.deepEqual(capacity.slo, { e2eMs: 10_000, percentiles: [{ metric: "ttft", percentile: 75, maxMs: 150 }] });
  assert.deepEqual(capacity.probes[0].checks.map((c: { target: number }) => c.target), [0.8, 0.75]);
  assert.equal(capacity.kneeReason, null);
});

Deno.test("bad flags get one line naming the flag, exit code 2, no stack trace, nothing sent", async () => {
  const cases: [string[], RegExp][] = [
    [["--num-concurrent-requests", "0"], /--num-concurrent-requests: must be ≥ 1 \(got 0\)/],
    [["--mean-input-tokens", "lots"], /--mean-input-tokens: expected a number \(got "lots"\)/],
    [["--mode", "fast"], /--mode: accepted values: stream, batch/],
    [
      ["--llm-api", "openai", "--model", "m"],
      /--llm-api: openai needs --base-url \(or OPENAI_API_BASE\)/,
    ],
    [["--llm-api", "sambastudio", "--model", "COE/x"], /--llm-api: sambastudio needs SAMBASTUDIO_URL/],
    [["--additional-sampling-params", "{oops"], /--additional-sampling-params: not valid JSON/],
    [["--num-concurent-requests", "2"], /Did you mean --num-concurrent-requests\?/],
    [["--timeout", "-5"], /--timeout: must be > 0/],
    [["--tokenizer", "/no/such/tokenizer.json"], /--tokenizer: cannot read a tokenizer.json/],
    [["--timeout", "3000000"], /--timeout: must be ≤ 2147483 \(got 3000000\)/],
    [["--timeout", "Infinity"], /--timeout: .*\(got Infinity\)/],
    [["--llm-api", "sim", "--base-url", "http://127.0.0.1:1/v1"], /--base-url: is not used with --llm-api sim/],
    [["--arrival", "gamma"], /--arrival: needs --request-rate/],
    [["--mode", "batch", "--ttft-timeout", "5"], /--ttft-timeout: has no first token to wait for in batch mode/],
    [["--sim-params", '{"maxbatch": 4}'], /unknown option maxbatch \(did you mean maxBatch\?\)/],
    [["--base-url", "ftp://user:sk-cli-secret@h/v1", "--model", "m"], /--base-url: must be an http.*\[redacted\]@h/],
    // Errors found deep in the library (the tokenizer's worker, the sampler, the results files) name the flag too.
    [
      ["--dataset", "/no/such/prompts.jsonl"],
      /^error: --dataset: cannot read \/no\/such\/prompts.jsonl \(no such file\)/,
    ],
    [["--mean-input-tokens", "3"], /^error: --mean-input-tokens: must be ≥ \d+ with this tokenizer/],
    [["--results-dir", "/proc/llm-bench"], /^error: --results-dir: cannot write results to \/proc\/llm-bench/],
  ];
  for (const [args, pattern] of cases) {
    const r = await bench(args);
    assert.equal(r.code, 2, `${args.join(" ")}\n${r.stderr}`);
    const lines = r.stderr.trim().split("\n").filter((l) => l.startsWith("error:"));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], pattern);
    assert.doesNotMatch(r.stderr, /^\s+at /m);
    assert.equal(r.stdout.includes("Records:"), false);
    assert.ok(!r.stderr.includes("sk-cli-secret"));
    assert.ok(r.stderr.trim().split("\n").filter((l) => !/^Task |^Preparing/.test(l)).length <= 3, r.stderr);
  }
});

Deno.test("a .env line that is not NAME=value is a warning naming the file and line, not silence", async () => {
  const cwd = await Deno.makeTempDir();
  await Deno.writeTextFile(`${cwd}/.env`, "OPENAI_API_BASE: http://127.0.0.1:1/v1\n");
  const r = await bench(["--max-num-completed-requests", "1", "--mean-output-tokens", "4"], { cwd });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`warning: ${cwd}/\\.env:1: not KEY=value \\(it starts OPENAI_API_BASE\\)`));
});

Deno.test("--help prints the flags and exits 0", async () => {
  const r = await bench(["--help"]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /--max-num-completed-requests N/);
  assert.match(r.stdout, /--additional-sampling-params JSON/);
});

async function withSim(args: string[], fn: (origin: string) => Promise<void>) {
  await using sim = await spawnSimProcess(args);
  await fn(sim.origin);
}

Deno.test("--llm-api openai works against `deno task sim` running as a separate process", async () => {
  await withSim(["--params", '{"model": "sim-8b"}'], async (origin) => {
    const cwd = await Deno.makeTempDir();
    const r = await bench([
      "--llm-api",
      "openai",
      "--base-url",
      `${origin}/v1`,
      "--model",
      "sim-8b",
      "--mean-input-tokens",
      "200",
      "--mean-output-tokens",
      "30",
      "--num-concurrent-requests",
      "2",
      "--max-num-completed-requests",
      "4",
    ], { cwd });
    assert.equal(r.code, 0, r.stderr);
    const summary = await readSummary(`${cwd}/${filesFrom(r.stdout).summary}`);
    assert.equal(summary.endpoint.api, "openai");
    assert.equal(summary.run.requestsSucceeded, 4);
    // reached by URL, the simulator is still labelled simulated (it marks its responses)
    assert.equal(summary.simulated, true);
    assert.match(r.stdout, /SIMULATED ENDPOINT/);
    assert.equal(summary.metrics.serverTtftMs.count, 0, "plain OpenAI servers report no timings");
  });
});

Deno.test("SambaStudio v1/v2 (with and without COE) and SambaNova Cloud, configured by .env, against `deno task sim`", async () => {
  await withSim(["--api-key", "sk-e2e-SECRET-77"], async (origin) => {
    const cases: { env: string; args: string[]; model: string; stem: RegExp }[] = [
      {
        env: `BASE_URL=${origin}\nPROJECT_ID=proj\nENDPOINT_ID=ep\nAPI_KEY=sk-e2e-SECRET-77\n`,
        args: ["--llm-api", "sambastudio", "--model", "COE/Meta-Llama-3.1-8B-Instruct"],
        model: "Meta-Llama-3.1-8B-Instruct",
        stem: /^data\/results\/Meta-Llama-3-1-8B-Instruct_/,
      },
      {
        env: `SAMBASTUDIO_URL=${origin}/api/v2/predict/generic/stream/proj/ep\nSAMBASTUDIO_API_KEY=sk-e2e-SECRET-77\n`,
        args: ["--llm-api", "sambastudio", "--model", "Bundle/Meta-Llama-3.3-70B-Instruct"],
        model: "Meta-Llama-3.3-70B-Instruct",
        stem: /^data\/results\/Meta-Llama-3-3-70B-Instruct_/,
      },
      {
        env: `SAMBASTUDIO_URL=${origin}/api/predict/generic/stream/proj/ep\nSAMBASTUDIO_API_KEY=sk-e2e-SECRET-77\n`,
        args: ["--llm-api", "sambastudio", "--model", "my-endpoint"],
        model: "my-endpoint",
        stem: /^data\/results\/my-endpoint_/,
      },
      {
        env: `SAMBANOVA_API_BASE=${origin}/sambanova/v1\nSAMBANOVA_API_KEY=sk-e2e-SECRET-77\n`,
        args: ["--llm-api", "sambanova", "--model", "llm-bench-sim"],
        model: "llm-bench-sim",
        stem: /^data\/results\/llm-bench-sim_/,
      },
    ];
    for (const c of cases) {
      const cwd = await Deno.makeTempDir();
      await Deno.writeTextFile(`${cwd}/.env`, c.env);
      const r = await bench([
        ...c.args,
        "--mean-output-tokens",
        "20",
        "--max-num-completed-requests",
        "3",
        "--num-concurrent-requests",
        "3",
      ], { cwd });
      assert.equal(r.code, 0, `${c.args.join(" ")}\n${r.stderr}`);
      const files = filesFrom(r.stdout);
      assert.match(files.records, c.stem);
      const summary = await readSummary(`${cwd}/${files.summary}`);
      assert.equal(summary.endpoint.model, c.model);
      assert.equal(summary.run.requestsSucceeded, 3);
      assert.equal(summary.metrics.ttftMs.count, 3);
      assert.equal(summary.metrics.serverTtftMs.count, 3, "server TTFT on every record");
      assert.equal(summary.metrics.serverE2eMs.count, 3);
      assert.equal(summary.metrics.ttftOverheadMs.count, 3);
      assert.match(r.stdout, /client vs server \(p50\)/);
      assert.match(r.stdout, /Server: time to first token \(ms\)/);
      // The server's timings against the client's in one line (it wraps at 80 columns).
      assert.match(
        r.stdout.replace(/\n {4,}/g, " "),
        /^Server's timings +TTFT p50 [\d.,]+ ms by the server, [\d.,]+ ms by the client: -?[\d.,]+ ms outside the server's clock/m,
      );
      const records = await readRecords(`${cwd}/${files.records}`);
      for (const rec of records) {
        assert.ok(rec.serverTtftMs! <= rec.ttftMs!, "the server's clock starts after the client's");
      }
      for (
        const text of [
          r.stdout,
          r.stderr,
          await Deno.readTextFile(`${cwd}/${files.summary}`),
          await Deno.readTextFile(`${cwd}/${files.records}`),
        ]
      ) {
        assert.equal(text.includes("sk-e2e-SECRET-77"), false, "the key is never written");
      }
    }
  });
});

Deno.test("bench against a server of our own with role-only first chunk, usage-only last chunk and CRLF", async () => {
  await using server = startScriptedServer((body) => ({
    pieces: quirkyStream(Array.from({ length: body.max_tokens as number }, (_, i) => ` w${i}`)),
  }));
  const cwd = await Deno.makeTempDir();
  // endpoint and key from .env in the working folder
  await Deno.writeTextFile(`${cwd}/.env`, `OPENAI_API_BASE=${server.baseUrl}\nOPENAI_API_KEY=sk-test-KEY-0042\n`);
  const r = await bench([
    "--model",
    "quirky",
    "--mean-output-tokens",
    "10",
    "--stddev-output-tokens",
    "0",
    "--max-num-completed-requests",
    "3",
    "--num-concurrent-requests",
    "1",
  ], { cwd });
  assert.equal(r.code, 0, r.stderr);
  const files = filesFrom(r.stdout);
  const summary = await readSummary(`${cwd}/${files.summary}`);
  const records = await readRecords(`${cwd}/${files.records}`);
  assert.equal(summary.simulated, false);
  assert.equal(summary.endpoint.api, "openai");
  for (const rec of records) {
    assert.equal(rec.status, "ok");
    assert.equal(rec.textEvents, 10);
    assert.equal(rec.emptyEvents, 2); // role-only first chunk and usage-only last chunk
    assert.equal(rec.outputTokenSource, "server");
    assert.equal(rec.inputTokens, 11);
    assert.ok(rec.ttftMs! > rec.ttfbMs!, "TTFT is taken at the first text, not at the role-only chunk");
    assert.equal(rec.interTokenLatenciesMs.length, 9);
  }
  // the key reached the server but no file or output
  assert.equal(server.received.length, 3);
  assert.deepEqual(server.authorizations, Array(3).fill("Bearer sk-test-KEY-0042"), "the key was used");
  // every file the run wrote, and all output
  const written: string[] = [];
  for (const e of Deno.readDirSync(`${cwd}/data/results`)) {
    written.push(await Deno.readTextFile(`${cwd}/data/results/${e.name}`));
  }
  assert.equal(written.length, 4, "records, summary, report, run start record");
  for (const text of [r.stdout, r.stderr, ...written]) assert.equal(text.includes("sk-test-KEY-0042"), false);
});

Deno.test("token counts that disagree are said: a server counting 100 input tokens for prompts of 427", async () => {
  // A server that counts every prompt as 100 tokens and stops 2 tokens short of max_tokens (EOS not ignored).
  await using server = startScriptedServer((body) => {
    const words = Array.from({ length: (body.max_tokens as number) - 2 }, (_, i) => ` w${i}`);
    const pieces = quirkyStream(words, { usage: false });
    const usage = { prompt_tokens: 100, completion_tokens: words.length, total_tokens: 100 + words.length };
    pieces.splice(-1, 0, `data: ${JSON.stringify({ id: "x", choices: [], usage })}\r\n\r\n`);
    return { pieces, gapMs: 1 };
  });
  const cwd = await Deno.makeTempDir();
  const args = ["--base-url", server.baseUrl, "--model", "m", "--max-num-completed-requests", "4"];
  const sizes = ["--mean-input-tokens", "427", "--stddev-input-tokens", "0", "--stddev-output-tokens", "0"];
  const r = await bench([...args, ...sizes, "--mean-output-tokens", "20"], { cwd });
  assert.equal(r.code, 0, r.stderr);
  // The console wraps at 80 columns: a note's or a headline's lines go on indented; read them as one.
  const flat = r.stdout.replace(/\n {4,}/g, " ");
  assert.match(
    flat,
    /note: the server counted 100 input tokens per request where llm-bench's tokenizer counted 427 \(median, ratio 23 %\): likely another tokenizer than the server's \(count with its tokenizer\.json\), a chat template, or truncation/,
  );
  assert.match(
    flat,
    /note: the server counted 18 output tokens per request where 20 were requested \(median, ratio 90 %\): likely the server stopped at end-of-sequence \(ignore_eos not honoured\)/,
  );
  assert.match(
    flat,
    /^Token counts +input: server 100 vs 427 requested \(23 %, DISAGREE\) · output: server 18 vs 20/m,
  );
  const summary = await readSummary(`${cwd}/${filesFrom(r.stdout).summary}`);
  assert.ok(summary.health!.notes.some((n) => /server counted 100 input tokens/.test(n)), "a health note");
  assert.ok(!summary.health!.reasons.some((n) => /tokens per request/.test(n)), "the timings are not distorted");
  assert.equal(summary.health?.figures.inputTokensReported, 100);
  assert.equal(summary.health?.figures.inputTokensRequested, 427);
  assert.equal(summary.health?.figures.inputTokensReportedRatio, 0.234);
  const records = await readRecords(`${cwd}/${filesFrom(r.stdout).records}`);
  assert.ok(
    records.every((x) =>
      x.requestedInputTokens === 427 && x.inputTokens === 100 && x.requestedOutputTokens === 20 && x.outputTokens === 18
    ),
  );
  const report = await Deno.readTextFile(`${cwd}/${/^Report: +(.+)$/m.exec(r.stdout)![1]}`);
  assert.match(report, /the server counted 100 input tokens per request/);

  // Within 5 %: no note, no line (58 of 60 output tokens is 97 %; 100 of 100 input).
  const exact = await bench([...args, ...sizes.slice(2), "--mean-input-tokens", "100", "--mean-output-tokens", "60"], {
    cwd,
  });
  assert.equal(exact.code, 0, exact.stderr);
  assert.doesNotMatch(exact.stdout, /the server counted|^Token counts/m);
});

Deno.test("--sweep runs one benchmark per value and writes a sweep summary and report with the load curves", async () => {
  const cwd = await Deno.makeTempDir();
  const r = await bench(
    [
      "--sweep",
      "num-concurrent-requests=1,3",
      "--max-num-completed-requests",
      "3",
      "--mean-output-tokens",
      "15",
      "--slo",
      "ttft=2s",
    ],
    { cwd },
  );
  assert.equal(r.code, 0, r.stderr);
  const json = /^Sweep summary: (.+)$/m.exec(r.stdout)?.[1];
  const html = /^Sweep report: +(.+)$/m.exec(r.stdout)?.[1];
  assert.ok(json && html, r.stdout);
  assert.match(json, /_sweep-num-concurrent-requests_stream_.*_sweep\.json$/);
  const sweep = JSON.parse(await Deno.readTextFile(`${cwd}/${json}`));
  assert.equal(sweep.field, "numConcurrentRequests");
  assert.deepEqual(sweep.rows.map((x: { value: number }) => x.value), [1, 3]);
  assert.ok(
    sweep.rows.every((x: { requestsSucceeded: number; goodputRequestsPerS: number }) =>
      x.requestsSucceeded === 3 && x.goodputRequestsPerS > 0
    ),
  );
  const page = await Deno.readTextFile(`${cwd}/${html}`);
  for (const id of ["sweep-ttft", "sweep-e2e", "sweep-throughput", "sweep-latency-vs-throughput"]) {
    assert.match(page, new RegExp(`data-chart="${id}"`));
  }
  assert.match(r.stdout, /Concurrent requests +ok/);

  // The same sweep, then a comparison of its two runs, at 80 columns (as a terminal of that width tells through
  // COLUMNS): every line fits but the results files' paths, which stay whole to be copied.
  const narrow = await bench([
    "--sweep",
    "num-concurrent-requests=1,3",
    "--max-num-completed-requests",
    "3",
    "--mean-output-tokens",
    "15",
  ], { cwd, env: { COLUMNS: "80" } });
  assert.equal(narrow.code, 0, narrow.stderr);
  const over = (text: string) =>
    text.split("\n").filter((l) => [...l].length > 80 && !/^(Records|Summary|Report|Sweep \w+): +\S+$/.test(l));
  assert.deepEqual(over(narrow.stdout), [], "bench and sweep tables within 80 columns");
  assert.match(narrow.stdout, /^ +TTFT ms +E2E ms/m, "the compact sweep table's group headings");
  assert.match(narrow.stdout, /^concurrency +(ok +)?err % +p50 +p99 +p50 +p99/m, "ok goes first when it must");
  // 3 requests: too few for a p50's interval (6) and a p99's (368); ITL is not a percentile of the requests.
  assert.match(narrow.stdout, /^ +3 +(3 +)?0 +[\d.]+\* +[\d.]+\* +[\d.]+\* +[\d.]+\* +[\d.]+ /m, narrow.stdout);
  assert.doesNotMatch(narrow.stdout, /goodput/, "no column without figures");
  const summaries = [...narrow.stdout.matchAll(/^Summary: (.+)$/gm)].map((m) => `${cwd}/${m[1]}`);
  assert.equal(summaries.length, 2);
  const cmp = await runTask("compare", [...summaries], { COLUMNS: "80" });
  assert.equal(cmp.code, 0, cmp.stderr);
  assert.deepEqual(over(cmp.stdout), [], "the comparison within 80 columns");
  assert.match(cmp.stdout, /^Metric +Baseline +Candidate +Change +95 % CI of diff\. +Verdict$/m);
  assert.match(cmp.stdout, /compact to fit 80 columns/);
  const wide = await runTask("compare", [...summaries]);
  assert.match(wide.stdout, /^Metric +Baseline +Candidate +Diff\. +Change +95 % CI +Verdict$/m, "piped: every column");
});

Deno.test("--client-threads 2 spreads the streams over two measuring threads; the files are those of any run", async () => {
  const cwd = await Deno.makeTempDir();
  const r = await bench([
    "--max-num-completed-requests",
    "8",
    "--num-concurrent-requests",
    "4",
    "--mean-output-tokens",
    "10",
    "--client-threads",
    "2",
  ], { cwd });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /progress: 8\/8 done · 8 ok/);
  const files = filesFrom(r.stdout);
  const summary = await readSummary(`${cwd}/${files.summary}`);
  const records = await readRecords(`${cwd}/${files.records}`);
  assert.equal(summary.config.clientThreads, 2);
  assert.deepEqual(records.map((x) => x.index).sort((a, b) => a - b), [...Array(8).keys()]);
  assert.equal(summary.health?.figures.connectionsOpened, 4, "one kept-alive connection per slot, 2 per thread");
  // One clock for both threads: every request lies within the run's wall time, measured from the first send.
  const first = Math.min(...records.map((x) => x.startOffsetMs));
  assert.ok(first >= 0 && first < 100, `first send at ${first} ms`);
  assert.ok(records.every((x) => x.endOffsetMs - first <= summary.run.wallTimeS! * 1000 + 0.01));
});

Deno.test("deno task bench from a subfolder reads that folder's .env (INIT_CWD) and says which file it read", async () => {
  await withSim(["--params", '{"model": "sub-model"}'], async (origin) => {
    const sub = await Deno.makeTempDir();
    const results = await Deno.makeTempDir();
    await Deno.writeTextFile(`${sub}/.env`, `OPENAI_API_BASE=${origin}/v1\n`);
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "task",
        "--config",
        `${root}deno.json`,
        "bench",
        "--model",
        "sub-model",
        "--max-num-completed-requests",
        "2",
        "--mean-output-tokens",
        "8",
        "--results-dir",
        results,
      ],
      cwd: sub,
      // As from a shell: `deno task` sets INIT_CWD only when it is not set already (as it is inside `deno task test`).
      clearEnv: true,
      env: Object.fromEntries(
        Object.entries({ NO_COLOR: "1", PATH: Deno.env.get("PATH"), HOME: Deno.env.get("HOME") }).concat(
          Deno.env.get("DENO_DIR") ? [["DENO_DIR", Deno.env.get("DENO_DIR")]] : [],
        ).filter((e): e is [string, string] => e[1] !== undefined),
      ),
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    assert.match(stderr, new RegExp(`Settings from ${sub}/\\.env`));
    const summary = await readSummary(`${filesFrom(new TextDecoder().decode(out.stdout)).summary}`);
    assert.equal(summary.endpoint.api, "openai", "the subfolder's .env named the endpoint");
    assert.equal(summary.endpoint.url, `${origin}/v1/chat/completions`);
  });
});

Deno.test("no --model: the one model the server lists is used and said; a server with two gets a line listing them", async () => {
  await withSim(["--params", '{"model": "the-only-one"}'], async (origin) => {
    const cwd = await Deno.makeTempDir();
    const r = await bench([
      "--base-url",
      `${origin}/v1`,
      "--max-num-completed-requests",
      "2",
      "--mean-output-tokens",
      "8",
    ], {
      cwd,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /--model not given: using the-only-one, the one model .*\/v1\/models lists/);
    assert.equal((await readSummary(`${cwd}/${filesFrom(r.stdout).summary}`)).endpoint.model, "the-only-one");
  });
  await using two = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => Response.json({ object: "list", data: [{ id: "model-a" }, { id: "model-b" }] }),
  );
  const r = await bench(["--base-url", `http://127.0.0.1:${two.addr.port}/v1`]);
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.trim().split("\n").filter((l) => l.startsWith("error:"));
  assert.equal(lines.length, 1);
  assert.match(lines[0], /--model: required — .* lists 2 models: model-a, model-b/);
});

Deno.test("credentials in the base URL reach no record, no summary, no console line", async () => {
  const cwd = await Deno.makeTempDir();
  // Nothing listens on port 1: every request fails to connect, and the failure names the URL it could not reach.
  const r = await bench([
    "--base-url",
    "http://user:sk-url-secret-42@127.0.0.1:1/v1?api_key=sk-query-secret-43",
    "--model",
    "m",
    "--max-num-completed-requests",
    "2",
    "--no-warm-connections",
    "--no-preflight",
  ], { cwd });
  const files = [...Deno.readDirSync(`${cwd}/data/results`)].map((e) =>
    Deno.readTextFileSync(`${cwd}/data/results/${e.name}`)
  );
  assert.ok(files.length >= 3, "the run wrote its files");
  for (const text of [r.stdout, r.stderr, ...files]) {
    assert.ok(!text.includes("sk-url-secret-42") && !text.includes("sk-query-secret-43"), text.slice(0, 300));
  }
  assert.match(
    files.join("\n"),
    /Cannot reach http:\/\/\[redacted\]@127\.0\.0\.1:1\/v1\/chat\/completions\?api_key=\[redacted\]/,
  );
});

Deno.test("an unwritable results folder is one line that says so (not Deno's permission advice)", async () => {
  // Through deno task, as a user runs it: Deno refuses /proc with its own advice to run with --allow-all.
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--config", `${root}deno.json`, "bench", "--results-dir", "/proc/llm-bench-results"],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 2, stderr);
  const lines = stderr.trim().split("\n").filter((l) => l.startsWith("error:"));
  assert.deepEqual(lines, [
    "error: --results-dir: cannot write results to /proc/llm-bench-results (permission denied)",
  ]);
  assert.doesNotMatch(stderr, /allow-all/);
});

Deno.test("a run where every request fails says why on the console: the server's first message per error code", async () => {
  const r = await bench([
    "--max-num-completed-requests",
    "4",
    "--sim-params",
    '{"faults": {"plan": ["status-503"]}}',
  ]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^HTTP_STATUS × 4: HTTP 503 .*Service unavailable: the model is overloaded/m);
  assert.match(r.stdout, /Health: SUSPECT — no successful request/);
  assert.doesNotMatch(r.stdout, /% of a core: it may be the bottleneck/);
});

Deno.test("an endpoint that cannot be used is one line before the run: unreachable, or not serving the model", async () => {
  const cwd = await Deno.makeTempDir();
  const refused = await bench(["--base-url", "http://127.0.0.1:1/v1", "--model", "m"], { cwd });
  assert.equal(refused.code, 1, refused.stderr);
  const lines = refused.stderr.trim().split("\n").filter((l) => l.startsWith("error:"));
  assert.deepEqual(lines, [
    "error: Cannot reach http://127.0.0.1:1/v1: connection refused (no run; --no-preflight to run anyway)",
  ]);
  assert.doesNotMatch(refused.stdout, /Health|Requests/, "no empty table, no health verdict about nothing");
  const left = await Array.fromAsync(Deno.readDir(`${cwd}/data/results`)).catch(() => []);
  assert.deepEqual(left, [], "no results files");
  await withSim(["--params", '{"model": "served-model"}'], async (origin) => {
    const r = await bench(["--base-url", `${origin}/v1`, "--model", "other-model"], { cwd });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^error: .*\/v1 does not serve the model other-model; it serves: served-model/m);
    // A base URL typed without /v1, as vLLM users type it: one line naming the URL that works, exit 2.
    const noV1 = await bench(["--base-url", origin, "--model", "served-model", "--max-num-completed-requests", "2"], {
      cwd,
    });
    assert.equal(noV1.code, 2, noV1.stderr);
    assert.deepEqual(noV1.stderr.trim().split("\n").filter((l) => l.startsWith("error:")), [
      `error: --base-url: ${origin} has no /chat/completions; did you mean ${origin}/v1?`,
    ]);
  });
});

Deno.test("local inputs first, the network second; a server that accepts and never answers is one line in 10 s", async () => {
  const cwd = await Deno.makeTempDir();
  // Nothing listens on port 1, but the results folder cannot be made (a file stands in its way): that is said first.
  await Deno.writeTextFile(`${cwd}/blocked`, "");
  const folder = await bench(
    ["--base-url", "http://127.0.0.1:1/v1", "--model", "m", "--results-dir", `${cwd}/blocked/results`],
    { cwd },
  );
  assert.equal(folder.code, 2, folder.stderr);
  assert.match(folder.stderr, /^error: .*results/m);
  assert.doesNotMatch(folder.stderr, /Cannot reach/);
  // An instruction longer than the mean input: a local mistake too, before the endpoint is tried.
  const short = await bench(["--base-url", "http://127.0.0.1:1/v1", "--model", "m", "--mean-input-tokens", "3"], {
    cwd,
  });
  assert.equal(short.code, 2, short.stderr);
  assert.doesNotMatch(short.stderr, /Cannot reach/);
  // A server that accepts the connection and never answers.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) held.push(conn);
  })();
  const started = performance.now();
  const silent = await bench(["--base-url", `http://127.0.0.1:${listener.addr.port}/v1`, "--model", "m"], { cwd });
  const tookS = (performance.now() - started) / 1000;
  listener.close();
  for (const c of held) c.close();
  await accepting.catch(() => {});
  assert.equal(silent.code, 1, silent.stderr);
  assert.match(
    silent.stderr,
    /^error: http:\/\/127\.0\.0\.1:\d+\/v1 accepted the connection but sent no answer within 10 s/m,
  );
  assert.ok(tookS < 30, `${tookS} s`);
});

Deno.test("a run that fails while its simulator is starting leaves nothing running: the process ends by itself", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `--config=${root}deno.json`,
      `import { benchmark } from "${root}mod.ts";
       await benchmark({ meanInputTokens: 3 }, { writeFiles: false }).catch((e) => console.log(e.message));`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // A simulator worker left behind keeps the process alive; the guard turns that into a failure, not a hung test.
  const guard = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const out = await child.output();
  clearTimeout(guard);
  assert.equal(out.signal, null, "the process had to be killed: something was left running");
  assert.match(new TextDecoder().decode(out.stdout), /meanInputTokens: must be ≥/);
});

Deno.test("deno task sim: --token-counter table counts the sampler's prompts exactly with no tokenizer loaded; a bad value is one line", async () => {
  const bad = await runTask("sim", ["--token-counter", "bpe"]);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr.trim().split("\n").at(-1), 'error: --token-counter: expected tokenizer or table (got "bpe")');
  await withSim(["--token-counter", "table", "--params", '{"jitter": 0}'], async (origin) => {
    const cwd = await Deno.makeTempDir();
    const r = await bench([
      "--llm-api",
      "openai",
      "--base-url",
      `${origin}/v1`,
      "--model",
      "llm-bench-sim",
      "--mean-input-tokens",
      "300",
      "--stddev-input-tokens",
      "50",
      "--mean-output-tokens",
      "5",
      "--max-num-completed-requests",
      "6",
    ], { cwd });
    assert.equal(r.code, 0, r.stderr);
    const records = await readRecords(`${cwd}/${filesFrom(r.stdout).records}`);
    assert.equal(records.length, 6);
    for (const rec of records) {
      assert.equal(rec.inputTokenSource, "server");
      assert.equal(
        rec.inputTokens,
        rec.requestedInputTokens,
        `request ${rec.index}: the server counted what was asked`,
      );
    }
    assert.ok(new Set(records.map((rec) => rec.inputTokens)).size > 1, "prompts of several lengths");
  });
});

Deno.test("--server-metrics naming a page that is not Prometheus text: one line, exit 2, nothing sent", async () => {
  let served = 0;
  await using page = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => {
    served++;
    return new Response("<html><body>Grafana</body></html>", { headers: { "content-type": "text/html" } });
  });
  const url = `http://127.0.0.1:${page.addr.port}/metrics`;
  const r = await bench(["--server-metrics", url, "--max-num-completed-requests", "2"]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(`^error: --server-metrics: ${url.replace(/[.:/]/g, "\\$&")} answers HTML, not Prometheus text$`, "m"),
  );
  assert.equal(served, 1, "one probe, nothing else");
  assert.doesNotMatch(r.stdout, /Records:/);
});

Deno.test("fail fast: a server that answers 500 to everything stops the run after its first 50 failures, exit 1", async () => {
  const cwd = await Deno.makeTempDir();
  let completions = 0;
  await using broken = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    if (new URL(req.url).pathname.endsWith("/models")) return Response.json({ object: "list", data: [{ id: "m" }] });
    completions++;
    return Response.json({ error: { message: "CUDA out of memory", type: "server_error" } }, { status: 500 });
  });
  const r = await bench([
    "--base-url",
    `http://127.0.0.1:${broken.addr.port}/v1`,
    "--model",
    "m",
    "--max-num-completed-requests",
    "1000000000000",
    "--server-metrics",
    "off",
  ], { cwd });
  assert.equal(r.code, 1, r.stderr);
  assert.match(
    r.stderr,
    /^error: the first 50 requests all failed, so the run stopped there \(--max-failures N\|off\)/m,
  );
  // The server's first message, once; those in flight when the 50th failed are recorded as they ended.
  assert.match(r.stderr, /^HTTP_STATUS × (5\d): HTTP 500 Internal Server Error: .*CUDA out of memory/m);
  assert.ok(
    completions >= 50 && completions <= 58,
    `${completions} requests reached the server (50 + those in flight)`,
  );
  const summary = await readSummary(`${cwd}/${filesFrom(r.stdout).summary}`);
  assert.equal(summary.run.stopReason, "failing");
  assert.equal(summary.config.maxFailures, 50);
  assert.equal(summary.run.requestsStarted, completions);
  // --max-failures N sets the count; off sends them all.
  const three = await bench([
    "--base-url",
    `http://127.0.0.1:${broken.addr.port}/v1`,
    "--model",
    "m",
    "--max-failures",
    "3",
    "--num-concurrent-requests",
    "1",
    "--max-num-completed-requests",
    "100",
    "--server-metrics",
    "off",
  ], { cwd });
  assert.match(three.stderr, /^error: the first 3 requests all failed/m);
  const off = await bench([
    "--base-url",
    `http://127.0.0.1:${broken.addr.port}/v1`,
    "--model",
    "m",
    "--max-failures",
    "off",
    "--max-num-completed-requests",
    "12",
    "--server-metrics",
    "off",
  ], { cwd });
  assert.match(off.stderr, /^error: no request succeeded/m);
  assert.equal((await readSummary(`${cwd}/${filesFrom(off.stdout).summary}`)).run.requestsFailed, 12);
});

Deno.test("the run says the concurrency it can hold: 2 requests run 2 at a time, not 8", async () => {
  const r = await bench(["--max-num-completed-requests", "2", "--mean-output-tokens", "5"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Running 2 requests, 2 at a time \(--num-concurrent-requests 8 is more than the requests\)/);
});
