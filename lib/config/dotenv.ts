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

/**
 * The environment a run sees: the process environment over the `.env` file of `cwd` (process variables win, as with
 * dotenv). A missing `.env` is fine; an unreadable one is not silently ignored.
 */
export function loadEnv(options: { cwd?: string; env?: Record<string, string> } = {}): Record<string, string> {
  const env = options.env ?? Deno.env.toObject();
  const path = `${options.cwd ?? Deno.cwd()}/.env`;
  let fromFile: Record<string, string> = {};
  try {
    fromFile = parseDotenv(Deno.readTextFileSync(path));
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return { ...fromFile, ...env };
}
