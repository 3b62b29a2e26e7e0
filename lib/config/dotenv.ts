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

/** The environment a run sees, and the `.env` files it was read from (nearest first). */
export interface LoadedEnv {
  env: Record<string, string>;
  files: string[];
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
  let fromFiles: Record<string, string> = {};
  for (const folder of folders.reverse()) {
    const path = `${folder}/.env`;
    try {
      fromFiles = { ...fromFiles, ...parseDotenv(Deno.readTextFileSync(path)) };
      files.unshift(path);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  return { env: { ...fromFiles, ...env }, files };
}

/** {@link loadEnvFiles}' environment alone. */
export function loadEnv(options: { cwd?: string; env?: Record<string, string> } = {}): Record<string, string> {
  return loadEnvFiles(options).env;
}
