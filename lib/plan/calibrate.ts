/**
 * `--tokenizer server`: prompts sized by the endpoint's own token counts, for hosted models whose tokenizer is not to
 * be had offline. A short calibration — a few requests with prompts of known length and `max_tokens: 1` — fits the
 * server's prompt tokens against the bundled tokenizer's count of the same text (a line: the chat template's tokens
 * and the server's tokens per local token); prompts are then cut with the bundled tokenizer to the count that line
 * says gives the requested number of the server's tokens.
 * @module
 */
import type { Connector } from "../connectors/types.ts";
import { ConfigError } from "../errors.ts";
import type { Tokenizer } from "../sampler/tokenizer.ts";

/** The calibration of a run (`summary.calibration`): its requests, the fitted line, how well it fits. */
export interface Calibration {
  /** Each calibration request: the bundled tokenizer's count of its prompt, and the server's `usage.prompt_tokens`. */
  requests: { localTokens: number; serverTokens: number }[];
  /** Server tokens of an empty prompt: the chat template's (and any system prompt's) share. */
  intercept: number;
  /** Server tokens per bundled-tokenizer token. */
  slope: number;
  /** The largest miss of the line over the calibration requests, as a share of the server's count. */
  residual: number;
}

/** Lengths of the calibration prompts, in the bundled tokenizer's tokens. */
export const CALIBRATION_LENGTHS = [32, 128, 512, 1024];

/**
 * Calibrates against the endpoint: one request per length of `lengths`, `max_tokens: 1`, its prompt cut from `corpus`
 * with `local`; fits `server = intercept + slope × local` by least squares. Throws a {@link ConfigError} when the
 * server reports no `usage.prompt_tokens` (nothing to calibrate on) or a request fails.
 */
export async function calibrate(
  connector: Connector,
  local: Tokenizer,
  corpus: string,
  options: { signal?: AbortSignal; lengths?: readonly number[] } = {},
): Promise<Calibration> {
  const ids = local.encode(corpus.replace(/\s+/g, " "));
  const requests: Calibration["requests"] = [];
  for (const [i, n] of (options.lengths ?? CALIBRATION_LENGTHS).entries()) {
    const prompt = local.decode(ids.slice(i * 97, i * 97 + n));
    const spec = { index: -1 - i, prompt, promptTokens: local.count(prompt), requestedInputTokens: n, maxTokens: 1 };
    let serverTokens: number | undefined;
    for await (const ev of connector.stream(spec, { signal: options.signal })) {
      if (ev.type === "usage" && typeof ev.usage.prompt_tokens === "number") serverTokens = ev.usage.prompt_tokens;
    }
    if (serverTokens === undefined) {
      throw new ConfigError(
        "the endpoint reports no usage.prompt_tokens, so its token counts cannot size the prompts: give " +
          "--tokenizer PATH to the model's tokenizer.json",
        { field: "tokenizer" },
      );
    }
    requests.push({ localTokens: spec.promptTokens, serverTokens });
  }
  return fitCalibration(requests);
}

/** The least-squares line through the calibration requests, and its largest relative miss. */
export function fitCalibration(requests: Calibration["requests"]): Calibration {
  const n = requests.length;
  const mx = requests.reduce((s, r) => s + r.localTokens, 0) / n;
  const my = requests.reduce((s, r) => s + r.serverTokens, 0) / n;
  const sxx = requests.reduce((s, r) => s + (r.localTokens - mx) ** 2, 0);
  const sxy = requests.reduce((s, r) => s + (r.localTokens - mx) * (r.serverTokens - my), 0);
  const slope = sxx > 0 ? sxy / sxx : 1;
  const intercept = my - slope * mx;
  const residual = Math.max(
    ...requests.map((r) => Math.abs(intercept + slope * r.localTokens - r.serverTokens) / Math.max(1, r.serverTokens)),
  );
  return { requests, intercept, slope, residual };
}

/**
 * The bundled tokenizer seen through a calibration: `count` is the server's count the line predicts (rounded), so
 * the sampler, cutting prompts to a count, cuts them to the server's; `encode` and `decode` are the bundled ones.
 */
export function calibratedTokenizer(local: Tokenizer, c: Calibration): Tokenizer {
  return {
    name: `the server's counts (calibrated on ${c.requests.length} requests against ${local.name})`,
    encode: (text) => local.encode(text),
    decode: (ids) => local.decode(ids),
    count: (text) => Math.max(0, Math.round(c.intercept + c.slope * local.count(text))),
  };
}

/** A calibration in one line: `server tokens = 12.0 + 1.031 × llama-3 tokens, over 4 requests (largest miss 0.4 %)`. */
export function calibrationText(c: Calibration): string {
  return `server tokens = ${c.intercept.toFixed(1)} + ${c.slope.toFixed(3)} × the bundled tokenizer's, over ` +
    `${c.requests.length} requests of ${c.requests.map((r) => r.localTokens).join(", ")} tokens (largest miss ${
      (c.residual * 100).toFixed(1)
    } %)`;
}
