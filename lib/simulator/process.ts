/** A simulated endpoint running as a separate process (`deno task sim`). */
export interface SimProcess {
  /** e.g. `http://127.0.0.1:41234`; the OpenAI base URL is `${origin}/v1`. */
  readonly origin: string;
  /** Its process id. */
  readonly pid: number;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts `lib/cli/sim.ts` in its own process on a free port (extra flags: `--params`, `--api-key`, `--log-chunks`)
 * and resolves once it listens — for measuring the client without sharing its process. `cpus` (a `taskset` CPU list,
 * Linux) keeps it on those CPUs; `v8Flags` go to its V8.
 */
export async function spawnSimProcess(
  args: string[] = [],
  options: { cpus?: string; v8Flags?: string[] } = {},
): Promise<SimProcess> {
  const root = new URL("../../", import.meta.url).pathname;
  const v8 = options.v8Flags?.length ? [`--v8-flags=${options.v8Flags.join(",")}`] : [];
  const deno = ["run", "-A", ...v8, `--config=${root}deno.json`, `${root}lib/cli/sim.ts`, "--port", "0", ...args];
  const child = new Deno.Command(options.cpus ? "taskset" : Deno.execPath(), {
    args: options.cpus ? ["-c", options.cpus, Deno.execPath(), ...deno] : deno,
    stdout: "piped",
    stderr: "inherit",
    env: { NO_COLOR: "1" },
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let banner = "";
  while (!/http:\/\/127\.0\.0\.1:\d+\/v1/.test(banner)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the simulated endpoint did not start: ${banner}`);
    banner += value;
  }
  // Whatever it prints later is read and dropped, so a full pipe never blocks it.
  const draining = (async () => {
    while (!(await reader.read()).done);
  })().catch(() => {});
  const stop = async () => {
    child.kill("SIGTERM");
    await child.status;
    await reader.cancel().catch(() => {});
    await draining;
  };
  return {
    origin: /(http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(banner)![1],
    pid: child.pid,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
