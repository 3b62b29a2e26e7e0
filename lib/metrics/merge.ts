/**
 * The shards of one run merged into one run (`deno task merge`, README "Load beyond one machine"): checked to belong
 * together, their raw records put on one timeline, and summarized as one run — exact statistics, because they come from
 * the union of the records, never from the shards' percentiles.
 * @module
 */
import { summarize } from "./summary.ts";
import type { LoadedRun } from "../results/files.ts";
import type { RequestRecord, RunSummary } from "../results/schema.ts";
import { MergeError } from "../errors.ts";

/** Shards whose measured starts are further apart than this get a note in the merged health. */
export const START_SPREAD_NOTE_MS = 100;

/** The configuration two shards must share: everything but the shard's index and its results folder. */
function shared(summary: RunSummary): string {
  const { shardIndex: _i, resultsDir: _d, ...rest } = summary.config;
  return JSON.stringify(rest, Object.keys(rest).sort());
}

function differingKeys(a: RunSummary, b: RunSummary): string[] {
  const keys = new Set([...Object.keys(a.config), ...Object.keys(b.config)]);
  return [...keys].filter((k) =>
    k !== "shardIndex" && k !== "resultsDir" && JSON.stringify(a.config[k]) !== JSON.stringify(b.config[k])
  );
}

/** The outcome of {@link mergeShards}: the merged records and summary, and what the merge noticed. */
export interface MergedRun {
  runId: string;
  records: RequestRecord[];
  summary: RunSummary;
  /** Shard indices absent from the input (only with `allowPartial`). */
  missing: number[];
}

/**
 * Merges shard runs: every shard of the same run id and configuration, indices 0 … N − 1 each once (a missing one is a
 * {@link MergeError} unless `allowPartial`), no request index twice. Records are moved onto one timeline — offsets
 * from the earliest shard's start, on the shards' clocks — so the merged wall time runs from the earliest first send to
 * the latest completion, and throughput is over that. The merged health is suspect when any shard's was (named), with
 * a note when the shards started far apart.
 */
export function mergeShards(shards: readonly LoadedRun[], options: { allowPartial?: boolean } = {}): MergedRun {
  if (shards.length === 0) throw new MergeError("no shard given");
  for (const s of shards) {
    if (!s.summary.shard) {
      throw new MergeError(
        `${s.files.summary}: not a shard (a run made as one process, not as shards); merge takes the shards of one run`,
      );
    }
  }
  const first = shards[0];
  const runId = first.summary.runId ?? first.files.stem;
  const n = first.summary.shard!.shards;
  const byIndex = new Map<number, LoadedRun>();
  for (const s of shards) {
    const sh = s.summary.shard!;
    if ((s.summary.runId ?? s.files.stem) !== runId) {
      throw new MergeError(`${s.files.summary}: run ${s.summary.runId} is not run ${runId} (${first.files.summary})`);
    }
    if (sh.shards !== n) {
      throw new MergeError(`${s.files.summary}: a shard of ${sh.shards}, but ${first.files.summary} is one of ${n}`);
    }
    if (shared(s.summary) !== shared(first.summary)) {
      throw new MergeError(
        `${s.files.summary}: its configuration differs from ${first.files.summary} (${
          differingKeys(first.summary, s.summary).join(", ")
        })`,
      );
    }
    const seen = byIndex.get(sh.index);
    if (seen) throw new MergeError(`shard ${sh.index} given twice: ${seen.files.summary} and ${s.files.summary}`);
    byIndex.set(sh.index, s);
  }
  const missing = Array.from({ length: n }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length && !options.allowPartial) {
    throw new MergeError(
      `run ${runId}: shard${missing.length > 1 ? "s" : ""} ${missing.join(", ")} of 0 … ${n - 1} missing`,
      { missing },
    );
  }
  const ordered = [...byIndex.values()].sort((a, b) => a.summary.shard!.index - b.summary.shard!.index);
  // One timeline: each shard's offsets are from its own start; the merged run starts at the earliest.
  const origin = Math.min(...ordered.map((s) => s.summary.shard!.runStartEpochMs));
  const records: RequestRecord[] = [];
  const owner = new Map<string, number>();
  for (const s of ordered) {
    const shift = s.summary.shard!.runStartEpochMs - origin;
    for (const r of s.records) {
      const key = `${r.warmup ? "w" : "m"}${r.index}`;
      const other = owner.get(key);
      if (other !== undefined) {
        throw new MergeError(
          `request ${r.index}${r.warmup ? " (warm-up)" : ""} is in shard ${other} and shard ${
            s.summary.shard!.index
          }: not shards of one run`,
        );
      }
      owner.set(key, s.summary.shard!.index);
      const moved: RequestRecord = {
        ...r,
        startOffsetMs: round(r.startOffsetMs + shift),
        endOffsetMs: round(r.endOffsetMs + shift),
      };
      if (r.scheduledOffsetMs !== undefined) moved.scheduledOffsetMs = round(r.scheduledOffsetMs + shift);
      records.push(moved);
    }
  }
  records.sort((a, b) => a.startOffsetMs - b.startOffsetMs || a.index - b.index);
  const stops = ordered.map((s) => s.summary.run.stopReason);
  const stopReason = stops.includes("interrupted")
    ? "interrupted"
    : stops.includes("timeout")
    ? "timeout"
    : stops.includes("duration")
    ? "duration"
    : "completed";
  const { shardIndex: _i, ...config } = first.summary.config;
  const summary = summarize(records, {
    runId,
    ...(first.summary.dataset ? { dataset: first.summary.dataset } : {}),
    config,
    startedAt: new Date(origin).toISOString(),
    stopReason,
    tokenizer: first.summary.tokenizer,
    endpoint: { ...first.summary.endpoint, simulated: ordered.some((s) => s.summary.endpoint.simulated) },
    environment: first.summary.environment,
    ...(first.summary.goodput ? { slo: first.summary.goodput.slo } : {}),
  });
  // Health: the shards' own verdicts (their client load is theirs), and how far apart they started.
  const health = summary.health!;
  for (const s of ordered) {
    const h = s.summary.health;
    if (h?.verdict === "suspect") {
      health.verdict = "suspect";
      health.reasons.push(`shard ${s.summary.shard!.index} (${s.summary.shard!.host}): ${h.reasons.join("; ")}`);
    }
  }
  const starts = ordered.map((s) => s.summary.shard!.runStartEpochMs);
  const spread = Math.max(...starts) - Math.min(...starts);
  if (spread > START_SPREAD_NOTE_MS) {
    health.notes.push(
      `the shards' measured starts were ${
        spread.toFixed(0)
      } ms apart (on their own clocks): the first and last moments ` +
        `of the run had less load than the middle — check that the nodes' clocks are synchronised (NTP)`,
    );
  }
  if (missing.length) {
    health.notes.push(`merged without shard${missing.length > 1 ? "s" : ""} ${missing.join(", ")} of ${n}`);
  }
  summary.merged = {
    shards: n,
    missing,
    rows: ordered.map((s) => ({
      index: s.summary.shard!.index,
      stem: s.files.stem,
      host: s.summary.shard!.host,
      requests: s.summary.run.requestsStarted,
      ok: s.summary.run.requestsSucceeded,
      failed: s.summary.run.requestsFailed,
      latenessMs: s.summary.shard!.latenessMs ?? null,
      health: s.summary.health?.verdict ?? null,
      healthReasons: s.summary.health?.reasons ?? [],
    })),
  };
  return { runId, records, summary, missing };
}

const round = (x: number) => Math.round(x * 1000) / 1000;
