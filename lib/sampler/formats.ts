/**
 * Dataset file formats (README "Datasets"), detected from the file or named with `--dataset-format`:
 * - `jsonl` — llm-bench's own: one `{"prompt": …}` or `{"messages": […]}` per line, optional `max_tokens`;
 * - `sharegpt` — a JSON array (or JSONL) of `{"conversations": [{"from": "human" | "gpt" | "system", "value": …}]}`:
 *   the first human turn (after any system turn) is the request, the recorded answer after it gives its length;
 * - `openai-chat` — JSONL of `{"messages": […]}` ending with the assistant's answer (fine-tuning files): the messages
 *   before the answer are the request, the answer gives its length;
 * - `mooncake` — JSONL of `{"timestamp", "input_length", "output_length", "hash_ids"}` (Mooncake traces): sent at their
 *   timestamps, prompts made of one block of text per hash id (lib/sampler/trace.ts).
 * @module
 */
import { ConfigError } from "../errors.ts";
import type { ChatMessage } from "./sampler.ts";

/** The formats a dataset can be in. */
export const DATASET_FORMATS = ["auto", "jsonl", "sharegpt", "openai-chat", "mooncake"] as const;
/** One of {@link DATASET_FORMATS}. */
export type DatasetFormat = typeof DATASET_FORMATS[number];

/** One request of a dataset, whatever its format: the request, and the length to ask for or to take from an answer. */
export interface DatasetItem {
  /** 1-based line (JSONL) or item (JSON array) number, for messages. */
  line: number;
  prompt?: string;
  messages?: ChatMessage[];
  maxTokens?: number;
  /** The answer the file recorded (ShareGPT, OpenAI chat): its token count is the request's length. */
  answer?: string;
  /** The whole conversation's turns (user message and the recorded answer), for multi-turn sessions. */
  turns?: { user: string; answer?: string }[];
  /** System messages before the first turn. */
  system?: ChatMessage[];
}

/** One line of a Mooncake trace. */
export interface TraceItem {
  line: number;
  timestampMs: number;
  inputLength: number;
  outputLength: number;
  hashIds: number[];
}

const fail = (path: string, where: string, what: string) =>
  new ConfigError(`${path}:${where}: ${what}`, { field: "dataset" });

/** Rows of a file: a JSON array's items, or the JSON object of each non-empty line. */
function rows(path: string, text: string): { value: unknown; line: number; arrayItem: boolean }[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith("[")) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw fail(path, "1", `a JSON array that does not parse (${(e as Error).message.split("\n")[0]})`);
    }
    return (value as unknown[]).map((v, i) => ({ value: v, line: i + 1, arrayItem: true }));
  }
  const out: { value: unknown; line: number; arrayItem: boolean }[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "") return;
    try {
      out.push({ value: JSON.parse(line), line: i + 1, arrayItem: false });
    } catch {
      throw fail(path, String(i + 1), "not JSON");
    }
  });
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The format of a dataset's first row, or undefined when it is in none. */
function formatOf(v: unknown): Exclude<DatasetFormat, "auto"> | undefined {
  if (!isObject(v)) return undefined;
  if (Array.isArray(v.conversations)) return "sharegpt";
  if ("hash_ids" in v && "input_length" in v) return "mooncake";
  if (Array.isArray(v.messages)) {
    const last = v.messages.at(-1) as Record<string, unknown> | undefined;
    return last?.role === "assistant" ? "openai-chat" : "jsonl";
  }
  if (typeof v.prompt === "string") return "jsonl";
  return undefined;
}

