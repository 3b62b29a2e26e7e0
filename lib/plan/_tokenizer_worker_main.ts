// Entry point of the tokenizer's worker (see tokenizer_worker.ts).
import type { RunConfig } from "../config/schema.ts";
import { planRun } from "./plan.ts";
import { loadTokenizer, type Tokenizer } from "../sampler/tokenizer.ts";

const scope = self as unknown as { onmessage: ((e: MessageEvent) => void) | null; postMessage(m: unknown): void };
let tokenizer: Tokenizer | undefined;

scope.onmessage = async (e: MessageEvent<{ id: number; op: "load" | "count" | "plan"; arg: unknown }>) => {
  const { id, op, arg } = e.data;
  try {
    let value: unknown;
    if (op === "load") {
      tokenizer = await loadTokenizer(arg as string | undefined);
      value = tokenizer.name;
    } else if (op === "count") {
      value = tokenizer!.count(arg as string);
    } else {
      value = await planRun(arg as RunConfig, tokenizer!, {
        onProgress: (done, total) => scope.postMessage({ id, progress: { done, total } }),
      });
    }
    scope.postMessage({ id, ok: true, value });
  } catch (err) {
    const e = err as Error & { detail?: string; field?: string };
    scope.postMessage({ id, ok: false, name: e.name, message: e.message, detail: e.detail, field: e.field });
  }
};
