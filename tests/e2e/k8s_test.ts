// `deno task k8s` as a user runs it: the manifests of a run over N pods, validated against the Kubernetes schema
// (kubernetes-models), the pods' flags a valid run for every index, the committed example valid, bad input refused.
import assert from "node:assert/strict";
import "../../lib/cli/_quiet_deprecations.ts"; // as deno task k8s: a dependency imports node:punycode
import { Job, parseAllDocuments, PersistentVolumeClaim } from "../../lib/cli/_k8s_deps.ts";
import { resolveBenchConfig } from "../../lib/cli/args.ts";
import { runTask } from "../_helpers.ts";

const root = new URL("../../", import.meta.url).pathname;

const k8s = (args: string[]) => runTask("k8s", args);

// deno-lint-ignore no-explicit-any
type Doc = any;

function validated(yaml: string): Doc[] {
  const docs = parseAllDocuments(yaml).map((d: { toJSON(): unknown }) => d.toJSON() as Doc);
  for (const d of docs) {
    const model = d.kind === "Job"
      ? new Job(d)
      : d.kind === "PersistentVolumeClaim"
      ? new PersistentVolumeClaim(d)
      : null;
    assert.ok(model, `unexpected kind ${d.kind}`);
    model.validate(); // throws on anything the Kubernetes schema refuses
  }
  return docs;
}

Deno.test("deno task k8s: an Indexed Job of N shard pods, a results volume and a merge Job, valid Kubernetes", async () => {
  const out = await k8s([
    "--shards",
    "3",
    "--image",
    "registry.example.com/llm-bench:0.1.0",
    "--secret",
    "endpoint-key",
    "--start-in",
    "120",
    "--",
    "--base-url",
    "http://vllm.serving.svc:8000/v1",
    "--model",
    "m",
    "--max-num-completed-requests",
    "300",
    "--num-concurrent-requests",
    "48",
  ]);
  assert.equal(out.code, 0, out.stderr);
  assert.doesNotMatch(out.stderr, /DeprecationWarning/);
  const docs = validated(out.stdout);
  assert.deepEqual(docs.map((d) => d.kind), ["PersistentVolumeClaim", "Job", "Job"]);
  const [pvc, job, merge] = docs;
  assert.deepEqual(pvc.spec.accessModes, ["ReadWriteMany"]);
  assert.equal(job.spec.completionMode, "Indexed");
  assert.equal(job.spec.parallelism, 3);
  assert.equal(job.spec.completions, 3);
  const pod = job.spec.template.spec;
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.equal(pod.topologySpreadConstraints[0].topologyKey, "kubernetes.io/hostname");
  const c = pod.containers[0];
  assert.deepEqual(c.env[0], {
    name: "OPENAI_API_KEY",
    valueFrom: { secretKeyRef: { name: "endpoint-key", key: "api-key" } },
  });
  assert.ok(
    !out.stdout.includes("api-key:") || out.stdout.includes("key: api-key"),
    "the key's value is never in the manifest",
  );
  assert.equal(c.args[0], "bench");
  // Every pod's flags make a valid shard of one run, its index from JOB_COMPLETION_INDEX.
  for (const index of [0, 1, 2]) {
    const plan = resolveBenchConfig(c.args.slice(1), { JOB_COMPLETION_INDEX: String(index), OPENAI_API_KEY: "k" });
    assert.ok("config" in plan && plan.config);
    assert.equal(plan.config.shards, 3);
    assert.equal(plan.config.shardIndex, index);
    assert.match(String(plan.config.runId), /^llm-bench-\d{8}T\d{6}Z$/);
  }
  assert.match(
    merge.spec.template.spec.containers[0].args[0],
    /-ge 3 \]; .*exec deno task merge \/results\/llm-bench-\d{8}T\d{6}Z/,
  );
});

Deno.test("the committed example under deploy/kubernetes/ is valid Kubernetes", async () => {
  const docs = validated(await Deno.readTextFile(`${root}deploy/kubernetes/example.yaml`));
  assert.deepEqual(docs.map((d) => d.kind), ["PersistentVolumeClaim", "Job", "Job"]);
  // And validation does refuse what Kubernetes refuses.
  const bad = new Job({ metadata: { name: "x" }, spec: { completions: "three" as unknown as number, template: {} } });
  assert.throws(() => bad.validate(), /completions must be integer/);
});

Deno.test("deno task k8s: bad input is one line, exit 2, nothing written", async () => {
  const cases: [string[], RegExp][] = [
    [["--shards", "3", "--", "--model", "m"], /error: --image: required/],
    [["--shards", "zero", "--image", "i"], /error: --shards: expected a whole number of pods/],
    [["--shards", "2", "--image", "i", "--", "--shard-index", "1"], /error: --shard-index: set by deno task k8s/],
    [
      ["--shards", "2", "--image", "i", "--", "--num-concurrent-requests", "0"],
      /error: .*--num-concurrent-requests: must be ≥ 1/,
    ],
    [
      ["--shards", "4", "--image", "i", "--", "--num-concurrent-requests", "2"],
      /error: .*--num-concurrent-requests: must be ≥ --shards \(4\)/,
    ],
    [["--shards", "2", "--image", "i", "--name", "Bad_Name"], /error: --name: expected lower-case letters/],
  ];
  for (const [args, want] of cases) {
    const out = await k8s(args);
    assert.equal(out.code, 2, `${args.join(" ")}: ${out.stderr}`);
    assert.equal(out.stdout, "");
    assert.match(out.stderr, want);
  }
});
