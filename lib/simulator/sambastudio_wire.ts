/**
 * SambaStudio's generic API on the simulated endpoint (DESIGN.md §3): v1 (`/api/predict/generic/[stream/]<p>/<e>`,
 * typed params, `instance`) and v2 (`/api/v2/…`, plain params, `items`), streamed as newline-delimited JSON whose last
 * line carries the server's metrics; Composition of Experts routes by `select_expert`.
 * @module
 */
import { type Completion, type Generation, round } from "./engine.ts";
import type { FaultDialect } from "./faults.ts";
import type { FaultKind } from "./params.ts";
import { json } from "./responses.ts";
import type { Arrived, WireContext } from "./wire_context.ts";

/** The generic API's version. */
export type StudioVersion = "v1" | "v2";

interface StudioRequest extends Completion {
  version: StudioVersion;
  stream: boolean;
}

const error = (message: string, status = 400) => json(status, { error: message });

const dialect: FaultDialect = {
  errorBody: (_status, message) => ({ error: message }),
  malformedChunk: '{"result": {"responses": [{"stream_token": "broken\n',
  errorEvent: (message) => `${JSON.stringify({ error: message })}\n`,
  oversizedPrefix: '{"result": {"responses": [{"stream_token": "',
};

/** Parses a generic request (v1 typed params, v2 plain params); COE routes by `select_expert`. */
function parse(
  ctx: WireContext,
  version: StudioVersion,
  stream: boolean,
  body: Record<string, unknown>,
  arrival: number,
): StudioRequest | Response {
  let prompt: unknown;
  if (version === "v2") prompt = (body.items as { value?: unknown }[] | undefined)?.[0]?.value;
  else prompt = stream ? body.instance : (body.instances as unknown[] | undefined)?.[0];
  if (typeof prompt !== "string") {
    return error(version === "v2" ? "`items[0].value` must be a string" : "`instance` must be a string");
  }
  const raw = (body.params ?? {}) as Record<string, unknown>;
  const untyped = Symbol("untyped");
  const value = (name: string): unknown => {
    const p = raw[name];
    if (version === "v2" || p === undefined) return p;
    if (typeof p !== "object" || p === null || !("value" in p)) return untyped;
    return (p as { value: unknown }).value;
  };
  const maxRaw = value("max_tokens_to_generate");
  if (maxRaw === untyped) {
    return error('v1 params must be typed: {"max_tokens_to_generate": {"type": "int", "value": "100"}}');
  }
  const maxTokens = maxRaw === undefined ? ctx.params.defaultMaxTokens : Number(maxRaw);
  if (!Number.isInteger(maxTokens) || maxTokens < 1) return error("max_tokens_to_generate must be a positive integer");
  const expert = value("select_expert");
  let served = ctx.params.model;
  if (expert !== undefined) {
    if (typeof expert !== "string" || !ctx.params.experts.includes(expert)) {
      return error(
        `Expert '${String(expert)}' is not part of this Composition of Experts endpoint. Available experts: ${
          ctx.params.experts.join(", ")
        }`,
        404,
      );
    }
    served = expert;
  }
  return {
    version,
    model: served,
    inputTokens: ctx.tokens.count(prompt),
    promptText: prompt,
    maxTokens,
    stream,
    arrival,
  };
}

function finalItem(ctx: WireContext, c: StudioRequest, g: Generation) {
  return {
    is_last_response: true,
    completion: g.text,
    prompt_tokens_count: c.inputTokens,
    completion_tokens_count: g.produced,
    total_tokens_count: c.inputTokens + g.produced,
    model_execution_time: round((g.tLast - g.tFirst) / 1000),
    ...ctx.engine.serverMetrics(c, g),
  };
}

function wrapLine(c: StudioRequest, value: Record<string, unknown>) {
  return c.version === "v2"
    ? { result: { items: [{ id: "item1", value }] } }
    : { result: { status: { complete: false }, responses: [value] } };
}

function ndjson(ctx: WireContext, c: StudioRequest, fault: FaultKind, arrived: Arrived): Response {
  const strikeAt = ctx.faults.strikesAt(fault, c.maxTokens);
  const pause = ctx.faults.pauseOf(fault, c.maxTokens);
  let struck = false;
  const log = arrived.log;
  return ctx.stream("application/x-ndjson", async (send, cancelled) => {
    const line = (obj: unknown, onSent?: (epochMs: number) => void) => send(JSON.stringify(obj) + "\n", onSent);
    const g = await ctx.engine.generate(c, () => cancelled() || struck, (text, i) => {
      line(wrapLine(c, { stream_token: text, is_last_response: false }), log && ((t) => log.sends.push(t)));
      if (i === strikeAt) struck = true;
    }, pause);
    if (cancelled()) return;
    if (struck) return await ctx.faults.strike(fault, send, dialect);
    if (fault === "no-done") return; // no last response
    line(wrapLine(c, { stream_token: "", ...finalItem(ctx, c, g) }), log && ((t) => log.end = t));
  });
}

async function batch(ctx: WireContext, c: StudioRequest): Promise<Response> {
  const g = await ctx.engine.generate(c, () => false, () => {});
  const item = finalItem(ctx, c, g);
  return c.version === "v2" ? json(200, { items: [{ id: "item1", value: item }] }) : json(200, { predictions: [item] });
}

/** Answers one generic-API request. */
export async function sambaStudioResponse(
  ctx: WireContext,
  version: StudioVersion,
  stream: boolean,
  arrived: Arrived,
): Promise<Response> {
  const c = parse(ctx, version, stream, arrived.body, arrived.arrival);
  if (c instanceof Response) return c;
  if (arrived.warmup) c.promptText = undefined;
  const fault = arrived.warmup ? "none" : ctx.faults.next();
  const replaced = await ctx.faults.beforeResponse(fault, dialect);
  if (replaced) return replaced;
  return c.stream ? ndjson(ctx, c, fault, arrived) : await batch(ctx, c);
}
