/**
 * How the CLI's help reads: flags in groups, each flag on one line when it fits, else its text on the lines below;
 * nothing wider than 100 columns (or the terminal, when narrower); and every task's `--version`.
 * @module
 */
export { versionText } from "../version.ts";

export { fitHelp, HELP_WIDTH, helpWidth, wrap } from "../text.ts";
import { HELP_WIDTH, wrap } from "../text.ts";

/**
 * Formats flag rows (`[flag and argument, text]`): the flag and its text on one line when they fit in `width`, else
 * the flag alone and its text wrapped below it.
 */
export function formatFlagRows(rows: readonly (readonly [string, string])[], width = HELP_WIDTH): string[] {
  const column = Math.min(32, Math.max(...rows.map(([flag]) => flag.length)) + 2);
  const out: string[] = [];
  for (const [flag, text] of rows) {
    const room = width - 2 - column;
    if (flag.length + 2 <= column && text.length <= room) {
      out.push(`  ${flag.padEnd(column)}${text}`);
      continue;
    }
    const body = wrap(text, width - 6);
    if (flag.length + 2 <= column && body.length > 0) {
      const first = wrap(text, room);
      out.push(`  ${flag.padEnd(column)}${first[0]}`);
      for (const l of wrap(first.slice(1).join(" "), room)) out.push(`  ${"".padEnd(column)}${l}`);
    } else {
      out.push(`  ${flag}`);
      for (const l of body) out.push(`      ${l}`);
    }
  }
  return out;
}
