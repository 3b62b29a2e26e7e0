export * from "./statistics.ts";
export * from "./trace.ts";
export * from "./request_metrics.ts";
export * from "./summary.ts";
export * from "./server_timings.ts";
export * from "./goodput.ts";
export * from "./health.ts";
export * from "./sweep.ts";
