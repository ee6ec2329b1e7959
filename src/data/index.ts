// The data layer's public API: tokenizers, batches, data sources and loadDataset.

export * from "./tokenizer.js";
export { CharTokenizer, buildCharTokenizer } from "./char.js";
export { WordTokenizer, buildWordTokenizer, splitWords } from "./word.js";
export * from "./dataset.js";
export { MixtureSource, withReplay } from "./mixture.js";
export type { MixturePart } from "./mixture.js";
export { repeatedSequences } from "./repeated.js";
export type { RepeatedOptions } from "./repeated.js";
export { createTokenizer, loadTokenizer, tokenizerKinds } from "./tokenizers.js";
export type { TokenizerKind } from "./tokenizers.js";
export { BPETokenizer, trainBPE } from "./bpe.js";
export { UnigramTokenizer, trainUnigram } from "./unigram.js";
export { dataModeEntry } from "./modes.js";
export { tokenizerStats, pieces, unseenWords } from "./tokenizer-stats.js";
export type { TokenizerStats } from "./tokenizer-stats.js";
