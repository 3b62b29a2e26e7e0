/**
 * One shard's part of a run (README "Load beyond one machine"). N shards together send exactly what one run with the
 * same configuration and seed sends: shard I takes the run's requests I, I + N, I + 2N, … of the one seeded sequence
 * (the same prompts, the same dataset lines), the arrivals I, I + N, … of the one open-loop schedule (so the union is
 * the requested rate and shape), its share of the concurrency (split as evenly as integers allow), and the warm-up
 * requests j with j mod N = I. Requests keep their index in the whole run, so the merged run has every index once.
 * @module
 */
import type { RequestSpec } from "../sampler/sampler.ts";
import type { RequestList, RunPlan } from "./plan.ts";

/** How many of 0 … total − 1 are ≡ index (mod shards). */
export function shardCount(total: number, shards: number, index: number): number {
  if (!Number.isFinite(total)) return Infinity;
  return total > index ? Math.floor((total - 1 - index) / shards) + 1 : 0;
}

/** Shard `index` of `shards`' share of `total` (concurrency): ⌊total / N⌋, one more for the first total mod N shards. */
export function shareOf(total: number, shards: number, index: number): number {
  return Math.floor(total / shards) + (index < total % shards ? 1 : 0);
}

function every<T>(list: { length: number; at(i: number): T | undefined }, shards: number, index: number) {
  return {
    length: shardCount(list.length, shards, index),
    at: (k: number) => (k >= 0 ? list.at(index + k * shards) : undefined),
  };
}

/**
 * Shard `index` of `shards` of a run's plan. The requests keep their indices in the whole run; an open-loop schedule
 * keeps its times (every shard starts its clock at the common start).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shardPlan } from "./shard.ts";
 * const spec = (index: number) => ({ index, prompt: "", promptTokens: 1, requestedInputTokens: 1, maxTokens: 1 });
 * const plan = { requests: [0, 1, 2, 3, 4].map(spec), warmup: [], max: 5, concurrency: 3 };
 * const one = shardPlan(plan, 2, 1);
 * assert.deepEqual([one.requests.at(0)?.index, one.requests.at(1)?.index], [1, 3]);
 * assert.equal(one.max, 2);
 * assert.equal(one.concurrency, 1); // 3 split over 2 shards: 2 and 1
 * ```
 */
export function shardPlan(plan: RunPlan, shards: number, index: number): RunPlan {
  if (shards === 1) return plan;
  const requests: RequestList = every<RequestSpec>(plan.requests, shards, index);
  const warmup = plan.warmup.filter((_, j) => j % shards === index);
  const schedule = plan.schedule ? plan.schedule.filter((_, j) => j % shards === index) : undefined;
  return {
    requests,
    warmup,
    max: shardCount(plan.max, shards, index),
    concurrency: Math.max(1, shareOf(plan.concurrency, shards, index)),
    ...(schedule ? { schedule } : {}),
  };
}
