export * from "./plan.ts";
export * from "./schedule.ts";
export * from "./tokenizer_worker.ts";
