/**
 * Text for a terminal: help that fits 100 columns (or the terminal, when narrower), words wrapped — shared by the
 * CLI's tasks and `deno task render` (which lives with the notebooks).
 * @module
 */

/** The widest help line, columns. */
export const HELP_WIDTH = 100;

/** The width help is wrapped to: 100 columns, or the terminal's when it is narrower. */
export function helpWidth(): number {
  try {
    if (Deno.stdout.isTerminal()) return Math.min(HELP_WIDTH, Deno.consoleSize().columns || HELP_WIDTH);
  } catch {
    // not a terminal
  }
  return HELP_WIDTH;
}

/** Wraps `text` into lines of at most `width` characters (a word longer than that gets a line of its own). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** Help text that fits: a line wider than `width` is wrapped at its words, keeping its indentation. */
export function fitHelp(text: string, width = helpWidth()): string {
  return text.split("\n").flatMap((line) => {
    if (line.length <= width) return [line];
    const indent = /^\s*/.exec(line)![0];
    return wrap(line.trim(), width - indent.length).map((l) => indent + l);
  }).join("\n");
}
