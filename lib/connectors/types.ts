import type { RequestSpec } from "../sampler/sampler.ts";

/** Token usage as the server reports it (OpenAI `usage` block, plus any vendor fields). */
export interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  /** OpenAI and vLLM: `cached_tokens`, the prompt tokens found in the server's prefix cache. */
  prompt_tokens_details?: { cached_tokens?: number; [field: string]: unknown };
  [field: string]: unknown;
}

/**
 * What a connector reports while a request runs. Every `t` is `performance.now()`: `start` just before the request is
 * handed to the HTTP client, `response` when the headers arrived (with whether the server says it is llm-bench's simulator), `delta` and `usage` when the `read()` that completed
 * the event resolved (stamped before decoding or parsing), `end` at the arrival of the last byte.
 */
export type StreamEvent =
  | { type: "start"; t: number }
  | {
    type: "response";
    t: number;
    status: number;
    simulated: boolean;
    /** How long opening a connection for this request took, ms; absent when it reused a kept-alive one. */
    connectMs?: number;
    /** When the request's last byte was written to the socket (llm-bench's HTTP client only). */
    tWritten?: number;
  }
  | { type: "delta"; t: number; content: string; reasoning: string; finishReason: string | null }
  | { type: "usage"; t: number; usage: Usage }
  | { type: "end"; t: number };

/** Options for one request. */
export interface SendOptions {
  /** Aborts the request; the connector stops reading and the body is cancelled. */
  signal?: AbortSignal;
}

/**
 * One wire protocol. It turns a {@link RequestSpec} into timestamped {@link StreamEvent}s and knows nothing of
 * metrics. A failure is thrown as a `RequestError` with a stable code.
 */
export interface Connector extends AsyncDisposable {
  /** The protocol, e.g. `openai`. */
  readonly api: string;
  /** Where requests go, without credentials. */
  readonly endpoint: string;
  stream(spec: RequestSpec, options?: SendOptions): AsyncGenerator<StreamEvent>;
  /** The HTTP client in use, and its connection figures when it keeps them (llm-bench's client does). */
  readonly httpClient?: Pick<HttpClient, "kind" | "stats">;
  /**
   * Opens up to `connections` connections to the endpoint before the run's clock starts, so the first requests do
   * not pay for them (llm-bench's HTTP client; other clients open none). Resolves with how many it opened.
   */
  warm?(connections: number, signal?: AbortSignal): Promise<number>;
  /** Closes pooled connections. */
  close(): Promise<void>;
}

/** The `fetch` shape a connector uses; tests and benchmarks can swap it. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** What a connector's HTTP client is asked to send. */
export interface HttpRequestInit {
  method?: string;
  headers?: Headers | Record<string, string>;
  body?: string | Uint8Array;
  signal?: AbortSignal;
}

/**
 * A response body read chunk by chunk: each `read()` resolves with the bytes of the next read, or null at the end. A
 * chunk may be a view into the client's buffer, valid until the next `read()`: decode it before reading on.
 */
export interface BodyReader {
  read(): Promise<Uint8Array | null>;
  /** Stops reading; the connection is not reused. */
  cancel(): void;
}

/** A response as the connectors read it. */
export interface HttpResponse {
  status: number;
  statusText: string;
  ok: boolean;
  headers: Headers;
  body: BodyReader;
  /** The send side, when the client can tell (llm-bench's client can; `fetch` cannot). */
  timing?: SendTiming;
}

/** How a request left: whether it opened a connection and when its last byte was written (`performance.now()`). */
export interface SendTiming {
  /** Time spent opening a connection for it, ms; absent when it reused a kept-alive one. */
  connectMs?: number;
  writtenAt: number;
}

/** What an HTTP client did: connections opened and requests that reused a kept-alive connection. */
export interface HttpClientStats {
  connectionsOpened: number;
  requests: number;
  reused: number;
}

/** The HTTP client of a connector: llm-bench's own, Deno's `fetch`, or a `fetch`-shaped function handed in. */
export interface HttpClient {
  readonly kind: "llm-bench" | "fetch" | "custom";
  /** Connections opened and reused, when the client can tell (llm-bench's client). */
  readonly stats?: HttpClientStats;
  request(url: string, init: HttpRequestInit): Promise<HttpResponse>;
  /** Opens up to `n` connections to `url`'s origin ahead of need; resolves with how many (clients that can). */
  warm?(url: string, n: number, signal?: AbortSignal): Promise<number>;
  /** Closes every pooled connection. */
  close(): Promise<void>;
}
