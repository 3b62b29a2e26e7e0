/**
 * `deno task install`: puts the `llm-bench` command on the PATH — a small launcher in Deno's install folder
 * (`$DENO_INSTALL_ROOT/bin`, else `~/.deno/bin`, as `deno install -g` uses; `--root DIR`: `DIR/bin`) that runs this
 * checkout's `lib/cli/main.ts` with its deno.json, its lock file (frozen) and its node_modules. Nothing is fetched:
 * `deno install -g` itself would copy the configuration beside the launcher and build a node_modules of its own from
 * the registry, re-resolving the lock file as it goes.
 * @module
 */
import { parseArgs } from "node:util";

/** What the command may do: the union of the tasks' permissions (render and selftest start processes). */
const PERMISSIONS = ["--allow-net", "--allow-read", "--allow-write", "--allow-env", "--allow-sys", "--allow-run"];

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The launcher script that runs the checkout at `root` (a folder path ending in `/`) with the Deno at `deno`. */
export function launcher(root: string, deno: string): string {
  const args = [
    "run",
    ...PERMISSIONS,
    `--config=${root}deno.json`,
    `--lock=${root}tests/deno.lock`,
    "--frozen",
    `${root}lib/cli/main.ts`,
  ];
  return [
    "#!/bin/sh",
    `# llm-bench, put here by \`deno task install\`: runs the checkout in ${root}`,
    `exec ${quote(deno)} ${args.map(quote).join(" ")} "$@"`,
    "",
  ].join("\n");
}

/** Runs `deno task install`; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({ args: argv, options: { root: { type: "string" }, help: { type: "boolean", short: "h" } } })
      .values;
  } catch (e) {
    console.error(`error: ${(e as Error).message.split("\n")[0]} (see deno task install --help)`);
    return 2;
  }
  if (values.help) {
    console.log(
      "deno task install [--root DIR] — put the `llm-bench` command on the PATH: a launcher of this checkout in\n" +
        "~/.deno/bin ($DENO_INSTALL_ROOT/bin; DIR/bin with --root). Then: llm-bench bench, llm-bench compare A B, …",
    );
    return 0;
  }
  if (Deno.build.os === "windows") {
    console.error("error: deno task install writes a POSIX shell launcher; on Windows run the tasks with deno task");
    return 1;
  }
  const home = Deno.env.get("DENO_INSTALL_ROOT") ?? `${Deno.env.get("HOME")}/.deno`;
  const bin = `${(values.root ?? home).replace(/\/+$/, "")}/bin`;
  const root = new URL("../../", import.meta.url).pathname;
  try {
    await Deno.mkdir(bin, { recursive: true });
    await Deno.writeTextFile(`${bin}/llm-bench`, launcher(root, Deno.execPath()), { mode: 0o755 });
    await Deno.chmod(`${bin}/llm-bench`, 0o755);
  } catch (e) {
    console.error(`error: cannot write ${bin}/llm-bench: ${(e as Error).message}`);
    return 1;
  }
  console.log(`Installed ${bin}/llm-bench (runs ${root}) — try: llm-bench --help`);
  const onPath = (Deno.env.get("PATH") ?? "").split(":").some((p) => p.replace(/\/+$/, "") === bin);
  if (!onPath) console.log(`${bin} is not on your PATH: add it, e.g. export PATH="${bin}:$PATH"`);
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
