/** The version of llm-bench, as deno.json names it. */
import meta from "../deno.json" with { type: "json" };

/** llm-bench's version (deno.json). */
export const VERSION: string = meta.version;

/** `llm-bench 0.1.0 (Deno 2.9.6, V8 …, TypeScript …)`, for every task's `--version`. */
export function versionText(): string {
  const v = Deno.version;
  return `llm-bench ${VERSION} (Deno ${v.deno}, V8 ${v.v8}, TypeScript ${v.typescript})`;
}
