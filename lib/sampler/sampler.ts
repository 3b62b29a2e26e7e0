import { ConfigError } from "../errors.ts";
import { createPrng } from "./prng.ts";
import type { Tokenizer } from "./tokenizer.ts";

/** One request to send: the prompt, its exact token count, and the output length to ask for. */
export interface RequestSpec {
  /** Position in the run, from 0. */
  index: number;
  /** Prompt text (the user message for chat, the raw prompt for completions). */
  prompt: string;
  /** The tokenizer's count of `prompt`. */
  promptTokens: number;
  /** The input length drawn for this request. */
  requestedInputTokens: number;
  /** The output length drawn for this request, sent as `max_tokens`. */
  maxTokens: number;
  /**
   * A whole conversation (chat sessions); when set, chat endpoints send it instead of one user message with `prompt`,
   * and APIs that take a raw prompt get `prompt`, which then holds the conversation rendered with a chat template.
   */
  messages?: ChatMessage[];
  /** The dataset line (or array item) this request came from, 1-based. */
  datasetLine?: number;
}

/** One message of a conversation. */
export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** Token-length distributions and the seed. */
export interface SamplerOptions {
  meanInputTokens: number;
  stddevInputTokens: number;
  meanOutputTokens: number;
  stddevOutputTokens: number;
  seed: number;
}

/** Draws {@link RequestSpec}s; the same options, tokenizer and corpus always give the same sequence. */
export interface Sampler {
  /** Fewest input tokens a prompt can have (the instruction plus one token of corpus). */
  readonly minInputTokens: number;
  next(): RequestSpec;
}

/** The instruction every sampled prompt begins with. */
export const instruction = (maxTokens: number): string =>
  `Recite the following verses line by line, then keep composing new verses in the same style without stopping ` +
  `until you have written ${maxTokens} tokens.\n\n`;

const encodedCorpora = new WeakMap<Tokenizer, Map<string, number[]>>();

/**
 * The corpus (whitespace folded to single spaces) as `tokenizer`'s token ids, encoded once per tokenizer and corpus:
 * the sampler, shared prefixes and a trace's blocks all cut from it (an encode is the slow part of preparing a run).
 */
export function corpusTokenIds(tokenizer: Tokenizer, corpus: string): number[] {
  let byCorpus = encodedCorpora.get(tokenizer);
  if (!byCorpus) encodedCorpora.set(tokenizer, byCorpus = new Map());
  let ids = byCorpus.get(corpus);
  if (!ids) byCorpus.set(corpus, ids = tokenizer.encode(corpus.replace(/\s+/g, " ")));
  return ids;
}

/**
 * Creates a sampler: input and output lengths ~ Normal(mean, stddev), rounded, redrawn until in range; prompts are an
 * instruction followed by text cut from `corpus` at a seeded offset, trimmed until the tokenizer counts exactly the
 * drawn input length.
 *
 * @throws {ConfigError} when the mean input length is below what the instruction alone needs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createSampler, loadCorpus, loadTokenizer, parseRunConfig } from "../../mod.ts";
 * const tokenizer = await loadTokenizer();
 * const sampler = createSampler(parseRunConfig({ meanInputTokens: 300, seed: 7 }), tokenizer, await loadCorpus());
 * const spec = sampler.next();
 * assert.equal(tokenizer.count(spec.prompt), spec.promptTokens); // exactly the drawn length
 * ```
 */
export function createSampler(options: SamplerOptions, tokenizer: Tokenizer, corpus: string): Sampler {
  const prng = createPrng(options.seed);
  const corpusIds = corpusTokenIds(tokenizer, corpus);
  if (corpusIds.length < 16) throw new ConfigError("The prompt corpus is too short to cut prompts from");
  const minInputTokens = tokenizer.count(instruction(options.meanOutputTokens * 10)) + 1;
  checkMinInput(options.meanInputTokens, minInputTokens);

  const draw = drawer(prng);

  const cut = (start: number, n: number) => {
    const ids: number[] = new Array(n);
    for (let i = 0; i < n; i++) ids[i] = corpusIds[(start + i) % corpusIds.length];
    return ids;
  };

  const buildPrompt = (head: string, target: number, start: number) => {
    const headCount = tokenizer.count(head);
    let n = Math.max(0, target - headCount);
    let best = { text: head, count: headCount };
    for (let attempt = 0; attempt < 12; attempt++) {
      const text = head + tokenizer.decode(cut(start + (attempt >> 2), n));
      const count = tokenizer.count(text);
      if (Math.abs(count - target) < Math.abs(best.count - target)) best = { text, count };
      if (count === target) break;
      n = Math.max(0, n + target - count);
    }
    return best;
  };

  let index = 0;
  return {
    minInputTokens,
    next() {
      const maxTokens = draw(options.meanOutputTokens, options.stddevOutputTokens, 1);
      const head = instruction(maxTokens);
      const requestedInputTokens = draw(
        options.meanInputTokens,
        options.stddevInputTokens,
        tokenizer.count(head) + 1,
      );
      const { text, count } = buildPrompt(head, requestedInputTokens, prng.int(corpusIds.length));
      return { index: index++, prompt: text, promptTokens: count, requestedInputTokens, maxTokens };
    },
  };
}

