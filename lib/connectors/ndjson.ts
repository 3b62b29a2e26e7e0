/** One line of a newline-delimited JSON stream with the arrival time of the read that completed it. */
export interface TimedLine {
  text: string;
  t: number;
}

/** Splits a byte stream into lines (LF or CRLF), keeping each line's arrival time. Blank lines are skipped. */
export interface LineDecoder {
  push(bytes: Uint8Array, t: number): TimedLine[];
  /** Ends the stream: a last line without its newline is still returned. */
  end(t: number): TimedLine[];
  /** Set once a line grew past the size limit; the decoder then ignores further bytes. */
  readonly error: string | undefined;
}

/** Options of {@link createLineDecoder}. */
export interface LineDecoderOptions {
  /** Largest line (characters) held in memory; a longer one is an error, not unbounded memory. @default 1 MiB */
  maxLineSize?: number;
}

/** Creates a {@link LineDecoder}; any split of the same bytes gives the same lines. */
export function createLineDecoder(options: LineDecoderOptions = {}): LineDecoder {
  const max = options.maxLineSize ?? 1024 * 1024;
  const decoder = new TextDecoder();
  let buffer = "";
  let error: string | undefined;
  const take = (t: number, final: boolean): TimedLine[] => {
    const out: TimedLine[] = [];
    let start = 0;
    for (;;) {
      const nl = buffer.indexOf("\n", start);
      if (nl < 0) break;
      const line = buffer.slice(start, nl).replace(/\r$/, "");
      if (line.trim() !== "") out.push({ text: line, t });
      start = nl + 1;
    }
    buffer = buffer.slice(start);
    if (buffer.length > max) {
      error = `a line exceeds ${max} characters`;
      buffer = "";
      return out;
    }
    if (final && buffer.trim() !== "") {
      out.push({ text: buffer.replace(/\r$/, ""), t });
      buffer = "";
    }
    return out;
  };
  return {
    push(bytes, t) {
      if (error !== undefined) return [];
      buffer += decoder.decode(bytes, { stream: true });
      return take(t, false);
    },
    end(t) {
      if (error !== undefined) return [];
      buffer += decoder.decode();
      return take(t, true);
    },
    get error() {
      return error;
    },
  };
}
