/**
 * Warming the per-request path before a run's clock starts: the first wave of a run is the first time its code runs,
 * so V8 runs it cold (interpreted, unoptimised) exactly when hundreds of requests start at once. Here the same
 * connector code — request building, the HTTP client, stream parsing, the record — runs 64 times (default) against a
 * stand-in server on 127.0.0.1 that answers in the endpoint's wire format, so the real first wave starts warm. Nothing
 * is sent to the endpoint.
 * @module
 */
import type { RunConfig } from "../config/schema.ts";
import { createConnector } from "../connectors/factory.ts";
import type { RequestSpec } from "../sampler/sampler.ts";
import { sendRequests } from "./runner.ts";

const encoder = new TextEncoder();

function chunked(parts: string[]): Uint8Array {
  const body = parts.map((p) => `${encoder.encode(p).length.toString(16)}\r\n${p}\r\n`).join("") + "0\r\n\r\n";
  return encoder.encode(body);
}

/** A short answer in the wire format the URL path calls for (SambaStudio NDJSON, else OpenAI server-sent events). */
function answerFor(path: string): Uint8Array {
  const studio = /\/api(\/v2)?\/predict\/generic/.exec(path);
  let type = "text/event-stream";
  let parts: string[];
  if (studio) {
    type = "application/x-ndjson";
    const line = (value: Record<string, unknown>) =>
      JSON.stringify(studio[1] ? { result: { items: [{ id: "item1", value }] } } : { result: { responses: [value] } }) +
      "\n";
    parts = [
      line({ stream_token: "warm", is_last_response: false }),
      line({ stream_token: "", is_last_response: true, prompt_tokens_count: 1, completion_tokens_count: 1 }),
    ];
  } else {
    const data = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`;
    parts = [
      data({ choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] }),
      data({ choices: [{ index: 0, delta: { content: "warm" }, finish_reason: null }] }),
      data({ choices: [{ index: 0, delta: { content: " up" }, finish_reason: "length" }] }),
      data({ choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } }),
      "data: [DONE]\n\n",
    ];
  }
  const head = encoder.encode(`HTTP/1.1 200 OK\r\ncontent-type: ${type}\r\ntransfer-encoding: chunked\r\n\r\n`);
  const body = chunked(parts);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

/**
 * Serves `answer` to every request on 127.0.0.1 (keep-alive), until closed: the stand-in of the warm-up, and of the
 * request-start benchmark.
 */
export function standIn(answer: Uint8Array): { port: number; close(): Promise<void> } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const serving = (async () => {
    for await (const conn of listener) {
      conns.add(conn);
      (async () => {
        const buf = new Uint8Array(65_536);
        const latin1 = new TextDecoder("latin1");
        let pending = "";
        try {
          for (;;) {
            const n = await conn.read(buf);
            if (n === null) return;
            pending += latin1.decode(buf.subarray(0, n));
            for (;;) {
              const end = pending.indexOf("\r\n\r\n");
              if (end < 0) break;
              const length = Number(/content-length: *(\d+)/i.exec(pending.slice(0, end))?.[1] ?? 0);
              if (pending.length < end + 4 + length) break;
              pending = pending.slice(end + 4 + length);
              let at = 0;
              while (at < answer.length) at += await conn.write(answer.subarray(at));
            }
          }
        } catch {
          // closed
        } finally {
          conns.delete(conn);
          try {
            conn.close();
          } catch {
            // already closed
          }
        }
      })();
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    async close() {
      listener.close();
      for (const c of conns) c.close();
      await serving;
    },
  };
}

/**
 * Runs `count` requests (default 64) shaped like the run's (its first request spec, its API, connector and HTTP client) against a
 * stand-in server, `concurrency` at a time, and throws nothing away but time: nothing is recorded or sent to the
 * endpoint. Resolves with how many of them succeeded (all, unless the wire format's stand-in is wrong).
 */
export async function warmRequestPath(
  config: RunConfig,
  baseUrl: string,
  spec: RequestSpec,
  options: { count?: number; concurrency?: number; signal?: AbortSignal } = {},
): Promise<number> {
  const path = new URL(baseUrl).pathname;
  const server = standIn(answerFor(path));
  const connector = createConnector(config, { baseUrl: `http://127.0.0.1:${server.port}${path}` });
  try {
    const count = options.count ?? 64;
    const run = await sendRequests({
      connector,
      requests: Array.from({ length: count }, (_, index) => ({ ...spec, index })),
      concurrency: Math.min(options.concurrency ?? 32, count),
      timeoutMs: 10_000,
      countTokens: () => 0,
      streamed: config.mode === "stream",
      signal: options.signal,
      timeouts: { idleMs: config.idleTimeoutS * 1000 },
    });
    return run.records.filter((r) => r.status === "ok").length;
  } finally {
    await connector.close();
    await server.close();
  }
}
