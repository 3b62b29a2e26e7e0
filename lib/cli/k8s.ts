/**
 * `deno task k8s --shards N --image IMAGE [--secret NAME] -- <bench flags>`: the Kubernetes manifests of one run
 * spread over N pods (README "Load beyond one machine"): a results volume, an Indexed Job whose pods are the shards
 * (`completionMode: Indexed`, parallelism = completions = N, spread across nodes, the API key from a Secret, one common
 * --start-at), and a merge Job that waits for the N shard summaries on the volume and merges them. Built as typed
 * objects validated against the Kubernetes schema (kubernetes-models), written as YAML.
 * @module
 */
import { resolve } from "node:path";
import { resolveBenchConfig } from "./args.ts";
import { cliMessage } from "./flags.ts";
import { ConfigError } from "../errors.ts";
import { startAtEpochMs } from "../config/schema.ts";
import { formatFlagRows, helpWidth } from "./help.ts";
import { fail, parseTaskArgs } from "./task.ts";
import { paint, wantsColour } from "./style.ts";
import "./_quiet_deprecations.ts"; // before the packages: one of theirs imports node:punycode
import { Job, PersistentVolumeClaim, stringify } from "./_k8s_deps.ts";

function help(): string {
  return [
    "deno task k8s --shards N --image IMAGE [flags] -- <deno task bench flags>",
    "",
    "Writes the Kubernetes manifests of one run over N pods: a PersistentVolumeClaim for the results, an Indexed Job of",
    "N pods (each `deno task bench <flags> --shards N`, its shard index from JOB_COMPLETION_INDEX, all starting at one",
    "--start-at), and a merge Job that waits until the N shard summaries are on the volume, then runs `deno task merge`.",
    "Apply them with kubectl apply -f FILE; the merged run is in /results/<name>-<start>/merged on the volume.",
    "",
    "Flags:",
    ...formatFlagRows([
      ["--shards N", "pods (shards) of the run"],
      ["--image IMAGE", "the llm-bench image (deploy/Dockerfile), e.g. registry.example.com/llm-bench:0.1.0"],
      [
        "--secret NAME",
        "a Secret with key api-key: the endpoint's API key, as the pods' OPENAI_API_KEY (or SAMBANOVA_/SAMBASTUDIO_)",
      ],
      ["--name NAME", "name of the Job, its run id and results folder (default llm-bench)"],
      ["--namespace NS", "namespace of every object (default: the one kubectl uses)"],
      ["--start-in SECONDS", "the common start, this long after the manifests are written (default 180)"],
      ["--start-at TIME", "or an exact common start (ISO 8601 or epoch ms)"],
      ["--storage SIZE", "size of the results volume (default 1Gi)"],
      ["--storage-class NAME", "storage class of the volume (ReadWriteMany; default: the cluster's default)"],
      ["--cpu CORES", "CPU each pod requests (default 1)"],
      ["--output FILE", "write there instead of standard output"],
      ["-h, --help", "show this help"],
      ["--version", "print llm-bench's and Deno's versions"],
    ], helpWidth()),
    "",
    "The start time is fixed when the manifests are written: apply them within --start-in seconds, or write them again.",
    "The nodes' clocks are assumed NTP-synchronised; every shard records how late it started, and the merge notes",
    "shards that started far apart.",
    "",
    "Exit codes: 0 written, 2 bad input (a bad flag, or bench flags that would not make a valid run).",
  ].join("\n");
}

const KEY_VARS: Record<string, string> = {
  openai: "OPENAI_API_KEY",
  sambanova: "SAMBANOVA_API_KEY",
  sambastudio: "SAMBASTUDIO_API_KEY",
};

/** What the manifests are made from. */
export interface K8sOptions {
  name: string;
  namespace?: string;
  shards: number;
  image: string;
  secret?: string;
  startAtIso: string;
  storage: string;
  storageClass?: string;
  cpu: string;
  /** The bench flags of every shard (without --shards, --shard-index, --start-at, --run-id, --results-dir). */
  benchArgs: string[];
  /** The API the bench flags name (for the key's variable). */
  llmApi: string;
}

