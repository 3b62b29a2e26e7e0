import { parseChatConfig } from "../config/resolve.ts";
import { type ChatConfig, type ChatConfigInput, localTokenizer } from "../config/schema.ts";
import { type ConnectorConfig, createConnector, displayModel } from "../connectors/factory.ts";
import type { Connector } from "../connectors/types.ts";
import type { RequestRecord } from "../results/schema.ts";
import { measureRequest } from "../runner/request.ts";
import type { ChatMessage } from "../sampler/sampler.ts";
import { loadTokenizer, type Tokenizer } from "../sampler/tokenizer.ts";
import { type SimWorker, startSimWorker } from "../simulator/worker.ts";
import { renderChatTemplate, templateFamily } from "./template.ts";

export type { ChatConfig, ChatConfigInput };

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
  /** The configuration, without its API key (a session shown in a notebook or written out must not show it). */
  readonly config: Omit<ChatConfig, "apiKey"> & { apiKeySet: boolean };
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
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createChatSession } from "../../mod.ts";
 * await using chat = await createChatSession({ maxTokens: 60 }); // the simulated endpoint
 * const turn = await chat.ask("Say something.");
 * assert.equal(turn.status, "ok");
 * assert.equal(turn.metrics.outputTokens, 60);
 * assert.equal(chat.history.length, 2); // the question and its answer, sent with the next question
 * ```
 */
export async function createChatSession(
  input: ChatConfigInput,
  options: ChatSessionOptions = {},
): Promise<ChatSession> {
  return await startChatSession(parseChatConfig(input), options);
}

/** Starts a chat session from a configuration already parsed (see {@link createChatSession}). */
export async function startChatSession(config: ChatConfig, options: ChatSessionOptions = {}): Promise<ChatSession> {
  const model = config.model ?? config.sim.model;
  const tokenizer = options.tokenizer ?? await loadTokenizer(localTokenizer(config.tokenizer));
  let sim: SimWorker | undefined;
  if (config.llmApi === "sim" && !options.connector) {
    sim = await startSimWorker({ params: { ...config.sim, model }, tokenizerPath: localTokenizer(config.tokenizer) });
  }
  const extra: Record<string, unknown> = {};
  if (config.temperature !== undefined) extra.temperature = config.temperature;
  if (config.topP !== undefined) extra.top_p = config.topP;
  if (config.topK !== undefined) extra.top_k = config.topK;
  if (config.llmApi === "sambastudio" && config.temperature !== undefined) extra.do_sample = config.temperature > 0;
  const connectorConfig: ConnectorConfig = {
    llmApi: config.llmApi,
    model,
    baseUrl: sim ? sim.baseUrl : config.baseUrl,
    apiKey: config.apiKey,
    endpoint: "chat",
    mode: "stream",
    includeUsage: true,
    ignoreEos: false,
    httpClient: config.httpClient,
    additionalSamplingParams: { ...extra, ...config.additionalSamplingParams },
  };
  const connector: Connector = options.connector ?? createConnector(connectorConfig);
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
    // The answer streams out of this generator while the request is measured by the same lifecycle as a run's.
    const pieces: string[] = [];
    let wake: (() => void) | undefined;
    let finished = false;
    // A caller that stops reading the answer early ends its request.
    const left = new AbortController();
    const measuring = measureRequest(connector, spec, {
      runStart: performance.now(),
      countTokens: tokenizer.count,
      signal: opts.signal ? AbortSignal.any([opts.signal, left.signal]) : left.signal,
      onText(text) {
        pieces.push(text);
        wake?.();
      },
    }).finally(() => {
      finished = true;
      wake?.();
    });
    try {
      for (;;) {
        while (pieces.length > 0) yield pieces.shift()!;
        if (finished) break;
        await new Promise<void>((resolve) => wake = resolve);
        wake = undefined;
      }
    } finally {
      if (!finished) left.abort(new DOMException("the answer was no longer read", "AbortError"));
    }
    const { record, content } = await measuring;
    const turn: ChatTurn = {
      turn: turns.length + 1,
      question,
      answer: content,
      status: record.status,
      metrics: answerMetrics(record),
      record,
    };
    if (record.error) turn.error = record.error;
    turns = [...turns, turn];
    // Only an answered question joins the conversation: an aborted or failed turn leaves the history as it was.
    if (record.status === "ok") history = [...messages, { role: "assistant", content }];
    return turn;
  }

  const close = async () => {
    await connector.close();
    await sim?.close();
  };
  const { apiKey: _key, ...shown } = config;
  return {
    config: { ...shown, apiKeySet: Boolean(config.apiKey) },
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
