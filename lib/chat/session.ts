import { z } from "zod";
import { formatConfigIssues } from "../config/resolve.ts";
import { LLM_APIS, type RunConfig } from "../config/schema.ts";
import { createConnector, displayModel } from "../connectors/factory.ts";
import type { Connector } from "../connectors/types.ts";
import { ConfigError, RequestError } from "../errors.ts";
import { buildRecord } from "../metrics/request_metrics.ts";
import { addEvent, newTrace } from "../metrics/trace.ts";
import type { RequestRecord } from "../results/schema.ts";
import type { ChatMessage } from "../sampler/sampler.ts";
import { loadTokenizer, type Tokenizer } from "../sampler/tokenizer.ts";
import { type SimWorker, startSimWorker } from "../simulator/worker.ts";
import { SimParamsSchema } from "../simulator/params.ts";
import { renderChatTemplate, templateFamily } from "./template.ts";

/** A chat session's configuration; the endpoint fields are those of a benchmark run. */
export const ChatConfigSchema = z.object({
  /** @default "sim" */
  llmApi: z.enum(LLM_APIS).default("sim"),
  model: z.string().trim().min(1, "must not be empty").optional(),
  baseUrl: z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" }).optional(),
  apiKey: z.string().optional(),
  /** Most tokens an answer may have. @default 256 */
  maxTokens: z.int().min(50).max(2048).default(256),
  temperature: z.number().min(0).max(2).optional(),
  topK: z.int().min(1).optional(),
  topP: z.number().gt(0).max(1).optional(),
  /** System prompt placed first in the conversation. */
  system: z.string().optional(),
  /** Hugging Face tokenizer.json (counts tokens when the server reports none). */
  tokenizer: z.string().min(1).optional(),
  /** Extra fields for every request body. @default {} */
  additionalSamplingParams: z.record(z.string(), z.unknown()).default({}),
  /** Simulated endpoint's parameters (with `llmApi: "sim"`). */
  sim: SimParamsSchema.default(SimParamsSchema.parse({})),
}).strict().superRefine((c, ctx) => {
  if (c.llmApi !== "sim" && c.model === undefined) {
    ctx.addIssue({ code: "custom", path: ["model"], message: `is required with --llm-api ${c.llmApi}` });
  }
  if (c.llmApi !== "sim" && c.baseUrl === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["llmApi"],
      message: `${c.llmApi} needs a base URL (see deno task bench --help)`,
    });
  }
});
/** What a caller passes to configure a chat session. */
export type ChatConfigInput = z.input<typeof ChatConfigSchema>;
/** A resolved chat configuration. */
export type ChatConfig = z.output<typeof ChatConfigSchema>;

/** The metrics of one answer, as a person reads them (the same definitions as benchmark runs, DESIGN.md §2). */
export interface AnswerMetrics {
  /** End-to-end latency, seconds. */
  latencyS: number | null;
  /** Output tokens / latency. */
  throughputTokensPerS: number | null;
  /** Time to first token, seconds. */
  ttftS: number | null;
  /** Time per output token, ms. */
  tpotMs: number | null;
  inputTokens: number | null;
  inputTokenSource: "server" | "tokenizer";
  outputTokens: number | null;
  outputTokenSource: "server" | "tokenizer";
}

/** One question and its answer. */
export interface ChatTurn {
  turn: number;
  question: string;
  answer: string;
  status: RequestRecord["status"];
  error?: RequestRecord["error"];
  metrics: AnswerMetrics;
  /** The full per-request record (every benchmark metric, server timings when reported). */
  record: RequestRecord;
}

/** Turns a request record into the four headline chat metrics. */
export function answerMetrics(r: RequestRecord): AnswerMetrics {
  return {
    latencyS: r.e2eMs === null ? null : r.e2eMs / 1000,
    throughputTokensPerS: r.outputTokensPerS,
    ttftS: r.ttftMs === null ? null : r.ttftMs / 1000,
    tpotMs: r.tpotMs,
    inputTokens: r.inputTokens,
    inputTokenSource: r.inputTokenSource,
    outputTokens: r.outputTokens,
    outputTokenSource: r.outputTokenSource,
  };
}

/** Options of one question. */
export interface AskOptions {
  /** Called with each piece of the answer as it arrives. */
  onText?: (text: string) => void;
  /** Aborts the answer; the turn is recorded as aborted and the session stays usable. */
  signal?: AbortSignal;
}

/** A multi-turn conversation with an endpoint, measuring every answer. */
export interface ChatSession extends AsyncDisposable {
  readonly config: ChatConfig;
  /** The model results show (the expert of a COE model). */
  readonly model: string;
  readonly simulated: boolean;
  /** The conversation so far (system prompt first, if any). */
  readonly history: readonly ChatMessage[];
  /** Every turn so far, answered or not. */
  readonly turns: readonly ChatTurn[];
  /** Asks a question with the whole conversation; resolves with the answer and its metrics. */
  ask(question: string, options?: AskOptions): Promise<ChatTurn>;
  /** Streams the answer's text; the generator's return value is the turn. */
  stream(question: string, options?: { signal?: AbortSignal }): AsyncGenerator<string, ChatTurn>;
  /** Forgets the conversation (keeps the system prompt) and the turns. */
  reset(): void;
  close(): Promise<void>;
}

