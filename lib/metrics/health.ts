import type { RequestRecord, RunSummary } from "../results/schema.ts";
import { computeStatistics } from "./statistics.ts";

/** What the client itself did during a run: event-loop lag and CPU use. */
export interface ClientLoad {
  /** How late each 20 ms tick fired, ms: a busy or blocked event loop shows here, and so it stamps chunks late. */
  lagMs: number[];
  /** CPU time of this process (all threads, including the simulator's worker when there is one), ms. */
  cpuMs: number;
  wallMs: number;
  /**
   * Connections the HTTP client opened for the run's requests, and requests that reused a kept-alive one, when the
   * client can tell (llm-bench's HTTP client can; Deno's fetch cannot). `concurrency` is the run's cap.
   */
  connections?: { opened: number; requests: number; reused: number; concurrency: number };
  /** Threads that read the streams (`clientThreads`); `lagMs` then holds every thread's samples. @default 1 */
  threads?: number;
}

/** Thresholds of the health verdict. */
export const HEALTH_LIMITS = {
  /** Event-loop lag p99 above this: chunks may be stamped late. */
  lagP99Ms: 5,
  /** Client CPU above this share of one core: the client may be the bottleneck. */
  cpuShare: 0.85,
  /** Share of inter-chunk gaps below 0.1 ms above this (with ~1 token per chunk): bursty arrival. */
  burstyShare: 0.2,
  /** Mean tokens per chunk above this: inter-token latency is per chunk, not per token. */
  tokensPerChunk: 1.5,
  /** Median achieved / requested output tokens outside [1 − x, 1 + x], counted by the tokenizer (no usage block). */
  outputDrift: 0.2,
  /**
   * Median server-reported / requested tokens (input or output) outside [1 − x, 1 + x]: the server counts tokens
   * otherwise than the run asked for them.
   */
  tokenCountDrift: 0.05,
  /** Open loop: client queue time p99 above this, ms. */
  queueP99Ms: 10,
  /** Connections opened above this multiple of the concurrency (with more requests than that): keep-alive failing. */
  connectionsPerSlot: 1.5,
  /**
   * Send lag p99 above this, ms: requests left late. The send lag of a request is the time from its t0 to its last
   * byte written, less any connect time — what the client spent before the request was on its way. A warm request
   * leaves in well under a millisecond (`deno bench benchmarks/request_start_bench.ts` measures it); more than this
   * means the client was overloaded (often: starting a wave of hundreds of requests at once), and TTFT then includes
   * that wait. The same limit as the event loop's lag.
   */
  sendLagP99Ms: 5,
};

type Health = NonNullable<RunSummary["health"]>;

const round = (x: number | null, d = 3) => (x === null ? null : Math.round(x * 10 ** d) / 10 ** d);

/**
 * Judges whether a run's numbers can be trusted. `suspect` when the client itself may have distorted them (a lagging
 * event loop, a saturated CPU, bursts of chunks stamped together); stream-integrity findings that do not distort the
 * timings (several tokens per chunk, role-only first chunks, no usage block, output lengths off) are listed as notes.
 */
