export * from "./request.ts";
export * from "./runner.ts";
export * from "./pipeline.ts";
export * from "./sweep.ts";
export * from "./monitor.ts";
