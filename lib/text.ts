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

/**
 * How wide a table printed to standard output may be: the terminal's columns, else `COLUMNS` when it is set (as
 * shells and `tput` use it), else unlimited — piped output keeps a table's every column, each line whole.
 */
export function outputColumns(): number {
  try {
    if (Deno.stdout.isTerminal()) return Deno.consoleSize().columns || Infinity;
  } catch {
    // not a terminal
  }
  let env = NaN;
  try {
    env = Number(Deno.env.get("COLUMNS"));
  } catch {
    // no permission to read the environment
  }
  return Number.isInteger(env) && env > 0 ? env : Infinity;
}

/** Standard error's width when it is a terminal, else unlimited (a log keeps each line whole). */
export function stderrColumns(): number {
  try {
    if (Deno.stderr.isTerminal()) return Deno.consoleSize().columns || Infinity;
  } catch {
    // not a terminal
  }
  return Infinity;
}

/**
 * Each line of `text` wrapped at its words to `width` columns, continuation lines indented two columns more than the
 * line; a line that fits stays as it is.
 */
export function fitLine(text: string, width: number): string[] {
  return text.split("\n").flatMap((line) => {
    if (line.length <= width) return [line];
    const indent = /^ */.exec(line)![0];
    const [first, ...rest] = wrap(line, width - indent.length);
    return [indent + first, ...wrap(rest.join(" "), width - indent.length - 2).map((l) => `${indent}  ${l}`)];
  });
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

/**
 * Help text that fits `width`: a paragraph with a line wider than that is reflowed as a whole — its words wrapped
 * again, under the indentation its first line's text starts at (a flag row's text column, or a prose line's indent) —
 * so a text wrapped once at a wider width is not wrapped twice into ragged lines. Paragraphs that fit are left as
 * written.
 */
export function fitHelp(text: string, width = helpWidth()): string {
  const lines = text.split("\n");
  const out: string[] = [];
  const indentOf = (l: string) => /^ */.exec(l)![0].length;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.length <= width) {
      out.push(line);
      continue;
    }
    // A flag row ("  --flag ARG   its text") hangs its text at the text's column; prose at its own indent.
    // The column is the one its continuation lines keep, when the next line has one, else after a gap of 2 spaces.
    const next = lines[i + 1] ?? "";
    const c = indentOf(next);
    const hung = next.trim() !== "" && c > indentOf(line) && line[c - 1] === " " && line[c] !== " ";
    const row = hung ? [line, line.slice(0, c), line.slice(c)] : /^( +\S.*?\S {2,})(\S.*)$/.exec(line);
    const lead = row ? row[1] : " ".repeat(indentOf(line));
    const words = [row ? row[2] : line.trim()];
    const column = lead.length;
    while (i + 1 < lines.length && lines[i + 1].trim() !== "" && indentOf(lines[i + 1]) === column) {
      words.push(lines[++i].trim());
    }
    const narrow = column > width / 2;
    const hangAt = narrow ? indentOf(line) + 4 : column;
    const body = wrap(words.join(" "), width - hangAt);
    if (narrow) out.push(lead.trimEnd(), ...body.map((l) => " ".repeat(hangAt) + l));
    else out.push(lead + body[0], ...body.slice(1).map((l) => " ".repeat(hangAt) + l));
  }
  return out.join("\n");
}

/**
 * A line of parts joined by `separator` (" · " unless told), cut into lines of at most `width` columns between its
 * parts, each cut line ending in the separator's mark, continuations indented two columns. A part wider than the line
 * stays whole.
 */
export function wrapAtDots(line: string, width: number, separator = " · "): string[] {
  const parts = line.split(separator);
  const mark = separator.trimEnd();
  const out: string[] = [];
  let cur = "";
  for (const p of parts) {
    const next = cur ? `${cur}${separator}${p}` : p;
    if (cur && next.length + mark.length > width) {
      out.push(`${cur}${mark}`);
      cur = `  ${p.trimStart()}`;
    } else cur = next;
  }
  if (cur) out.push(cur);
  return out;
}

/**
 * `text` after `lead`, wrapped to `width` columns — between its " · "-separated parts where it has them, else (and
 * within a part too wide for a line) at its words — its continuation lines indented under the text's start (a lead
 * wider than half the width indents them 4 columns instead).
 */
export function hang(lead: string, text: string, width: number): string[] {
  const indent = lead.length > width / 2 ? 4 : lead.length;
  const lines: string[] = [];
  let cur = "";
  const room = () => width - (lines.length === 0 ? lead.length : indent);
  for (const [i, part] of text.split(" · ").entries()) {
    const piece = i === 0 ? part : `· ${part}`;
    const next = cur ? `${cur} ${piece}` : piece;
    if (next.length + 2 <= room()) {
      cur = next;
      continue;
    }
    if (cur) lines.push(cur);
    cur = "";
    for (const word of piece.split(/\s+/).filter(Boolean)) {
      const n = cur ? `${cur} ${word}` : word;
      if (cur && n.length > room()) {
        lines.push(cur);
        cur = word;
      } else cur = n;
    }
  }
  if (cur || lines.length === 0) lines.push(cur);
  // A line that would begin with the separator ends the one before it instead.
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].startsWith("· ")) {
      lines[i - 1] += " ·";
      lines[i] = lines[i].slice(2);
    }
  }
  return lines.map((l, i) => (i === 0 ? lead + l : " ".repeat(indent) + l)).map((l) => l.trimEnd());
}
