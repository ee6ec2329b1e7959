// The fair comparison of models under different tokenizers: the same text costs the same number of bits whatever it
// is cut into, so losses are compared per character (or byte) of the text, not per token. And what the vocabulary
// costs in parameters (the embedding table and, untied, the output head: V x n_embd each).

import type { DataSource } from "../data/sources.js";
import type { GPT } from "../nn/gpt.js";
import { evaluateLoss } from "./metrics.js";

export interface TextCost {
  /** mean loss over every predicted token of the split, nats per token */
  loss: number;
  /** predicted tokens (every token of the split but its first, which is given) */
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
 * Bits per character and per byte of a model on a whole split (all its windows, not a capped sample): total bits
 * over the predicted tokens divided by the characters and UTF-8 bytes of `text`, the split's text. The split's first
 * token is context, not predicted; next to tens of thousands of tokens that is a rounding error.
 */
export function textCost(model: GPT, split: DataSource, text: string): TextCost {
  const stats = evaluateLoss(model, split.evalBatches());
  const bits = (stats.loss * stats.tokens) / Math.LN2;
  const characters = Array.from(text).length;
  const bytes = utf8.encode(text).length;
  if (characters === 0) throw new Error("textCost: the split's text is empty");
  return { loss: stats.loss, tokens: stats.tokens, bits, characters, bytes, bitsPerToken: stats.bitsPerToken, bitsPerCharacter: bits / characters, bitsPerByte: bits / bytes };
}

/** Parameters that grow with the vocabulary: the token embedding and, when untied, the output head. */
export function vocabularyParameters(model: GPT): { embedding: number; head: number; total: number; share: number } {
  const { vocabSize: V, nEmbd: C, tieWeights } = model.config;
  const embedding = V * C, head = tieWeights ? 0 : V * C;
  return { embedding, head, total: embedding + head, share: (embedding + head) / model.numParams };
}
