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
