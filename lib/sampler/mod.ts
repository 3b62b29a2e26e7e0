export * from "./prng.ts";
export * from "./tokenizer.ts";
export * from "./corpus.ts";
export * from "./sampler.ts";
export * from "./dataset.ts";
