// The dependency rules of lib/ (lib/README.md), checked on the imports as written: a forbidden edge or a cycle between
// folders fails here, naming the files.
import assert from "node:assert/strict";

const LIB = new URL("../lib/", import.meta.url);

/** One import of a file in lib/: the folder (or top-level file) it comes from and goes to, and whether it is types only. */
interface Edge {
  file: string;
  from: string;
  to: string;
  typeOnly: boolean;
}

/** `lib/metrics/summary.ts` → `metrics`; a file at lib/'s top (`errors.ts`) is its own node. */
function area(path: string): string {
  const parts = path.split("/");
  return parts.length > 1 ? parts[0] : parts[0].replace(/\.ts$/, "");
}

/**
 * The local imports of a source text: static imports and re-exports (`import type` and all-`type` name lists are
 * types only), dynamic imports, and worker entry points (`new URL("./x.ts", import.meta.url)`).
 */
export function importsOf(source: string): { specifier: string; typeOnly: boolean }[] {
  const out: { specifier: string; typeOnly: boolean }[] = [];
  const statement = /^\s*(import|export)\s+(type\s+)?([^;]*?)\s+from\s+"([^"]+)"/gms;
  for (const m of source.matchAll(statement)) {
    const names = m[3].trim();
    const list = /^\{([\s\S]*)\}$/.exec(names)?.[1];
    const allTypes = list !== undefined && list.split(",").map((n) => n.trim()).filter(Boolean)
      .every((n) => n.startsWith("type "));
    out.push({ specifier: m[4], typeOnly: Boolean(m[2]) || allTypes });
  }
  for (const m of source.matchAll(/^\s*import\s+"([^"]+)"/gm)) out.push({ specifier: m[1], typeOnly: false });
  for (const m of source.matchAll(/import\(\s*"([^"]+)"\s*\)/g)) out.push({ specifier: m[1], typeOnly: false });
  for (const m of source.matchAll(/new URL\(\s*"([^"]+\.ts)"\s*,\s*import\.meta\.url\s*\)/g)) {
    out.push({ specifier: m[1], typeOnly: false });
  }
  return out.filter((i) => i.specifier.startsWith("."));
}

function libFiles(dir = LIB, prefix = ""): string[] {
  const files: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    if (e.isDirectory) files.push(...libFiles(new URL(`${e.name}/`, dir), `${prefix}${e.name}/`));
    else if (e.name.endsWith(".ts")) files.push(`${prefix}${e.name}`);
  }
  return files.sort();
}

function libEdges(): Edge[] {
  const edges: Edge[] = [];
  for (const file of libFiles()) {
    const source = Deno.readTextFileSync(new URL(file, LIB));
    for (const { specifier, typeOnly } of importsOf(source)) {
      if (specifier.endsWith(".json")) continue; // data (deno.json's version), not code
      const target = new URL(specifier, new URL(file, LIB)).pathname;
      assert.ok(target.startsWith(LIB.pathname), `${file} imports ${specifier}, outside lib/`);
      const to = area(target.slice(LIB.pathname.length));
      const from = area(file);
      if (from !== to) edges.push({ file, from, to, typeOnly });
    }
  }
  return edges;
}

/** The rules; each names what it forbids. */
export function violations(edges: readonly Edge[]): string[] {
  const bad: string[] = [];
  const say = (e: Edge, rule: string) => bad.push(`${e.file} → ${e.to}/: ${rule}`);
  for (const e of edges) {
    if (
      (e.from === "metrics" || e.from === "charts") && ["runner", "connectors", "cli"].includes(e.to) && !e.typeOnly
    ) {
      say(e, `${e.from} imports no runtime code of runner, connectors or cli`);
    }
    if (e.from === "connectors" && ["metrics", "charts", "runner", "cli"].includes(e.to)) {
      say(e, "connectors import nothing of metrics, charts, runner or cli");
    }
    if (e.to === "cli") say(e, "nothing under lib/ imports cli");
    if (e.from === "simulator" && e.to === "connectors") say(e, "the simulator imports nothing of connectors");
  }
  bad.push(...cycles(edges).map((c) => `folder cycle: ${c.join(" → ")}`));
  return bad;
}

/** Every cycle between folders (types included), each as the path that closes it. */
export function cycles(edges: readonly Pick<Edge, "from" | "to">[]): string[][] {
  const next = new Map<string, Set<string>>();
  for (const e of edges) (next.get(e.from) ?? next.set(e.from, new Set()).get(e.from)!).add(e.to);
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const visit = (node: string, path: string[]) => {
    state.set(node, "open");
    for (const to of next.get(node) ?? []) {
      if (state.get(to) === "open") found.push([...path.slice(path.indexOf(to)), node, to]);
      else if (!state.has(to)) visit(to, [...path, node]);
    }
    state.set(node, "done");
  };
  for (const node of [...next.keys()].sort()) if (!state.has(node)) visit(node, []);
  return found;
}

Deno.test("lib/ keeps its dependency rules: no forbidden edge, no cycle between folders", () => {
  const edges = libEdges();
  assert.ok(edges.length > 50, `the import scan found the imports (${edges.length})`);
  assert.deepEqual(violations(edges), []);
});

