// Test-only packages. They are not in deno.json's import map on purpose: everything in that map is installed on a
// user's first `deno task bench`, and a run never loads these. Pinned here; their lock file is tests/deno.lock, which
// the test tasks pass with --lock (deno.json). tests/imports_test.ts checks the run's deno.lock stays free of them.
export { default as fc } from "npm:fast-check@4.11.0";
