// `deno task install` puts an `llm-bench` command on the PATH; its subcommands are the tasks, run in the user's folder.
import assert from "node:assert/strict";
import { runTask } from "../_helpers.ts";

Deno.test("deno task install: llm-bench bench runs in the user's folder, compare reads its runs, bad commands exit 2", async () => {
  const root = await Deno.makeTempDir();
  const installed = await runTask("install", ["--root", root]);
  assert.equal(installed.code, 0, installed.stderr);
  assert.match(installed.stdout, new RegExp(`^Installed ${root}/bin/llm-bench `, "m"));
  assert.match(installed.stdout, /is not on your PATH: add it/);
  const cwd = await Deno.makeTempDir();
  const run = async (...args: string[]) => {
    const out = await new Deno.Command(`${root}/bin/llm-bench`, {
      args,
      cwd,
      env: { NO_COLOR: "1", PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? "" },
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = (b: Uint8Array) => new TextDecoder().decode(b);
    return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
  };
  const help = await run("--help");
  assert.equal(help.code, 0);
  for (const c of ["bench", "chat", "compare", "export", "sim", "render"]) {
    assert.match(help.stdout, new RegExp(`^  ${c} `, "m"));
  }
  const args = ["--max-num-completed-requests", "3", "--mean-output-tokens", "5"];
  const [a, b] = [await run("bench", ...args), await run("bench", ...args, "--num-concurrent-requests", "2")];
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  assert.match(a.stderr, /SIMULATED ENDPOINT/);
  const summaries = [a, b].map((r) => /^Summary: (.+)$/m.exec(r.stdout)![1]);
  assert.ok(summaries.every((s) => s.startsWith("data/results/")), "results in the user's folder");
  await Deno.stat(`${cwd}/${summaries[0]}`);
  const cmp = await run("compare", ...summaries);
  assert.equal(cmp.code, 0, cmp.stderr);
  assert.match(cmp.stdout, /concurrency: baseline 8, candidate 2/);
  const bad = await run("benchmark");
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^error: no command 'benchmark'; the commands are bench, chat, /);
  const version = await run("bench", "--version");
  assert.match(version.stdout, /^llm-bench \d+\.\d+\.\d+ \(Deno /);
});
