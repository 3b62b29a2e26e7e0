import type { Tokenizer } from "../sampler/tokenizer.ts";
import { createPrng } from "../sampler/prng.ts";
import { type SimParams, type SimParamsInput, SimParamsSchema } from "./params.ts";
import { createServingModel, type ServingModel } from "./serving_model.ts";
import { SIMULATED_HEADER } from "../connectors/http.ts";

/** Options of {@link startSimServer}. */
export interface SimServerOptions {
  /** Serving-model parameters. @default SimParamsSchema defaults */
  params?: SimParamsInput;
  /** Counts input tokens and supplies the output tokens' text. */
  tokenizer: Tokenizer;
  /** Text the generated answers are drawn from. */
  corpus: string;
  /** @default "127.0.0.1" */
  hostname?: string;
  /** 0 picks a free port. @default 0 */
  port?: number;
  /** When set, requests must carry it as a bearer token. */
  apiKey?: string;
}

/** What the server saw, for tests and for the console. */
export interface SimServerStats {
  /** Completion requests received. */
  requests: number;
  /** Distinct client connections (remote address:port). */
  connections: number;
}

/** A running simulated endpoint. */
export interface SimServer extends AsyncDisposable {
  /** OpenAI-style base URL, e.g. `http://127.0.0.1:41234/v1`. */
  readonly baseUrl: string;
  readonly port: number;
  readonly params: SimParams;
  stats(): SimServerStats;
  close(): Promise<void>;
}

const encoder = new TextEncoder();

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

function apiError(status: number, message: string, type = "invalid_request_error"): Response {
  return json(status, { error: { message, type, code: status } });
}

interface Completion {
  kind: "chat" | "completions";
  model: string;
  inputTokens: number;
  maxTokens: number;
  stream: boolean;
  includeUsage: boolean;
}

/**
 * Starts the simulated endpoint: a real HTTP server on 127.0.0.1 speaking the OpenAI wire format
 * (`/v1/chat/completions`, `/v1/completions`, streamed and not, `/v1/models`) with the latencies of its serving model.
 */
