import { redactUrls, RequestError } from "../errors.ts";
import type { RequestSpec } from "../sampler/sampler.ts";
import {
  type BodyFormat,
  createHttpClient,
  fromFetch,
  type HttpClientKind,
  readEvents,
  type StreamParser,
} from "./http.ts";
import { createLineDecoder, type TimedLine } from "./ndjson.ts";
import type { Connector, FetchLike, SendOptions, StreamEvent, Usage } from "./types.ts";

/** Composition of Experts: `COE/<expert>` or `Bundle/<expert>` routes to that expert. */
export function coeExpert(model: string): string | undefined {
  return /^(?:COE|Bundle)\/(.+)$/.exec(model)?.[1];
}

/** The generic API version a SambaStudio URL speaks: v2 when it contains `/api/v2`. */
export function sambaStudioVersion(url: string): "v1" | "v2" {
  return url.includes("/api/v2") ? "v2" : "v1";
}

/** SambaStudio v1 wraps every parameter as `{type, value-as-string}`. */
export function typedParams(params: Record<string, unknown>): Record<string, { type: string; value: string }> {
  const out: Record<string, { type: string; value: string }> = {};
  for (const [k, v] of Object.entries(params)) {
    const type = typeof v === "boolean"
      ? "bool"
      : typeof v === "number"
      ? (Number.isInteger(v) ? "int" : "float")
      : typeof v === "string"
      ? "str"
      : "str";
    out[k] = { type, value: typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v) };
  }
  return out;
}

/** Options of the SambaStudio connector. */
export interface SambaStudioConnectorOptions {
  /** Full generic endpoint URL, streaming (`…/api/predict/generic/stream/<project>/<endpoint>`, v2: `/api/v2/…`). */
  url: string;
  /** Model name; `COE/<expert>` or `Bundle/<expert>` selects an expert. */
  model: string;
  /** Sent in the `key` header. */
  apiKey?: string;
  /** `stream` (NDJSON) or `batch` (one JSON body from the non-streaming URL). @default "stream" */
  mode?: "stream" | "batch";
  /** Parameters merged last (plain values; wrapped for v1). */
  extraParams?: Record<string, unknown>;
  fetch?: FetchLike;
  /** Which pooled client to create when `fetch` is absent. @default "auto" (llm-bench's own, `fetch` behind a proxy) */
  httpClient?: HttpClientKind;
}

interface ResponseItem {
  stream_token?: string;
  completion?: string;
  is_last_response?: boolean;
  [metric: string]: unknown;
}

/** The response object of one NDJSON line (v1 `result.responses[0]`, v2 `result.items[0].value`). */
function lineItem(obj: Record<string, unknown>, version: "v1" | "v2"): ResponseItem | undefined {
  const result = (obj.result ?? obj) as Record<string, unknown>;
  if (version === "v2") {
    const items = result.items as { value?: ResponseItem }[] | undefined;
    return items?.[0]?.value;
  }
  const responses = result.responses as ResponseItem[] | undefined;
  return responses?.[0];
}

function usageOf(item: ResponseItem): Usage {
  const usage: Usage = { ...item };
  delete usage.stream_token;
  delete usage.completion;
  if (typeof item.prompt_tokens_count === "number") usage.prompt_tokens = item.prompt_tokens_count;
  if (typeof item.completion_tokens_count === "number") usage.completion_tokens = item.completion_tokens_count;
  return usage;
}

/**
 * Creates the connector for SambaStudio's generic API: v1 (typed params, `instance`) or v2 (plain params, `items`),
 * streamed as newline-delimited JSON, or one JSON body in batch mode. The last streamed line carries the server's
 * metrics, reported as a `usage` event.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createSambaStudioConnector, loadCorpus, loadTokenizer } from "../../mod.ts";
 * import { startSimServer } from "../simulator/mod.ts";
 * await using sim = startSimServer({ tokenizer: await loadTokenizer(), corpus: await loadCorpus() });
 * const url = `${sim.origin}/api/v2/predict/generic/stream/project/endpoint`;
 * await using connector = createSambaStudioConnector({ url, model: "COE/Meta-Llama-3.1-8B-Instruct", apiKey: "k" });
 * const spec = { index: 0, prompt: "Hi", promptTokens: 1, requestedInputTokens: 1, maxTokens: 3 };
 * let text = "";
 * for await (const event of connector.stream(spec)) if (event.type === "delta") text += event.content;
 * assert.ok(text.length > 0);
 * ```
 */
