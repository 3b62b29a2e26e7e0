import assert from "node:assert/strict";
import { benchHelp, flagRows, parseBenchArgs, resolveBenchConfig } from "../../lib/cli/args.ts";
import { withDiscoveredModel } from "../../lib/cli/discover_model.ts";
import { BENCH_FLAGS, flagName } from "../../lib/cli/flags.ts";
import { ConfigError } from "../../lib/errors.ts";

Deno.test("parseBenchArgs() maps the original kit's flags onto the run config", () => {
  const r = parseBenchArgs([
    "--model",
    "m",
    "--mean-input-tokens",
    "100",
    "--stddev-input-tokens",
    "0",
    "--mean-output-tokens",
    "20",
    "--stddev-output-tokens",
    "2.5",
    "--num-concurrent-requests",
    "4",
    "--max-num-completed-requests",
    "9",
    "--timeout",
    "30",
    "--results-dir",
    "out",
    "--llm-api",
    "openai",
    "--mode",
    "batch",
    "--additional-sampling-params",
    '{"temperature": 0}',
    "--base-url",
    "http://h/v1",
    "--seed",
    "3",
    "--ignore-eos",
    "--no-include-usage",
  ]);
  assert.equal(r.help, false);
  assert.deepEqual("config" in r && r.config, {
    model: "m",
    meanInputTokens: 100,
    stddevInputTokens: 0,
    meanOutputTokens: 20,
    stddevOutputTokens: 2.5,
    numConcurrentRequests: 4,
    maxNumCompletedRequests: 9,
    timeoutS: 30,
    resultsDir: "out",
    llmApi: "openai",
    mode: "batch",
    additionalSamplingParams: { temperature: 0 },
    baseUrl: "http://h/v1",
    seed: 3,
    ignoreEos: true,
    includeUsage: false,
  });
});

Deno.test("parseBenchArgs() rejects unknown flags with a suggestion, bad JSON and missing values", () => {
  const cases: [string[], RegExp][] = [
    [["--mean-input-token", "5"], /Unknown flag --mean-input-token\. Did you mean --mean-input-tokens\?/],
    [["--frobnicate"], /Unknown flag --frobnicate\. Run with --help/],
    [
      ["--additional-sampling-params", "{temperature: 0}"],
      /--additional-sampling-params: not valid JSON .*expected an object/,
    ],
    [["--additional-sampling-params", "[1]"], /--additional-sampling-params: expected a JSON object/],
    [["--model"], /--model: needs a value/],
    [["stray"], /Unexpected argument 'stray'/],
  ];
  for (const [argv, pattern] of cases) {
    assert.throws(() => parseBenchArgs(argv), (e: Error) => {
      assert.ok(e instanceof ConfigError, argv.join(" "));
      assert.match(e.message, pattern);
      return true;
    });
  }
});

Deno.test("parseBenchArgs() passes non-numbers through for the schema to name", () => {
  const r = parseBenchArgs(["--num-concurrent-requests", "many"]);
  assert.deepEqual("config" in r && r.config, { numConcurrentRequests: "many" });
});

Deno.test("--help lists every flag", () => {
  assert.deepEqual(parseBenchArgs(["--help"]), { help: true });
  const help = benchHelp();
  for (
    const flag of [
      "--model",
      "--mean-input-tokens",
      "--num-concurrent-requests",
      "--max-num-completed-requests",
      "--timeout",
      "--results-dir",
      "--llm-api",
      "--mode",
      "--additional-sampling-params",
      "--base-url",
      "--seed",
      "--tokenizer",
    ]
  ) {
    assert.ok(help.includes(flag), flag);
  }
});

Deno.test("flagName() maps config fields to CLI flags", () => {
  assert.equal(flagName("meanInputTokens"), "--mean-input-tokens");
  assert.equal(flagName("timeoutS"), "--timeout");
  assert.equal(flagName("llmApi"), "--llm-api");
});

Deno.test("--help shows the schema's defaults beside each flag", () => {
  const help = benchHelp();
  // A flag's entry: its line and the indented lines under it, as one text.
  const line = (flag: string) => {
    const lines = help.split("\n");
    const i = lines.findIndex((l) => l.trimStart().startsWith(flag));
    const rest = lines.slice(i + 1);
    const end = rest.findIndex((l) => !/^ {6,}\S/.test(l));
    return [lines[i], ...rest.slice(0, end < 0 ? rest.length : end)].map((l) => l.trim()).join(" ");
  };
  assert.match(line("--mean-input-tokens"), /\(default 550\)$/);
  assert.match(line("--timeout "), /\(default 600\)$/);
  assert.match(line("--num-concurrent-requests"), /\(default 8\)$/);
  assert.match(line("--include-usage"), /\(default on\)$/);
  assert.doesNotMatch(line("--ignore-eos"), /default/);
  // A default changed in the schema shows in the help: no copy of it is kept elsewhere.
  const other = flagRows(BENCH_FLAGS.filter((f) => f.field === "seed"), { seed: 42 });
  assert.match(other.find((l) => l.includes("--seed"))!, /\(default 42\)$/);
});

