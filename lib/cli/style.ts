/**
 * Colour on a terminal for what matters — SIMULATED, SUSPECT, failures, errors — and none with `NO_COLOR` set or when
 * the output is piped, so logs and files stay plain text.
 * @module
 */

const CODES = { warn: "1;33", bad: "1;31", good: "32", strong: "1" } as const;
/** What a piece of text is. */
export type Tone = keyof typeof CODES;

/** Whether `out` gets colour: a terminal, and `NO_COLOR` not set. */
export function wantsColour(out: { isTerminal(): boolean }): boolean {
  let noColour = false;
  try {
    noColour = (Deno.env.get("NO_COLOR") ?? "") !== "";
  } catch {
    // no env access: plain
    noColour = true;
  }
  return !noColour && out.isTerminal();
}

/** `text` in `tone`'s colour when `on`, as it is otherwise. */
export function paint(text: string, tone: Tone, on: boolean): string {
  return on ? `\x1b[${CODES[tone]}m${text}\x1b[0m` : text;
}

/**
 * The console summary with the lines that matter coloured: the simulated banner, the health verdict, failed requests
 * and error codes.
 */
export function emphasize(summary: string, on: boolean): string {
  if (!on) return summary;
  return summary.split("\n").map((line) => {
    if (/^\*\*\* SIMULATED/.test(line)) return paint(line, "warn", true);
    if (/^Health: SUSPECT/.test(line)) return paint(line, "bad", true);
    if (/^Health: VALID/.test(line)) return paint(line, "good", true);
    if (/^Requests .* [1-9]\d* failed/.test(line)) return paint(line, "bad", true);
    if (/^Error rate +[1-9]|^Error rate .*×/.test(line)) return paint(line, "bad", true);
    return line;
  }).join("\n");
}
