/**
 * Reads a `.env` file: `KEY=value` lines, `#` comments, optional `export ` prefix, single or double quotes.
 * Returns the pairs; it never changes the process environment.
 */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2];
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.lastIndexOf(quote) > 0) {
      value = value.slice(1, value.lastIndexOf(quote));
      if (quote === '"') value = value.replace(/\\n/g, "\n");
    } else {
      const hash = value.search(/\s#/);
      if (hash >= 0) value = value.slice(0, hash);
      value = value.trim();
    }
    out[m[1]] = value;
  }
  return out;
}

/** The environment a run sees, the `.env` files it was read from (nearest first), and their lines that were not read. */
export interface LoadedEnv {
  env: Record<string, string>;
  files: string[];
  /** One line per skipped line: the file, the line number and the name it starts with (never its value). */
  warnings: string[];
}

/**
 * The lines of a `.env` text that are not `KEY=value` (nor blank, nor comments), with the name each starts with —
 * `OPENAI_API_BASE: http://…` or `OPENAI_API_KEY sk-…` would otherwise be skipped without a word.
 */
export function dotenvProblems(text: string): { line: number; starts: string }[] {
  const out: { line: number; starts: string }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    if (/^(?:export\s+)?[A-Za-z_][A-Za-z0-9_.]*\s*=/.test(line)) return;
    out.push({ line: i + 1, starts: /^[A-Za-z_][A-Za-z0-9_.]*/.exec(line)?.[0] ?? "" });
  });
  return out;
}

/**
 * The environment a run sees: the process environment over the `.env` files — the one in the folder the user ran
 * from (`INIT_CWD`, which `deno task` sets, since it runs tasks in the project's folder) over the one in `cwd` (the
 * project root under `deno task`). Process variables win, as with dotenv. A missing `.env` is fine; an unreadable
 * one is not silently ignored.
 */
export function loadEnvFiles(options: { cwd?: string; env?: Record<string, string> } = {}): LoadedEnv {
  const env = options.env ?? Deno.env.toObject();
  const cwd = options.cwd ?? Deno.cwd();
  const folders = [
    ...new Set([env.INIT_CWD, cwd].filter((f): f is string => Boolean(f)).map((f) => f.replace(/\/+$/, ""))),
  ];
  const files: string[] = [];
  const warnings: string[] = [];
  let fromFiles: Record<string, string> = {};
  for (const folder of folders.reverse()) {
    const path = `${folder}/.env`;
    try {
      const text = Deno.readTextFileSync(path);
      fromFiles = { ...fromFiles, ...parseDotenv(text) };
      files.unshift(path);
      for (const p of dotenvProblems(text)) {
        warnings.push(
          `${path}:${p.line}: not KEY=value${p.starts ? ` (it starts ${p.starts})` : ""} — skipped; write NAME=value`,
        );
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  return { env: { ...fromFiles, ...env }, files, warnings };
}

/**
 * {@link loadEnvFiles}' environment alone.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadEnv } from "../../mod.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/.env`, "OPENAI_API_BASE=http://127.0.0.1:8000/v1\nOPENAI_API_KEY=from-file\n");
 * const env = loadEnv({ cwd: dir, env: { OPENAI_API_KEY: "from-process" } });
 * assert.equal(env.OPENAI_API_BASE, "http://127.0.0.1:8000/v1");
 * assert.equal(env.OPENAI_API_KEY, "from-process"); // the process environment wins
 * ```
 */
export function loadEnv(options: { cwd?: string; env?: Record<string, string> } = {}): Record<string, string> {
  return loadEnvFiles(options).env;
}
