import { z } from "zod";
import { ConfigError } from "../errors.ts";
import { createPrng } from "./prng.ts";
import type { ChatMessage, RequestSpec } from "./sampler.ts";
import type { Tokenizer } from "./tokenizer.ts";

const MessageSchema = z.object({ role: z.enum(["system", "user", "assistant"]), content: z.string() });

/** One line of a dataset file: a `prompt` or `messages`, and optionally `max_tokens`. */
export const DatasetLineSchema = z.union([
  z.object({ prompt: z.string().min(1), max_tokens: z.int().min(1).optional() }).loose(),
  z.object({ messages: z.array(MessageSchema).min(1), max_tokens: z.int().min(1).optional() }).loose(),
]);

/** Options of {@link loadDataset}. */
export interface DatasetOptions {
  /** `sequential` keeps the file's order; `shuffle` shuffles with the seed. @default "sequential" */
  order?: "sequential" | "shuffle";
  seed?: number;
  /** Output length for lines without `max_tokens`. */
  defaultMaxTokens: (index: number) => number;
  /** Called as the lines are counted (every 1,000 and at the end): a large dataset takes a while. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Reads a JSONL dataset into requests, validating every line (an error names the file and line). Token counts are
 * measured with the tokenizer (messages: their contents summed).
 */
export async function loadDataset(path: string, tokenizer: Tokenizer, options: DatasetOptions): Promise<RequestSpec[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new ConfigError(
      `cannot read ${path} (${e instanceof Deno.errors.NotFound ? "no such file" : (e as Error).message})`,
      { field: "dataset" },
    );
  }
  const lines = text.split("\n").map((l, i) => [l.trim(), i + 1] as const).filter(([l]) => l !== "");
  if (lines.length === 0) throw new ConfigError(`${path} has no requests`, { field: "dataset" });
  const items = lines.map(([line, n]) => {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new ConfigError(`${path}:${n}: not JSON`, { field: "dataset" });
    }
    const parsed = DatasetLineSchema.safeParse(value);
    if (!parsed.success) {
      throw new ConfigError(
        `${path}:${n}: expected {"prompt": "…"} or {"messages": [{"role": "user", "content": "…"}]}, optionally with "max_tokens"`,
        { field: "dataset" },
      );
    }
    return parsed.data as { prompt?: string; messages?: ChatMessage[]; max_tokens?: number };
  });
  if (options.order === "shuffle") {
    const prng = createPrng(options.seed ?? 0);
    for (let i = items.length - 1; i > 0; i--) {
      const j = prng.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
  }
  const total = items.length;
  return items.map((item, index) => {
    if (options.onProgress && ((index + 1) % 1000 === 0 || index + 1 === total)) options.onProgress(index + 1, total);
    const prompt = item.prompt ?? item.messages!.filter((m) => m.role === "user").at(-1)?.content ?? "";
    const tokens = item.messages
      ? item.messages.reduce((n, m) => n + tokenizer.count(m.content), 0)
      : tokenizer.count(prompt);
    const spec: RequestSpec = {
      index,
      prompt,
      promptTokens: tokens,
      requestedInputTokens: tokens,
      maxTokens: item.max_tokens ?? options.defaultMaxTokens(index),
    };
    if (item.messages) spec.messages = item.messages;
    return spec;
  });
}
