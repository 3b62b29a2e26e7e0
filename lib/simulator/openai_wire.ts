/**
 * The OpenAI wire format of the simulated endpoint (DESIGN.md §3): `/v1/chat/completions` and `/v1/completions`,
 * streamed as server-sent events or answered as one JSON body, and SambaNova Cloud's variant under `/sambanova/v1`
 * (its timing fields in `usage`, always reported).
 * @module
 */
import type { Completion, Generation } from "./engine.ts";
import { round } from "./engine.ts";
import type { FaultDialect } from "./faults.ts";
import type { FaultKind } from "./params.ts";
import { json } from "./responses.ts";
import type { Arrived, WireContext } from "./wire_context.ts";

/** Which OpenAI-compatible API a request came in on. */
export type OpenAIFlavor = "openai" | "sambanova";

interface OpenAIRequest extends Completion {
  flavor: OpenAIFlavor;
  kind: "chat" | "completions";
  stream: boolean;
  includeUsage: boolean;
}

/** An error response in OpenAI's shape. */
export function openaiError(status: number, message: string, type = "invalid_request_error"): Response {
  return json(status, { error: { message, type, code: status } });
}

const dialect: FaultDialect = {
  errorBody: (status, message, type) => ({ error: { message, type, code: status } }),
  malformedChunk: 'data: {"id":"x","choices":[{"delta":{"content":"broken\n\n',
  errorEvent: (message) => `data: ${JSON.stringify({ error: { message, type: "server_error", code: 500 } })}\n\n`,
  oversizedPrefix: "data: ",
};

function parse(
  ctx: WireContext,
  kind: "chat" | "completions",
  flavor: OpenAIFlavor,
  body: Record<string, unknown>,
  arrival: number,
): OpenAIRequest | string {
  if (typeof body.model !== "string") return "`model` is required";
  let inputTokens = 0;
  let promptText = "";
  if (kind === "chat") {
    if (!Array.isArray(body.messages) || body.messages.length === 0) return "`messages` must be a non-empty array";
    for (const m of body.messages as { role?: unknown; content?: unknown }[]) {
      if (typeof m?.content === "string") {
        inputTokens += ctx.tokens.count(m.content);
        promptText += `<${String(m.role)}>${m.content}`;
      } else if (Array.isArray(m?.content)) {
        for (const part of m.content) {
          if (typeof part?.text === "string") {
            inputTokens += ctx.tokens.count(part.text);
            promptText += part.text;
          }
        }
      }
    }
  } else {
    if (typeof body.prompt !== "string") return "`prompt` must be a string";
    inputTokens = ctx.tokens.count(body.prompt);
    promptText = body.prompt;
  }
  const maxTokens = body.max_tokens ?? body.max_completion_tokens ?? ctx.params.defaultMaxTokens;
  if (!Number.isInteger(maxTokens) || (maxTokens as number) < 1) return "`max_tokens` must be a positive integer";
  if (inputTokens + (maxTokens as number) > ctx.params.maxModelLen) {
    // vLLM's words for it.
    return `This model's maximum context length is ${ctx.params.maxModelLen} tokens. However, you requested ${
      inputTokens + (maxTokens as number)
    } tokens (${inputTokens} in the messages, ${maxTokens} in the completion).`;
  }
  const streamOptions = body.stream_options as { include_usage?: boolean } | undefined;
  return {
    flavor,
    kind,
    model: body.model,
    inputTokens,
    promptText,
    maxTokens: maxTokens as number,
    stream: body.stream === true,
    // SambaNova Cloud reports usage (with its timings) in the last chunk whether asked or not.
    includeUsage: flavor === "sambanova" || streamOptions?.include_usage === true,
    arrival,
  };
}

function usage(ctx: WireContext, c: OpenAIRequest, g: Generation) {
  const base = {
    prompt_tokens: c.inputTokens,
    completion_tokens: g.produced,
    total_tokens: c.inputTokens + g.produced,
    // As OpenAI and vLLM report it.
    prompt_tokens_details: { cached_tokens: g.cachedTokens },
  };
  if (c.flavor !== "sambanova") return base;
  return {
    ...base,
    ...ctx.engine.serverMetrics(c, g),
    is_last_response: true,
    start_time: round(c.arrival / 1000),
    end_time: round(g.tLast / 1000),
  };
}

