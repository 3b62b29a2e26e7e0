/**
 * Giving the client and the endpoint cores of their own for a measurement (`deno task selftest --cpus`): on a machine
 * with few cores, the simulated endpoint in another process and the client otherwise take turns on the same cores, and
 * each one's work — a burst of requests, a garbage collection — holds the other's timestamps up by milliseconds (the
 * figures are in README "How accurate is it"). Linux only, with `taskset` (util-linux); elsewhere nothing is pinned.
 * @module
 */

/** Which CPUs the client and the endpoint run on, as `taskset` lists (e.g. "0" and "1", or "0-5" and "6,7"). */
export interface CpuSplit {
  client: string;
  endpoint: string;
}

/** The CPUs this process may run on (Linux: `Cpus_allowed_list`), or undefined where that cannot be read. */
export async function allowedCpus(): Promise<number[] | undefined> {
  try {
    const status = await Deno.readTextFile("/proc/self/status");
    const list = /^Cpus_allowed_list:\s*(\S+)/m.exec(status)?.[1];
    return list === undefined ? undefined : parseCpuList(list);
  } catch {
    return undefined;
  }
}

/** A `taskset`-style CPU list ("0-3,6") as CPU numbers; throws a one-line error for anything else. */
export function parseCpuList(list: string): number[] {
  const cpus: number[] = [];
  for (const part of list.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new TypeError(`not a CPU list: ${JSON.stringify(list)} (write e.g. 0-3,6)`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) throw new TypeError(`not a CPU list: ${JSON.stringify(list)} (a range runs upwards, e.g. 0-3)`);
    for (let c = from; c <= to; c++) cpus.push(c);
  }
  return cpus;
}

/** Splits `cpus` between the client (the lower half, at least one) and the endpoint (the rest, at least one). */
export function splitCpus(cpus: readonly number[]): CpuSplit | undefined {
  if (cpus.length < 2) return undefined;
  const half = Math.ceil(cpus.length / 2);
  return { client: cpus.slice(0, half).join(","), endpoint: cpus.slice(half).join(",") };
}

/** Whether `taskset` can be run here. */
export async function hasTaskset(): Promise<boolean> {
  try {
    const out = await new Deno.Command("taskset", { args: ["--version"], stdout: "null", stderr: "null" }).output();
    return out.success;
  } catch {
    return false;
  }
}

/** Pins every thread of this process to `cpus` (threads started later inherit it); false when `taskset` failed. */
export async function pinThisProcess(cpus: string): Promise<boolean> {
  try {
    const out = await new Deno.Command("taskset", {
      args: ["-a", "-cp", cpus, String(Deno.pid)],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } catch {
    return false;
  }
}

/**
 * The split `--cpus` asks for: `auto` (this machine's allowed CPUs halved, when there are two or more and `taskset`
 * is here), `off`, or `CLIENT:ENDPOINT` lists (e.g. `0:1`). Returns the split (undefined: nothing pinned) and why.
 */
export async function chooseCpus(spec: string): Promise<{ split?: CpuSplit; why: string }> {
  if (spec === "off") return { why: "not pinned (--cpus off)" };
  if (spec !== "auto") {
    const m = /^([^:]+):([^:]+)$/.exec(spec);
    if (!m) throw new TypeError(`--cpus: expected auto, off or CLIENT:ENDPOINT CPU lists such as 0:1 (got ${spec})`);
    parseCpuList(m[1]);
    parseCpuList(m[2]);
    if (!await hasTaskset()) throw new TypeError("--cpus: taskset (util-linux) is not installed here");
    return { split: { client: m[1], endpoint: m[2] }, why: "as asked (--cpus)" };
  }
  const cpus = await allowedCpus();
  if (!cpus) return { why: "not pinned (no CPU list on this system)" };
  const split = splitCpus(cpus);
  if (!split) return { why: `not pinned (one CPU)` };
  if (!await hasTaskset()) return { why: "not pinned (taskset, from util-linux, is not installed)" };
  return { split, why: "cores of their own (--cpus auto; --cpus off to share them)" };
}

/**
 * Chooses the split `spec` asks for (see {@link chooseCpus}) and pins this process to the client's part; resolves with
 * the endpoint's CPUs (undefined: not pinned) and a line saying where each runs. Throws a one-line error for a bad
 * `spec` or a pin that failed.
 */
export async function pinForMeasurement(spec = "auto"): Promise<{ endpointCpus?: string; line: string }> {
  const { split, why } = await chooseCpus(spec);
  if (!split) return { line: `client and endpoint share this machine's CPUs — ${why}` };
  if (!await pinThisProcess(split.client)) {
    throw new TypeError(`--cpus: taskset could not pin this process to CPU ${split.client}`);
  }
  return {
    endpointCpus: split.endpoint,
    line: `client on CPU ${split.client}, endpoint on CPU ${split.endpoint} — ${why}`,
  };
}
