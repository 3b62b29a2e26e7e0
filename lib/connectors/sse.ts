import { createParser, type EventSourceMessage } from "eventsource-parser";

/** One server-sent event with the arrival time of the read that completed it. */
export interface TimedSseEvent {
  data: string;
  event?: string;
  t: number;
}

/** Decodes a byte stream into server-sent events, keeping each event's arrival time. */
export interface SseDecoder {
  /** Feeds one read's bytes, stamped `t`; returns the events that these bytes completed. */
  push(bytes: Uint8Array, t: number): TimedSseEvent[];
  /** Ends the stream at `t`: an event left without its closing blank line is still returned. */
  end(t: number): TimedSseEvent[];
}

/**
 * Creates an {@link SseDecoder}. Takes CRLF, LF or CR line ends, `data:` with or without a space, comment lines,
 * multi-line data, and any split of the bytes across reads.
 */
const NONE: TimedSseEvent[] = Object.freeze([]) as unknown as TimedSseEvent[];

export function createSseDecoder(): SseDecoder {
  const text = new TextDecoder();
  let out: TimedSseEvent[] = [];
  let now = 0;
  const parser = createParser({
    onEvent(message: EventSourceMessage) {
      const ev: TimedSseEvent = { data: message.data, t: now };
      if (message.event !== undefined) ev.event = message.event;
      out.push(ev);
    },
  });
  const take = () => {
    const events = out;
    out = [];
    return events;
  };
  return {
    push(bytes, t) {
      now = t;
      parser.feed(text.decode(bytes, { stream: true }));
      return out.length === 0 ? NONE : take();
    },
    end(t) {
      now = t;
      const rest = text.decode();
      if (rest) parser.feed(rest);
      parser.feed("\n\n");
      return take();
    },
  };
}