Deno.test("--help lists the flags in groups, no line wider than 100 columns, with the exit codes", () => {
  const help = benchHelp();
  const headings = help.split("\n").filter((l) => /^[A-Z][\w &]+:$/.test(l));
  assert.deepEqual(headings, [
    "Endpoint:",
    "Load:",
    "Requests & datasets:",
    "Limits & timeouts:",
    "Output:",
    "Simulated endpoint:",
    "Other:",
    "Examples:",
  ]);
  for (const l of help.split("\n")) assert.ok([...l].length <= 100, `${[...l].length}: ${l}`);
  assert.match(help, /130 interrupted \(Ctrl-C\) · 143 terminated \(SIGTERM\)/);
  assert.match(help, /^ {2}--version +print the version and Deno's$/m);
  // Every flag is in the help, and in a group.
  for (const f of BENCH_FLAGS) assert.ok(f.group, `${f.field} has a group`);
});

Deno.test("--version is parsed, not an unknown flag", () => {
  assert.deepEqual(parseBenchArgs(["--version"]), { help: false, version: true });
});

Deno.test("withDiscoveredModel(): one model served → used and said; several → one line listing them; none → unchanged", async () => {
  const env = { OPENAI_API_BASE: "http://127.0.0.1:9/v1" };
  const said: string[] = [];
  const say = (l: string) => said.push(l);
  const one = await withDiscoveredModel([], env, say, { list: () => Promise.resolve(["only-model"]) });
  assert.deepEqual(one, ["--model", "only-model"]);
  assert.match(said[0], /--model not given: using only-model, the one model http:\/\/127.0.0.1:9\/v1\/models lists/);
  await assert.rejects(
    withDiscoveredModel([], env, say, { list: () => Promise.resolve(["a", "b"]) }),
    (e: Error) => e instanceof ConfigError && /--model: required — .* lists 2 models: a, b/.test(e.message),
  );
  assert.deepEqual(await withDiscoveredModel([], env, say, { list: () => Promise.resolve(null) }), []);
  let asked = false;
  const given = await withDiscoveredModel(["--model", "m"], env, say, {
    list: () => {
      asked = true;
      return Promise.resolve(["x"]);
    },
  });
  assert.deepEqual(given, ["--model", "m"]);
  assert.equal(asked, false, "a model given is not looked up");
  assert.deepEqual(
    await withDiscoveredModel([], {}, say, { list: () => Promise.resolve(["x"]) }),
    [],
    "sim: no lookup",
  );
});

Deno.test("paths on the command line are the user's: relative to INIT_CWD (deno task runs in the project's folder)", () => {
  const plan = resolveBenchConfig(["--dataset", "data/x.jsonl", "--results-dir", "out", "--tokenizer", "/abs/t.json"], {
    INIT_CWD: "/home/u/work",
  });
  assert.ok("config" in plan && plan.config);
  assert.equal(plan.config.dataset, "/home/u/work/data/x.jsonl");
  assert.equal(plan.config.resultsDir, "/home/u/work/out");
  assert.equal(plan.config.tokenizer, "/abs/t.json", "absolute stays");
  const defaults = resolveBenchConfig([], { INIT_CWD: "/home/u/work" });
  assert.ok("config" in defaults && defaults.config);
  assert.equal(defaults.config.resultsDir, "data/results", "the default is the project's folder");
});

Deno.test("the README's flag table names every flag of deno task bench, and no flag that is not one", async () => {
  const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  const listed = new Set([...readme.matchAll(/^\| `(--[a-z-]+)/gm)].map((m) => m[1]));
  const flags = BENCH_FLAGS.map((f) => flagName(f.field));
  // A boolean flag may be listed by the form a user types to change its default (`--no-preflight`).
  const missing = BENCH_FLAGS.filter((f) =>
    !listed.has(flagName(f.field)) && !listed.has(`--no-${flagName(f.field).slice(2)}`)
  );
  assert.deepEqual(missing.map((f) => flagName(f.field)), []);
  const unknown = [...listed].filter((l) => l !== "--version" && !flags.includes(l.replace(/^--no-/, "--")));
  assert.deepEqual(unknown, []);
});
