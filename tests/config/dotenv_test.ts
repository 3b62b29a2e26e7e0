import assert from "node:assert/strict";
import { loadEnv, parseDotenv } from "../../lib/config/dotenv.ts";

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
