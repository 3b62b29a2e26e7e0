/**
 * The small set of domain errors. Bad configuration throws {@link ConfigError} before any request is sent; a failed
 * request never throws out of the runner — it becomes a record whose `error.code` is one of {@link RequestErrorCode}.
 * @module
 */

/** Stable codes carried by failed request records. */
export type RequestErrorCode =
  | "HTTP_STATUS"
  | "RATE_LIMITED"
  | "CONNECTION"
  | "TIMEOUT"
  | "ABORTED"
  | "STREAM_PARSE"
  | "EVENT_TOO_LARGE"
  | "INCOMPLETE_STREAM"
  | "SERVER_ERROR_EVENT"
  | "BAD_RESPONSE"
  | "EMPTY_RESPONSE";

/**
 * A configuration value that cannot be used; its message is one line meant for the person who typed it. With a
 * `field`, the message is `<field>: <detail>`, and whoever shows it may name the field its own way (the CLI by its flag).
 */
export class ConfigError extends Error {
  override name = "ConfigError";
  readonly code = "CONFIG";
  /** The configuration field at fault, when one is. */
  readonly field?: string;
  /** What is wrong, without the field's name. */
  readonly detail: string;
  constructor(message: string, options?: ErrorOptions & { field?: string }) {
    super(options?.field ? `${options.field}: ${message}` : message, options);
    this.detail = message;
    if (options?.field) this.field = options.field;
  }
}

/**
 * The endpoint cannot be used at all — unreachable, or it does not serve the model — found by the check before a run
 * (nothing was measured). Its message is one line naming the URL and what failed.
 */
export class EndpointError extends Error {
  override name = "EndpointError";
  readonly code = "ENDPOINT";
}

/** A request that failed; the runner turns it into an error record. */
export class RequestError extends Error {
  override name = "RequestError";
  readonly code: RequestErrorCode;
  readonly httpStatus?: number;
  readonly bodyExcerpt?: string;
  /** `Retry-After` of a 429, seconds. */
  readonly retryAfterS?: number;
  /** A 429's `x-ratelimit-*` headers, by name without the prefix (`remaining-requests`: "0"). */
  readonly rateLimit?: Record<string, string>;
  constructor(
    code: RequestErrorCode,
    message: string,
    options?: ErrorOptions & {
      httpStatus?: number;
      bodyExcerpt?: string;
      retryAfterS?: number;
      rateLimit?: Record<string, string>;
    },
  ) {
    super(message, options);
    this.code = code;
    if (options?.httpStatus !== undefined) this.httpStatus = options.httpStatus;
    if (options?.bodyExcerpt !== undefined) this.bodyExcerpt = options.bodyExcerpt;
    if (options?.retryAfterS !== undefined) this.retryAfterS = options.retryAfterS;
    if (options?.rateLimit !== undefined) this.rateLimit = options.rateLimit;
  }
}

/** A results file that cannot be read back: the message names the file and the line or field at fault. */
export class ResultsFileError extends Error {
  override name = "ResultsFileError";
  readonly code = "RESULTS_FILE";
}

/** A path or stem that names no run (`deno task compare`, `export`): the message says what was looked for. */
export class RunNotFoundError extends Error {
  override name = "RunNotFoundError";
  readonly code = "RUN_NOT_FOUND";
}

/** A comparison gate (`failOn`) that cannot be read: the message names the rule and what is accepted. */
export class GateSpecError extends Error {
  override name = "GateSpecError";
  readonly code = "GATE_SPEC";
}

/**
 * Shards that do not make one run: the message names the file and what is wrong. `missing` lists the shard indexes
 * absent when that is all that is wrong (they can be merged anyway, as a partial run).
 */
export class MergeError extends Error {
  override name = "MergeError";
  readonly code = "MERGE";
  readonly missing?: number[];
  constructor(message: string, options?: ErrorOptions & { missing?: number[] }) {
    super(message, options);
    if (options?.missing) this.missing = options.missing;
  }
}

/**
 * A run interrupted (its signal aborted) while it was being prepared: nothing was sent. `files` are the run's files
 * already named, if any.
 */
export class PrepareInterrupted<Files = unknown> extends Error {
  override name = "PrepareInterrupted";
  readonly code = "INTERRUPTED";
  constructor(readonly files: Files | null, cause: unknown) {
    super("the run was interrupted while it was being prepared", { cause });
  }
}

/** Removes every occurrence of the given secrets from a text (error messages, excerpts). */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join("[redacted]");
  }
  return out;
}

/**
 * Removes credentials from every URL in `text`: the user and password before `@`, and the values of query parameters
 * whose names say key, token, secret or auth — for any message, record or file that may quote a URL.
 */
export function redactUrls(text: string): string {
  return text
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, "$1[redacted]@")
    .replace(/([?&][^=&#\s]*(?:key|token|secret|auth|password)[^=&#\s]*=)[^&#\s"']+/gi, "$1[redacted]");
}
