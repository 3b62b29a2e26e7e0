export * from "./summary_table.ts";