export function startSimServer(options: SimServerOptions): SimServer {
  const params = SimParamsSchema.parse(options.params ?? {});
  const model = createServingModel(params);
  const tokenizer = options.tokenizer;
  const corpusTokens = tokenizer.encode(options.corpus.replace(/\s+/g, " ")).map((id) => tokenizer.decode([id]));
  const textPrng = createPrng(params.seed ^ 0x5eed);
  const connections = new Set<string>();
  let requests = 0;

  const handler = async (req: Request, info: Deno.ServeHandlerInfo): Promise<Response> => {
    const url = new URL(req.url);
    const path = url.pathname.replace(/\/+$/, "");
    if (options.apiKey && req.headers.get("authorization") !== `Bearer ${options.apiKey}`) {
      return apiError(401, "Invalid API key", "authentication_error");
    }
    if (req.method === "GET" && path === "/v1/models") {
      return json(200, {
        object: "list",
        data: [{ id: params.model, object: "model", created: 0, owned_by: "llm-bench-simulated" }],
      });
    }
    const kind = path === "/v1/chat/completions" ? "chat" : path === "/v1/completions" ? "completions" : undefined;
    if (!kind) return apiError(404, `Unknown path ${url.pathname}`, "not_found_error");
    if (req.method !== "POST") return apiError(405, `Use POST for ${url.pathname}`);
    requests++;
    const addr = info.remoteAddr as Deno.NetAddr;
    connections.add(`${addr.hostname}:${addr.port}`);

    let body: Record<string, unknown>;
    try {
      body = await req.json();
    } catch {
      return apiError(400, "Request body is not valid JSON");
    }
    const parsed = parseCompletion(kind, body);
    if (typeof parsed === "string") return apiError(400, parsed);
    if (parsed.model !== params.model) {
      return apiError(404, `The model \`${parsed.model}\` does not exist.`, "not_found_error");
    }
    return parsed.stream ? streamResponse(parsed) : await batchResponse(parsed);
  };

  function parseCompletion(kind: "chat" | "completions", body: Record<string, unknown>): Completion | string {
    if (typeof body.model !== "string") return "`model` is required";
    let inputTokens: number;
    if (kind === "chat") {
      if (!Array.isArray(body.messages) || body.messages.length === 0) return "`messages` must be a non-empty array";
      inputTokens = 0;
      for (const m of body.messages as { content?: unknown }[]) {
        if (typeof m?.content === "string") inputTokens += tokenizer.count(m.content);
        else if (Array.isArray(m?.content)) {
          for (const part of m.content) if (typeof part?.text === "string") inputTokens += tokenizer.count(part.text);
        }
      }
    } else {
      if (typeof body.prompt !== "string") return "`prompt` must be a string";
      inputTokens = tokenizer.count(body.prompt);
    }
    const maxTokens = body.max_tokens ?? body.max_completion_tokens ?? params.defaultMaxTokens;
    if (!Number.isInteger(maxTokens) || (maxTokens as number) < 1) return "`max_tokens` must be a positive integer";
    const streamOptions = body.stream_options as { include_usage?: boolean } | undefined;
    return {
      kind,
      model: body.model,
      inputTokens,
      maxTokens: maxTokens as number,
      stream: body.stream === true,
      includeUsage: streamOptions?.include_usage === true,
    };
  }

  /** Runs one sequence through the serving model, calling `emit` for each token as it is produced. */
  async function generate(
    c: Completion,
    isCancelled: () => boolean,
    emit: (text: string, index: number) => void,
  ): Promise<number> {
    await model.admit();
    let produced = 0;
    try {
      if (isCancelled()) return 0;
      let deadline = performance.now() + model.prefillMs(c.inputTokens);
      let at = textPrng.int(corpusTokens.length);
      while (produced < c.maxTokens) {
        await sleep(deadline - performance.now());
        if (isCancelled()) break;
        emit(corpusTokens[at], produced);
        at = (at + 1) % corpusTokens.length;
        produced++;
        deadline += model.decodeStepMs();
      }
    } finally {
      model.release();
    }
    return produced;
  }

  function streamResponse(c: Completion): Response {
    const id = `sim-${crypto.randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    const object = c.kind === "chat" ? "chat.completion.chunk" : "text_completion";
    let cancelled = false;
    const send = (controller: ReadableStreamDefaultController<Uint8Array>, data: unknown) => {
      if (!cancelled) controller.enqueue(encoder.encode(`data: ${JSON.stringify(data)}\n\n`));
    };
    const choice = (text: string, finish: string | null, first: boolean) =>
      c.kind === "chat"
        ? { index: 0, delta: first ? { role: "assistant", content: text } : { content: text }, finish_reason: finish }
        : { index: 0, text, finish_reason: finish };
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        (async () => {
          const produced = await generate(c, () => cancelled, (text, i) => {
            // Like vLLM: a role-only chunk precedes the first token's text.
            if (i === 0 && c.kind === "chat") {
              send(controller, { id, object, created, model: c.model, choices: [choice("", null, true)] });
            }
            send(controller, {
              id,
              object,
              created,
              model: c.model,
              choices: [choice(text, i === c.maxTokens - 1 ? "length" : null, false)],
            });
          });
          if (cancelled) return;
          if (c.includeUsage) {
            send(controller, { id, object, created, model: c.model, choices: [], usage: usage(c, produced) });
          }
          if (!cancelled) controller.enqueue(encoder.encode("data: [DONE]\n\n"));
          controller.close();
        })().catch((e) => {
          if (!cancelled) controller.error(e);
        });
      },
      cancel() {
        cancelled = true;
      },
    });
    return new Response(body, {
      headers: { "content-type": "text/event-stream", "cache-control": "no-cache", [SIMULATED_HEADER]: "1" },
    });
  }

  async function batchResponse(c: Completion): Promise<Response> {
    let text = "";
    const produced = await generate(c, () => false, (t) => {
      text += t;
    });
    const id = `sim-${crypto.randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    const choice = c.kind === "chat"
      ? { index: 0, message: { role: "assistant", content: text }, finish_reason: "length" }
      : { index: 0, text, finish_reason: "length" };
    return json(200, {
      id,
      object: c.kind === "chat" ? "chat.completion" : "text_completion",
      created,
      model: c.model,
      choices: [choice],
      usage: usage(c, produced),
    }, { [SIMULATED_HEADER]: "1" });
  }

  function usage(c: Completion, produced: number) {
    return { prompt_tokens: c.inputTokens, completion_tokens: produced, total_tokens: c.inputTokens + produced };
  }

  const server = Deno.serve({
    hostname: options.hostname ?? "127.0.0.1",
    port: options.port ?? 0,
    onListen: () => {},
  }, handler);
  const port = server.addr.port;
  const close = async () => {
    await server.shutdown();
  };
  return {
    baseUrl: `http://${options.hostname ?? "127.0.0.1"}:${port}/v1`,
    port,
    params,
    stats: () => ({ requests, connections: connections.size }),
    close,
    [Symbol.asyncDispose]: close,
  };
}

export type { ServingModel };
