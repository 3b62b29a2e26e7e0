export * from "./types.ts";
export * from "./sse.ts";
export * from "./http.ts";
export * from "./openai.ts";
export * from "./ndjson.ts";
export * from "./sambastudio.ts";
export * from "./factory.ts";
