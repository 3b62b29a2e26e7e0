/**
 * The simulated endpoint's prefix cache, as vLLM's automatic prefix caching and SGLang's radix cache work in effect: a
 * prompt is cut into blocks, each block named by a hash of everything up to its end (so a block is found only after
 * the same prefix), and a request's leading blocks already in the cache skip prefill.
 *
 * Blocks are {@link BLOCK_CHARS} characters of the prompt text (the simulator counts tokens but does not keep their
 * ids): the cached tokens are the prompt's tokens in proportion to its cached characters, rounded down. The cache holds
 * at most `capacityBlocks` blocks (default 16,384 ≈ 1 M characters ≈ 250 k tokens of English) and evicts the least
 * recently used; a block is cached once its request is admitted.
 * @module
 */

/** Characters per cache block. */
export const BLOCK_CHARS = 64;

/** A bounded LRU cache of prompt blocks. */
export interface PrefixCache {
  /** Looks a prompt up (its leading cached blocks), then caches all of its blocks; the cached tokens of `tokens`. */
  admit(prompt: string, tokens: number): number;
  readonly size: number;
}

/** FNV-1a over a string, continuing from `h`: the hash of a block is the hash of the prompt up to its end. */
function fnv(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Creates a prefix cache of at most `capacityBlocks` blocks (0: no cache, nothing is ever cached). */
export function createPrefixCache(capacityBlocks: number): PrefixCache {
  // A Map iterates in insertion order: re-inserting a key on use keeps the least recently used first.
  const blocks = new Map<string, true>();
  return {
    get size() {
      return blocks.size;
    },
    admit(prompt, tokens) {
      if (capacityBlocks <= 0 || prompt.length < BLOCK_CHARS) return 0;
      const full = Math.floor(prompt.length / BLOCK_CHARS);
      let h = 0x811c9dc5;
      let cachedBlocks = 0;
      let prefix = true;
      const keys: string[] = [];
      for (let b = 0; b < full; b++) {
        h = fnv(h, prompt.slice(b * BLOCK_CHARS, (b + 1) * BLOCK_CHARS));
        // The position is part of the name: the same text at another place is another block.
        const key = `${b}:${h}`;
        keys.push(key);
        if (prefix && blocks.has(key)) cachedBlocks++;
        else prefix = false;
      }
      for (const key of keys) {
        blocks.delete(key);
        blocks.set(key, true);
      }
      while (blocks.size > capacityBlocks) blocks.delete(blocks.keys().next().value!);
      return Math.floor((tokens * cachedBlocks * BLOCK_CHARS) / prompt.length);
    },
  };
}
