// `deno task chat` as a person uses it, driven from a script through stdin.
import assert from "node:assert/strict";
import { startSimServer } from "../../lib/simulator/server.ts";
import { loadCorpus, testTokenizer } from "../_helpers.ts";

const root = new URL("../../", import.meta.url).pathname;

async function chat(args: string[], stdin: string, env: Record<string, string> = {}) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `--config=${root}deno.json`, `${root}lib/cli/chat.ts`, ...args],
    cwd: await Deno.makeTempDir(),
    env: { NO_COLOR: "1", ...env },
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(stdin));
  await writer.close();
  const out = await child.output();
  return { code: out.code, stdout: new TextDecoder().decode(out.stdout), stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("deno task chat holds a three-turn conversation from stdin; the third request carries the first two", async () => {
  await using server = startSimServer({
    tokenizer: await testTokenizer(),
    corpus: await loadCorpus(),
    params: { jitter: 0, decodeBaseMs: 2 },
  });
  const r = await chat(
    [
      "--llm-api",
      "openai",
      "--base-url",
      server.baseUrl,
      "--model",
      "llm-bench-sim",
      "--max-tokens",
      "50",
      "--system",
      "Be brief.",
    ],
    "What is a sonnet?\nWho wrote these?\nQuote one more line.\n/metrics\n/exit\n",
  );
  assert.equal(r.code, 0, r.stderr);
  const metricLines = r.stdout.split("\n").filter((l) => l.startsWith("[latency "));
  assert.equal(metricLines.length, 3);
  for (const l of metricLines) {
    assert.match(
      l,
      /^\[latency \d+\.\d\d s · throughput \d+\.\d tokens\/s · TTFT \d\.\d{3} s · TPOT \d+\.\d ms · \d+ in → 50 out \(server\)\]$/,
    );
  }
  assert.match(r.stdout, /you> What is a sonnet\?\nllm-bench-sim> \S/);
  assert.match(r.stdout, /turn +status +latency s +tokens\/s +TTFT s +TPOT ms/);
  const bodies = server.stats().lastBodies;
  assert.equal(bodies.length, 3);
  const third = bodies[2].messages as { role: string; content: string }[];
  assert.deepEqual(third.map((m) => m.role), ["system", "user", "assistant", "user", "assistant", "user"]);
  assert.deepEqual([third[1].content, third[3].content, third[5].content], [
    "What is a sonnet?",
    "Who wrote these?",
    "Quote one more line.",
  ]);
  // what the model answered first is what the third request sends back as history
  const firstAnswer = third[2].content;
  assert.ok(r.stdout.includes(firstAnswer.slice(0, 30)));

  // At 80 columns the metrics line and /metrics fit: the line wraps between its figures, the question is cut.
  const narrow = await chat(
    ["--llm-api", "openai", "--base-url", server.baseUrl, "--model", "llm-bench-sim", "--max-tokens", "50"],
    "Which of these sonnets speaks of summer, and which of winter, and why?\n/metrics\n/exit\n",
    { COLUMNS: "80" },
  );
  assert.equal(narrow.code, 0, narrow.stderr);
  const lines = narrow.stdout.split("\n");
  const table = lines.slice(lines.findIndex((l) => l.startsWith("turn ")));
  assert.ok(table.length >= 3, narrow.stdout);
  for (const l of [...table, ...lines.filter((l) => l.startsWith("[latency"))]) assert.ok([...l].length <= 80, l);
  assert.match(table[2], / {2}Which of \S.*…$/);
  assert.match(narrow.stdout, /^\[latency .* ·\n.* out \(server\)\]$/m);
});

Deno.test("deno task chat: /reset forgets the conversation; bad flags exit 2 with one line", async () => {
  await using server = startSimServer({
    tokenizer: await testTokenizer(),
    corpus: await loadCorpus(),
    params: { jitter: 0, decodeBaseMs: 1 },
  });
  const r = await chat([
    "--llm-api",
    "openai",
    "--base-url",
    server.baseUrl,
    "--model",
    "llm-bench-sim",
    "--max-tokens",
    "50",
  ], "one\n/reset\ntwo\n");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\(conversation cleared\)/);
  const second = server.stats().lastBodies[1].messages as unknown[];
  assert.equal(second.length, 1);
  const bad = await chat(["--max-tokens", "0"], "");
  assert.equal(bad.code, 2);
  assert.match(bad.stderr.trim(), /^error: Invalid configuration: --max-tokens: must be ≥ 1 \(got 0\)$/);
});

Deno.test("deno task chat without an endpoint chats with the simulator and says so", async () => {
  // Fewer than the original kit's 50 is accepted.
  const r = await chat(["--max-tokens", "12"], "Hello\n");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /SIMULATED ENDPOINT/);
  assert.match(r.stdout, /\[latency /);
});

Deno.test("deno task chat exits 1 when every answer failed, with the first failure's message", async () => {
  const r = await chat(["--sim-params", '{"faults": {"plan": ["status-503"]}}'], "Hello\nAgain\n");
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^error: every answer failed — HTTP_STATUS: HTTP 503/m);
});
