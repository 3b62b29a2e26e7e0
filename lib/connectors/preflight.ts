/**
 * The check before a run: can the endpoint be reached at all, and does it serve the model? A run against an endpoint
 * that refuses connections would otherwise be a table of failures with health figures about nothing.
 * @module
 */
import type { RunConfig } from "../config/schema.ts";
import { ConfigError, EndpointError, redactUrls } from "../errors.ts";
import { endpointUrl, listModelInfo, listModels } from "./openai.ts";
import { coeExpert } from "./sambastudio.ts";

/** Why a connection could not be opened, in a few words. */
function reason(e: unknown): string {
  if (e instanceof Deno.errors.ConnectionRefused) return "connection refused";
  if (e instanceof DOMException && e.name === "TimeoutError") return "no answer within 10 s";
  const message = e instanceof Error ? e.message : String(e);
  if (/dns|lookup|name or service|no address/i.test(message)) return `the host name does not resolve (${message})`;
  if (/certificate|tls|handshake/i.test(message)) return `TLS failed (${message})`;
  return message.split("\n")[0];
}

/** What the check found out about the endpoint. */
export interface PreflightFindings {
  /** The served model's context length (prompt + answer tokens), when its model list says it. */
  contextLength?: number;
}

/**
 * Throws an {@link EndpointError} when the endpoint of `config` cannot be reached (a TCP, and for https a TLS,
 * connection to its host), or when it lists its models (`GET /models`, OpenAI-compatible APIs) and the run's model is
 * not among them. Returns the model's context length when the list gives one.
 */
export async function preflight(config: RunConfig, baseUrl: string, timeoutMs = 10_000): Promise<PreflightFindings> {
  const url = new URL(baseUrl);
  const where = redactUrls(baseUrl);
  const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const connecting = url.protocol === "https:"
      ? Deno.connectTls({ hostname, port })
      : Deno.connect({ hostname, port });
    const conn = await Promise.race([
      connecting,
      new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true })),
    ]);
    if ("handshake" in conn) await (conn as Deno.TlsConn).handshake();
    conn.close();
  } catch (e) {
    throw new EndpointError(`Cannot reach ${where}: ${reason(e)}`);
  }
  if (config.llmApi === "openai" || config.llmApi === "sambanova" || baseUrl.includes("chat/completions")) {
    const base = baseUrl.replace(/\/(chat\/)?completions\/?(\?.*)?$/, "$2");
    const info = await listModelInfo(base, { apiKey: config.apiKey, timeoutMs, throwOnTimeout: true }).catch(() => {
      // It accepted the connection (checked above) and sent nothing: one line, not a hang.
      throw new EndpointError(`${where} accepted the connection but sent no answer within ${timeoutMs / 1000} s`);
    });
    if (info === null) await noV1(base, config, timeoutMs);
    const models = info?.map((m) => m.id) ?? null;
    const model = coeExpert(config.model) ?? config.model;
    if (models && models.length > 0 && !models.includes(model)) {
      const shown = models.length > 12
        ? `${models.slice(0, 12).join(", ")}, … (${models.length} in all)`
        : models.join(", ");
      throw new EndpointError(`${where} does not serve the model ${model}; it serves: ${shown}`);
    }
    const contextLength = info?.find((m) => m.id === model)?.contextLength;
    return contextLength !== undefined ? { contextLength } : {};
  }
  return {};
}

/**
 * Refuses a run whose requests ask for more than the model's context — prompt + `max_tokens` beyond it is an error on
 * every server — before any is sent: looks at the first `look` requests (all of a dataset's, at most 1,000 drawn).
 */
export function checkContext(
  requests: { length: number; at(i: number): { promptTokens: number; maxTokens: number } | undefined },
  contextLength: number,
  model: string,
  look = 1000,
): void {
  const n = Math.min(requests.length, look);
  let over = 0;
  let largest = 0;
  for (let i = 0; i < n; i++) {
    const r = requests.at(i);
    if (!r) continue;
    const need = r.promptTokens + r.maxTokens;
    largest = Math.max(largest, need);
    if (need > contextLength) over++;
  }
  if (over === 0) return;
  throw new ConfigError(
    `${over} of the first ${n} requests ask for more than ${model}'s context of ${contextLength} tokens (prompt + ` +
      `max_tokens up to ${largest}): lower --mean-input-tokens or --mean-output-tokens (or their spreads)`,
    { field: "meanInputTokens" },
  );
}

/**
 * A base URL typed without its `/v1` (`http://host:8000`, as vLLM users type it): the completions path is not there
 * (404) while `<base>/v1/models` answers — a {@link ConfigError} naming the URL that works, before any request.
 */
async function noV1(base: string, config: RunConfig, timeoutMs: number): Promise<void> {
  if (/\/v1\/?$/.test(new URL(base).pathname)) return;
  const path = config.endpoint === "completions" ? "/completions" : "/chat/completions";
  try {
    const res = await fetch(endpointUrl(base, path), { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    if (res.status !== 404) return;
    const withV1 = `${base.replace(/\/+(\?.*)?$/, "")}/v1`;
    const models = await listModels(withV1, { apiKey: config.apiKey, timeoutMs });
    if (models === null) return;
    throw new ConfigError(`${redactUrls(base)} has no ${path}; did you mean ${redactUrls(withV1)}?`, {
      field: "baseUrl",
    });
  } catch (e) {
    if (e instanceof ConfigError) throw e;
  }
}
