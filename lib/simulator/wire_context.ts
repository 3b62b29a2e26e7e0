import type { Engine } from "./engine.ts";
import type { Faults } from "./faults.ts";
import type { SimParams } from "./params.ts";
import type { Streamer } from "./responses.ts";

/** The simulator's log of one request: epoch ms of its arrival, of each text chunk sent, and of its end. */
export interface ChunkLogEntry {
  arrival: number;
  sends: number[];
  end: number | null;
}

/** What a wire format's handler gets from the server: the engine, the faults, and how to stream. */
export interface WireContext {
  params: SimParams;
  engine: Engine;
  /** Counts a prompt's tokens. */
  tokens: { count(text: string): number };
  faults: Faults;
  stream: Streamer;
}

/** One generation request as it arrived: its JSON body, arrival time and (when logging) its chunk log. */
export interface Arrived {
  body: Record<string, unknown>;
  arrival: number;
  log?: ChunkLogEntry;
  /** The server's own warm-up request: no fault, no prefix cache. */
  warmup?: boolean;
}
