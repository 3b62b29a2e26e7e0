/**
 * `deno task render [notebook…]`: executes notebooks headlessly on a fresh Deno kernel and writes self-contained HTML
 * (charts as inline SVG inside HTML outputs, no network needed to view) to `notebooks/rendered/`.
 * @module
 */
import { versionText } from "../version.ts";
import { basename, dirname, join, resolve } from "node:path";
import { JUPYTER_PYTHON, setupJupyter } from "./setup.ts";

const here = dirname(new URL(import.meta.url).pathname);
/** The repository's notebooks folder. */
export const NOTEBOOKS_DIR: string = resolve(here, "../../notebooks");
/** Where rendered HTML goes. */
export const RENDERED_DIR: string = join(NOTEBOOKS_DIR, "rendered");

/** Outcome of rendering one notebook. */
export interface RenderResult {
  notebook: string;
  /** Path of the HTML written (also when a cell failed: the error is in it). */
  html: string;
  /** The executed notebook (JSON text), for inspection. */
  executed: Record<string, unknown>;
  ok: boolean;
  /** What the executor printed (one line per cell). */
  log: string;
}

/** Removes scripts loaded from the network or from this machine's disk (require.js, MathJax): the page then needs no network to view. */
export function offlineHtml(html: string): string {
  return html.replace(/<script[^>]*\ssrc="(?:https?|file):[^"]*"[^>]*>\s*<\/script>/g, "");
}

/** Executes one notebook on a fresh kernel and converts it to HTML in `outDir`. */
export async function renderNotebook(
  path: string,
  options: { outDir?: string; timeoutS?: number } = {},
): Promise<RenderResult> {
  const outDir = options.outDir ?? RENDERED_DIR;
  await Deno.mkdir(outDir, { recursive: true });
  const name = basename(path).replace(/\.ipynb$/, "");
  const tmp = await Deno.makeTempDir({ prefix: "llm-bench-render-" });
  const executedPath = join(tmp, `${name}.ipynb`);
  try {
    const exec = await new Deno.Command(JUPYTER_PYTHON, {
      args: [
        join(here, "_execute.py"),
        resolve(path),
        executedPath,
        "--cwd",
        dirname(resolve(path)),
        "--timeout",
        String(options.timeoutS ?? 900),
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const log = new TextDecoder().decode(exec.stderr).split("\n").filter((l) =>
      !/deno jupyter" is unstable|MissingIDField|validate\(nb\)/.test(l)
    ).join("\n");
    if (exec.code === 2) throw new Error(log.trim() || "the notebook executor failed to start");
    const convert = await new Deno.Command(JUPYTER_PYTHON, {
      args: ["-m", "nbconvert", "--to", "html", "--output-dir", tmp, "--output", name, executedPath],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!convert.success) {
      throw new Error(`nbconvert failed: ${new TextDecoder().decode(convert.stderr).split("\n").slice(-3).join(" ")}`);
    }
    const html = join(outDir, `${name}.html`);
    await Deno.writeTextFile(html, offlineHtml(await Deno.readTextFile(join(tmp, `${name}.html`))));
    const executed = JSON.parse(await Deno.readTextFile(executedPath));
    return { notebook: path, html, executed, ok: exec.code === 0, log };
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

async function main(args: string[]): Promise<number> {
  if (args.includes("--version")) {
    console.log(versionText());
    return 0;
  }
  if (args.includes("--help") || args.includes("-h")) {
    console.log(`deno task render [notebook.ipynb …]

Executes each notebook top to bottom on a fresh Deno kernel (simulated endpoint unless its config cell says otherwise)
and writes self-contained HTML to notebooks/rendered/<name>.html. Default: every notebook in notebooks/.`);
    return 0;
  }
  try {
    await setupJupyter();
  } catch (e) {
    console.error(`error: ${(e as Error).message}`);
    return 1;
  }
  const notebooks = args.length ? args : [...Deno.readDirSync(NOTEBOOKS_DIR)]
    .filter((e) => e.isFile && e.name.endsWith(".ipynb")).map((e) => join(NOTEBOOKS_DIR, e.name)).sort();
  let failed = 0;
  for (const nb of notebooks) {
    try {
      await Deno.stat(nb);
    } catch {
      console.error(`error: no notebook at ${nb}`);
      failed++;
      continue;
    }
    console.error(`render: executing ${nb} on a fresh Deno kernel…`);
    const t = performance.now();
    const r = await renderNotebook(nb);
    console.error(r.log.trim().split("\n").map((l) => `  ${l}`).join("\n"));
    console.log(`${r.ok ? "ok" : "FAILED"}  ${r.html}  (${((performance.now() - t) / 1000).toFixed(1)} s)`);
    if (!r.ok) failed++;
  }
  return failed ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
