import assert from "node:assert/strict";
import { fc } from "../_dev_deps.ts";
import { createChunkedDecoder, createH1Client } from "../../lib/connectors/h1.ts";
import { chooseHttpClient } from "../../lib/connectors/http.ts";
import { createOpenAIConnector } from "../../lib/connectors/openai.ts";
import type { StreamEvent } from "../../lib/connectors/types.ts";
import { startSimServer } from "../../lib/simulator/server.ts";
import { loadCorpus, spec, testTokenizer } from "../_helpers.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A TCP server that answers each request on a connection with `answer(requestHead, n)` pieces, written apart. */
function rawServer(
  answer: (head: string, n: number) => { pieces: string[]; close?: boolean; gapMs?: number },
) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const heads: string[] = [];
  let n = 0;
  const serve = async (conn: Deno.Conn) => {
    const buf = new Uint8Array(65536);
    let acc = "";
    try {
      for (;;) {
        while (!acc.includes("\r\n\r\n")) {
          const got = await conn.read(buf);
          if (got === null) return;
          acc += dec.decode(buf.subarray(0, got));
        }
        const end = acc.indexOf("\r\n\r\n") + 4;
        const head = acc.slice(0, end);
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        while (acc.length < end + length) {
          const got = await conn.read(buf);
          if (got === null) return;
          acc += dec.decode(buf.subarray(0, got));
        }
        acc = acc.slice(end + length);
        heads.push(head);
        const a = answer(head, n++);
        for (const p of a.pieces) {
          await conn.write(enc.encode(p));
          await new Promise((r) => setTimeout(r, a.gapMs ?? 2));
        }
        if (a.close) return;
      }
    } catch {
      // the client closed
    } finally {
      conns.delete(conn);
      try {
        conn.close();
      } catch { /* closed */ }
    }
  };
  (async () => {
    for await (const conn of listener) {
      conns.add(conn);
      serve(conn);
    }
  })().catch(() => {});
  return {
    url: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    heads,
    /** Closes every open connection (an idle keep-alive one goes stale for the client). */
    dropConnections() {
      for (const c of conns) c.close();
      conns.clear();
    },
    [Symbol.asyncDispose]() {
      listener.close();
      this.dropConnections();
      return Promise.resolve();
    },
  };
}

async function readAll(res: Response): Promise<{ text: string; reads: number }> {
  const reader = res.body!.getReader();
  let text = "";
  let reads = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    reads++;
    text += dec.decode(value, { stream: true });
  }
  return { text, reads };
}

const chunked = (...parts: string[]) => parts.map((p) => `${enc.encode(p).length.toString(16)}\r\n${p}\r\n`).join("");

Deno.test("chunked decoder: any split of the same bytes gives the same body, and ends after the trailers", () => {
  const body = 'data: {"a":1}\n\n' + "é".repeat(40) + "data: [DONE]\n\n";
  const wire = enc.encode(
    `${chunked(body.slice(0, 17))}${enc.encode(body.slice(17)).length.toString(16)};ext=1\r\n${
      body.slice(17)
    }\r\n0\r\ntrailer: x\r\n\r\n`,
  );
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 1, max: wire.length - 1 }), { maxLength: 12 }), (cuts) => {
      const points = [0, ...cuts.sort((a, b) => a - b), wire.length];
      const d = createChunkedDecoder();
      const out: number[] = [];
      for (let i = 1; i < points.length; i++) {
        assert.equal(d.done, false);
        out.push(...d.push(wire.subarray(points[i - 1], points[i])));
      }
      assert.equal(d.done, true);
      assert.equal(d.extra, 0);
      assert.equal(dec.decode(new Uint8Array(out)), body);
    }),
  );
});