/**
 * The corpus cut into a tokenizer's tokens once, ahead of time (data/sonnets.llama3.json for the bundled tokenizer),
 * so prompts of an exact token count are made without calling the tokenizer.
 */
export interface CorpusTable {
  /** The tokenizer the table was made with, as results name it. */
  tokenizer: string;
  /** The corpus (whitespace folded to single spaces, one leading space) as the text of each of its tokens, in order. */
  pieces: string[];
  /** Tokens of {@link instruction} less those of its number: a number of d digits adds ⌈d / 3⌉ tokens. */
  instructionTokens: number;
  /** The corpus with its line breaks, as the text of each token: what the simulated endpoint answers with. */
  verse: string[];
  /** The token count of every pre-token (word, number group, punctuation run) of the corpus and the instruction. */
  preTokens: Record<string, number>;
}

/**
 * Creates a sampler that cuts prompts from a {@link CorpusTable}: the same length distributions as
 * {@link createSampler}, each prompt the instruction followed by whole words of the corpus (a run of tokens that
 * starts and ends at a word), so its token count is the instruction's plus the run's length — no tokenizer call.
 * Pre-tokenizers split before a space-led word, and byte-pair merges never cross such a split, which is why the count
 * adds up; tests check it against the tokenizer itself.
 */
export function createTableSampler(options: SamplerOptions, table: CorpusTable): Sampler {
  const prng = createPrng(options.seed);
  const { pieces } = table;
  if (pieces.length < 16) throw new ConfigError("The prompt corpus is too short to cut prompts from");
  const wordStarts = pieces.flatMap((p, i) => (/^ \p{L}/u.test(p) ? [i] : []));
  const isStart = new Uint8Array(pieces.length);
  for (const i of wordStarts) isStart[i] = 1;
  const headTokens = (maxTokens: number) => table.instructionTokens + Math.ceil(String(maxTokens).length / 3);
  const minInputTokens = headTokens(options.meanOutputTokens * 10) + 1;
  checkMinInput(options.meanInputTokens, minInputTokens);
  const draw = drawer(prng);
  // A run of n tokens from a word start to a word start (the corpus wraps around); a few tries find one.
  const cut = (n: number): string => {
    let start = wordStarts[prng.int(wordStarts.length)];
    for (let tries = 0; tries < 200 && !isStart[(start + n) % pieces.length]; tries++) {
      start = wordStarts[prng.int(wordStarts.length)];
    }
    const parts: string[] = new Array(n);
    for (let i = 0; i < n; i++) parts[i] = pieces[(start + i) % pieces.length];
    return parts.join("");
  };
  let index = 0;
  return {
    minInputTokens,
    next() {
      const maxTokens = draw(options.meanOutputTokens, options.stddevOutputTokens, 1);
      const head = headTokens(maxTokens);
      const requestedInputTokens = draw(options.meanInputTokens, options.stddevInputTokens, head + 1);
      const prompt = instruction(maxTokens) + cut(requestedInputTokens - head);
      return { index: index++, prompt, promptTokens: requestedInputTokens, requestedInputTokens, maxTokens };
    },
  };
}

/**
 * Draws output lengths alone, ~ Normal(mean, stddev) rounded and at least 1, seeded: for dataset lines that set no
 * `max_tokens` (drawing a whole request for each would cost a prompt's tokenizing).
 */
export function createOutputLengths(options: SamplerOptions): () => number {
  const draw = drawer(createPrng(options.seed));
  return () => draw(options.meanOutputTokens, options.stddevOutputTokens, 1);
}

/** A mean input length the instruction alone exceeds is a configuration error, before anything is drawn. */
function checkMinInput(mean: number, minInputTokens: number): void {
  if (mean < minInputTokens) {
    throw new ConfigError(
      `must be ≥ ${minInputTokens} with this tokenizer (the prompt's instruction alone takes ` +
        `${minInputTokens - 1} tokens; got ${mean})`,
      { field: "meanInputTokens" },
    );
  }
}

/** Draws lengths ~ Normal(mean, stddev), rounded, redrawn until at least `min`. */
function drawer(prng: ReturnType<typeof createPrng>) {
  return (mean: number, stddev: number, min: number) => {
    for (let i = 0; i < 1000; i++) {
      const v = Math.round(prng.normal(mean, stddev));
      if (v >= min) return v;
    }
    return Math.max(min, Math.round(mean));
  };
}