Deno.test("the dependency check catches what it forbids (a cycle, a runtime import, a type-only one allowed)", () => {
  const e = (from: string, to: string, typeOnly = false, file = `${from}/x.ts`) => ({ file, from, to, typeOnly });
  assert.deepEqual(cycles([e("a", "b"), e("b", "c"), e("c", "a")]), [["a", "b", "c", "a"]]);
  assert.deepEqual(cycles([e("a", "b"), e("b", "c")]), []);
  assert.deepEqual(violations([e("metrics", "connectors", true)]), []);
  assert.match(violations([e("metrics", "connectors")])[0], /metrics imports no runtime code/);
  assert.match(violations([e("simulator", "connectors", true)])[0], /the simulator imports nothing of connectors/);
  assert.match(violations([e("report", "cli")])[0], /nothing under lib\/ imports cli/);
  assert.match(violations([e("runner", "report"), e("report", "runner", true)])[0], /folder cycle/);
  assert.deepEqual(importsOf('import type { A } from "../x/a.ts";\nimport { type B, type C } from "./b.ts";'), [
    { specifier: "../x/a.ts", typeOnly: true },
    { specifier: "./b.ts", typeOnly: true },
  ]);
  assert.deepEqual(importsOf('import { type B, c } from "./b.ts";\nnew Worker(new URL("./_w.ts", import.meta.url));'), [
    { specifier: "./b.ts", typeOnly: false },
    { specifier: "./_w.ts", typeOnly: false },
  ]);
});

/** The code of a source text without its comments (lines that are only a comment, and `//` tails). */
function codeOf(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, "").split("\n").map((l) => l.replace(/\s\/\/.*$/, "")).join("\n");
}

/** What a metrics/ file must not do: read the process (`Deno.*`) or name a command-line flag. */
export function metricsViolations(file: string, source: string): string[] {
  const code = codeOf(source);
  const bad: string[] = [];
  if (/\bDeno\./.test(code)) bad.push(`${file}: reads Deno.* (metrics are pure functions of records)`);
  const flag = /["'`][^"'`\n]*?(--[a-z][a-z-]+)/.exec(code)?.[1];
  if (flag) bad.push(`${file}: names the flag ${flag} (only cli/ knows flag names)`);
  return bad;
}

Deno.test("metrics/ reads nothing of the process and names no flag", () => {
  const files = libFiles().filter((f) => f.startsWith("metrics/"));
  assert.ok(files.length > 5);
  assert.deepEqual(files.flatMap((f) => metricsViolations(f, Deno.readTextFileSync(new URL(f, LIB)))), []);
  // The check catches both, and leaves comments alone.
  assert.equal(metricsViolations("m.ts", "const v = Deno.version;").length, 1);
  assert.match(metricsViolations("m.ts", "notes.push(`set --ignore-eos`);")[0], /--ignore-eos/);
  assert.deepEqual(metricsViolations("m.ts", "/** set by `--slo` */\nconst a = 1; // Deno.env"), []);
});

/** The npm packages in an entry point's module graph, as `deno info` resolves it. */
async function npmPackagesOf(entry: string): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", new URL(`../${entry}`, import.meta.url).pathname],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  assert.ok(out.success, `deno info ${entry}`);
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as { modules: { specifier: string }[] };
  return info.modules.map((m) => m.specifier).filter((s) => s.startsWith("npm:"));
}

Deno.test("the core entry point loads neither jsdom nor Plot; the charts entry point does", async () => {
  const core = await npmPackagesOf("mod.ts");
  assert.ok(core.some((s) => s.includes("zod")), core.join(", "));
  assert.deepEqual(core.filter((s) => /jsdom|@observablehq\/plot/.test(s)), [], "mod.ts");
  const charts = await npmPackagesOf("lib/charts/mod.ts");
  assert.ok(charts.some((s) => s.includes("jsdom")) && charts.some((s) => s.includes("@observablehq/plot")));
});

Deno.test("test- and benchmark-only packages stay out of what a user's run installs (deno.json, deno.lock)", async () => {
  const root = new URL("../", import.meta.url);
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root))) as { imports: Record<string, string> };
  const runLock = JSON.parse(await Deno.readTextFile(new URL("deno.lock", root))) as { npm: Record<string, unknown> };
  const devLock = JSON.parse(await Deno.readTextFile(new URL("tests/deno.lock", root))) as {
    npm: Record<string, unknown>;
  };
  // Test and benchmark packages, and those only `deno task k8s` loads (kubernetes-models and its validators, yaml).
  const devOnly = /^(fast-check|pure-rand|undici|kubernetes-models|@kubernetes-models\/[\w-]+|yaml|ajv[\w-]*)@/;
  assert.deepEqual(Object.values(config.imports).filter((s) => devOnly.test(s.replace(/^npm:/, ""))), []);
  assert.deepEqual(Object.keys(runLock.npm).filter((k) => devOnly.test(k)), [], "deno.lock");
  // The tests lock the run's packages at the same versions (they test what a user runs) plus their own.
  const missing = Object.keys(runLock.npm).filter((k) => !(k in devLock.npm));
  assert.deepEqual(missing, [], "tests/deno.lock lacks packages of deno.lock");
  assert.ok(Object.keys(devLock.npm).some((k) => k.startsWith("fast-check@")), "tests/deno.lock has fast-check");
});