Deno.test("chunked decoder: bad sizes and missing CRLF throw; bytes past the end are counted", () => {
  assert.throws(() => createChunkedDecoder().push(enc.encode("zz\r\n")), /bad chunk size/);
  assert.throws(() => createChunkedDecoder().push(enc.encode("\r\n")), /empty chunk size/);
  assert.throws(() => createChunkedDecoder().push(enc.encode("2\r\nabXY")), /missing CRLF/);
  const d = createChunkedDecoder();
  d.push(enc.encode("1\r\na\r\n0\r\n\r\nHTTP/1.1"));
  assert.equal(d.done, true);
  assert.equal(d.extra, 8);
});

Deno.test("h1 client: chunked, content-length and close-delimited bodies; keep-alive reuse and connection: close", async () => {
  await using server = rawServer((_head, n) => {
    if (n === 0) {
      return {
        pieces: [
          "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n",
          "\r\n",
          chunked("one ", "two "),
          chunked("three"),
          "0\r\n\r\n",
        ],
      };
    }
    if (n === 1) {
      return { pieces: ["HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 5\r\n\r\nhe", "llo"] };
    }
    if (n === 2) return { pieces: ["HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok"] };
    return {
      pieces: ["HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nuntil ", "close"],
      close: true,
    };
  });
  const client = createH1Client();
  try {
    const r0 = await client.fetch(`${server.url}/a?x=1`, { method: "POST", body: "{}", headers: { "x-k": "v" } });
    assert.equal(r0.status, 200);
    const b0 = await readAll(r0);
    assert.equal(b0.text, "one two three");
    assert.ok(b0.reads >= 2, "each socket read is a body read (no coalescing)");
    const r1 = await client.fetch(`${server.url}/b`, { method: "POST", body: "x" });
    assert.equal(r1.status, 201);
    assert.equal(r1.statusText, "Created");
    assert.equal((await readAll(r1)).text, "hello");
    const r2 = await client.fetch(`${server.url}/c`);
    assert.equal((await readAll(r2)).text, "ok");
    const r3 = await client.fetch(`${server.url}/d`);
    assert.equal(r3.headers.get("content-type"), "text/plain");
    assert.equal((await readAll(r3)).text, "until close");
    // Requests 0–2 shared one connection; request 2 said `connection: close`, so request 3 opened a second.
    assert.deepEqual({ ...client.stats }, { connectionsOpened: 2, requests: 4, reused: 2 });
    assert.match(server.heads[0], /^POST \/a\?x=1 HTTP\/1\.1\r\n/);
    assert.match(server.heads[0], /\r\nx-k: v\r\n/);
    assert.match(server.heads[0], /\r\ncontent-length: 2\r\n/);
    assert.match(server.heads[0], /\r\nhost: 127\.0\.0\.1:\d+\r\n/);
  } finally {
    await client.close();
  }
});

Deno.test("h1 client: a kept-alive connection the server has closed is replaced, not reported as a failure", async () => {
  await using server = rawServer(() => ({ pieces: ["HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"] }));
  const client = createH1Client();
  try {
    assert.equal((await readAll(await client.fetch(server.url))).text, "ok");
    server.dropConnections();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal((await readAll(await client.fetch(server.url))).text, "ok");
    assert.equal(client.stats.connectionsOpened, 2);
  } finally {
    await client.close();
  }
});

Deno.test("h1 client: a connection closed mid-body or a malformed head fails at once; abort ends a pending read", async () => {
  await using server = rawServer((_h, n) =>
    n === 0
      ? { pieces: ["HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial"], close: true }
      : n === 1
      ? { pieces: ["SMTP ready\r\n\r\n"], close: true }
      : { pieces: ["HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n", chunked("first")], gapMs: 1_500 }
  );
  const client = createH1Client();
  try {
    const r0 = await client.fetch(server.url);
    await assert.rejects(readAll(r0), /closed before the end of the response body/);
    await assert.rejects(client.fetch(server.url), /not an HTTP\/1\.x response/);
    const ac = new AbortController();
    const r2 = await client.fetch(server.url, { signal: ac.signal });
    const reader = r2.body!.getReader();
    assert.equal(dec.decode((await reader.read()).value), "first");
    const pending = reader.read();
    const t0 = performance.now();
    ac.abort(new Error("stop"));
    await assert.rejects(pending);
    assert.ok(performance.now() - t0 < 5_000);
    await assert.rejects(client.fetch(server.url, { signal: ac.signal }), /stop/);
  } finally {
    await client.close();
  }
});