export function assessHealth(all: readonly RequestRecord[], load?: ClientLoad): Health {
  const records = all.filter((r) => !r.warmup);
  const ok = records.filter((r) => r.status === "ok");
  const reasons: string[] = [];
  const notes: string[] = [];
  const lag = load ? computeStatistics(load.lagMs) : undefined;
  const cpuShare = load && load.wallMs > 0 ? load.cpuMs / load.wallMs : null;
  const gaps = ok.flatMap((r) => r.interTokenLatenciesMs);
  const tinyShare = gaps.length ? gaps.filter((g) => g < 0.1).length / gaps.length : null;
  const tokensPerChunk = computeStatistics(ok.map((r) => r.tokensPerEvent)).mean;
  const emptyFirst = ok.filter((r) => r.firstChunkEmpty).length;
  const noUsage = ok.filter((r) => r.outputTokenSource === "tokenizer").length;
  const ratios = ok.filter((r) => r.outputTokens !== null && r.requestedOutputTokens > 0)
    .map((r) => r.outputTokens! / r.requestedOutputTokens);
  const outputRatio = computeStatistics(ratios).p50;
  // Counted by the tokenizer (no usage block): a looser limit, for the text may have been cut short by end-of-sequence.
  const countedRatio = computeStatistics(
    ok.filter((r) => r.outputTokenSource === "tokenizer" && r.outputTokens !== null && r.requestedOutputTokens > 0)
      .map((r) => r.outputTokens! / r.requestedOutputTokens),
  ).p50;
  const counts = tokenCounts(ok);
  const queue = computeStatistics(ok.filter((r) => r.scheduledOffsetMs !== undefined).map((r) => r.clientQueueMs));
  const sendLag = computeStatistics(
    records.filter((r) => r.requestWrittenMs !== undefined).map((r) => r.requestWrittenMs! - (r.connectMs ?? 0)),
  );
  const connected = records.filter((r) => r.connectMs !== undefined).length;

  if (records.length > 0 && ok.length === 0) {
    // The client's own figures say nothing of an endpoint that answered no request.
    return {
      verdict: "suspect",
      reasons: ["no successful request: there is nothing to judge the measurement by"],
      notes,
      figures: {},
    };
  }
  if (lag && lag.p99 !== null && lag.p99 > HEALTH_LIMITS.lagP99Ms) {
    reasons.push(`the client's event loop lagged (p99 ${lag.p99.toFixed(1)} ms): chunks may have been stamped late`);
  }
  const threads = load?.threads ?? 1;
  if (cpuShare !== null && cpuShare > HEALTH_LIMITS.cpuShare * threads) {
    reasons.push(
      `the client process used ${(cpuShare * 100).toFixed(0)} % of a core` +
        (threads > 1 ? ` with ${threads} measuring threads` : "") + `: it may be the bottleneck`,
    );
  }
  if (
    tinyShare !== null && tinyShare > HEALTH_LIMITS.burstyShare && (tokensPerChunk ?? 1) <= HEALTH_LIMITS.tokensPerChunk
  ) {
    reasons.push(
      `bursty arrival: ${(tinyShare * 100).toFixed(0)} % of inter-chunk gaps under 0.1 ms — a buffering proxy, ` +
        `or a client that fell behind and read chunks together`,
    );
  }
  if (tokensPerChunk !== null && tokensPerChunk > HEALTH_LIMITS.tokensPerChunk) {
    notes.push(
      `${tokensPerChunk.toFixed(1)} tokens per chunk on average: inter-token latency is per chunk, not per token`,
    );
  }
  if (emptyFirst > 0) {
    notes.push(`${emptyFirst} responses began with a role-only or empty chunk (skipped for TTFT, as defined)`);
  }
  if (noUsage > 0) {
    notes.push(`${noUsage} responses had no usage block: their output tokens were counted with the tokenizer`);
  }
  for (const c of [counts.input, counts.output]) if (c?.disagree) notes.push(tokenCountText(c));
  if (countedRatio !== null && Math.abs(countedRatio - 1) > HEALTH_LIMITS.outputDrift) {
    notes.push(
      `achieved output tokens are ${(countedRatio * 100).toFixed(0)} % of requested (median, counted by the ` +
        `tokenizer): ask for ignore_eos where the server accepts it`,
    );
  }
  const conns = load?.connections;
  if (
    conns && conns.requests > conns.concurrency * HEALTH_LIMITS.connectionsPerSlot &&
    conns.opened > conns.concurrency * HEALTH_LIMITS.connectionsPerSlot
  ) {
    notes.push(
      `${conns.opened} connections opened for ${conns.requests} requests at concurrency ${conns.concurrency}: ` +
        `the server does not keep connections alive, so TTFT includes connection set-up`,
    );
  }
  if (sendLag.p99 !== null && sendLag.p99 > HEALTH_LIMITS.sendLagP99Ms) {
    reasons.push(
      `requests left late: p99 ${sendLag.p99.toFixed(1)} ms (max ${sendLag.max!.toFixed(1)}) from t0 to the last ` +
        `request byte written — their TTFT includes that wait`,
    );
  }
  if (connected > 0) {
    notes.push(`${connected} requests opened a connection: their TTFT includes connecting (see connectMs)`);
  }
  if (queue.p99 !== null && queue.p99 > HEALTH_LIMITS.queueP99Ms) {
    notes.push(`client-side queueing: p99 ${queue.p99.toFixed(1)} ms between scheduled and actual send`);
  }
  return {
    verdict: reasons.length ? "suspect" : "valid",
    reasons,
    notes,
    figures: {
      eventLoopLagP50Ms: round(lag?.p50 ?? null),
      eventLoopLagP99Ms: round(lag?.p99 ?? null),
      eventLoopLagMaxMs: round(lag?.max ?? null),
      clientCpuShare: round(cpuShare),
      tinyGapShare: round(tinyShare),
      tokensPerChunk: round(tokensPerChunk),
      emptyFirstChunks: emptyFirst,
      responsesWithoutUsage: noUsage,
      outputTokensAchievedRatio: round(outputRatio),
      inputTokensReportedRatio: round(counts.input?.ratio ?? null),
      inputTokensReported: counts.input?.reported ?? null,
      inputTokensRequested: counts.input?.requested ?? null,
      outputTokensReportedRatio: round(counts.output?.ratio ?? null),
      outputTokensReported: counts.output?.reported ?? null,
      outputTokensRequested: counts.output?.requested ?? null,
      clientQueueP99Ms: round(queue.p99),
      connectionsOpened: conns?.opened ?? null,
      connectionReuseShare: conns && conns.requests > 0 ? round(conns.reused / conns.requests) : null,
      sendLagP99Ms: round(sendLag.p99),
    },
  };
}

