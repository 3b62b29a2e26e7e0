import { z } from "zod";
import { type CorpusTable, instruction } from "./sampler.ts";
import { DEFAULT_TOKENIZER_NAME, type Tokenizer } from "./tokenizer.ts";

/** The public-domain text prompts are cut from (Shakespeare's sonnets, data/sonnets.txt). */
export async function loadCorpus(path = new URL("../../data/sonnets.txt", import.meta.url)): Promise<string> {
  return await Deno.readTextFile(path);
}

/** Where the bundled tokenizer's table of the corpus is kept (made by `deno task corpus:table`). */
export const CORPUS_TABLE_PATH = new URL("../../data/sonnets.llama3.json", import.meta.url);

const CorpusTableSchema = z.object({
  tokenizer: z.string(),
  pieces: z.array(z.string()).min(16),
  instructionTokens: z.int().min(1),
});

/** Cuts the corpus into `tokenizer`'s tokens (see {@link CorpusTable}). */
export function buildCorpusTable(tokenizer: Tokenizer, corpus: string): CorpusTable {
  const text = " " + corpus.replace(/\s+/g, " ").trim();
  return {
    tokenizer: tokenizer.name,
    pieces: tokenizer.encode(text).map((id) => tokenizer.decode([id])),
    instructionTokens: tokenizer.count(instruction(5)) - 1,
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
