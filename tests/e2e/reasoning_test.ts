// Reasoning models through `deno task bench`: the simulator's reasoning mode, and a server of our own that writes its
// reasoning inside <think> tags.
import assert from "node:assert/strict";
import { readRecords, readSummary } from "../../lib/results/files.ts";
import { recordsCsv } from "../../lib/results/csv.ts";
import { quirkyStream, runTask, startScriptedServer } from "../_helpers.ts";

const files = (stdout: string, cwd: string) => ({
  records: `${cwd}/${/^Records: (.+)$/m.exec(stdout)![1]}`,
  summary: `${cwd}/${/^Summary: (.+)$/m.exec(stdout)![1]}`,
});

Deno.test("a reasoning model: time to first answer token, reasoning tokens and time, per-phase ITL; an SLO on it; compared", async () => {
  const cwd = await Deno.makeTempDir();
  const args = [
    "--results-dir",
    `${cwd}/data/results`,
    "--max-num-completed-requests",
    "12",
    "--mean-output-tokens",
    "40",
    "--stddev-output-tokens",
    "0",
    "--sim-params",
    '{"reasoningTokens": 30}',
  ];
  const r = await runTask("bench", [...args, "--slo", "ttfat.p50<=60s"]);
  assert.equal(r.code, 0, r.stderr);
  for (const row of ["Time to first answer", "Reasoning duration", "Reasoning tokens", "Answer tokens"]) {
    assert.match(r.stdout, new RegExp(`^${row} \\(?`, "m"), row);
  }
  assert.match(r.stdout, /^Reasoning tokens +30\.0 +30\.0 /m, "the server's count (completion_tokens_details)");
  assert.match(r.stdout, /^Answer tokens +10\.0 +10\.0 /m);
  assert.match(r.stdout, /^ITL while reasoning \(ms\) .* 348$/m, "29 gaps of 12 reasonings");
  assert.match(r.stdout, /^ITL of the answer \(ms\) .* 108$/m, "9 gaps of 12 answers");
  assert.match(r.stdout, /^TTFAT p50 ≤ 60000 ms +[\d.,]+ ms · 100\.0 % within/m, "an SLO on the first answer token");
  const { records, summary } = files(r.stdout, "");
  const recs = await readRecords(records);
  for (const x of recs) {
    assert.equal(x.reasoningTokens, 30);
    assert.equal(x.reasoningTokenSource, "server");
    assert.equal(x.answerTokens, 10);
    assert.equal(x.reasoningEvents, 30);
    assert.ok(x.ttfatMs! > x.ttftMs! && x.ttfatMs! < x.e2eMs!, "the answer starts after the reasoning");
    assert.ok(Math.abs(x.ttftMs! + x.reasoningMs! - x.ttfatMs!) < 0.01, "TTFT + reasoning = first answer token");
  }
  const s = await readSummary(summary);
  assert.equal(s.metrics.ttfatMs.count, 12);
  assert.equal(s.metrics.reasoningItlMs.count, 12 * 29);
  assert.ok(s.metrics.answerItlMs.ci, "the answer's gaps get intervals over requests");
  assert.equal(s.goodput?.percentiles?.[0].verdict, "PASS");
  assert.match(recordsCsv(s, recs).split("\n")[0], /ttfatMs.*reasoningTokens/, "CSV columns");

  // A model that thinks longer, compared: its first answer token is later, with an interval that says so.
  const longer = await runTask("bench", [...args.slice(0, -1), '{"reasoningTokens": 36}']);
  assert.equal(longer.code, 0, longer.stderr);
  const cmp = await runTask("compare", [summary, files(longer.stdout, "").summary]);
  assert.equal(cmp.code, 0, cmp.stderr);
  assert.match(cmp.stdout, /^TTFAT p50 \(ms\) .* worse$/m);
  assert.match(cmp.stdout, /^Reasoning tok\. p50 +30\.0 +36\.0 /m);

  // A run without reasoning has none of these rows.
  const plain = await runTask("bench", args.slice(0, -2));
  assert.doesNotMatch(plain.stdout, /Time to first answer|Reasoning/);
});

Deno.test("--reasoning-tags think: a model's <think>…</think> inside its answer is its reasoning", async () => {
  await using server = startScriptedServer((body) => {
    const n = body.max_tokens as number;
    const words = ["<think>", ...Array.from({ length: n - 4 }, (_, i) => ` hmm${i}`), "</think>", " Yes", "."];
    return { pieces: quirkyStream(words), gapMs: 2 };
  });
  const cwd = await Deno.makeTempDir();
  const args = ["--base-url", server.baseUrl, "--model", "m", "--max-num-completed-requests", "3"];
  const sizes = ["--mean-output-tokens", "12", "--stddev-output-tokens", "0", "--results-dir", `${cwd}/r`];
  const tagged = await runTask("bench", [...args, ...sizes, "--reasoning-tags", "think"]);
  assert.equal(tagged.code, 0, tagged.stderr);
  const recs = await readRecords(files(tagged.stdout, "").records);
  for (const x of recs) {
    assert.equal(x.generatedText, " Yes.", "the answer is what follows </think>");
    assert.equal(x.reasoningTokenSource, "tokenizer", "no usage details: counted");
    assert.ok(x.reasoningTokens! >= 8);
    assert.ok(x.ttfatMs! > x.ttftMs!, "TTFT is the first reasoning text; the answer comes later");
  }
  // Without the flag the tags are the answer's text, and the run has no reasoning figures.
  const untagged = await runTask("bench", [...args, ...sizes]);
  const plain = await readRecords(files(untagged.stdout, "").records);
  assert.ok(plain.every((x) => x.ttfatMs === undefined && x.generatedText.startsWith("<think>")));
  // On the completions endpoint there is no reasoning to split: one line, exit 2, nothing sent.
  const before = server.received.length;
  const bad = await runTask("bench", [...args, "--reasoning-tags", "think", "--endpoint", "completions"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^error: Invalid configuration: --reasoning-tags: needs the chat endpoint/m);
  assert.equal(server.received.length, before, "nothing sent");
});
