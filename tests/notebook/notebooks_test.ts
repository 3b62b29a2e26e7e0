// Every notebook executed by real Jupyter with the Deno kernel on a fresh kernel, then rendered to HTML.
import assert from "node:assert/strict";
import { NOTEBOOKS_DIR, renderNotebook } from "../../lib/notebook/render.ts";

interface Output {
  output_type: string;
  data?: Record<string, string | string[]>;
  ename?: string;
  evalue?: string;
}
interface Cell {
  cell_type: string;
  source: string | string[];
  outputs?: Output[];
}

const html = (o: Output) => [o.data?.["text/html"] ?? ""].flat().join("");

const REPO_RESULTS = `${NOTEBOOKS_DIR}/../data/results`;
const namesIn = async (dir: string) =>
  new Set((await Array.fromAsync(Deno.readDir(dir)).catch(() => [])).map((e) => e.name));

async function render(name: string) {
  const outDir = await Deno.makeTempDir();
  const resultsDir = await Deno.makeTempDir();
  const before = await namesIn(REPO_RESULTS);
  const r = await renderNotebook(`${NOTEBOOKS_DIR}/${name}.ipynb`, { outDir, resultsDir });
  // The notebook's runs went to the test's folder: the user's data/results is left as it was.
  assert.ok((await namesIn(resultsDir)).size > 0 || name === "performance_on_chat", "the runs were written");
  const added = [...await namesIn(REPO_RESULTS)].filter((n) => !before.has(n));
  assert.deepEqual(added, [], "nothing written into the repository's data/results");
  const cells = (r.executed.cells as Cell[]).filter((c) => c.cell_type === "code");
  const errors = cells.flatMap((c) => c.outputs ?? []).filter((o) => o.output_type === "error");
  assert.deepEqual(errors.map((e) => `${e.ename}: ${e.evalue}`), [], r.log);
  assert.ok(r.ok, r.log);
  assert.ok(cells.every((c) => c.outputs !== undefined), "every code cell ran");
  const outputs = cells.flatMap((c) => c.outputs ?? []).map(html).join("\n");
  const page = await Deno.readTextFile(r.html);
  await Deno.remove(outDir, { recursive: true });
  await Deno.remove(resultsDir, { recursive: true });
  return { outputs, page, cells };
}

const count = (text: string, what: string) => text.split(what).length - 1;

