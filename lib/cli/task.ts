/**
 * What the smaller tasks (compare, export, merge, k8s) share: one red `error:` line and exit 2 for bad input, and their
 * flags parsed with `--help` and `--version` answered.
 * @module
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { fitHelp, versionText } from "./help.ts";
import { paint, wantsColour } from "./style.ts";

/** Prints `error: <message>` (red on a terminal) and returns exit code 2. */
export function fail(message: string): number {
  console.error(paint(`error: ${message}`, "bad", wantsColour(Deno.stderr)));
  return 2;
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * Parses a task's flags (with `-h/--help` and `--version` added). Returns the exit code when that is all there is to
 * do — help or version printed (0), or a bad flag said in one line (2) — else the flags and positionals.
 */
export function parseTaskArgs<O extends Options>(
  task: string,
  argv: string[],
  options: O,
  help: () => string,
  allowPositionals = true,
) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals,
      options: { ...options, help: { type: "boolean", short: "h" }, version: { type: "boolean" } },
    });
  } catch (e) {
    // Node's own hint about "--" does not help here: say which task's --help to read.
    return fail(
      `${(e as Error).message.split("\n")[0].replace(/\. To specify .*$/, "")} (see deno task ${task} --help)`,
    );
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.version) {
    console.log(versionText());
    return 0;
  }
  if (values.help) {
    console.log(fitHelp(help()));
    return 0;
  }
  return parsed;
}
