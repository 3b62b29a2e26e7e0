import type { RunProgress } from "../runner/runner.ts";

const encoder = new TextEncoder();

/** Draws run progress on stderr: a bar redrawn in place on a terminal, plain periodic lines otherwise. */
export interface ProgressView {
  update(p: RunProgress): void;
  done(): void;
}

function clock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, "0");
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** The figures of a progress line, most important first: a narrow terminal keeps the first ones that fit. */
function segments(p: RunProgress): string[] {
  const s = p.elapsedMs / 1000;
  const rate = s > 0 ? p.finished / s : 0;
  const finite = Number.isFinite(p.total);
  const out = [`${p.finished}/${finite ? p.total : "…"} done`];
  // Stopped: no ETA, no work in flight — what still arrives are the aborted requests' records.
  out.push(p.stopped ? "stopped" : `${p.inFlight} in flight`);
  if (p.failed > 0) out.push(`${p.failed} failed`);
  if (!p.stopped && finite && rate > 0 && p.finished < p.total) {
    out.push(`ETA ${clock(((p.total - p.finished) / rate) * 1000)}`);
  }
  out.push(`${rate.toFixed(2)} req/s`);
  out.push(clock(p.elapsedMs));
  if (p.aborted > 0) out.push(`${p.aborted} aborted`);
  out.push(`${p.succeeded} ok`);
  out.push(`${Math.round(s > 0 ? p.outputTokens / s : 0)} tok/s`);
  return out;
}

/**
 * One progress line of at most `width` characters: a bar (when there is room for one) and the figures that fit,
 * most important first — never wider, so a terminal never wraps it.
 */
export function progressLine(p: RunProgress, width: number, bar = true): string {
  const parts = segments(p);
  let text = parts[0];
  const barRoom = (t: string) => width - [...t].length - 3; // "[" + bar + "] "
  for (const part of parts.slice(1)) {
    const next = `${text} · ${part}`;
    if ((bar ? barRoom(next) >= 10 : [...next].length <= width)) text = next;
    else break;
  }
  if (bar && barRoom(text) >= 10) {
    const cells = Math.min(28, barRoom(text));
    const filled = Number.isFinite(p.total) && p.total
      ? Math.min(cells, Math.round((p.finished / p.total) * cells))
      : 0;
    text = `[${"█".repeat(filled)}${"░".repeat(cells - filled)}] ${text}`;
  }
  const chars = [...text];
  return chars.length > width ? chars.slice(0, Math.max(0, width - 1)).join("") + "…" : text;
}

/** The progress as one plain line with every figure (logs and pipes, where nothing is redrawn). */
export function plainProgressLine(p: RunProgress): string {
  const s = p.elapsedMs / 1000;
  const rate = s > 0 ? p.finished / s : 0;
  const finite = Number.isFinite(p.total);
  const eta = p.stopped
    ? " · stopped"
    : finite && rate > 0 && p.finished < p.total
    ? ` · ETA ${clock(((p.total - p.finished) / rate) * 1000)}`
    : "";
  return `${p.finished}/${
    finite ? p.total : "…"
  } done · ${p.succeeded} ok · ${p.failed} failed · ${p.aborted} aborted · ` +
    `${p.inFlight} in flight · ${rate.toFixed(2)} req/s · ${Math.round(s > 0 ? p.outputTokens / s : 0)} tok/s · ` +
    `${clock(p.elapsedMs)}${eta}`;
}

/** The terminal's width in columns, or 80 when it cannot be told. */
function terminalWidth(): number {
  try {
    return Deno.consoleSize().columns || 80;
  } catch {
    return 80;
  }
}

/** Creates a {@link ProgressView} writing to `out` (stderr by default). */
export function createProgressView(
  label = "progress",
  out: { writeSync(b: Uint8Array): number; isTerminal(): boolean } = Deno.stderr,
  width: () => number = terminalWidth,
): ProgressView {
  const tty = out.isTerminal();
  const write = (s: string) => {
    const bytes = encoder.encode(s);
    let n = 0;
    while (n < bytes.length) n += out.writeSync(bytes.subarray(n));
  };
  let lastDraw = 0;
  let lastPlain = -1;
  let last: RunProgress | undefined;
  let drawn = false;
  // Two columns spare: a line as wide as the terminal wraps at the next character, and Ctrl-C echoes "^C" after it.
  const draw = (p: RunProgress) => {
    write(`\r\x1b[2K${progressLine(p, Math.max(20, width() - 2))}`);
    drawn = true;
  };
  return {
    update(p) {
      last = p;
      const now = performance.now();
      if (tty) {
        if (now - lastDraw >= 100 || p.finished === p.total) {
          lastDraw = now;
          draw(p);
        }
        return;
      }
      // Plain output: a line every 10 % of the run, or every 5 s.
      const decile = Math.floor((p.finished / Math.max(1, p.total)) * 10);
      if (decile !== lastPlain || now - lastDraw >= 5000) {
        lastPlain = decile;
        lastDraw = now;
        write(`${label}: ${plainProgressLine(p)}\n`);
      }
    },
    done() {
      if (tty && last && drawn) {
        draw(last);
        write("\n");
      }
      drawn = false;
      last = undefined;
    },
  };
}
