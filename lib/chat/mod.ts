export * from "./template.ts";
export * from "./session.ts";
