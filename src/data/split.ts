// The seeded train/validation split of documents (the documents and stream modes; the text mode cuts the file instead).

import { Rng } from "../core/random.js";
import { checkInt } from "./batch.js";

export interface SplitOptions {
  /** share of the items that go to validation, in [0, 1) */
  valFraction: number;
  seed: number;
}

/**
 * Seeded split: shuffle a copy of the items with Rng(seed), then the first round(valFraction * n) are val and the
 * rest train (both in that shuffled order). With valFraction > 0 and at least two items, val and train each get
 * at least one. The same items, fraction and seed always give the same split.
 */
export function splitTrainVal<T>(items: readonly T[], opts: SplitOptions): { train: T[]; val: T[] } {
  const { valFraction, seed } = opts;
  if (typeof valFraction !== "number" || !(valFraction >= 0 && valFraction < 1)) throw new Error(`valFraction must be a number in [0, 1) (got ${String(valFraction)})`);
  checkInt("seed", seed, 0);
  const shuffled = new Rng(seed).shuffle(items.slice());
  const n = shuffled.length;
  let nVal = Math.round(valFraction * n);
  if (valFraction > 0 && n >= 2) nVal = Math.min(Math.max(nVal, 1), n - 1);
  return { val: shuffled.slice(0, nVal), train: shuffled.slice(nVal) };
}