/** Options of {@link createChatSession}. */
export interface ChatSessionOptions {
  /** A tokenizer already loaded. */
  tokenizer?: Tokenizer;
  /** Use this connector instead of one built from the configuration (tests inject scripted ones). */
  connector?: Connector;
}

/**
 * Starts a chat session: validates the configuration (a {@link ConfigError} before anything is sent), starts the
 * simulated endpoint when `llmApi` is `sim`, and keeps the conversation so every request carries the history. APIs
 * that take a raw prompt get the conversation rendered with the model family's chat template.
 */
export async function createChatSession(
  input: ChatConfigInput,
  options: ChatSessionOptions = {},
): Promise<ChatSession> {
  const parsed = ChatConfigSchema.safeParse(input);
  if (!parsed.success) throw new ConfigError(formatConfigIssues(parsed.error, input));
  const config = parsed.data;
  const model = config.model ?? config.sim.model;
  const tokenizer = options.tokenizer ?? await loadTokenizer(config.tokenizer);
  let sim: SimWorker | undefined;
  if (config.llmApi === "sim" && !options.connector) {
    sim = await startSimWorker({ params: { ...config.sim, model }, tokenizerPath: config.tokenizer });
  }
  const extra: Record<string, unknown> = {};
  if (config.temperature !== undefined) extra.temperature = config.temperature;
  if (config.topP !== undefined) extra.top_p = config.topP;
  if (config.topK !== undefined) extra.top_k = config.topK;
  if (config.llmApi === "sambastudio" && config.temperature !== undefined) extra.do_sample = config.temperature > 0;
  const runConfig = {
    llmApi: config.llmApi,
    model,
    baseUrl: sim ? sim.baseUrl : config.baseUrl,
    apiKey: config.apiKey,
    endpoint: "chat",
    mode: "stream",
    includeUsage: true,
    ignoreEos: false,
    additionalSamplingParams: { ...extra, ...config.additionalSamplingParams },
  } as unknown as RunConfig;
  const connector: Connector = options.connector ?? createConnector(runConfig);
  const rawPrompt = config.llmApi === "sambastudio" && !connector.endpoint.includes("chat/completions");
  const family = templateFamily(displayModel(model));

  const systemMessages = (): ChatMessage[] => (config.system ? [{ role: "system", content: config.system }] : []);
  let history: ChatMessage[] = systemMessages();
  let turns: ChatTurn[] = [];

  async function* stream(question: string, opts: { signal?: AbortSignal } = {}): AsyncGenerator<string, ChatTurn> {
    const messages: ChatMessage[] = [...history, { role: "user", content: question }];
    const prompt = rawPrompt ? renderChatTemplate(messages, family) : question;
    const promptTokens = messages.reduce((n, m) => n + tokenizer.count(m.content), 0);
    const spec = {
      index: turns.length,
      prompt,
      promptTokens,
      requestedInputTokens: promptTokens,
      maxTokens: config.maxTokens,
      messages,
    };
    const trace = newTrace();
    const start = performance.now();
    let error: RequestRecord["error"];
    try {
      for await (const ev of connector.stream(spec, { signal: opts.signal })) {
        addEvent(trace, ev);
        if (ev.type === "delta" && ev.content !== "") yield ev.content;
      }
    } catch (e) {
      const err = e instanceof RequestError ? e : new RequestError("BAD_RESPONSE", String(e));
      error = { code: err.code, message: err.message };
      if (err.httpStatus !== undefined) error.httpStatus = err.httpStatus;
    }
    if (!error && trace.content === "" && trace.reasoning === "") {
      error = { code: "EMPTY_RESPONSE", message: "The answer carried no text" };
    }
    const record = buildRecord(trace, {
      spec,
      runStart: start,
      countTokens: tokenizer.count,
      error,
      failedAt: error ? performance.now() : undefined,
    });
    const turn: ChatTurn = {
      turn: turns.length + 1,
      question,
      answer: trace.content,
      status: record.status,
      metrics: answerMetrics(record),
      record,
    };
    if (error) turn.error = error;
    turns = [...turns, turn];
    // Only an answered question joins the conversation: an aborted or failed turn leaves the history as it was.
    if (record.status === "ok") history = [...messages, { role: "assistant", content: trace.content }];
    return turn;
  }

  const close = async () => {
    await connector.close();
    await sim?.close();
  };
  return {
    config,
    model: displayModel(model),
    simulated: config.llmApi === "sim",
    get history() {
      return history;
    },
    get turns() {
      return turns;
    },
    async ask(question, opts = {}) {
      const gen = stream(question, { signal: opts.signal });
      for (;;) {
        const next = await gen.next();
        if (next.done) return next.value;
        opts.onText?.(next.value);
      }
    },
    stream,
    reset() {
      history = systemMessages();
      turns = [];
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
