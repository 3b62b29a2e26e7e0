/**
 * The simulated endpoint — the `@llm-bench/llm-bench/simulator` entry point: a real HTTP server on 127.0.0.1 that
 * speaks the OpenAI, SambaNova Cloud and SambaStudio wire formats with a continuous-batching latency model, in this
 * thread ({@link startSimServer}), in a worker thread ({@link startSimWorker}) or in a process of its own
 * ({@link spawnSimProcess}). Every response is marked simulated.
 * @module
 */
export {
  type ChunkLogEntry,
  type SimServer,
  type SimServerOptions,
  type SimServerStats,
  startSimServer,
} from "./server.ts";
export { type SimWorker, type SimWorkerOptions, startSimWorker } from "./worker.ts";
export { type SimProcess, spawnSimProcess } from "./process.ts";
export {
  FAULT_KINDS,
  type FaultKind,
  FaultsSchema,
  type SimParams,
  type SimParamsInput,
  SimParamsSchema,
} from "./params.ts";
export { createServingModel, type ServingModel } from "./serving_model.ts";
