import type { Usage } from "../connectors/types.ts";
import type { RequestRecord } from "../results/schema.ts";

type ServerFields = Pick<
  RequestRecord,
  | "serverTtftMs"
  | "serverE2eMs"
  | "serverDecodeTokensPerS"
  | "serverOutputTokensPerS"
  | "serverTotalTokensPerS"
  | "serverBatchSize"
  | "serverAcceptanceRate"
  | "serverInputTokens"
  | "serverOutputTokens"
>;

const num = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isFinite(v)
    ? v
    : typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))
    ? Number(v)
    : undefined;

/**
 * Reads the server's own timings from a usage block: SambaNova Cloud's usage fields (`time_to_first_token`,
 * `total_latency` in seconds, `completion_tokens_after_first_per_sec`, …) and SambaStudio's final-event metrics
 * (same names, plus `prompt_tokens_count` / `completion_tokens_count`). Only fields the server sent are returned; a
 * reported 0 stays 0.
 */
export function serverTimings(usage: Usage | null): ServerFields {
  const out: ServerFields = {};
  if (!usage) return out;
  const set = <K extends keyof ServerFields>(key: K, v: number | undefined) => {
    if (v !== undefined) out[key] = v;
  };
  const seconds = (v: unknown) => {
    const n = num(v);
    return n === undefined ? undefined : Math.round(n * 1e6) / 1e3;
  };
  set("serverTtftMs", seconds(usage.time_to_first_token));
  set("serverE2eMs", seconds(usage.total_latency));
  set("serverDecodeTokensPerS", num(usage.completion_tokens_after_first_per_sec));
  set("serverOutputTokensPerS", num(usage.completion_tokens_per_sec));
  set("serverTotalTokensPerS", num(usage.total_tokens_per_sec));
  set("serverBatchSize", num(usage.batch_size_used));
  set("serverAcceptanceRate", num(usage.acceptance_rate));
  set("serverInputTokens", num(usage.prompt_tokens_count ?? usage.prompt_tokens));
  set("serverOutputTokens", num(usage.completion_tokens_count ?? usage.completion_tokens));
  return out;
}
