import { createPrng, type Prng } from "../sampler/prng.ts";

/** How requests arrive in an open-loop run. */
export type Arrival = "poisson" | "gamma" | "constant";

/** Options of {@link arrivalSchedule}. */
export interface ScheduleOptions {
  /** Mean requests per second. */
  rate: number;
  /** @default "poisson" */
  arrival?: Arrival;
  /** Shape of the gamma inter-arrival distribution: 1 = Poisson, < 1 burstier, > 1 more regular. @default 1 */
  burstiness?: number;
  /** Arrivals to draw. */
  count: number;
  /** @default 0 */
  seed?: number;
}

function gamma(prng: Prng, shape: number): number {
  // Marsaglia & Tsang; for shape < 1, boost and scale back.
  if (shape < 1) return gamma(prng, shape + 1) * Math.pow(1 - prng.next(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = prng.normal(0, 1);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - prng.next();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/**
 * Computes an open-loop schedule before the run: the send time of each request in ms from the run's start (the first
 * at 0). Inter-arrival times are exponential (Poisson), gamma with the given burstiness (mean kept at 1 / rate), or
 * constant. Seeded: the same options give the same schedule.
 */
export function arrivalSchedule(options: ScheduleOptions): number[] {
  const prng = createPrng(options.seed ?? 0);
  const mean = 1000 / options.rate;
  const shape = options.burstiness ?? 1;
  const out: number[] = new Array(options.count);
  let t = 0;
  for (let i = 0; i < options.count; i++) {
    out[i] = t;
    switch (options.arrival ?? "poisson") {
      case "constant":
        t += mean;
        break;
      case "poisson":
        t += -Math.log(1 - prng.next()) * mean;
        break;
      case "gamma":
        t += (gamma(prng, shape) / shape) * mean;
        break;
    }
  }
  return out;
}
