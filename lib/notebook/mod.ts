export * from "./display.ts";
