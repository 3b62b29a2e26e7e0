import { ConfigError } from "../errors.ts";
import { type DatasetFormat, parseDataset, type TraceItem } from "./formats.ts";
import { createPrng } from "./prng.ts";
import { corpusTokenIds, type RequestSpec } from "./sampler.ts";
import type { Tokenizer } from "./tokenizer.ts";

/** Options of {@link loadDataset}. */
export interface DatasetOptions {
  /** `sequential` keeps the file's order; `shuffle` shuffles with the seed (not a trace: its order is its times). */
  order?: "sequential" | "shuffle";
  seed?: number;
  /** The file's format; `auto` detects it from the first line. @default "auto" */
  format?: DatasetFormat;
  /** Output length for requests the file gives none (no `max_tokens`, no recorded answer). */
  defaultMaxTokens: (index: number) => number;
  /** Take every request's output length from `defaultMaxTokens`, even where the file recorded an answer. */
  sampledOutput?: boolean;
  /** A trace: its time scale (2 = twice as fast). @default 1 */
  traceSpeed?: number;
  /** A trace: tokens per hash-id block. @default 512 */
  traceBlockTokens?: number;
  /** The corpus a trace's blocks of text are cut from. */
  corpus?: string;
  /** Called as the lines are counted (every 1,000 and at the end): a large dataset takes a while. */
  onProgress?: (done: number, total: number) => void;
}

/** A dataset's text, or a {@link ConfigError} naming the file when it cannot be read. */
async function readDataset(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    throw new ConfigError(
      `cannot read ${path} (${e instanceof Deno.errors.NotFound ? "no such file" : (e as Error).message})`,
      { field: "dataset" },
    );
  }
}

/** One turn of a session: the user's message, the output length to ask for, and the dataset line. */
export interface SessionTurn {
  user: string;
  maxTokens: number;
  line?: number;
}

/** A multi-turn session: system messages, then turns sent one after another, each with the conversation so far. */
export interface Session {
  id: string;
  system: import("./sampler.ts").ChatMessage[];
  turns: SessionTurn[];
}

/**
 * A dataset's conversations as multi-turn sessions (ShareGPT, OpenAI chat): each turn's output length is its recorded
 * answer's token count (or drawn, with `sampledOutput` or when there is no answer). A file of single requests has no
 * turns: a {@link ConfigError}.
 */
export async function loadSessions(
  path: string,
  tokenizer: Tokenizer,
  options: DatasetOptions,
): Promise<{ format: "sharegpt" | "openai-chat"; sessions: Session[] }> {
  const text = await readDataset(path);
  const parsed = parseDataset(path, text, options.format ?? "auto");
  if (parsed.format !== "sharegpt" && parsed.format !== "openai-chat") {
    throw new ConfigError(
      `${path}: --multi-turn needs conversations (ShareGPT or OpenAI chat); this file is ${parsed.format}, one request per line`,
      { field: "dataset" },
    );
  }
  let k = 0;
  const sessions = parsed.items.map((item, i) => ({
    id: String(i + 1),
    system: item.system ?? [],
    turns: (item.turns ?? [{ user: item.prompt ?? "" }]).map((t) => ({
      user: t.user,
      maxTokens: t.answer !== undefined && !options.sampledOutput
        ? Math.max(1, tokenizer.count(t.answer))
        : options.defaultMaxTokens(k++),
      line: item.line,
    })),
  }));
  return { format: parsed.format, sessions };
}

/** A dataset read into requests: its format, and for a trace the send times (ms from the run's start). */
export interface LoadedDataset {
  format: Exclude<DatasetFormat, "auto">;
  requests: RequestSpec[];
  schedule?: number[];
}

/**
 * Reads a dataset into requests (README "Datasets"), in any of {@link DatasetFormat}'s formats, validating every line
 * (an error names the file and line and what is accepted). Token counts are measured with the tokenizer (messages:
 * their contents summed); a recorded answer's token count is its request's output length.
 */
