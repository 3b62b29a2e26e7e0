// Entry point of the simulator's worker (see worker.ts).
import { loadCorpus, loadCorpusTable } from "../sampler/corpus.ts";
import { loadTokenizer } from "../sampler/tokenizer.ts";
import { type SimServer, startSimServer } from "./server.ts";
import type { SimWorkerOptions } from "./worker.ts";

const scope = self as unknown as {
  onmessage: ((e: MessageEvent) => void) | null;
  postMessage(m: unknown): void;
};
let server: SimServer | undefined;

scope.onmessage = async (e: MessageEvent<{ type: "start"; options: SimWorkerOptions } | { type: "close" }>) => {
  if (e.data.type === "start") {
    try {
      const { options } = e.data;
      // With the bundled tokenizer, its table of the corpus: no tokenizer to load (seconds, hundreds of megabytes).
      const text = options.tokenizerPath === undefined
        ? { table: await loadCorpusTable() }
        : { tokenizer: await loadTokenizer(options.tokenizerPath), corpus: await loadCorpus() };
      server = startSimServer({ params: options.params, ...text, apiKey: options.apiKey });
      scope.postMessage({ type: "ready", baseUrl: server.baseUrl });
    } catch (err) {
      scope.postMessage({ type: "error", message: (err as Error).message });
    }
  } else {
    await server?.close();
    scope.postMessage({ type: "closed" });
  }
};