/** The first row of a dataset's text: the first line of JSONL, or the first item of a JSON array. */
function firstRow(text: string): unknown {
  let i = 0;
  while (/\s/.test(text[i] ?? "")) i++;
  if (text[i] === "[") {
    i++;
    while (/\s/.test(text[i] ?? "")) i++;
  }
  if (text[i] !== "{") return undefined;
  let depth = 0;
  let inString = false;
  for (let j = i; j < text.length; j++) {
    const c = text[j];
    if (inString) {
      if (c === "\\") j++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{" || c === "[") depth++;
    else if ((c === "}" || c === "]") && --depth === 0) {
      try {
        return JSON.parse(text.slice(i, j + 1));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * The format of the dataset at `path`, told from its first row (read from the file's first MiB), or undefined when the
 * file cannot be read or its first row is in no known format — reading the whole file then says what is wrong.
 */
export function peekDatasetFormat(path: string): Exclude<DatasetFormat, "auto"> | undefined {
  try {
    using file = Deno.openSync(path);
    const buffer = new Uint8Array(1 << 20);
    let filled = 0;
    while (filled < buffer.length) {
      const n = file.readSync(buffer.subarray(filled));
      if (n === null || n === 0) break;
      filled += n;
    }
    return formatOf(firstRow(new TextDecoder().decode(buffer.subarray(0, filled))));
  } catch {
    return undefined;
  }
}

const ACCEPTED = `llm-bench JSONL ({"prompt": …} or {"messages": […]}, optional "max_tokens"), ShareGPT ` +
  `({"conversations": [{"from": "human", "value": …}, …]}), OpenAI chat JSONL ({"messages": [… , {"role": "assistant", …}]}) ` +
  `or a Mooncake trace ({"timestamp", "input_length", "output_length", "hash_ids"})`;

/** The parsed rows of a dataset file, their format, and the requests (or trace lines) they hold. */
export type ParsedDataset =
  | { format: "jsonl" | "sharegpt" | "openai-chat"; items: DatasetItem[] }
  | { format: "mooncake"; trace: TraceItem[] };

const ROLES: Record<string, ChatMessage["role"] | undefined> = {
  human: "user",
  user: "user",
  gpt: "assistant",
  chatgpt: "assistant",
  bard: "assistant",
  bing: "assistant",
  assistant: "assistant",
  model: "assistant",
  system: "system",
};

/**
 * Reads a dataset's text in its format (`auto`: detected from the first row). Every row is checked; an error names
 * the file, the line (or array item) and what is accepted.
 */
export function parseDataset(path: string, text: string, format: DatasetFormat = "auto"): ParsedDataset {
  const all = rows(path, text);
  if (all.length === 0) throw new ConfigError(`${path} has no requests`, { field: "dataset" });
  const detected = format === "auto" ? formatOf(all[0].value) : format;
  if (!detected) throw fail(path, String(all[0].line), `a line in no known format: expected ${ACCEPTED}`);
  const where = (r: { line: number; arrayItem: boolean }) => (r.arrayItem ? `item ${r.line}` : String(r.line));
  if (detected === "mooncake") {
    let previous = -Infinity;
    const trace = all.map((r): TraceItem => {
      const v = r.value as Record<string, unknown>;
      const n = (k: string) => v?.[k];
      const ok = isObject(v) && Number.isFinite(n("timestamp")) && Number.isInteger(n("input_length")) &&
        Number.isInteger(n("output_length")) && Array.isArray(n("hash_ids")) &&
        (n("hash_ids") as unknown[]).every((h) => Number.isInteger(h));
      if (!ok) {
        throw fail(
          path,
          where(r),
          `expected a Mooncake trace line {"timestamp": ms, "input_length": N, "output_length": N, "hash_ids": [ints]}`,
        );
      }
      const ts = n("timestamp") as number;
      if (ts < 0) throw fail(path, where(r), `timestamp ${ts} is negative`);
      if (ts < previous) {
        throw fail(
          path,
          where(r),
          `timestamp ${ts} is before the line above's (${previous}): timestamps must not decrease`,
        );
      }
      previous = ts;
      if ((n("input_length") as number) < 1 || (n("output_length") as number) < 1) {
        throw fail(path, where(r), "input_length and output_length must be ≥ 1");
      }
      return {
        line: r.line,
        timestampMs: ts,
        inputLength: n("input_length") as number,
        outputLength: n("output_length") as number,
        hashIds: n("hash_ids") as number[],
      };
    });
    return { format: "mooncake", trace };
  }
  const items = all.map((r): DatasetItem => {
    const v = r.value;
    if (detected === "sharegpt") {
      if (!isObject(v) || !Array.isArray(v.conversations)) {
        throw fail(
          path,
          where(r),
          `expected a ShareGPT conversation {"conversations": [{"from": "human", "value": "…"}, …]}`,
        );
      }
      const turns = (v.conversations as unknown[]).map((t) => (isObject(t) ? t : {}));
      const messages: ChatMessage[] = [];
      let i = 0;
      for (; i < turns.length; i++) {
        const role = ROLES[String(turns[i].from ?? turns[i].role ?? "")];
        if (role === "system") messages.push({ role, content: String(turns[i].value ?? turns[i].content ?? "") });
        else break;
      }
      const human = turns[i];
      if (
        !human || ROLES[String(human.from ?? human.role ?? "")] !== "user" ||
        typeof (human.value ?? human.content) !== "string"
      ) {
        throw fail(path, where(r), "a ShareGPT conversation without a human turn (after any system turn) to send");
      }
      const system = [...messages];
      messages.push({ role: "user", content: String(human.value ?? human.content) });
      const next = turns[i + 1];
      const answer = next && ROLES[String(next.from ?? next.role ?? "")] === "assistant"
        ? String(next.value ?? next.content ?? "")
        : undefined;
      const all: { user: string; answer?: string }[] = [];
      for (let k = i; k < turns.length; k++) {
        const role = ROLES[String(turns[k].from ?? turns[k].role ?? "")];
        const text = String(turns[k].value ?? turns[k].content ?? "");
        if (role === "user") all.push({ user: text });
        else if (role === "assistant" && all.length && all.at(-1)!.answer === undefined) all.at(-1)!.answer = text;
      }
      return {
        line: r.line,
        messages,
        prompt: messages.at(-1)!.content,
        ...(answer ? { answer } : {}),
        turns: all,
        system,
      };
    }
    // jsonl and openai-chat
    if (!isObject(v)) throw fail(path, where(r), `expected a JSON object: ${ACCEPTED}`);
    const maxTokens = v.max_tokens;
    if (maxTokens !== undefined && !(Number.isInteger(maxTokens) && (maxTokens as number) >= 1)) {
      throw fail(path, where(r), `"max_tokens" must be a whole number ≥ 1 (got ${JSON.stringify(maxTokens)})`);
    }
    if (typeof v.prompt === "string" && v.prompt !== "") {
      return { line: r.line, prompt: v.prompt, ...(maxTokens ? { maxTokens: maxTokens as number } : {}) };
    }
    const msgs = Array.isArray(v.messages) ? v.messages : undefined;
    const valid = msgs && msgs.length > 0 &&
      msgs.every((m) =>
        isObject(m) && ["system", "user", "assistant"].includes(String(m.role)) && typeof m.content === "string"
      );
    if (!valid) {
      throw fail(
        path,
        where(r),
        `expected {"prompt": "…"} or {"messages": [{"role": "user", "content": "…"}]}, optionally with "max_tokens"`,
      );
    }
    const messages = (msgs as ChatMessage[]).map((m) => ({ role: m.role, content: m.content }));
    const system = messages.filter((m, k) =>
      m.role === "system" && messages.slice(0, k).every((x) => x.role === "system")
    );
    const turnsOf: { user: string; answer?: string }[] = [];
    for (const m of messages) {
      if (m.role === "user") turnsOf.push({ user: m.content });
      else if (m.role === "assistant" && turnsOf.length && turnsOf.at(-1)!.answer === undefined) {
        turnsOf.at(-1)!.answer = m.content;
      }
    }
    let answer: string | undefined;
    if (detected === "openai-chat" && messages.at(-1)!.role === "assistant") answer = messages.pop()!.content;
    if (!messages.some((m) => m.role === "user")) throw fail(path, where(r), "no user message to send");
    return {
      line: r.line,
      messages,
      prompt: messages.filter((m) => m.role === "user").at(-1)!.content,
      ...(maxTokens ? { maxTokens: maxTokens as number } : {}),
      ...(answer !== undefined ? { answer } : {}),
      ...(detected === "openai-chat" ? { turns: turnsOf, system } : {}),
    };
  });
  return { format: detected, items };
}