Deno.test("h1 client gives the connector the same events as Deno's fetch, and reuses one connection per slot", async () => {
  const summary = async (httpClient: "llm-bench" | "fetch") => {
    // A fresh simulator each time, so both clients get the same text.
    await using server = startSimServer({
      tokenizer: await testTokenizer(),
      corpus: await loadCorpus(),
      params: { jitter: 0, decodeBaseMs: 2, prefillBaseMs: 5 },
    });
    await using c = createOpenAIConnector({ baseUrl: server.baseUrl, model: "llm-bench-sim", httpClient });
    const out: string[] = [];
    for (let i = 0; i < 3; i++) {
      const evs: StreamEvent[] = [];
      for await (const ev of c.stream(spec(i, 6))) evs.push(ev);
      out.push(evs.map((e) => e.type === "delta" ? `d:${e.content}:${e.finishReason}` : e.type).join("|"));
    }
    return { out, client: c.httpClient };
  };
  const ours = await summary("llm-bench");
  const theirs = await summary("fetch");
  assert.deepEqual(ours.out, theirs.out);
  assert.equal(ours.client?.kind, "llm-bench");
  assert.deepEqual({ ...ours.client?.stats }, { connectionsOpened: 1, requests: 3, reused: 2 });
  assert.equal(theirs.client?.kind, "fetch");
});

Deno.test("auto picks Deno's fetch only when a proxy applies to the URL", () => {
  const saved = ["HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY"].map((k) => [k, Deno.env.get(k)] as const);
  try {
    for (const [k] of saved) Deno.env.delete(k);
    assert.equal(chooseHttpClient("auto", "https://api.example.com/v1"), "llm-bench");
    Deno.env.set("HTTPS_PROXY", "http://proxy:3128");
    assert.equal(chooseHttpClient("auto", "https://api.example.com/v1"), "fetch");
    assert.equal(chooseHttpClient("auto", "http://api.example.com/v1"), "llm-bench");
    assert.equal(chooseHttpClient("auto", "https://127.0.0.1:8000/v1"), "llm-bench");
    Deno.env.set("NO_PROXY", "example.com");
    assert.equal(chooseHttpClient("auto", "https://api.example.com/v1"), "llm-bench");
    assert.equal(chooseHttpClient("fetch", "http://127.0.0.1/v1"), "fetch");
  } finally {
    for (const [k, v] of saved) v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
  }
});

