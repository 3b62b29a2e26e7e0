/**
 * `deno task corpus:table`: cuts the corpus into the bundled tokenizer's tokens and writes data/sonnets.llama3.json,
 * from which runs draw their prompts without loading the tokenizer. A test checks that the file is what this writes.
 * @module
 */
import { buildCorpusTable, CORPUS_TABLE_PATH, loadCorpus } from "../sampler/corpus.ts";
import { loadTokenizer } from "../sampler/tokenizer.ts";

if (import.meta.main) {
  const table = buildCorpusTable(await loadTokenizer(), await loadCorpus());
  await Deno.writeTextFile(CORPUS_TABLE_PATH, JSON.stringify(table) + "\n");
  console.log(`${CORPUS_TABLE_PATH.pathname}: ${table.pieces.length} tokens (${table.tokenizer})`);
}
