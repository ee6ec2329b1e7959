// The induction-head toy's data: sequences of random tokens that repeat ([A][B]... [A][B]...), as text documents
// of single characters so that a char tokenizer and the ordinary data sources serve them. Seeded.

import { Rng } from "../core/random.js";
import { checkInt } from "./batch.js";

export interface RepeatedOptions {
  /** Distinct tokens, at most 26 (the letters a, b, ...). */
  vocab: number;
  /** Length of the random half; each document is that half twice (2 * length characters). */
  length: number;
  /**
   * Longest half (default: length): each document's half length is drawn from length..maxLength, so the repeat
   * is not at a fixed distance and a fixed-offset copy cannot stand in for an induction head.
   */
  maxLength?: number;
  seed: number;
}

/** count documents, each a random string of `length` letters from the first `vocab` letters, written twice. */
export function repeatedSequences(count: number, opts: RepeatedOptions): string[] {
  checkInt("count", count, 1);
  checkInt("vocab", opts.vocab, 2);
  checkInt("length", opts.length, 2);
  checkInt("seed", opts.seed, 0);
  const maxLength = opts.maxLength ?? opts.length;
  checkInt("maxLength", maxLength, opts.length);
  if (opts.vocab > 26) throw new Error(`vocab must be at most 26 letters (got ${opts.vocab})`);
  const rng = new Rng(opts.seed);
  const letters = "abcdefghijklmnopqrstuvwxyz";
  const docs: string[] = [];
  for (let d = 0; d < count; d++) {
    let half = "";
    const n = opts.length + rng.int(maxLength - opts.length + 1);
    for (let i = 0; i < n; i++) half += letters[rng.int(opts.vocab)];
    docs.push(half + half);
  }
  return docs;
}
