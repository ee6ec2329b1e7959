// The fair comparison of models under different tokenizers: the same text costs the same number of bits whatever it
// is cut into, so losses are compared per character (or byte) of the text, not per token. And what the vocabulary
// costs in parameters (the embedding table and, untied, the output head: V x n_embd each).

import { TextSource } from "../data/sources.js";
import { countCharacters } from "../data/files.js";
import type { Tokenizer } from "../data/tokenizer.js";
import type { GPT } from "../nn/gpt.js";
import { evaluateLoss } from "./metrics.js";
import type { LossStats } from "./metrics.js";
import type { Batch } from "../data/batch.js";

export interface TextCost {
  /** mean loss over every predicted token of the split, nats per token */
  loss: number;
  /** predicted tokens (every token of the text but its first, which is given) */
  tokens: number;
  /** total bits the model needs for those tokens */
  bits: number;
  characters: number;
  bytes: number;
  bitsPerToken: number;
  bitsPerCharacter: number;
  bitsPerByte: number;
}

const utf8 = new TextEncoder();

/**
 * Bits per character and per byte of a model on a text (a validation split): the text is encoded, cut into
 * consecutive windows of the model's blockSize (each token predicted once, as the text mode's validation does), and
 * the total bits over the predicted tokens are divided by the characters and UTF-8 bytes of the text. The first
 * token is context, not predicted; next to thousands of tokens that is a rounding error.
 */
export function textCost(model: GPT, tokenizer: Tokenizer, text: string, batchSize = 16): TextCost {
  const characters = countCharacters(text);
  if (characters === 0) throw new Error("textCost: the text is empty");
  const ids = tokenizer.encode(text);
  if (ids.length < 2) throw new Error(`textCost: the text has ${ids.length} token under the ${tokenizer.kind} tokenizer; it needs two or more (one to condition on, one to predict)`);
  const blockSize = Math.min(model.config.blockSize, ids.length - 1);
  const windows = new TextSource(ids, { blockSize, batchSize, seed: 0, bos: tokenizer.bos, name: "textCost" });
  const stats = evaluateLoss(model, windows.evalBatches());
  const bits = (stats.loss * stats.tokens) / Math.LN2;
  const bytes = utf8.encode(text).length;
  return { loss: stats.loss, tokens: stats.tokens, bits, characters, bytes, bitsPerToken: stats.bitsPerToken, bitsPerCharacter: bits / characters, bitsPerByte: bits / bytes };
}

export interface CoveredCost extends LossStats {
  /** characters and UTF-8 bytes of the predicted tokens (each row's targets decoded) */
  characters: number;
  bytes: number;
  bitsPerCharacter: number;
  bitsPerByte: number;
}

/**
 * Loss over batches (evaluateLoss) and, beside bits per token, bits per character and per byte of the text the
 * predicted tokens spell: the numbers that compare runs with different tokenizers (a char and a bpe run).
 */
export function evaluateCovered(model: GPT, tokenizer: Tokenizer, batches: readonly Batch[]): CoveredCost {
  const stats = evaluateLoss(model, batches);
  let characters = 0;
  let bytes = 0;
  for (const b of batches) {
    for (let r = 0; r < b.B; r++) {
      const row = Array.from(b.targets.subarray(r * b.T, (r + 1) * b.T)).filter((id) => id >= 0);
      const text = tokenizer.decode(row);
      characters += countCharacters(text);
      bytes += utf8.encode(text).length;
    }
  }
  const bits = (stats.loss * stats.tokens) / Math.LN2;
  return { ...stats, characters, bytes, bitsPerCharacter: bits / characters, bitsPerByte: bits / bytes };
}

/** Parameters that grow with the vocabulary: the token embedding and, when untied, the output head. */
export function vocabularyParameters(model: GPT): { embedding: number; head: number; total: number; share: number } {
  const { vocabSize: V, nEmbd: C, tieWeights } = model.config;
  const embedding = V * C, head = tieWeights ? 0 : V * C;
  return { embedding, head, total: embedding + head, share: (embedding + head) / model.numParams };
}
