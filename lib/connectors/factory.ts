import type { RunConfig } from "../config/schema.ts";
import { createOpenAIConnector } from "./openai.ts";
import { coeExpert, createSambaStudioConnector } from "./sambastudio.ts";
import type { Connector, FetchLike } from "./types.ts";

/** What a connector is built from: the endpoint and request fields of a run's (or a chat session's) configuration. */
export type ConnectorConfig =
  & Pick<
    RunConfig,
    "llmApi" | "model" | "apiKey" | "endpoint" | "mode" | "includeUsage" | "ignoreEos" | "additionalSamplingParams"
  >
  & Partial<Pick<RunConfig, "baseUrl" | "httpClient" | "requestIdHeader" | "reasoningTags">>;

/**
 * The connector a run configuration calls for. `sim`, `openai` and `sambanova` speak the OpenAI format; `sambastudio`
 * speaks the generic v1/v2 API, except a SambaStudio URL containing `chat/completions`, which is OpenAI-compatible.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createConnector, parseRunConfig } from "../../mod.ts";
 * const config = parseRunConfig({ llmApi: "openai", baseUrl: "http://127.0.0.1:8000/v1", model: "m" });
 * await using connector = createConnector(config);
 * assert.equal(connector.endpoint, "http://127.0.0.1:8000/v1/chat/completions");
 * assert.equal(connector.api, "openai");
 * ```
 */
export function createConnector(
  config: ConnectorConfig,
  options: { baseUrl?: string; fetch?: FetchLike } = {},
): Connector {
  const url = options.baseUrl ?? config.baseUrl!;
  if (config.llmApi === "sambastudio" && !url.includes("chat/completions")) {
    return createSambaStudioConnector({
      url,
      model: config.model,
      apiKey: config.apiKey,
      mode: config.mode,
      extraParams: config.additionalSamplingParams,
      fetch: options.fetch,
      httpClient: config.httpClient,
    });
  }
  const expert = config.llmApi === "sambastudio" ? coeExpert(config.model) : undefined;
  return createOpenAIConnector({
    baseUrl: url.replace(/\/(chat\/)?completions\/?$/, ""),
    model: expert ?? config.model,
    apiKey: config.apiKey,
    endpoint: config.endpoint,
    mode: config.mode,
    includeUsage: config.includeUsage,
    ignoreEos: config.ignoreEos,
    extraBody: config.additionalSamplingParams,
    api: config.llmApi,
    fetch: options.fetch,
    requestIdHeader: config.requestIdHeader,
    httpClient: config.httpClient,
    reasoningTags: config.reasoningTags,
  });
}

/** The model name results and file names show: the expert of a `COE/<expert>` or `Bundle/<expert>` model. */
export function displayModel(model: string): string {
  return coeExpert(model) ?? model;
}
