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
}

/** Creates a {@link LineDecoder}; any split of the same bytes gives the same lines. */
export function createLineDecoder(): LineDecoder {
  const decoder = new TextDecoder();
  let buffer = "";
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
    if (final && buffer.trim() !== "") {
      out.push({ text: buffer.replace(/\r$/, ""), t });
      buffer = "";
    }
    return out;
  };
  return {
    push(bytes, t) {
      buffer += decoder.decode(bytes, { stream: true });
      return take(t, false);
    },
    end(t) {
      buffer += decoder.decode();
      return take(t, true);
    },
  };
}