export async function loadDataset(path: string, tokenizer: Tokenizer, options: DatasetOptions): Promise<LoadedDataset> {
  const text = await readDataset(path);
  const parsed = parseDataset(path, text, options.format ?? "auto");
  if (parsed.format === "mooncake") return traceRequests(path, parsed.trace, tokenizer, options);
  const items = parsed.items;
  if (options.order === "shuffle") {
    const prng = createPrng(options.seed ?? 0);
    for (let i = items.length - 1; i > 0; i--) {
      const j = prng.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
  }
  const total = items.length;
  const requests = items.map((item, index) => {
    if (options.onProgress && ((index + 1) % 1000 === 0 || index + 1 === total)) options.onProgress(index + 1, total);
    const prompt = item.prompt ?? "";
    const tokens = item.messages
      ? item.messages.reduce((n, m) => n + tokenizer.count(m.content), 0)
      : tokenizer.count(prompt);
    const recorded = item.answer !== undefined && !options.sampledOutput
      ? Math.max(1, tokenizer.count(item.answer))
      : undefined;
    const spec: RequestSpec = {
      index,
      prompt,
      promptTokens: tokens,
      requestedInputTokens: tokens,
      maxTokens: item.maxTokens ?? recorded ?? options.defaultMaxTokens(index),
      datasetLine: item.line,
    };
    if (item.messages) spec.messages = item.messages;
    return spec;
  });
  return { format: parsed.format, requests };
}

/**
 * A Mooncake trace's requests: each sent at its timestamp (over `traceSpeed`), asking for its output length, with a
 * prompt of exactly its input length made of one block of `traceBlockTokens` tokens per hash id — the same hash id is
 * the same block of text, so requests that share hash ids share a prefix as the original traffic did. Blocks are cut
 * from the corpus at a place the hash id picks, starting at a word, so their token counts add up.
 */
function traceRequests(path: string, trace: TraceItem[], tokenizer: Tokenizer, options: DatasetOptions): LoadedDataset {
  const block = options.traceBlockTokens ?? 512;
  const speed = options.traceSpeed ?? 1;
  const corpus = options.corpus ?? "";
  const ids = corpusTokenIds(tokenizer, corpus);
  // Word starts: tokens whose text begins with a space and a letter. A block from one to the next counts as its length.
  const starts = ids.flatMap((id, i) => (/^ \p{L}/u.test(tokenizer.decode([id])) ? [i] : []));
  const isStart = new Uint8Array(ids.length);
  for (const i of starts) isStart[i] = 1;
  const blocks = new Map<number, number[]>();
  const blockOf = (hash: number): number[] => {
    const hit = blocks.get(hash);
    if (hit) return hit;
    const prng = createPrng(hash ^ 0x6d6f6f6e);
    // From a word start to a word start: blocks joined count as the sum of their lengths.
    let start = starts[prng.int(starts.length)];
    for (let tries = 0; tries < 200 && !isStart[(start + block) % ids.length]; tries++) {
      start = starts[prng.int(starts.length)];
    }
    const out = Array.from({ length: block }, (_, i) => ids[(start + i) % ids.length]);
    blocks.set(hash, out);
    return out;
  };
  const t0 = trace[0].timestampMs;
  const requests: RequestSpec[] = [];
  const schedule: number[] = [];
  for (const [index, t] of trace.entries()) {
    if (t.hashIds.length * block < t.inputLength && t.hashIds.length > 0) {
      throw new ConfigError(
        `${path}:${t.line}: input_length ${t.inputLength} is longer than its ${t.hashIds.length} hash ids × ${block} tokens`,
        { field: "dataset" },
      );
    }
    if ((t.hashIds.length - 1) * block >= t.inputLength && t.hashIds.length > 0) {
      throw new ConfigError(
        `${path}:${t.line}: ${t.hashIds.length} hash ids × ${block} tokens are more than input_length ${t.inputLength} needs (hash_ids longer than the input)`,
        { field: "dataset" },
      );
    }
    const tokens = t.hashIds.length === 0
      ? Array.from({ length: t.inputLength }, (_, i) => ids[(index * 7919 + i) % ids.length])
      : t.hashIds.flatMap((h) => blockOf(h)).slice(0, t.inputLength);
    const prompt = tokenizer.decode(tokens);
    requests.push({
      index,
      prompt,
      promptTokens: tokenizer.count(prompt),
      requestedInputTokens: t.inputLength,
      maxTokens: t.outputLength,
      datasetLine: t.line,
    });
    schedule.push((t.timestampMs - t0) / speed);
    if (options.onProgress && ((index + 1) % 1000 === 0 || index + 1 === trace.length)) {
      options.onProgress(index + 1, trace.length);
    }
  }
  return { format: "mooncake", requests, schedule };
}
