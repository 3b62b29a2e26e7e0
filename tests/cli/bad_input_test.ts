// Bad input, tried through the same path `deno task bench` takes (flags → environment/.env → schema): each gets one
// line naming the flag or variable, the bad value and what is accepted — before anything is sent. The CLI's exit code
// 2 and stderr for these are checked as a subprocess in tests/e2e/cli_test.ts.
import assert from "node:assert/strict";
import { resolveBenchConfig } from "../../lib/cli/args.ts";
import { ConfigError } from "../../lib/errors.ts";

const BAD: [string[], Record<string, string>, RegExp][] = [
  [
    ["--slo", "ttft=500"],
    {},
    /--slo: cannot read "ttft=500": expected metric<=value or metric\.pNN<=value with a unit/,
  ],
  [["--slo", "ttft.p99 500ms"], {}, /--slo: cannot read "ttft.p99 500ms": expected metric<=value/],
  [["--slo", "p99=1s"], {}, /--slo: unknown SLO metric "p99": accepted ttft, tpot, e2e/],
  [["--slo", "itl.p99<=50ms"], {}, /--slo: unknown SLO metric "itl": accepted ttft, tpot, e2e/],
  [["--slo", "ttft.p99=500ms"], {}, /--slo: "ttft.p99=500ms": a percentile's limit is written with <=/],
  [["--slo", "ttft.p100<=1s"], {}, /--slo: "ttft.p100<=1s": the percentile must be above p0 and below p100/],
  [["--server-metrics", "localhost:8000/metrics"], {}, /--server-metrics: expected auto, off or an http\(s\):\/\/ URL/],
  [
    ["--find-max", "concurrency", "--slo", "ttft=1s", "--start-load", "2.5"],
    {},
    /--start-load: expected a whole number ≥ 1 \(got 2.5\)/,
  ],
  [["--start-load", "4"], {}, /--start-load: needs --find-max concurrency\|rate/],
  [["--max-failures", "0"], {}, /--max-failures: /],
  [["--max-failures", "never"], {}, /--max-failures: expected a whole number ≥ 1, or off \(got "never"\)/],
  [["--max-failures", "2.5"], {}, /--max-failures: expected a whole number ≥ 1, or off \(got 2.5\)/],
  [
    ["--sweep", "concurrency=1,2"],
    {},
    /--sweep: expected FIELD=V1,V2,… with FIELD one of num-concurrent-requests, request-rate/,
  ],
  [["--sweep", "request-rate=1,x"], {}, /--sweep: the values must be positive numbers \(got "1,x"\)/],
  [["--sweep", "num-concurrent-requests=1,2.5"], {}, /--num-concurrent-requests: expected an integer \(got 2.5\)/],
  [["--request-rate", "0"], {}, /--request-rate: must be > 0 \(got 0\)/],
  [["--arrival", "uniform"], {}, /--arrival: accepted values: poisson, gamma, constant/],
  [["--burstiness", "-1"], {}, /--burstiness: must be > 0/],
  [["--warmup-requests", "-2"], {}, /--warmup-requests: must be ≥ 0/],
  [["--duration", "0"], {}, /--duration: must be > 0/],
  [["--dataset-order", "random"], {}, /--dataset-order: accepted values: sequential, shuffle/],
  [["--num-concurrent-requests", "0"], {}, /--num-concurrent-requests: must be ≥ 1 \(got 0\)/],
  [["--num-concurrent-requests", "2.5"], {}, /--num-concurrent-requests: expected an integer \(got 2.5\)/],
  [["--num-concurrent-requests", "many"], {}, /--num-concurrent-requests: expected a number \(got "many"\)/],
  [["--num-concurrent-requests", "200000"], {}, /--num-concurrent-requests: must be ≤ 100000/],
  [["--max-num-completed-requests", "-3"], {}, /--max-num-completed-requests: must be ≥ 1 \(got -3\)/],
  [["--mean-input-tokens", "0"], {}, /--mean-input-tokens: must be ≥ 1/],
  [["--mean-input-tokens", ""], {}, /--mean-input-tokens: expected a number \(got ""\)/],
  [["--mean-output-tokens", "1e9"], {}, /--mean-output-tokens: must be ≤ 2000000/],
  [["--stddev-input-tokens", "-1"], {}, /--stddev-input-tokens: must be ≥ 0/],
  [["--stddev-output-tokens", "NaN"], {}, /--stddev-output-tokens: expected a number/],
  [["--timeout", "0"], {}, /--timeout: must be > 0 \(got 0\)/],
  [["--timeout", "-5"], {}, /--timeout: must be > 0 \(got -5\)/],
  [["--ttft-timeout", "0"], {}, /--ttft-timeout: must be > 0/],
  [["--idle-timeout", "soon"], {}, /--idle-timeout: expected a number \(got "soon"\)/],
  [["--request-timeout", "-1"], {}, /--request-timeout: must be > 0/],
  [["--target-precision", "ttft:5%"], {}, /--target-precision: cannot read "ttft:5%": expected METRIC\.STATISTIC:N%/],
  [
    ["--target-precision", "ttft.p99:5%", "--client-threads", "2"],
    {},
    /--target-precision: runs on one measuring thread/,
  ],
  [["--repeat", "1"], {}, /--repeat: expected a whole number of runs, 2 … 1000 \(got 1\)/],
  [["--repeat", "3", "--sweep", "num-concurrent-requests=1,2"], {}, /--repeat: one workload repeated, or a --sweep/],
  [["--repeat-same-seed"], {}, /--repeat-same-seed: needs --repeat N/],
  [["--find-max", "users", "--slo", "ttft=1s"], {}, /--find-max: accepted values: concurrency, rate \(got "users"\)/],
  [["--find-max", "concurrency"], {}, /--find-max: needs --slo/],
  [["--find-max", "rate", "--slo", "ttft=1s", "--request-rate", "2"], {}, /--find-max rate: the search sets the rate/],
  [["--find-max", "concurrency", "--slo", "ttft=1s", "--sweep", "mean-input-tokens=100,200"], {}, /not with --sweep/],
  [
    ["--find-max", "concurrency", "--slo", "ttft=1s", "--attainment", "1.5"],
    {},
    /--attainment: expected a share 0 < P ≤ 1/,
  ],
  [
    ["--find-max", "concurrency", "--slo", "ttft=1s", "--precision", "10"],
    {},
    /--precision: expected a percentage like 10%/,
  ],
  [["--attainment", "0.9"], {}, /--attainment: needs --find-max concurrency\|rate/],
  [["--seed", "-1"], {}, /--seed: must be ≥ 0/],
  [["--seed", "1.5"], {}, /--seed: expected an integer/],
  [["--mode", "fast"], {}, /--mode: accepted values: stream, batch \(got "fast"\)/],
  [["--http-client", "curl"], {}, /--http-client: accepted values: auto, llm-bench, fetch \(got "curl"\)/],
  [["--endpoint", "embeddings"], {}, /--endpoint: accepted values: chat, completions/],
  [["--llm-api", "vllm"], {}, /--llm-api: accepted values: sim, openai, sambanova, sambastudio \(got "vllm"\)/],
  [["--llm-api", "openai", "--model", "m"], {}, /--llm-api: openai needs --base-url \(or OPENAI_API_BASE\)/],
  [["--llm-api", "openai", "--base-url", "http://h/v1"], {}, /--model: is required with --llm-api openai/],
  [
    ["--base-url", "localhost:8000/v1", "--model", "m"],
    {},
    /--base-url: must be an http:\/\/ or https:\/\/ URL \(got "localhost:8000\/v1"\)/,
  ],
  [["--base-url", "ftp://h/v1", "--model", "m"], {}, /--base-url: must be an http:\/\/ or https:\/\/ URL/],
  [["--model", "   "], {}, /--model: must not be empty/],
  [["--results-dir", ""], {}, /--results-dir: must not be empty \(got ""\)/],
  [
    ["--additional-sampling-params", "{temperature: 0}"],
    {},
    /--additional-sampling-params: not valid JSON .*expected an object like/,
  ],
  [["--additional-sampling-params", "[1, 2]"], {}, /--additional-sampling-params: expected a JSON object/],
  [["--additional-sampling-params", "null"], {}, /--additional-sampling-params: expected a JSON object/],
  [["--sim-params", '{"maxBatch": 0}'], {}, /--sim-params maxBatch: must be ≥ 1 \(got 0\)/],
  [["--sim-params", '{"jitter": -1}'], {}, /--sim-params jitter: must be ≥ 0/],
  [["--sim-params", '{"faults": {"rate": 2}}'], {}, /--sim-params faults.rate: must be ≤ 1 \(got 2\)/],
  [
    ["--sim-params", '{"faults": {"plan": ["explode"]}}'],
    {},
    /--sim-params faults.plan.0: accepted values: none, status-429/,
  ],
  [["--sim-params", '{"maxbatch": 4}'], {}, /--sim-params: unknown option maxbatch/],
  [
    ["--num-concurent-requests", "4"],
    {},
    /Unknown flag --num-concurent-requests\. Did you mean --num-concurrent-requests\?/,
  ],
  [["--verbose"], {}, /Unknown flag --verbose\. Run with --help for the flags\./],
  [["--model"], {}, /--model: needs a value/],
  [["extra-argument"], {}, /Unexpected argument 'extra-argument': every option is a --flag/],
  [
    [],
    { OPENAI_API_BASE: "localhost:8000" },
    /OPENAI_API_BASE \(from \.env or the environment\): must be an http:\/\/ or https:\/\/ URL \(got "localhost:8000"\)/,
  ],
  [["--llm-api", "sambanova", "--model", "m"], {}, /--llm-api: sambanova needs an API key: set SAMBANOVA_API_KEY/],
  [
    ["--llm-api", "sambanova", "--model", "m"],
    { SAMBANOVA_API_BASE: "api.sambanova.ai", SAMBANOVA_API_KEY: "k" },
    /SAMBANOVA_API_BASE \(from \.env or the environment\): must be an http/,
  ],
  [
    ["--llm-api", "sambastudio", "--model", "COE/x"],
    {},
    /--llm-api: sambastudio needs SAMBASTUDIO_URL \(or BASE_URL, PROJECT_ID and ENDPOINT_ID\)/,
  ],
  [
    ["--llm-api", "sambastudio", "--model", "COE/x"],
    { SAMBASTUDIO_URL: "https://s/api/predict/generic/stream/p/e" },
    /sambastudio needs an API key: set SAMBASTUDIO_API_KEY \(or API_KEY\)/,
  ],
  [["--llm-api", "sambastudio", "--model", "x"], {
    BASE_URL: "studio.example",
    PROJECT_ID: "p",
    ENDPOINT_ID: "e",
    API_KEY: "k",
  }, /BASE_URL \(from \.env or the environment\): must be an http/],
];

Deno.test(`${BAD.length} bad inputs each get one line naming what is wrong and what is accepted`, () => {
  assert.ok(BAD.length >= 30);
  const table: string[] = [];
  for (const [argv, env, pattern] of BAD) {
    let message = "";
    try {
      resolveBenchConfig(argv, env);
    } catch (e) {
      assert.ok(e instanceof ConfigError, `${argv.join(" ")}: ${e}`);
      message = e.message;
    }
    assert.match(message, pattern, `${argv.join(" ")} ${JSON.stringify(env)}`);
    assert.ok(!message.includes("\n"), `one line: ${message}`);
    table.push(`${[...argv, ...Object.entries(env).map(([k, v]) => `${k}=${v}`)].join(" ")}\n    → ${message}`);
  }
  // The table, for the closing note and for anyone reading the test output.
  if (Deno.env.get("SHOW_BAD_INPUTS")) console.log(table.join("\n"));
});

Deno.test("a key given in the environment is never echoed by a config error", () => {
  try {
    resolveBenchConfig(["--llm-api", "openai", "--model", "m"], {
      OPENAI_API_BASE: "nope",
      OPENAI_API_KEY: "sk-hidden-123",
    });
    assert.fail("should throw");
  } catch (e) {
    assert.ok(!(e as Error).message.includes("sk-hidden-123"));
  }
});

Deno.test("time limits past what a timer can hold are rejected with the maximum; Infinity is named as such", () => {
  for (const flag of ["--timeout", "--duration", "--ttft-timeout", "--idle-timeout", "--request-timeout"]) {
    assert.throws(
      () => resolveBenchConfig([flag, "3000000"], {}),
      new RegExp(`${flag}: must be ≤ 2147483 \\(got 3000000\\)`),
    );
  }
  assert.throws(() => resolveBenchConfig(["--timeout", "Infinity"], {}), /--timeout: .*\(got Infinity\)/);
  assert.equal(resolveBenchConfig(["--timeout", "2147483"], {}).help, false, "the maximum itself is fine");
});

Deno.test("credentials in a URL never reach an error message (userinfo, key-like query parameters)", () => {
  assert.throws(
    () => resolveBenchConfig([], { OPENAI_API_BASE: "ftp://user:sk-secret-123@host/v1" }),
    (e: Error) => !e.message.includes("sk-secret-123") && /OPENAI_API_BASE .*\[redacted\]@host/.test(e.message),
  );
});

Deno.test("a huge request count works on one thread and is bounded, with its maximum, on several", () => {
  assert.equal(resolveBenchConfig(["--max-num-completed-requests", "1e12"], {}).help, false);
  assert.throws(
    () => resolveBenchConfig(["--max-num-completed-requests", "1e12", "--client-threads", "2"], {}),
    /--max-num-completed-requests: must be ≤ 10000000 with --client-threads > 1/,
  );
});

Deno.test("an unknown key inside --sim-params names the keys accepted and the nearest one", () => {
  assert.throws(
    () => resolveBenchConfig(["--sim-params", '{"maxbatch": 4}'], {}),
    /--sim-params: unknown option maxbatch \(did you mean maxBatch\?\); accepted: model, prefillBaseMs, .*maxBatch/,
  );
  assert.throws(
    () => resolveBenchConfig(["--sim-params", '{"faults": {"rat": 0.1}}'], {}),
    /--sim-params faults: unknown option rat \(did you mean rate\?\); accepted: rate, kinds, plan/,
  );
});

Deno.test("settings that would be silently ignored or cannot work together are one line each, before anything runs", () => {
  const cases: [string[], RegExp][] = [
    [["--llm-api", "sim", "--base-url", "http://h/v1"], /--base-url: is not used with --llm-api sim/],
    [
      ["--base-url", "http://h/v1", "--model", "m", "--sim-params", "{}"],
      /--sim-params: only applies to the simulated/,
    ],
    [["--arrival", "gamma"], /--arrival: needs --request-rate \(an open loop\)/],
    [["--burstiness", "0.5"], /--burstiness: needs --request-rate with gamma arrivals/],
    [["--request-rate", "2", "--burstiness", "0.5"], /--burstiness: only shapes gamma arrivals: add --arrival gamma/],
    [["--mode", "batch", "--ttft-timeout", "5"], /--ttft-timeout: has no first token to wait for in batch mode/],
  ];
  for (const [argv, pattern] of cases) {
    assert.throws(() => resolveBenchConfig(argv, {}), (e: Error) => {
      assert.ok(e instanceof ConfigError, argv.join(" "));
      assert.match(e.message, pattern);
      assert.ok(!e.message.includes("\n"));
      return true;
    });
  }
  // What does work together still does, a sweep of the rate that an arrival shape needs included.
  assert.equal(
    resolveBenchConfig(["--request-rate", "2", "--arrival", "gamma", "--burstiness", "0.5"], {}).help,
    false,
  );
  assert.equal(resolveBenchConfig(["--sweep", "request-rate=1,2", "--arrival", "constant"], {}).help, false);
});