/** The manifests as validated objects: the results volume, the Indexed Job of the shards, the merge Job. */
export function manifests(o: K8sOptions): [PersistentVolumeClaim, Job, Job] {
  const meta = (name: string) => ({
    name,
    ...(o.namespace ? { namespace: o.namespace } : {}),
    labels: { "app.kubernetes.io/name": "llm-bench", "llm-bench/run": o.name },
  });
  const claim = `${o.name}-results`;
  // One folder per run (its id has the start time): a second run of the same name never mixes with the first.
  const runId = `${o.name}-${o.startAtIso.replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}`;
  const dir = `/results/${runId}`;
  const volume = { name: "results", persistentVolumeClaim: { claimName: claim } };
  const mount = { name: "results", mountPath: "/results" };
  const security = {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" as const },
  };
  const keyVar = KEY_VARS[o.llmApi];
  const env = o.secret && keyVar
    ? [{ name: keyVar, valueFrom: { secretKeyRef: { name: o.secret, key: "api-key" } } }]
    : [];
  const pvc = new PersistentVolumeClaim({
    metadata: meta(claim),
    spec: {
      accessModes: ["ReadWriteMany"],
      resources: { requests: { storage: o.storage } },
      ...(o.storageClass ? { storageClassName: o.storageClass } : {}),
    },
  });
  const shards = new Job({
    metadata: meta(o.name),
    spec: {
      completionMode: "Indexed",
      completions: o.shards,
      parallelism: o.shards,
      // A shard that fails is not retried: a retry would start after the common start, and its requests would repeat.
      backoffLimitPerIndex: 0,
      maxFailedIndexes: o.shards,
      template: {
        metadata: { labels: { "app.kubernetes.io/name": "llm-bench", "llm-bench/run": o.name } },
        spec: {
          restartPolicy: "Never",
          securityContext: { runAsNonRoot: true, fsGroup: 1993 },
          // One shard per node where the cluster has the nodes (more load than one machine makes is the point).
          topologySpreadConstraints: [{
            maxSkew: 1,
            topologyKey: "kubernetes.io/hostname",
            whenUnsatisfiable: "ScheduleAnyway",
            labelSelector: { matchLabels: { "llm-bench/run": o.name } },
          }],
          containers: [{
            name: "shard",
            image: o.image,
            args: [
              "bench",
              ...o.benchArgs,
              "--shards",
              String(o.shards),
              "--start-at",
              o.startAtIso,
              "--run-id",
              runId,
              "--results-dir",
              dir,
            ],
            env: [...env, { name: "NO_COLOR", value: "1" }],
            resources: { requests: { cpu: o.cpu, memory: "512Mi" } },
            securityContext: security,
            volumeMounts: [mount],
          }],
          volumes: [volume],
        },
      },
    },
  });
  // $$( is how a literal $( is written in a Kubernetes args string (it expands $(VAR) itself).
  const wait = `until [ "$$(ls ${dir}/*_shard*of${o.shards}_summary.json 2>/dev/null | wc -l)" -ge ${o.shards} ]; ` +
    `do echo "waiting for ${o.shards} shard summaries in ${dir}"; sleep 10; done; ` +
    `exec deno task merge ${dir} --results-dir ${dir}/merged`;
  const merge = new Job({
    metadata: meta(`${o.name}-merge`),
    spec: {
      backoffLimit: 2,
      // Gives up a day after it was created: a shard that never finished leaves it waiting otherwise.
      activeDeadlineSeconds: 86_400,
      template: {
        metadata: { labels: { "app.kubernetes.io/name": "llm-bench", "llm-bench/run": o.name } },
        spec: {
          restartPolicy: "Never",
          securityContext: { runAsNonRoot: true, fsGroup: 1993 },
          containers: [{
            name: "merge",
            image: o.image,
            command: ["sh", "-c"],
            args: [wait],
            env: [{ name: "NO_COLOR", value: "1" }],
            resources: { requests: { cpu: "250m", memory: "512Mi" } },
            securityContext: security,
            volumeMounts: [mount],
          }],
          volumes: [volume],
        },
      },
    },
  });
  for (const m of [pvc, shards, merge]) m.validate();
  return [pvc, shards, merge];
}

