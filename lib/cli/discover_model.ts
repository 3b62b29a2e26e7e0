/**
 * `--model` found by asking the server, when an OpenAI-compatible endpoint is named without one.
 * @module
 */
import { applyEnv, safeUrl } from "../config/resolve.ts";
import { listModels } from "../connectors/openai.ts";
import { ConfigError } from "../errors.ts";
import { parseBenchArgs } from "./args.ts";
import type { FlagSpec } from "./flags.ts";

/**
 * With an OpenAI-compatible endpoint and no `--model`, asks the server which models it serves: one → the arguments
 * name it (and `say` tells the user); several → a {@link ConfigError} listing them; none or no such route → the
 * arguments as they were (the schema then says `--model` is required).
 */
export async function withDiscoveredModel(
  argv: readonly string[],
  env: Record<string, string>,
  say: (line: string) => void,
  options: { flags?: FlagSpec[]; list?: (baseUrl: string, apiKey?: string) => Promise<string[] | null> } = {},
): Promise<readonly string[]> {
  const list = options.list ?? ((b: string, k?: string) => listModels(b, { apiKey: k }));
  const parsed = parseBenchArgs(argv, options.flags);
  if (!("config" in parsed)) return argv;
  const input = applyEnv(parsed.config, env);
  if (input.model !== undefined || (input.llmApi !== "openai" && input.llmApi !== "sambanova") || !input.baseUrl) {
    return argv;
  }
  const models = await list(input.baseUrl, input.apiKey);
  if (!models || models.length === 0) return argv;
  const where = `${safeUrl(input.baseUrl)}/models`;
  if (models.length === 1) {
    say(`--model not given: using ${models[0]}, the one model ${where} lists`);
    return [...argv, "--model", models[0]];
  }
  throw new ConfigError(`--model: required — ${where} lists ${models.length} models: ${models.join(", ")}`);
}
