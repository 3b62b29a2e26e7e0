export * from "./runner.ts";
export * from "./benchmark.ts";
export * from "./sweep.ts";
export * from "./schedule.ts";
export * from "./monitor.ts";
export * from "./plan.ts";
