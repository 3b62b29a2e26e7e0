// Rate limits through `deno task bench`: a server of the test's own answering 429 with each Retry-After form and
// x-ratelimit headers, failed (the default) or waited out (--on-rate-limit wait).
import assert from "node:assert/strict";
import { readRecords, readSummary } from "../../lib/results/files.ts";
import { answerLines } from "../../lib/report/capacity_text.ts";
import { quirkyStream, runTask, startScriptedServer } from "../_helpers.ts";

const files = (stdout: string) => ({
  records: /^Records: (.+)$/m.exec(stdout)![1],
  summary: /^Summary: (.+)$/m.exec(stdout)![1],
});

/** Answers the first two attempts of every request 429 (Retry-After in seconds, then as an HTTP date), then streams. */
function quotaServer() {
  const attempts = new Map<number, number>();
  return startScriptedServer((body) => {
    const key = JSON.stringify(body.messages);
    const hash = [...key].reduce((h, c) => (h * 31 + c.charCodeAt(0)) | 0, 0);
    const n = (attempts.get(hash) ?? 0) + 1;
    attempts.set(hash, n);
    if (n <= 2) {
      const retryAfter = n === 1 ? "1" : new Date(Date.now() + 1000).toUTCString();
      return {
        status: 429,
        headers: {
          "content-type": "application/json",
          "retry-after": retryAfter,
          "x-ratelimit-limit-requests": "10",
          "x-ratelimit-remaining-requests": "0",
          "x-ratelimit-reset-requests": "1s",
          "x-ratelimit-remaining-tokens": "0",
        },
        pieces: [JSON.stringify({ error: { message: "Rate limit reached for requests", type: "requests" } })],
      };
    }
    return { pieces: quirkyStream(Array.from({ length: body.max_tokens as number }, (_, i) => ` w${i}`)), gapMs: 1 };
  });
}

Deno.test("a 429 is a failure by default: its headers recorded, the run says it was rate limited", async () => {
  await using server = quotaServer();
  const cwd = await Deno.makeTempDir();
  const args = ["--base-url", server.baseUrl, "--model", "m", "--results-dir", `${cwd}/r`];
  const r = await runTask("bench", [...args, "--max-num-completed-requests", "3", "--num-concurrent-requests", "1"]);
  assert.equal(r.code, 1, "no request succeeded");
  const flat = r.stdout.replace(/\n {4,}/g, " ");
  assert.match(
    flat,
    /^Rate limited \(429\) +3 of 3 requests \(429\), Retry-After 1 s · failed: their latency is not measured \(--on-rate-limit wait waits them out\)/m,
  );
  assert.match(flat, /note: rate limited: 3 of 3 requests answered 429 — the endpoint's quota, not its speed/);
  const rec = (await readRecords(files(r.stdout).records))[0];
  assert.equal(rec.error?.code, "RATE_LIMITED");
  assert.equal(rec.error?.retryAfterS, 1);
  assert.deepEqual(rec.error?.rateLimit, {
    "remaining-requests": "0",
    "reset-requests": "1s",
    "limit-requests": "10",
    "remaining-tokens": "0",
  });
  assert.match(r.stderr, /RATE_LIMITED × 3: HTTP 429/, "the server's first message on the console");
});

Deno.test("--on-rate-limit wait: Retry-After (seconds or a date) waited out, then measured; the wait is no latency", async () => {
  await using server = quotaServer();
  const cwd = await Deno.makeTempDir();
  const args = ["--base-url", server.baseUrl, "--model", "m", "--results-dir", `${cwd}/r`, "--on-rate-limit", "wait"];
  const r = await runTask("bench", [...args, "--max-num-completed-requests", "2", "--mean-output-tokens", "5"]);
  assert.equal(r.code, 0, r.stderr);
  const recs = await readRecords(files(r.stdout).records);
  for (const x of recs) {
    assert.equal(x.status, "ok");
    assert.equal(x.rateLimitRetries, 2);
    assert.ok(x.rateLimitWaitMs! >= 1000, `waited ${x.rateLimitWaitMs} ms: at least the first Retry-After`);
    assert.ok(x.e2eMs! < x.rateLimitWaitMs!, "the latency is the attempt that succeeded, the wait apart");
  }
  const s = await readSummary(files(r.stdout).summary);
  assert.equal(s.errors.rateLimit?.waitedOut, 2);
  assert.equal(s.errors.rateLimit?.responses, 4);
  assert.equal(s.errors.rateLimited, 0, "no failure");
  assert.match(
    r.stdout.replace(/\n {4,}/g, " "),
    /^Rate limited \(429\) +2 of 2 requests \(429\), Retry-After (?:[01]–)?1 s · 2 waited out, 4 429s, [\d.]+ s waiting in all — excluded from the latencies/m,
  );

  // A cap below the Retry-After: it fails instead of waiting past it.
  const capped = await runTask("bench", [...args, "--max-num-completed-requests", "1", "--max-rate-limit-wait", "0.5"]);
  const [rec] = await readRecords(files(capped.stdout).records);
  assert.equal(rec.error?.code, "RATE_LIMITED");
  assert.equal(rec.rateLimitRetries, undefined);

  const bad = await runTask("bench", ["--on-rate-limit", "sometimes"]);
  assert.equal(bad.code, 2);
  assert.match(
    bad.stderr,
    /^error: Invalid configuration: --on-rate-limit: accepted values: fail, wait \(got "sometimes"\)$/m,
  );
});

Deno.test("a capacity search stopped by 429s says the limit is the quota, not the server", () => {
  const probe = (load: number, verdict: "PASS" | "FAIL", limited: number) => ({
    load,
    verdict,
    judged: 80,
    scope: "all" as const,
    extension: false,
    checks: [],
    outputTokensPerS: 100,
    ...(limited ? { rateLimited: { requests: limited, of: 80 } } : {}),
  });
  const text = answerLines({
    dimension: "rate",
    slo: { e2eMs: 5000 },
    attainmentTarget: 0.9,
    precision: 0.1,
    max: 4,
    upper: 8,
    knee: null,
    stoppedBy: "precision",
    limitedBy: "quota",
    probes: [probe(4, "PASS", 0), probe(8, "FAIL", 30)],
  }).join("\n");
  assert.match(
    text,
    /The limit is the endpoint's quota, not the server: at rate 8 req\/s 30 of 80\s+requests were answered 429/,
  );
});

Deno.test("a model's context length from its listing: requests beyond it refused before any is sent", async () => {
  let posts = 0;
  await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    if (req.method === "GET" && new URL(req.url).pathname === "/v1/models") {
      // SambaNova Cloud's and OpenRouter's name for it (vLLM: max_model_len).
      return Response.json({ object: "list", data: [{ id: "m", object: "model", context_length: 600 }] });
    }
    posts++;
    return new Response("no", { status: 500 });
  });
  const base = `http://127.0.0.1:${server.addr.port}/v1`;
  const cwd = await Deno.makeTempDir();
  const r = await runTask("bench", ["--base-url", base, "--model", "m", "--results-dir", `${cwd}/r`]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(
    r.stderr,
    /^error: --mean-input-tokens: \d+ of the first 40 requests ask for more than m's context of 600 tokens \(prompt \+ max_tokens up to \d+\): lower --mean-input-tokens or --mean-output-tokens/m,
  );
  assert.equal(posts, 0, "nothing sent");
  const left = await Array.fromAsync(Deno.readDir(`${cwd}/r`)).catch(() => []);
  assert.deepEqual(left, [], "no results files of a run that did not start");
});
