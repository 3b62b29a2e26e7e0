import { z } from "zod";
import { type CorpusTable, instruction } from "./sampler.ts";
import { DEFAULT_TOKENIZER_NAME, type Tokenizer } from "./tokenizer.ts";

/**
 * The public-domain text prompts are cut from (Shakespeare's sonnets, data/sonnets.txt).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadCorpus } from "../../mod.ts";
 * assert.match(await loadCorpus(), /Shall I compare thee to a summer's day\?/);
 * ```
 */
export async function loadCorpus(path = new URL("../../data/sonnets.txt", import.meta.url)): Promise<string> {
  return await Deno.readTextFile(path);
}

/** Where the bundled tokenizer's table of the corpus is kept (made by `deno task corpus:table`). */
export const CORPUS_TABLE_PATH = new URL("../../data/sonnets.llama3.json", import.meta.url);

const CorpusTableSchema = z.object({
  tokenizer: z.string(),
  pieces: z.array(z.string()).min(16),
  instructionTokens: z.int().min(1),
  verse: z.array(z.string()).min(16),
  preTokens: z.record(z.string(), z.int().min(1)),
});

/**
 * Llama 3's pre-tokenizer: the pieces a text is split into before byte-pair merges, which never cross them — so a
 * text's token count is the sum of its pre-tokens' counts.
 */
const PRE_TOKENS =
  /(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu;

/** The corpus with its line breaks kept (paragraphs as one blank line), as the simulated endpoint answers. */
const verseOf = (corpus: string) => corpus.replace(/[ \t]+/g, " ").replace(/\n{2,}/g, "\n\n");

/** Cuts the corpus into `tokenizer`'s tokens (see {@link CorpusTable}). */
export function buildCorpusTable(tokenizer: Tokenizer, corpus: string): CorpusTable {
  const text = " " + corpus.replace(/\s+/g, " ").trim();
  const verse = verseOf(corpus);
  const preTokens: Record<string, number> = {};
  for (const source of [text, verse, instruction(1234567890)]) {
    for (const [p] of source.matchAll(PRE_TOKENS)) preTokens[p] ??= tokenizer.count(p);
  }
  return {
    tokenizer: tokenizer.name,
    pieces: tokenizer.encode(text).map((id) => tokenizer.decode([id])),
    instructionTokens: tokenizer.count(instruction(5)) - 1,
    verse: tokenizer.encode(verse).map((id) => tokenizer.decode([id])),
    preTokens,
  };
}

/**
 * The bundled tokenizer's table of the corpus, read from data/ — what lets a run draw its prompts without loading the
 * tokenizer (which takes seconds and hundreds of megabytes).
 */
export async function loadCorpusTable(path: URL | string = CORPUS_TABLE_PATH): Promise<CorpusTable> {
  const table = CorpusTableSchema.parse(JSON.parse(await Deno.readTextFile(path)));
  if (table.tokenizer !== DEFAULT_TOKENIZER_NAME) {
    throw new Error(
      `${path} was made with ${table.tokenizer}, not ${DEFAULT_TOKENIZER_NAME}: run deno task corpus:table`,
    );
  }
  return table;
}

/**
 * Counts tokens with a {@link CorpusTable} instead of the tokenizer: the sum over a text's pre-tokens of their counts
 * in the table — exact for text made of the corpus and the instruction (every prompt the sampler cuts); a pre-token
 * the table does not know is estimated: a word at one token per 7 letters, a group of up to 3 digits at one, other
 * characters at one per 2.
 */
export function tableTokenCounter(table: CorpusTable): { count(text: string): number } {
  const known = new Map(Object.entries(table.preTokens));
  return {
    count(text) {
      let n = 0;
      for (const [p] of text.matchAll(PRE_TOKENS)) {
        n += known.get(p) ?? estimate(p);
      }
      return n;
    },
  };
}

/** The corpus as the simulated endpoint's answers are made of: the text of each token, line breaks kept. */
export function answerPieces(tokenizer: Tokenizer, corpus: string): string[] {
  return tokenizer.encode(verseOf(corpus)).map((id) => tokenizer.decode([id]));
}

function estimate(preToken: string): number {
  const t = preToken.trim();
  if (t === "") return 1;
  if (/^\p{N}+$/u.test(t)) return 1;
  if (/\p{L}/u.test(t)) return Math.max(1, Math.ceil(t.replace(/[^\p{L}]/gu, "").length / 7));
  return Math.max(1, Math.ceil(t.length / 2));
}
