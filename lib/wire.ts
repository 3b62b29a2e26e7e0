/**
 * Constants both sides of the wire agree on — the client's connectors and the simulated endpoint — kept apart from
 * either, so neither imports the other's code.
 * @module
 */

/**
 * Response header by which llm-bench's simulated endpoint marks its answers, so results say "simulated" even when it
 * is reached as a plain OpenAI-compatible URL.
 */
export const SIMULATED_HEADER = "x-llm-bench-simulated";

/**
 * Request header (value `1`) of the simulated endpoint's own warm-up requests (lib/simulator/self_warm.ts): they run
 * its code but are not counted, logged, cached or given a fault.
 */
export const SIM_WARMUP_HEADER = "x-llm-bench-sim-warmup";

/** Carriage return, the first byte of an HTTP line end. */
export const CR = 13;
/** Line feed: ends an HTTP line, an SSE line and an NDJSON line. */
export const LF = 10;