function sse(ctx: WireContext, c: OpenAIRequest, fault: FaultKind, arrived: Arrived): Response {
  const id = `sim-${crypto.randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const object = c.kind === "chat" ? "chat.completion.chunk" : "text_completion";
  // A reasoning model's first tokens are its reasoning (chat only), at least one answer token after them.
  const thinking = c.kind === "chat" ? Math.min(ctx.params.reasoningTokens, c.maxTokens - 1) : 0;
  const choice = (text: string, finish: string | null, first: boolean, reasoning = false) =>
    c.kind === "chat"
      ? {
        index: 0,
        delta: first
          ? { role: "assistant", content: text }
          : reasoning
          ? { reasoning_content: text }
          : { content: text },
        finish_reason: finish,
      }
      : { index: 0, text, finish_reason: finish };
  const strikeAt = ctx.faults.strikesAt(fault, c.maxTokens);
  const pause = ctx.faults.pauseOf(fault, c.maxTokens);
  let struck = false;
  const log = arrived.log;
  return ctx.stream("text/event-stream", async (send, cancelled) => {
    const data = (obj: unknown, onSent?: (epochMs: number) => void) => send(`data: ${JSON.stringify(obj)}\n\n`, onSent);
    const g = await ctx.engine.generate(c, () => cancelled() || struck, (text, i) => {
      // Like vLLM: a role-only chunk precedes the first token's text.
      if (i === 0 && c.kind === "chat") {
        data({ id, object, created, model: c.model, choices: [choice("", null, true)] });
      }
      const last = i === c.maxTokens - 1 && fault !== "no-done";
      data(
        { id, object, created, model: c.model, choices: [choice(text, last ? "length" : null, false, i < thinking)] },
        log && ((t) => log.sends.push(t)),
      );
      if (i === strikeAt) struck = true;
    }, pause);
    if (cancelled()) return;
    if (struck) return await ctx.faults.strike(fault, send, dialect);
    if (fault === "no-done") return; // no finish_reason, no usage, no [DONE]
    if (c.includeUsage) {
      const u = usage(ctx, c, g);
      data({
        id,
        object,
        created,
        model: c.model,
        choices: [],
        usage: thinking > 0
          ? { ...u, completion_tokens_details: { reasoning_tokens: Math.min(thinking, g.produced) } }
          : u,
      });
    }
    send("data: [DONE]\n\n", log && ((t) => log.end = t));
  });
}

async function batch(ctx: WireContext, c: OpenAIRequest): Promise<Response> {
  const g = await ctx.engine.generate(c, () => false, () => {});
  const choice = c.kind === "chat"
    ? { index: 0, message: { role: "assistant", content: g.text }, finish_reason: "length" }
    : { index: 0, text: g.text, finish_reason: "length" };
  return json(200, {
    id: `sim-${crypto.randomUUID()}`,
    object: c.kind === "chat" ? "chat.completion" : "text_completion",
    created: Math.floor(Date.now() / 1000),
    model: c.model,
    choices: [choice],
    usage: usage(ctx, c, g),
  });
}

/** Answers one OpenAI-style completion request (`kind`: the path's last part) with the serving model's timing. */
export async function openaiResponse(
  ctx: WireContext,
  kind: "chat" | "completions",
  flavor: OpenAIFlavor,
  arrived: Arrived,
): Promise<Response> {
  const c = parse(ctx, kind, flavor, arrived.body, arrived.arrival);
  if (typeof c === "string") return openaiError(400, c);
  if (arrived.warmup) c.promptText = undefined;
  if (c.model !== ctx.params.model) {
    return openaiError(404, `The model \`${c.model}\` does not exist.`, "not_found_error");
  }
  const fault = arrived.warmup ? "none" : ctx.faults.next();
  const replaced = await ctx.faults.beforeResponse(fault, dialect);
  if (replaced) return replaced;
  return c.stream ? sse(ctx, c, fault, arrived) : await batch(ctx, c);
}
