// Multi-turn sessions: each session's turns in order, each sent with the conversation so far including the model's
// actual answers; sessions concurrently up to the concurrency; records carry sessionId and turn; the summary TTFT and
// input tokens by turn. Against a scripted server (to read what was sent) and the simulated endpoint.
import assert from "node:assert/strict";
import { benchmark } from "../../mod.ts";
import { quirkyStream, startScriptedServer } from "../_helpers.ts";

Deno.test("every turn is sent with the conversation so far, the model's real answers included", async () => {
  // Each answer names the request it answers, so the history can be checked word for word.
  await using server = startScriptedServer((_body, n) => ({ pieces: quirkyStream([`answer`, ` ${n}`]), gapMs: 2 }));
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/chats.json`,
    JSON.stringify([
      {
        conversations: [
          { from: "system", value: "Be brief." },
          { from: "human", value: "First question?" },
          { from: "gpt", value: "A recorded answer of several words here." },
          { from: "human", value: "And a follow-up?" },
          { from: "gpt", value: "Short." },
        ],
      },
      { conversations: [{ from: "human", value: "Only one turn." }, { from: "gpt", value: "Fine." }] },
    ]),
  );
  const r = await benchmark({
    llmApi: "openai",
    baseUrl: server.baseUrl,
    model: "m",
    preflight: false,
    dataset: `${dir}/chats.json`,
    multiTurn: true,
    numConcurrentRequests: 2,
  }, { writeFiles: false });
  assert.equal(r.records.length, 3, "2 + 1 turns");
  const byTurn = (s: string, t: number) => r.records.find((x) => x.sessionId === s && x.turn === t)!;
  const second = byTurn("1", 2);
  const first = byTurn("1", 1);
  assert.ok(second.startOffsetMs >= first.endOffsetMs, "turn 2 after turn 1's answer");
  const body = server.received.find((b) => JSON.stringify(b).includes("And a follow-up?")) as {
    messages: { role: string; content: string }[];
  };
  assert.deepEqual(body.messages.map((m) => m.role), ["system", "user", "assistant", "user"]);
  assert.equal(body.messages[2].content, first.generatedText, "the model's actual answer, not the recorded one");
  assert.match(first.generatedText, /^answer \d$/);
  assert.deepEqual(r.records.map((x) => x.datasetLine).sort(), [1, 1, 2]);
  assert.equal(r.summary.turns!.length, 2);
  assert.equal(r.summary.turns![0].requests, 2);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("synthetic sessions on the simulator: input grows turn by turn, and the cache makes later turns' prefill cheap", async () => {
  const r = await benchmark({
    multiTurn: true,
    sessions: 3,
    turns: 3,
    numConcurrentRequests: 3,
    meanInputTokens: 300,
    stddevInputTokens: 0,
    meanOutputTokens: 20,
    stddevOutputTokens: 0,
    turnDelayS: 0.05,
  }, { writeFiles: false });
  assert.equal(r.records.length, 9);
  for (const s of ["0", "1", "2"]) {
    const turns = r.records.filter((x) => x.sessionId === s).sort((a, b) => a.turn! - b.turn!);
    assert.deepEqual(turns.map((x) => x.turn), [1, 2, 3]);
    for (let t = 1; t < 3; t++) {
      assert.ok(
        turns[t].inputTokens! > turns[t - 1].inputTokens! + 300,
        `session ${s} turn ${t + 1} carries the history`,
      );
      assert.ok(turns[t].startOffsetMs >= turns[t - 1].endOffsetMs + 49, "the think time between turns");
      assert.ok(turns[t].cachedInputTokens! > 0, "the history is in the simulator's prefix cache");
    }
  }
  const turns = r.summary.turns!;
  assert.deepEqual(turns.map((t) => t.turn), [1, 2, 3]);
  assert.ok(turns[2].inputTokensMean! > turns[0].inputTokensMean! * 2);
  assert.match(r.summary.config.multiTurn === true ? "ok" : "", /ok/);
});

Deno.test("--multi-turn needs turns: a dataset without conversations is refused before anything is sent", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/p.jsonl`, `{"prompt": "x"}\n`);
  await assert.rejects(
    () => benchmark({ dataset: `${dir}/p.jsonl`, multiTurn: true }, { writeFiles: false }),
    /p\.jsonl: --multi-turn needs conversations \(ShareGPT or OpenAI chat\); this file is jsonl, one request per line/,
  );
  await assert.rejects(() => benchmark({ multiTurn: true, requestRate: 2 }, { writeFiles: false }), /closed loop/);
  await Deno.remove(dir, { recursive: true });
});
