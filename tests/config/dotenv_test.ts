import assert from "node:assert/strict";
import { loadEnv, loadEnvFiles, parseDotenv } from "../../lib/config/dotenv.ts";

Deno.test("parseDotenv() takes comments, export, quotes and inline comments", () => {
  const env = parseDotenv(`# comment
OPENAI_API_BASE=http://127.0.0.1:8000/v1
export OPENAI_API_KEY="sk-abc def"
SINGLE='x # not a comment'
PLAIN=value # a comment
EMPTY=
not a line
`);
  assert.deepEqual(env, {
    OPENAI_API_BASE: "http://127.0.0.1:8000/v1",
    OPENAI_API_KEY: "sk-abc def",
    SINGLE: "x # not a comment",
    PLAIN: "value",
    EMPTY: "",
  });
});

Deno.test("loadEnv() lets process variables win over .env", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/.env`, "A=file\nB=file\n");
  assert.deepEqual(loadEnv({ cwd: dir, env: { A: "process" } }), { A: "process", B: "file" });
  assert.deepEqual(loadEnv({ cwd: `${dir}/none`, env: { C: "1" } }), { C: "1" });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("loadEnvFiles() reads .env where the user ran from (INIT_CWD) over the project's; the environment wins", async () => {
  const root = await Deno.makeTempDir();
  const sub = `${root}/sub`;
  await Deno.mkdir(sub);
  await Deno.writeTextFile(`${root}/.env`, "OPENAI_API_BASE=http://root/v1\nONLY_ROOT=1\n");
  await Deno.writeTextFile(`${sub}/.env`, "OPENAI_API_BASE=http://sub/v1\n");
  const loaded = loadEnvFiles({ cwd: root, env: { INIT_CWD: sub } });
  assert.equal(loaded.env.OPENAI_API_BASE, "http://sub/v1", "the folder the user ran from first");
  assert.equal(loaded.env.ONLY_ROOT, "1", "then the project's");
  assert.deepEqual(loaded.files, [`${sub}/.env`, `${root}/.env`]);
  assert.equal(
    loadEnvFiles({ cwd: root, env: { INIT_CWD: sub, OPENAI_API_BASE: "http://env/v1" } }).env.OPENAI_API_BASE,
    "http://env/v1",
  );
  assert.deepEqual(loadEnvFiles({ cwd: sub, env: {} }).files, [`${sub}/.env`], "without INIT_CWD: the working folder");
});

Deno.test("loadEnvFiles() names the lines of a .env that are not KEY=value, without their values", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/.env`, "# fine\nOPENAI_API_BASE: http://h/v1\n\nOPENAI_API_KEY sk-secret-9\nOK=1\n");
  const loaded = loadEnvFiles({ cwd: dir, env: {} });
  assert.deepEqual(loaded.env, { OK: "1" });
  assert.equal(loaded.warnings.length, 2);
  assert.match(loaded.warnings[0], new RegExp(`^${dir}/\\.env:2: not KEY=value \\(it starts OPENAI_API_BASE\\)`));
  assert.match(loaded.warnings[1], /\.env:4: not KEY=value \(it starts OPENAI_API_KEY\)/);
  assert.ok(!loaded.warnings.join("").includes("sk-secret-9"));
});
