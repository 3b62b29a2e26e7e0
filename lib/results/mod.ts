export * from "./schema.ts";
export * from "./files.ts";