export function createSambaStudioConnector(options: SambaStudioConnectorOptions): Connector {
  const version = sambaStudioVersion(options.url);
  const stream = (options.mode ?? "stream") === "stream";
  const url = stream ? options.url : options.url.replace("/generic/stream/", "/generic/");
  const expert = coeExpert(options.model);
  const http = options.fetch ? fromFetch(options.fetch) : createHttpClient(options.httpClient, url);
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.apiKey) headers.key = options.apiKey;

  const body = (spec: RequestSpec): string => {
    const params: Record<string, unknown> = { max_tokens_to_generate: spec.maxTokens };
    if (expert) Object.assign(params, { select_expert: expert, process_prompt: false });
    Object.assign(params, options.extraParams);
    if (version === "v2") {
      return JSON.stringify(
        stream
          ? { items: [{ id: "item1", value: spec.prompt }], params }
          : { items: [{ id: "item1", value: spec.prompt }], params },
      );
    }
    return JSON.stringify(
      stream
        ? { instance: spec.prompt, params: typedParams(params) }
        : { instances: [spec.prompt], params: typedParams(params) },
    );
  };

  /** A line's JSON object; a server's `error` object throws `SERVER_ERROR_EVENT`. */
  function lineObject(line: TimedLine): Record<string, unknown> {
    let value: unknown;
    try {
      value = JSON.parse(line.text);
    } catch {
      throw new RequestError("STREAM_PARSE", `Cannot parse stream line as JSON: ${line.text.slice(0, 120)}`);
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new RequestError("STREAM_PARSE", `Stream line is not a JSON object: ${line.text.slice(0, 120)}`);
    }
    const obj = value as Record<string, unknown>;
    if (obj.error) {
      const e = obj.error as { message?: string } | string;
      throw new RequestError(
        "SERVER_ERROR_EVENT",
        `Server sent an error: ${typeof e === "string" ? e : e.message ?? JSON.stringify(e)}`,
      );
    }
    return obj;
  }

  /** The events of one streamed line; `state.sawLast` when it was the last response. */
  function streamedLine(line: TimedLine, out: StreamEvent[], state: { sawLast: boolean }): void {
    const item = lineItem(lineObject(line), version);
    if (!item) throw new RequestError("BAD_RESPONSE", `Unexpected stream line: ${line.text.slice(0, 120)}`);
    const token = typeof item.stream_token === "string" ? item.stream_token : "";
    if (item.is_last_response) {
      state.sawLast = true;
      if (token) out.push({ type: "delta", t: line.t, content: token, reasoning: "", finishReason: null });
      out.push({ type: "usage", t: line.t, usage: usageOf(item) });
    } else {
      out.push({ type: "delta", t: line.t, content: token, reasoning: "", finishReason: null });
    }
  }

  /** A parser of the NDJSON stream: one line decoder, each line's events. */
  const streamParser = (): StreamParser => {
    const lines = createLineDecoder();
    const state = { sawLast: false };
    const handle = (batch: TimedLine[]): StreamEvent[] => {
      if (lines.error) throw new RequestError("EVENT_TOO_LARGE", `Cannot parse the stream: ${lines.error}`);
      const out: StreamEvent[] = [];
      for (const line of batch) streamedLine(line, out, state);
      return out;
    };
    return {
      push: (bytes, t) => handle(lines.push(bytes, t)),
      end(t) {
        const out = handle(lines.end(t));
        if (!state.sawLast) throw new RequestError("INCOMPLETE_STREAM", "Stream ended before its last response");
        return out;
      },
    };
  };

  /** Batch mode: one JSON body with the whole answer and the server's metrics. */
  const wholeBody = (text: string, tLast: number): StreamEvent[] => {
    const line = { text: text.replace(/\s+$/, ""), t: tLast };
    const obj = lineObject(line);
    const preds = (obj.predictions ?? (obj.items as { value?: unknown }[] | undefined)?.map((i) => i.value)) as
      | ResponseItem[]
      | undefined;
    const item = preds?.[0];
    if (!item) throw new RequestError("BAD_RESPONSE", `Unexpected response: ${line.text.slice(0, 120)}`);
    const content = typeof item.completion === "string" ? item.completion : "";
    return [
      { type: "delta", t: tLast, content, reasoning: "", finishReason: "stop" },
      { type: "usage", t: tLast, usage: usageOf(item) },
    ];
  };
  const format: BodyFormat = stream ? { stream: streamParser } : { body: wholeBody };

  const run = (spec: RequestSpec, sendOptions: SendOptions = {}): AsyncGenerator<StreamEvent> =>
    readEvents(http, url, { headers, body: body(spec), signal: sendOptions.signal }, format);

  return {
    api: "sambastudio",
    endpoint: redactUrls(url),
    stream: run,
    httpClient: { kind: http.kind, stats: http.stats },
    warm: (connections, signal) => http.warm?.(url, connections, signal) ?? Promise.resolve(0),
    close: () => http.close(),
    [Symbol.asyncDispose]() {
      return this.close();
    },
  };
}
