/**
 * `deno task render [notebook…]`: executes notebooks headlessly on a fresh Deno kernel and writes self-contained HTML
 * (charts as inline SVG inside HTML outputs, no network needed to view) to `notebooks/rendered/`.
 * @module
 */
import { versionText } from "../version.ts";
import { fitHelp } from "../text.ts";
import { createHash } from "node:crypto";
import { basename, dirname, join, relative, resolve } from "node:path";
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

const ROOT = resolve(here, "../..");
/** What a rendered page depends on besides its notebook: the library, the entry point, the pins, the corpus. */
const INPUTS = ["lib", "mod.ts", "deno.json", "deno.lock", "data"];
const META = "llm-bench-render-inputs";

function filesUnder(path: string): string[] {
  const info = Deno.statSync(path);
  if (info.isFile) return [path];
  // data/results holds runs (the notebooks write there): an output, not an input.
  if (path === join(ROOT, "data", "results")) return [];
  return [...Deno.readDirSync(path)].flatMap((e) => filesUnder(join(path, e.name)));
}

/**
 * A digest of everything a notebook's rendered page is made from: the notebook file, and lib/, mod.ts, deno.json,
 * deno.lock and data/ (without data/results). The page records it; `deno task render` skips a notebook whose page
 * records the same digest, so the committed pages change only when what makes them changes (or with `--force`).
 */
export function renderInputsDigest(notebook: string): string {
  const hash = createHash("sha256");
  const files = [resolve(notebook), ...INPUTS.flatMap((p) => filesUnder(join(ROOT, p)))]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const f of files) {
    hash.update(relative(ROOT, f)).update("\0").update(Deno.readFileSync(f)).update("\0");
  }
  return `sha256:${hash.digest("hex")}`;
}

/** The inputs digest a rendered page records, or undefined (no page, or one rendered before pages recorded it). */
export function recordedInputsDigest(html: string): string | undefined {
  try {
    const page = Deno.readTextFileSync(html);
    return new RegExp(`<meta name="${META}" content="([^"]+)"`).exec(page)?.[1];
  } catch {
    return undefined;
  }
}

function withInputsDigest(page: string, digest: string): string {
  return page.replace(/<head>/, `<head>\n<meta name="${META}" content="${digest}">`);
}

/** Removes scripts loaded from the network or from this machine's disk (require.js, MathJax): the page then needs no network to view. */
export function offlineHtml(html: string): string {
  return html.replace(/<script[^>]*\ssrc="(?:https?|file):[^"]*"[^>]*>\s*<\/script>/g, "");
}

/** Executes one notebook on a fresh kernel and converts it to HTML in `outDir`. */
export async function renderNotebook(
  path: string,
  options: {
    outDir?: string;
    timeoutS?: number;
    inputsDigest?: string;
    /** Where the notebooks write their runs (`LLM_BENCH_RESULTS_DIR`; the tests' own folder). @default data/results */
    resultsDir?: string;
  } = {},
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
      ...(options.resultsDir ? { env: { LLM_BENCH_RESULTS_DIR: options.resultsDir } } : {}),
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
    const page = offlineHtml(await Deno.readTextFile(join(tmp, `${name}.html`)));
    await Deno.writeTextFile(html, options.inputsDigest ? withInputsDigest(page, options.inputsDigest) : page);
    const executed = JSON.parse(await Deno.readTextFile(executedPath));
    return { notebook: path, html, executed, ok: exec.code === 0, log };
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

export async function main(args: string[]): Promise<number> {
  if (args.includes("--version")) {
    console.log(versionText());
    return 0;
  }
  if (args.includes("--help") || args.includes("-h")) {
    console.log(fitHelp(`deno task render [--force] [--out-dir DIR] [notebook.ipynb …]

Executes each notebook top to bottom on a fresh Deno kernel (simulated endpoint unless its config cell says otherwise)
and writes self-contained HTML to notebooks/rendered/<name>.html. Default: every notebook in notebooks/.

A page records a digest of what it was made from (the notebook, lib/, mod.ts, deno.json, deno.lock, data/ without
data/results). A notebook whose page records the digest of today's files is skipped: re-rendering it would change
only the measurements (a new run), not what the page shows. --force renders it anyway. --out-dir DIR writes the
pages to DIR instead of notebooks/rendered/.`));
    return 0;
  }
  const force = args.includes("--force");
  let outDir = RENDERED_DIR;
  const at = args.indexOf("--out-dir");
  if (at >= 0) {
    if (!args[at + 1] || args[at + 1].startsWith("-")) {
      console.error("error: --out-dir needs a folder (e.g. --out-dir /tmp/rendered)");
      return 2;
    }
    outDir = resolve(Deno.env.get("INIT_CWD") ?? Deno.cwd(), args[at + 1]); // the user's folder, not the project's
    args = args.filter((_, i) => i !== at && i !== at + 1);
  }
  const unknown = args.find((a) => a.startsWith("-") && a !== "--force");
  if (unknown) {
    console.error(`error: unknown flag ${unknown} (accepted: --force, --out-dir DIR, --help, --version)`);
    return 2;
  }
  args = args.filter((a) => a !== "--force");
  try {
    await setupJupyter();
  } catch (e) {
    console.error(`error: ${(e as Error).message}`);
    return 1;
  }
  const from = Deno.env.get("INIT_CWD") ?? Deno.cwd(); // deno task runs in the project root; paths are the user's
  const notebooks = args.length ? args.map((a) => resolve(from, a)) : [...Deno.readDirSync(NOTEBOOKS_DIR)]
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
    const inputsDigest = renderInputsDigest(nb);
    const page = join(outDir, basename(nb).replace(/\.ipynb$/, ".html"));
    if (!force && recordedInputsDigest(page) === inputsDigest) {
      console.log(`up to date  ${page}  (made from the same files; --force renders it again)`);
      continue;
    }
    console.error(`render: executing ${nb} on a fresh Deno kernel…`);
    const t = performance.now();
    const r = await renderNotebook(nb, { inputsDigest, outDir });
    console.error(r.log.trim().split("\n").map((l) => `  ${l}`).join("\n"));
    console.log(`${r.ok ? "ok" : "FAILED"}  ${r.html}  (${((performance.now() - t) / 1000).toFixed(1)} s)`);
    if (!r.ok) failed++;
  }
  return failed ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
