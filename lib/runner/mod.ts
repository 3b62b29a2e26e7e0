export * from "./runner.ts";
export * from "./benchmark.ts";
