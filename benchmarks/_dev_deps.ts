// Benchmark-only packages, kept out of deno.json's import map for the same reason as tests/_dev_deps.ts (a user's
// run would install them). Lock file: tests/deno.lock (`deno task perf` passes it).
export { Agent, fetch } from "npm:undici@7.30.2";
