import { createParser, type EventSourceMessage } from "eventsource-parser";

/** One server-sent event with the arrival time of the read that completed it. */
export interface TimedSseEvent {
  data: string;
  event?: string;
  t: number;
}

/** Decodes a byte stream into server-sent events, keeping each event's arrival time. Never throws. */
export interface SseDecoder {
  /** Feeds one read's bytes, stamped `t`; returns the events that these bytes completed. */
  push(bytes: Uint8Array, t: number): TimedSseEvent[];
  /** Ends the stream at `t`: an event left without its closing blank line is still returned. */
  end(t: number): TimedSseEvent[];
  /** Set once an event grew past the size limit; the decoder then ignores further bytes. */
  readonly error: string | undefined;
}

/** Options of {@link createSseDecoder}. */
export interface SseDecoderOptions {
  /** Largest event (characters) held in memory; a longer one is an error, not unbounded memory. @default 1 MiB */
  maxEventSize?: number;
}

const NONE: TimedSseEvent[] = Object.freeze([]) as unknown as TimedSseEvent[];

/**
 * Creates an {@link SseDecoder}. Takes CRLF, LF or CR line ends, `data:` with or without a space, comment lines,
 * multi-line data, and any split of the bytes across reads.
 */
export function createSseDecoder(options: SseDecoderOptions = {}): SseDecoder {
  const max = options.maxEventSize ?? 1024 * 1024;
  const text = new TextDecoder();
  let out: TimedSseEvent[] = [];
  let now = 0;
  let error: string | undefined;
  const parser = createParser({
    maxBufferSize: max,
    onEvent(message: EventSourceMessage) {
      const ev: TimedSseEvent = { data: message.data, t: now };
      if (message.event !== undefined) ev.event = message.event;
      out.push(ev);
    },
    onError(e) {
      if (/buffer/i.test(e.message)) error = `an event exceeds ${max} characters`;
    },
  });
  const take = () => {
    const events = out;
    out = [];
    return events;
  };
  const feed = (s: string) => {
    if (error !== undefined) return;
    try {
      parser.feed(s);
    } catch (e) {
      error ??= `an event exceeds ${max} characters (${(e as Error).message.split(".")[0]})`;
    }
  };
  return {
    push(bytes, t) {
      now = t;
      feed(text.decode(bytes, { stream: true }));
      return out.length === 0 ? NONE : take();
    },
    end(t) {
      now = t;
      const rest = text.decode();
      if (rest) feed(rest);
      feed("\n\n");
      return take();
    },
    get error() {
      return error;
    },
  };
}