Deno.test({
  name: "h1 client speaks https (TLS to a local server, certificate from a test CA)",
  ignore: !(() => {
    try {
      return new Deno.Command("openssl", { args: ["version"], stdout: "null", stderr: "null" }).outputSync().success;
    } catch {
      return false;
    }
  })(),
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      // A test CA and a localhost certificate it signs (rustls refuses a CA certificate as the server's own).
      await Deno.writeTextFile(`${dir}/ext.cnf`, "subjectAltName=DNS:localhost\n");
      for (
        const args of [
          ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=llm-bench test CA"]
            .concat(["-keyout", `${dir}/ca.key`, "-out", `${dir}/ca.pem`]),
          ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", `${dir}/key.pem`]
            .concat(["-out", `${dir}/leaf.csr`]),
          ["x509", "-req", "-in", `${dir}/leaf.csr`, "-CA", `${dir}/ca.pem`, "-CAkey", `${dir}/ca.key`]
            .concat(["-CAcreateserial", "-days", "1", "-extfile", `${dir}/ext.cnf`, "-out", `${dir}/cert.pem`]),
        ]
      ) {
        const made = await new Deno.Command("openssl", { args, stdout: "null", stderr: "piped" }).output();
        assert.ok(made.success, new TextDecoder().decode(made.stderr));
      }
      const ca = await Deno.readTextFile(`${dir}/ca.pem`);
      const cert = await Deno.readTextFile(`${dir}/cert.pem`);
      const key = await Deno.readTextFile(`${dir}/key.pem`);
      const server = Deno.serve(
        { hostname: "127.0.0.1", port: 0, cert, key, onListen: () => {} },
        () =>
          new Response(
            new ReadableStream({
              start(c) {
                c.enqueue(enc.encode("data: a\n\n"));
                c.enqueue(enc.encode("data: b\n\n"));
                c.close();
              },
            }),
          ),
      );
      const client = createH1Client({ caCerts: [ca] });
      try {
        const res = await client.fetch(`https://localhost:${server.addr.port}/v1`);
        assert.equal(res.status, 200);
        assert.equal((await readAll(res)).text, "data: a\n\ndata: b\n\n");
      } finally {
        await client.close();
        await server.shutdown();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("h1 client: an abort ends a connect the server never completes (full accept queue)", async () => {
  // A listener with backlog 0 that never accepts: once its queue holds one connection, further connects hang.
  const py = new Deno.Command("python3", {
    args: [
      "-c",
      "import socket,time;s=socket.socket();s.bind(('127.0.0.1',0));s.listen(0);print(s.getsockname()[1],flush=True);time.sleep(60)",
    ],
    stdout: "piped",
  }).spawn();
  const reader = py.stdout.getReader();
  const port = Number(new TextDecoder().decode((await reader.read()).value).trim());
  const fillers: Deno.Conn[] = [];
  const pending: Promise<unknown>[] = [];
  const client = createH1Client();
  try {
    for (let i = 0; i < 3; i++) {
      const p = Deno.connect({ hostname: "127.0.0.1", port }).then((c) => fillers.push(c), () => {});
      pending.push(p);
      await Promise.race([p, new Promise((r) => setTimeout(r, 200))]);
    }
    const t0 = performance.now();
    await assert.rejects(
      client.fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(300) }),
      (e: Error) => e.name === "TimeoutError",
    );
    assert.ok(performance.now() - t0 < 3_000, "the abort did not wait for the connect");
  } finally {
    py.kill();
    await py.status;
    await reader.cancel().catch(() => {});
    await Promise.allSettled(pending);
    for (const c of fillers) c.close();
    await client.close();
  }
});

Deno.test("h1 client: a direct body reads the socket without a stream and gives the same bytes", async () => {
  await using server = rawServer(() => ({
    pieces: [
      "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n",
      chunked("alpha "),
      chunked("beta ", "gamma"),
      "0\r\n\r\n",
    ],
  }));
  const client = createH1Client();
  try {
    const viaStream = await readAll(await client.fetch(server.url));
    const res = await client.request(server.url);
    assert.equal(res.status, 200);
    const direct = res.body;
    let text = "";
    let reads = 0;
    for (let v = await direct.read(); v !== null; v = await direct.read()) {
      text += dec.decode(v); // decoded before the next read, as the contract says
      reads++;
    }
    assert.equal(text, viaStream.text);
    assert.ok(reads >= 1);
    assert.equal(client.stats.connectionsOpened, 1, "the connection went back to the pool after the direct read");
    // A body cancelled before its end does not go back to the pool.
    const cancelled = await client.request(server.url);
    cancelled.body.cancel();
    assert.equal(await (await client.fetch(server.url)).text(), viaStream.text);
    assert.equal(client.stats.connectionsOpened, 2, "a cancelled body's connection is closed, not reused");
  } finally {
    await client.close();
  }
});
