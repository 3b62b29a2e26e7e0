/**
 * `llm-bench`, the command `deno task install` puts on the PATH: the tasks as subcommands (`llm-bench bench …`,
 * `llm-bench compare …`), each run exactly as its `deno task` runs it, in the folder you run it from.
 * @module
 */
import { fitHelp, versionText } from "./help.ts";

/** The subcommands: what each does, and the module whose `main(argv)` runs it. */
export const SUBCOMMANDS: Record<
  string,
  { about: string; load: () => Promise<{ main(argv: string[]): Promise<number> }> }
> = {
  bench: {
    about: "run a benchmark (the simulated endpoint unless one is configured)",
    load: () => import("./bench.ts"),
  },
  chat: { about: "talk to a model and see each answer's metrics", load: () => import("./chat.ts") },
  compare: { about: "compare runs: differences with 95 % intervals, a CI gate", load: () => import("./compare.ts") },
  summarize: { about: "rebuild a run's summary and report from its records", load: () => import("./summarize.ts") },
  export: { about: "runs as CSV (records or summaries)", load: () => import("./export.ts") },
  merge: { about: "merge the shards of a run into one", load: () => import("./merge.ts") },
  k8s: { about: "a Kubernetes Indexed Job that runs a sharded benchmark", load: () => import("./k8s.ts") },
  sim: { about: "serve the SIMULATED OpenAI-compatible endpoint", load: () => import("./sim.ts") },
  selftest: {
    about: "measure the client's own accuracy against an exact simulator",
    load: () => import("./selftest.ts"),
  },
  render: { about: "execute and render the notebooks to HTML", load: () => import("../notebook/render.ts") },
};

/** `llm-bench --help`. */
export function mainHelp(): string {
  const w = Math.max(...Object.keys(SUBCOMMANDS).map((k) => k.length));
  return [
    "llm-bench — benchmark LLM inference endpoints",
    "",
    "Usage: llm-bench COMMAND [flags]        (llm-bench COMMAND --help: its flags)",
    "",
    "Commands:",
    ...Object.entries(SUBCOMMANDS).map(([name, { about }]) => `  ${name.padEnd(w)}  ${about}`),
    "",
    "Each is the `deno task` of the same name, run in the current folder: .env and data/results are this folder's.",
    "  llm-bench bench --num-concurrent-requests 16 --max-num-completed-requests 200",
    "  llm-bench compare data/results/<baseline>_summary.json data/results/<candidate>_summary.json",
  ].join("\n");
}

/** Runs `llm-bench ARGV…`; returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "-h" || command === "--help" || command === "help") {
    console.log(fitHelp(mainHelp()));
    return command === undefined ? 2 : 0;
  }
  if (command === "--version" || command === "-V") {
    console.log(versionText());
    return 0;
  }
  const sub = SUBCOMMANDS[command];
  if (!sub) {
    console.error(`error: no command '${command}'; the commands are ${Object.keys(SUBCOMMANDS).join(", ")}`);
    return 2;
  }
  return await (await sub.load()).main(rest);
}

if (import.meta.main) Deno.exit(await main(Deno.args));
