/**
 * `deno task jupyter:setup`: installs what running notebooks needs when it is missing — Debian's Jupyter packages
 * (nbconvert, jupyter-client; they run on /usr/bin/python3) and the Deno kernel registration — and tmux, the terminal
 * the CLI's terminal tests run it in. Idempotent and quick when everything is there. `deno task test` runs it first.
 * @module
 */

/** The Python that has Debian's Jupyter packages (not a pyenv python3 that may come first on PATH). */
export const JUPYTER_PYTHON = "/usr/bin/python3";
const APT_PACKAGES = ["jupyter-nbconvert", "jupyter-client", "python3-nbformat"];

async function run(cmd: string, args: string[], quiet = true): Promise<{ ok: boolean; out: string }> {
  try {
    const o = await new Deno.Command(cmd, { args, stdout: "piped", stderr: quiet ? "piped" : "inherit" }).output();
    return { ok: o.success, out: new TextDecoder().decode(o.stdout) };
  } catch {
    return { ok: false, out: "" };
  }
}

/** True when Debian's Python can import the Jupyter libraries llm-bench uses. */
export async function hasJupyter(): Promise<boolean> {
  return (await run(JUPYTER_PYTHON, ["-c", "import nbconvert, nbformat, jupyter_client"])).ok;
}

/** True when a `deno` kernel is registered and its Deno binary exists. */
export async function hasDenoKernel(): Promise<boolean> {
  const r = await run(JUPYTER_PYTHON, ["-m", "jupyter", "kernelspec", "list", "--json"]);
  if (!r.ok) return false;
  try {
    const specs = JSON.parse(r.out).kernelspecs as Record<string, { resource_dir: string }>;
    const deno = specs.deno;
    if (!deno) return false;
    const spec = JSON.parse(await Deno.readTextFile(`${deno.resource_dir}/kernel.json`));
    await Deno.stat(spec.argv[0]);
    return true;
  } catch {
    return false;
  }
}

/** Installs what is missing; returns a list of what it did. Throws with a one-line reason when it cannot. */
export async function setupJupyter(log: (line: string) => void = console.error): Promise<string[]> {
  const did: string[] = [];
  if (!(await hasJupyter())) {
    if (Deno.build.os !== "linux" || Deno.uid() !== 0) {
      throw new Error(
        `Jupyter is missing: install it with \`sudo apt-get install -y --no-install-recommends ${
          APT_PACKAGES.join(" ")
        }\``,
      );
    }
    log(`jupyter:setup: installing ${APT_PACKAGES.join(", ")} (apt-get)…`);
    await run("apt-get", ["update", "-qq"]);
    const r = await run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...APT_PACKAGES], false);
    if (!r.ok || !(await hasJupyter())) throw new Error("apt-get could not install Jupyter's packages");
    did.push("installed Debian Jupyter packages");
  }
  if (!(await run("tmux", ["-V"])).ok && Deno.build.os === "linux" && Deno.uid() === 0) {
    // Only the terminal tests need it; they say so and are skipped where it cannot be had.
    log("jupyter:setup: installing tmux for the terminal tests (apt-get)…");
    await run("apt-get", ["update", "-qq"]);
    await run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "tmux"], false);
    if ((await run("tmux", ["-V"])).ok) did.push("installed tmux");
  }
  if (!(await hasDenoKernel())) {
    log("jupyter:setup: registering the Deno kernel (deno jupyter --install)…");
    const r = await run(Deno.execPath(), ["jupyter", "--install", "--force"]);
    if (!r.ok || !(await hasDenoKernel())) throw new Error("`deno jupyter --install` failed");
    did.push("registered the Deno Jupyter kernel");
  }
  return did;
}

if (import.meta.main) {
  try {
    const did = await setupJupyter();
    console.error(
      did.length ? `jupyter:setup: ${did.join("; ")}` : "jupyter:setup: Jupyter and the Deno kernel are ready",
    );
  } catch (e) {
    console.error(`error: ${(e as Error).message}`);
    Deno.exit(1);
  }
}
