import type { RunProgress } from "../runner/runner.ts";

const encoder = new TextEncoder();

/** Draws run progress on stderr: a bar redrawn in place on a terminal, plain periodic lines otherwise. */
export interface ProgressView {
  update(p: RunProgress): void;
  done(): void;
}

function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

function line(p: RunProgress): string {
  const rate = p.elapsedMs > 0 ? p.finished / (p.elapsedMs / 1000) : 0;
  const tps = p.elapsedMs > 0 ? p.outputTokens / (p.elapsedMs / 1000) : 0;
  return `${p.finished}/${
    Number.isFinite(p.total) ? p.total : "…"
  } done · ${p.succeeded} ok · ${p.failed} failed · ${p.aborted} aborted · ` +
    `${p.inFlight} in flight · ${rate.toFixed(2)} req/s · ${Math.round(tps)} tok/s · ${clock(p.elapsedMs)}`;
}

/** Creates a {@link ProgressView} writing to `out` (stderr by default). */
export function createProgressView(
  label = "progress",
  out: { writeSync(b: Uint8Array): number; isTerminal(): boolean } = Deno.stderr,
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
  const draw = (p: RunProgress) => {
    const width = 28;
    const filled = Number.isFinite(p.total) && p.total ? Math.round((p.finished / p.total) * width) : 0;
    write(`\r\x1b[2K[${"█".repeat(filled)}${"░".repeat(width - filled)}] ${line(p)}`);
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
        write(`${label}: ${line(p)}\n`);
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
