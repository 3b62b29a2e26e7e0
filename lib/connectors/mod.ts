export * from "./types.ts";
export * from "./sse.ts";
export * from "./http.ts";
export * from "./openai.ts";
