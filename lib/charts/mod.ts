export * from "./charts.ts";
export * from "./escape.ts";
