export * from "./params.ts";
export * from "./serving_model.ts";
export * from "./server.ts";
export * from "./worker.ts";
export * from "./process.ts";