Deno.test("performance_evaluation.ipynb runs top to bottom and renders every chart", async () => {
  const { outputs, page } = await render("performance_evaluation");
  assert.match(outputs, /SIMULATED ENDPOINT/);
  assert.match(outputs, /class="llm-bench-summary"/, "summary table");
  assert.match(outputs, /40\/40 done · 40 ok/, "progress display ended at the last request");
  assert.match(outputs, /aria-label="TTFT of each finished request over the run"/, "the live panel's charts");
  assert.match(
    outputs,
    /aria-label="Server-reported: requests running \(blue\) and waiting \(red\)/,
    "live, the server's",
  );
  assert.match(outputs, /server \(its \/metrics\): \d+ running · \d+ waiting · KV cache \d+ %/);
  assert.match(outputs, /Server view \(the server's own \/metrics\)/, "the summary's server view");
  assert.match(outputs, /data-chart="server-tokens"/);
  assert.match(outputs, /load: sim \(simulated\)/, "the summary states its load");
  for (
    const chart of [
      "ttft-vs-input",
      "e2e-vs-output",
      "throughput-vs-output",
      "timeline",
      "box-ttftMs",
      "box-e2eMs",
      "box-tpotMs",
      "box-interTokenLatencyMs",
      "box-outputTokensPerS",
    ]
  ) {
    assert.match(outputs, new RegExp(`data-chart="${chart}"`), chart);
  }
  assert.ok(count(outputs, "<svg") >= 11, "9 charts of the run + 2 of the earlier run");
  // The rendered page keeps the drawn elements (nbconvert strips SVG outputs, not HTML ones)
  assert.ok(count(page, "<svg") >= 11);
  assert.ok(count(page, "<circle") >= 40, "scatter dots drawn");
  assert.match(page, /aria-label="bar"/, "timeline bars drawn");
  assert.doesNotMatch(page, /<script[^>]*src="(https?|file):/, "no external scripts");
});

Deno.test("compare_runs.ipynb runs its sweep, compares each run with the first and draws grouped box plots", async () => {
  const { outputs, page } = await render("compare_runs");
  // The comparison of deno task compare: one table per run after the first, with intervals and verdicts.
  assert.equal(count(outputs, '<table class="cmp">'), 3, "concurrency 4, 16 and 32 against 1");
  assert.match(outputs, /<h3>concurrency 32 vs 1<\/h3>/);
  assert.match(outputs, /concurrency: baseline 1, candidate 32 \(32× the baseline\)/, "the workload difference said");
  assert.match(outputs, /class="(worse|better)"/, "a verdict on some figure");
  assert.match(outputs, /\[[+-][\d.,]+, [+-][\d.,]+\]/, "an interval");
  for (
    const chart of [
      "grouped-box-ttftMs",
      "grouped-box-e2eMs",
      "grouped-box-interTokenLatencyMs",
      "grouped-box-outputTokensPerS",
      "ttft-vs-concurrency",
      "throughput-vs-concurrency",
    ]
  ) {
    assert.match(outputs, new RegExp(`data-chart="${chart}"`), chart);
  }
  assert.ok(count(page, "<svg") >= 6);
  assert.match(page, /aria-label="box"|aria-label="bar"/);
});

Deno.test("performance_on_chat.ipynb asks its questions, shows answers, metrics panels and the per-turn charts", async () => {
  const { outputs, page } = await render("performance_on_chat");
  assert.equal(count(outputs, '<details class="llm-bench-answer-metrics">'), 3, "one metrics panel per answer");
  assert.match(
    outputs,
    /Turn 3 metrics — latency \d+\.\d\d s · throughput \d+\.\d tokens\/s · TTFT \d\.\d{3} s · TPOT \d+\.\d ms/,
  );
  assert.match(outputs, /llm-bench-sim \(simulated\):<\/b> \S/, "answers shown, labelled simulated");
  assert.match(outputs, /class="llm-bench-turns"/);
  assert.match(outputs, /data-chart="chat-ttftS"/);
  assert.match(outputs, /data-chart="chat-throughputTokensPerS"/);
  assert.ok(count(page, 'aria-label="bar"') >= 2, "per-turn bars drawn in the rendered page");
});

Deno.test("capacity.ipynb searches the simulator's capacity: a line per probe, the answer at its knee, the charts", async () => {
  const { outputs, page } = await render("capacity");
  assert.match(outputs, /Searching the highest concurrency that meets TTFT p90 ≤ 300 ms; TPOT p50 ≤ 50 ms/);
  assert.match(outputs, /probe 1 · concurrency 1: PASS/);
  assert.match(outputs, /probe \d+ · concurrency 16: FAIL/, "past the simulator's batch of 8, requests queue");
  assert.match(outputs, /Max sustainable concurrency: \d+ \(between \d+ and \d+\)/);
  assert.match(outputs, /Knee at concurrency 8: output throughput grew/, "the knee is the simulator's batch");
  assert.match(outputs, /waiting requests grow from [\d.]+ to [\d.]+ \(mean\)/, "the server says why");
  assert.match(outputs, /Files: .*_capacity\.json · .*_capacity\.html/);
  for (
    const chart of [
      "capacity-throughput",
      "capacity-latency",
      "capacity-latency-throughput",
      "server-queue",
      "server-kv",
      "server-tokens",
    ]
  ) {
    assert.match(outputs, new RegExp(`data-chart="${chart}"`), chart);
  }
  assert.ok(count(page, "<svg") >= 6);
});
