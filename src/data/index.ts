// The data layer's public API: tokenizers, batches, data sources and loadDataset.

export * from "./tokenizer.js";
export { CharTokenizer, buildCharTokenizer } from "./char.js";
export { WordTokenizer, buildWordTokenizer, splitWords } from "./word.js";
export * from "./dataset.js";
export { MixtureSource, withReplay } from "./mixture.js";
export type { MixturePart } from "./mixture.js";
export { repeatedSequences } from "./repeated.js";
export type { RepeatedOptions } from "./repeated.js";
