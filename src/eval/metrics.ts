// Loss-based metrics: mean cross-entropy over a split, perplexity = exp(loss), bits per token = loss / ln 2.

import type { Batch } from "../data/batch.js";
import type { GPT } from "../nn/gpt.js";

export interface LossStats {
  /** Mean cross-entropy in nats per token. */
  loss: number;
  perplexity: number;
  bitsPerToken: number;
  /** Tokens (non-padding targets) averaged over. */
  tokens: number;
}

export function perplexity(loss: number): number {
  return Math.exp(loss);
}

export function bitsPerToken(loss: number): number {
  return loss / Math.LN2;
}

export function lossStats(loss: number, tokens: number): LossStats {
  return { loss, perplexity: perplexity(loss), bitsPerToken: bitsPerToken(loss), tokens };
}

/** Tokens a batch trains on: targets that are not padding. */
export function countTargets(batch: Batch): number {
  let n = 0;
  for (let i = 0; i < batch.targets.length; i++) if (batch.targets[i] >= 0) n++;
  return n;
}

/** Token-weighted mean loss of a model over batches (no gradients recorded). */
export function evaluateLoss(model: GPT, batches: readonly Batch[]): LossStats {
  let total = 0;
  let tokens = 0;
  for (const b of batches) {
    const n = countTargets(b);
    if (n === 0) continue;
    total += model.evalLoss(b.inputs, b.B, b.T, b.targets) * n;
    tokens += n;
  }
  if (tokens === 0) throw new Error("evaluateLoss: the batches hold no targets to evaluate");
  return lossStats(total / tokens, tokens);
}
