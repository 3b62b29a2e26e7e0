export * from "./summary_table.ts";
export * from "./html_report.ts";
export * from "./sweep_report.ts";