/** How the server's token counts of one side (input or output) compare with the requested counts. */
export interface TokenCountCheck {
  side: "input" | "output";
  /** Requests whose count the server reported. */
  requests: number;
  /** Median of the server's counts. */
  reported: number;
  /** Median of the requested counts (input: the tokenizer's count of the prompt; output: max_tokens). */
  requested: number;
  /** Median of reported / requested over the requests. */
  ratio: number;
  /** The ratio is further from 1 than {@link HEALTH_LIMITS.tokenCountDrift}. */
  disagree: boolean;
}

/**
 * The server's token counts against the requested ones, for input and output, over the successful requests whose
 * counts the server reported (usage); a side is absent when the server reported none.
 */
export function tokenCounts(ok: readonly RequestRecord[]): { input?: TokenCountCheck; output?: TokenCountCheck } {
  const side = (
    which: "input" | "output",
    pick: (r: RequestRecord) => [number | null, number, string],
  ): TokenCountCheck | undefined => {
    const pairs = ok.map(pick).filter(([got, asked, source]) => source === "server" && got !== null && asked > 0);
    if (pairs.length === 0) return undefined;
    const median = (xs: number[]) => computeStatistics(xs).p50!;
    const ratio = median(pairs.map(([got, asked]) => got! / asked));
    return {
      side: which,
      requests: pairs.length,
      reported: median(pairs.map(([got]) => got!)),
      requested: median(pairs.map(([, asked]) => asked)),
      ratio,
      disagree: Math.abs(ratio - 1) > HEALTH_LIMITS.tokenCountDrift,
    };
  };
  const input = side("input", (r) => [r.inputTokens, r.requestedInputTokens, r.inputTokenSource]);
  const output = side("output", (r) => [r.outputTokens, r.requestedOutputTokens, r.outputTokenSource]);
  return { ...(input && { input }), ...(output && { output }) };
}

/** A disagreement of token counts in one line: both figures, the share, and the likely causes. */
export function tokenCountText(c: TokenCountCheck): string {
  const n = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));
  const causes = c.side === "input"
    ? "another tokenizer than the server's (count with its tokenizer.json), a chat template, or truncation"
    : c.ratio < 1
    ? "the server stopped at end-of-sequence (ignore_eos not honoured), or it counts with another tokenizer"
    : "the server counts with another tokenizer, or counts reasoning or special tokens";
  const asked = c.side === "input"
    ? `llm-bench's tokenizer counted ${n(c.requested)}`
    : `${n(c.requested)} were requested`;
  return `the server counted ${n(c.reported)} ${c.side} tokens per request where ${asked} (median, ratio ` +
    `${(c.ratio * 100).toFixed(0)} %): likely ${causes}`;
}
