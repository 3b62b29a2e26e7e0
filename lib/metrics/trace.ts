import type { StreamEvent, Usage } from "../connectors/types.ts";

/**
 * The raw timings of one request, gathered from its connector's events. All times are `performance.now()` ms;
 * `textTimes` holds the arrival of every event that carried generated text (content or reasoning).
 */
export interface RequestTrace {
  t0: number | null;
  tResponse: number | null;
  httpStatus: number | null;
  textTimes: number[];
  emptyEvents: number;
  content: string;
  reasoning: string;
  usage: Usage | null;
  finishReason: string | null;
  tEnd: number | null;
  /** The server marked its response as llm-bench's simulator. */
  simulatedServer: boolean;
  /** Time spent opening a connection for the request, ms (absent when it reused one). */
  connectMs?: number;
  /** When the request's last byte was written, when the HTTP client can tell. */
  tWritten?: number;
  /** The first delta carried no text (a role-only or empty chunk). */
  firstDeltaEmpty: boolean | null;
  /** Arrival of the first event with answer text (`content`), when there was one. */
  firstContentAt: number | null;
  /** Text events before the first with answer text: the reasoning phase's (all of them when no answer came). */
  reasoningEvents: number;
}

/** An empty trace to fill with {@link addEvent}. */
export function newTrace(): RequestTrace {
  return {
    t0: null,
    tResponse: null,
    httpStatus: null,
    textTimes: [],
    emptyEvents: 0,
    content: "",
    reasoning: "",
    usage: null,
    finishReason: null,
    tEnd: null,
    simulatedServer: false,
    firstDeltaEmpty: null,
    firstContentAt: null,
    reasoningEvents: 0,
  };
}

/** Adds one connector event to a trace. Role-only and empty deltas are counted but carry no text time. */
export function addEvent(trace: RequestTrace, ev: StreamEvent): void {
  switch (ev.type) {
    case "delta":
      if (trace.firstDeltaEmpty === null) trace.firstDeltaEmpty = ev.content === "" && ev.reasoning === "";
      if (ev.content !== "" || ev.reasoning !== "") {
        trace.textTimes.push(ev.t);
        if (ev.reasoning !== "") {
          trace.reasoning += ev.reasoning;
          if (trace.firstContentAt === null) trace.reasoningEvents++;
        }
        if (ev.content !== "") {
          trace.content += ev.content;
          // An event carrying both is the answer's first: the reasoning ended in it.
          if (trace.firstContentAt === null) {
            trace.firstContentAt = ev.t;
            if (ev.reasoning !== "") trace.reasoningEvents--;
          }
        }
      } else {
        trace.emptyEvents++;
      }
      if (ev.finishReason !== null) trace.finishReason = ev.finishReason;
      break;
    case "usage":
      trace.usage = ev.usage;
      trace.emptyEvents++;
      break;
    case "start":
      trace.t0 = ev.t;
      break;
    case "response":
      trace.tResponse = ev.t;
      trace.httpStatus = ev.status;
      trace.simulatedServer = ev.simulated;
      if (ev.connectMs !== undefined) trace.connectMs = ev.connectMs;
      if (ev.tWritten !== undefined) trace.tWritten = ev.tWritten;
      break;
    case "end":
      trace.tEnd = ev.t;
      break;
  }
}