/** The manifests as one YAML stream (documents separated by ---), with a header saying how they were made. */
export function manifestsYaml(o: K8sOptions): string {
  const head = `# llm-bench: run "${o.name}" over ${o.shards} pods, common start ${o.startAtIso}.\n` +
    `# Written by deno task k8s; apply with: kubectl apply -f <this file>\n`;
  return head + manifests(o).map((m) => stringify(m.toJSON())).join("---\n");
}

const RESERVED = ["--shards", "--shard-index", "--start-at", "--run-id", "--results-dir"];

export async function main(argv: string[]): Promise<number> {
  const dash = argv.indexOf("--");
  const own = dash < 0 ? argv : argv.slice(0, dash);
  const benchArgs = dash < 0 ? [] : argv.slice(dash + 1);
  const parsed = parseTaskArgs(
    "k8s",
    own,
    {
      shards: { type: "string" },
      image: { type: "string" },
      secret: { type: "string" },
      name: { type: "string", default: "llm-bench" },
      namespace: { type: "string" },
      "start-in": { type: "string", default: "180" },
      "start-at": { type: "string" },
      storage: { type: "string", default: "1Gi" },
      "storage-class": { type: "string" },
      cpu: { type: "string", default: "1" },
      output: { type: "string" },
    },
    help,
    false,
  );
  if (typeof parsed === "number") return parsed;
  const f = parsed.values;
  const shards = Number(f.shards);
  if (f.shards === undefined || !Number.isInteger(shards) || shards < 1 || shards > 10_000) {
    return fail(
      `--shards: expected a whole number of pods, 1 to 10000 (got ${
        f.shards === undefined ? "none" : `"${f.shards}"`
      })`,
    );
  }
  if (!f.image) return fail("--image: required: the llm-bench image to run (build it from deploy/Dockerfile)");
  if (!/^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$/.test(f.name!)) {
    return fail(`--name: expected lower-case letters, digits and '-' (a Kubernetes name, at most 42), got "${f.name}"`);
  }
  const reserved = benchArgs.find((a) => RESERVED.includes(a.split("=")[0]));
  if (reserved) return fail(`${reserved}: set by deno task k8s for every pod; leave it out of the bench flags`);
  let startAt: number;
  if (f["start-at"] !== undefined) {
    startAt = startAtEpochMs(f["start-at"]);
    if (!Number.isFinite(startAt)) return fail(`--start-at: expected ISO 8601 or epoch ms (got "${f["start-at"]}")`);
  } else {
    const inS = Number(f["start-in"]);
    if (!Number.isFinite(inS) || inS < 10) return fail(`--start-in: expected seconds ≥ 10 (got "${f["start-in"]}")`);
    startAt = Date.now() + inS * 1000;
  }
  // The pods' flags must make a valid run: checked here, before anything is written (shard 0 stands for all).
  let llmApi: string;
  try {
    const plan = resolveBenchConfig([
      ...benchArgs,
      "--shards",
      String(shards),
      "--shard-index",
      "0",
      "--start-at",
      String(startAt),
      "--run-id",
      f.name!,
    ], {});
    if (!("config" in plan) || !plan.config) return fail("the bench flags ask for help or the version, not a run");
    if (plan.config.llmApi === "sim") {
      console.error(
        paint(
          "note: no endpoint in the bench flags: every pod runs its own SIMULATED endpoint",
          "warn",
          wantsColour(Deno.stderr),
        ),
      );
    }
    llmApi = plan.config.llmApi;
  } catch (e) {
    if (e instanceof ConfigError) return fail(cliMessage(e));
    throw e;
  }
  if (f.secret && !KEY_VARS[llmApi]) return fail(`--secret: the ${llmApi} endpoint takes no API key`);
  const yaml = manifestsYaml({
    name: f.name!,
    namespace: f.namespace,
    shards,
    image: f.image,
    secret: f.secret,
    startAtIso: new Date(startAt).toISOString(),
    storage: f.storage!,
    storageClass: f["storage-class"],
    cpu: f.cpu!,
    benchArgs,
    llmApi,
  });
  if (f.output) {
    const path = resolve(Deno.env.get("INIT_CWD") ?? Deno.cwd(), f.output);
    await Deno.writeTextFile(path, yaml);
    console.error(`Manifests: ${path} (common start ${new Date(startAt).toISOString()})`);
  } else console.log(yaml);
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
