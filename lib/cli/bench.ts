/**
 * `deno task bench`: runs one benchmark from command-line flags and prints the summary.
 * @module
 */
import { loadEnv } from "../config/mod.ts";
import { ConfigError } from "../errors.ts";
import { formatSummaryTable } from "../report/summary_table.ts";
import { benchmark } from "../runner/benchmark.ts";
import { benchHelp, resolveBenchConfig } from "./args.ts";
import { createProgressView } from "./progress.ts";

const err = (s: string) => console.error(s);

/** Runs the CLI; returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let input;
  try {
    const resolved = resolveBenchConfig(argv, loadEnv());
    if (resolved.help) {
      console.log(benchHelp());
      return 0;
    }
    input = resolved.input;
  } catch (e) {
    if (e instanceof ConfigError) {
      err(`error: ${e.message}`);
      return 2;
    }
    throw e;
  }

  const stop = new AbortController();
  let signalled: "SIGINT" | "SIGTERM" | undefined;
  const onSignal = (sig: "SIGINT" | "SIGTERM") => () => {
    if (signalled) Deno.exit(sig === "SIGINT" ? 130 : 143); // a second signal: leave now
    signalled = sig;
    err(`\n${sig}: stopping — aborting requests in flight and writing the summary (again to quit at once)`);
    stop.abort(new DOMException(`stopped by ${sig}`, "AbortError"));
  };
  const handlers = { SIGINT: onSignal("SIGINT"), SIGTERM: onSignal("SIGTERM") } as const;
  for (const [sig, h] of Object.entries(handlers)) Deno.addSignalListener(sig as Deno.Signal, h);

  const progress = createProgressView();
  try {
    err("Preparing: loading the tokenizer and drawing the requests…");
    const result = await benchmark(input, {
      signal: stop.signal,
      onStart(s) {
        if (s.endpoint.simulated) {
          err(
            "*** SIMULATED ENDPOINT: no endpoint configured, so llm-bench started its built-in simulator on " +
              `${s.endpoint.url}. The numbers below describe the simulator, not a model server. ***`,
          );
          err("    (point it at a real server with --base-url URL --model NAME, or OPENAI_API_BASE in .env)");
        }
        err(
          `Running ${s.requests} requests, ${s.config.numConcurrentRequests} at a time, against ` +
            `${s.endpoint.api} ${s.endpoint.url} (model ${s.endpoint.model}); tokenizer ${s.tokenizer}`,
        );
      },
      onProgress: (p) => progress.update(p),
    });
    progress.done();
    console.log("");
    console.log(formatSummaryTable(result.summary));
    if (result.files) {
      console.log("");
      console.log(`Records: ${result.files.records}`);
      console.log(`Summary: ${result.files.summary}`);
      console.log(`Report:  ${result.files.report}`);
    }
    if (signalled) return signalled === "SIGINT" ? 130 : 143;
    if (result.summary.run.requestsSucceeded === 0) {
      err("error: no request succeeded — see the error codes above and the records file");
      return 1;
    }
    return 0;
  } catch (e) {
    progress.done();
    if (e instanceof ConfigError) {
      err(`error: ${e.message}`);
      return 2;
    }
    err(`error: ${(e as Error).message}`);
    return 1;
  } finally {
    for (const [sig, h] of Object.entries(handlers)) Deno.removeSignalListener(sig as Deno.Signal, h);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
