// Every task a user runs answers --help within 100 columns and --version with llm-bench's and Deno's versions.
import assert from "node:assert/strict";
import { runTask } from "../_helpers.ts";

const TASKS = ["bench", "chat", "sim", "selftest", "summarize", "render", "compare", "export", "merge", "k8s"];

Deno.test("every task: --help fits 100 columns (exit 0), --version names llm-bench and Deno", async () => {
  for (const task of TASKS) {
    const help = await runTask(task, ["--help"]);
    assert.equal(help.code, 0, `${task} --help: ${help.stderr}`);
    const lines = help.stdout.trimEnd().split("\n");
    assert.ok(lines.length > 3, `${task} --help says something`);
    const wide = lines.filter((l) => l.length > 100);
    assert.deepEqual(wide, [], `${task} --help lines over 100 columns`);
    // Wrapped once, not twice: no line of a paragraph breaks off short while the next goes on at its indentation
    // (a text wrapped at 120 and again at 100 leaves lines of ~20 characters between full ones).
    const indent = (l: string) => /^ */.exec(l)![0].length;
    const ragged = lines.filter((l, i) => {
      const [before, next] = [lines[i - 1] ?? "", lines[i + 1] ?? ""];
      const same = indent(before) === indent(l) && indent(next) === indent(l) && next.trim() !== "";
      return same && l.trim() !== "" && !/^ *-/.test(l) && before.length > 85 && l.length < 60;
    });
    assert.deepEqual(ragged, [], `${task} --help wrapped twice`);
    const version = await runTask(task, ["--version"]);
    assert.equal(version.code, 0, `${task} --version`);
    assert.match(version.stdout, /^llm-bench \d+\.\d+\.\d+ \(Deno \d+\.\d+\.\d+/, task);
  }
});
