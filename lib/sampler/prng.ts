/** A seeded pseudo-random source: the same seed always gives the same sequence. */
export interface Prng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer uniform in [0, n). */
  int(n: number): number;
  /** Normal(mean, stddev) by the Box–Muller transform. */
  normal(mean: number, stddev: number): number;
}

/** Creates a {@link Prng} (mulberry32) from a 32-bit seed. */
export function createPrng(seed: number): Prng {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    normal(mean, stddev) {
      if (stddev === 0) return mean;
      const u = 1 - next(); // (0, 1]: log is finite
      const v = next();
      return mean + stddev * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
  };
}
