// `deno task bench` on a real terminal 80 columns wide (tmux), read back from the screen as a person reads it.
import assert from "node:assert/strict";

const root = new URL("../../", import.meta.url).pathname;
const hasTmux = (() => {
  try {
    return new Deno.Command("tmux", { args: ["-V"], stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
})();

async function tmux(...args: string[]): Promise<string> {
  const out = await new Deno.Command("tmux", { args, stdout: "piped", stderr: "piped" }).output();
  return new TextDecoder().decode(out.stdout);
}

/** Waits until the screen shows what `done` looks for (polled every 100 ms, for at most `ms`); the screen's lines. */
async function screenUntil(session: string, done: (screen: string) => boolean, ms = 60_000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    // -J: lines the terminal wrapped are joined back, so a line wider than the terminal shows as one.
    const screen = await tmux("capture-pane", "-p", "-J", "-t", session, "-S", "-200");
    if (done(screen) || Date.now() > end) return screen;
    await new Promise((r) => setTimeout(r, 100));
  }
}

Deno.test({
  name: "on a terminal 80 columns wide: progress says the true concurrency, every line fits but the files' paths",
  // CI installs tmux (deno task jupyter:setup); elsewhere a machine without it skips this test.
  ignore: !hasTmux && !Deno.env.get("CI"),
  async fn() {
    const session = `llm-bench-test-${Deno.pid}`;
    const cwd = await Deno.makeTempDir();
    const cmd = `cd ${cwd} && NO_COLOR=1 ${Deno.execPath()} task --config ${root}deno.json bench ` +
      `--num-concurrent-requests 16 --max-num-completed-requests 64 --mean-output-tokens 60 ` +
      // deno task runs in the project's folder: the results go to the test's own.
      `--results-dir ${cwd}/results; echo "EXIT $?"; sleep 60`;
    await tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "60", cmd);
    try {
      const during = await screenUntil(session, (s) => /\d+\/64 done · 16 in flight/.test(s) || /EXIT/.test(s));
      assert.match(during, /\d+\/64 done · 16 in flight/, "16 in flight at concurrency 16, not 15");
      const after = await screenUntil(session, (s) => /^EXIT \d+/m.test(s));
      assert.match(after, /^EXIT 0$/m, after);
      const wide = after.split("\n").filter((l) =>
        [...l.trimEnd()].length > 80 && !/^(Task bench |Records: |Summary: |Report: )/.test(l)
      );
      assert.deepEqual(wide, [], "lines wider than the terminal");
      assert.match(after, /^Running 64 requests, 16 at a time, against sim/m);
      assert.match(after, /^Time to first token \(ms\) /m);
      assert.ok([...Deno.readDirSync(`${cwd}/results`)].length >= 3, "the run's files in the test's folder");
    } finally {
      await tmux("kill-session", "-t", session);
    }
  },
});
