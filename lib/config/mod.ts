export * from "./schema.ts";
export * from "./resolve.ts";
export * from "./dotenv.ts";
