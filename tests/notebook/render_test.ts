// `deno task render` as a user runs it (a subprocess, real Jupyter and the Deno kernel): a page made twice from the
// same files is the same file, a page whose files have not changed is left alone, and a changed notebook is rendered
// again. A tiny notebook of its own keeps this fast; the project's notebooks are rendered in notebooks_test.ts.
import assert from "node:assert/strict";
import { recordedInputsDigest, renderInputsDigest } from "../../lib/notebook/render.ts";
import { runTask } from "../_helpers.ts";

function notebook(source: string): string {
  return JSON.stringify({
    cells: [
      { cell_type: "markdown", id: "t1", metadata: {}, source: ["# Tiny"] },
      { cell_type: "code", execution_count: null, id: "t2", metadata: {}, outputs: [], source: [source] },
    ],
    metadata: { kernelspec: { display_name: "Deno", language: "typescript", name: "deno" } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

const render = (...args: string[]) => runTask("render", args);

Deno.test("deno task render: same files → same page, left alone unless they change or --force", async () => {
  const dir = await Deno.makeTempDir();
  const nb = `${dir}/tiny.ipynb`;
  const page = `${dir}/out/tiny.html`;
  await Deno.writeTextFile(nb, notebook("const answer = 6 * 7;\nanswer"));

  const first = await render("--out-dir", `${dir}/out`, nb);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^ok {2}.*tiny\.html/m);
  const made = await Deno.readTextFile(page);
  assert.match(made, />42</, "the cell's result is on the page");
  assert.equal(recordedInputsDigest(page), renderInputsDigest(nb));

  const forced = await render("--force", "--out-dir", `${dir}/out`, nb);
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(await Deno.readTextFile(page), made, "rendering the same notebook again gives the same bytes");

  const mtime = (await Deno.stat(page)).mtime?.getTime();
  const again = await render("--out-dir", `${dir}/out`, nb);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^up to date {2}.*tiny\.html/m);
  assert.doesNotMatch(again.stderr, /executing/, "nothing executed");
  assert.equal((await Deno.stat(page)).mtime?.getTime(), mtime, "the page is not rewritten");

  await Deno.writeTextFile(nb, notebook("const answer = 6 * 8;\nanswer"));
  const changed = await render("--out-dir", `${dir}/out`, nb);
  assert.equal(changed.code, 0, changed.stderr);
  assert.match(changed.stdout, /^ok {2}/m);
  assert.match(await Deno.readTextFile(page), />48</);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("deno task render: an unknown flag or a --out-dir without a folder is one line, exit 2", async () => {
  const bad = await render("--fast");
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /error: unknown flag --fast \(accepted: --force, --out-dir DIR, --help, --version\)/);
  const noDir = await render("--out-dir");
  assert.equal(noDir.code, 2);
  assert.match(noDir.stderr, /error: --out-dir needs a folder/);
});
