import type { RunSummary } from "../results/schema.ts";

/** Deno/V8 versions, OS, CPU count and start time of this process: the context every run records. */
export function environmentInfo(startTime = new Date().toISOString()): RunSummary["environment"] {
  return {
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
    os: `${Deno.build.os} ${Deno.osRelease()}`,
    arch: Deno.build.arch,
    cpuCount: navigator.hardwareConcurrency,
    startTime,
  };
}
