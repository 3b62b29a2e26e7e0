import assert from "node:assert/strict";
import { chooseCpus, parseCpuList, splitCpus } from "../../lib/selftest/cpus.ts";

Deno.test("selftest --cpus: CPU lists are read as taskset writes them, and split between client and endpoint", () => {
  assert.deepEqual(parseCpuList("0-3,6"), [0, 1, 2, 3, 6]);
  assert.deepEqual(parseCpuList("1"), [1]);
  assert.throws(() => parseCpuList("3-1"), /runs upwards/);
  assert.throws(() => parseCpuList("a"), /not a CPU list: "a"/);
  assert.deepEqual(splitCpus([0, 1]), { client: "0", endpoint: "1" });
  assert.deepEqual(splitCpus([0, 1, 2, 3, 4]), { client: "0,1,2", endpoint: "3,4" });
  assert.equal(splitCpus([0]), undefined, "one CPU: nothing to split");
});

Deno.test("selftest --cpus: off pins nothing; a malformed split is one line naming what is accepted", async () => {
  assert.deepEqual(await chooseCpus("off"), { why: "not pinned (--cpus off)" });
  await assert.rejects(() => chooseCpus("0-1"), /--cpus: expected auto, off or CLIENT:ENDPOINT CPU lists such as 0:1/);
  await assert.rejects(() => chooseCpus("0:x"), /not a CPU list: "x"/);
  const auto = await chooseCpus("auto");
  // On a machine with two or more CPUs and taskset, auto splits them; otherwise it says why not.
  if (auto.split) assert.match(auto.why, /cores of their own/);
  else assert.match(auto.why, /^not pinned \(/);
});
