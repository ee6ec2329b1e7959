// Data helpers for the notebooks: paths from the project root (a kernel runs in notebooks/, a script at the root),
// a corpus file whose seeded split gives chosen train and validation documents, and the memorizer's loss floor.

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createHash } from "crypto";
import { splitTrainVal } from "../data/dataset.js";
import type { Batch } from "../data/batch.js";
import type { Tokenizer } from "../data/tokenizer.js";
import { lossStats } from "../eval/metrics.js";
import type { LossStats } from "../eval/metrics.js";
import { projectPath } from "../io/paths.js";
export { projectPath };

export interface SplitCorpus {
  /** The file to give as RunConfig.data. */
  data: string;
  /** The RunConfig.valFraction that gives back exactly the chosen validation documents. */
  valFraction: number;
}

/**
 * Writes a corpus (under os.tmpdir()) whose seeded train/validation split, with the returned valFraction and the
 * same seed, is exactly `train` and `val` (loadDataset shuffles line numbers with Rng(seed) and takes the first
 * round(valFraction · n) as validation; the documents are placed at those positions). It lets a run train on a
 * subset of a corpus while it validates on the full corpus's validation documents.
 */
export function writeSplitCorpus(train: readonly string[], val: readonly string[], seed: number): SplitCorpus {
  if (train.length === 0) throw new Error("writeSplitCorpus: train needs at least one document");
  [...train, ...val].forEach((doc, i) => {
    if (typeof doc !== "string" || doc.trim() !== doc || doc === "" || /[\r\n]/.test(doc)) {
      throw new Error(`writeSplitCorpus: document ${i} must be one trimmed, non-empty line (got ${JSON.stringify(doc)})`);
    }
  });
  const n = train.length + val.length;
  const valFraction = val.length / n;
  const split = splitTrainVal(Array.from({ length: n }, (_, i) => i), { valFraction, seed });
  if (split.val.length !== val.length) throw new Error(`writeSplitCorpus: the split gives ${split.val.length} validation lines, not ${val.length}`);
  const lines = new Array<string>(n);
  split.val.forEach((position, k) => (lines[position] = val[k]));
  split.train.forEach((position, k) => (lines[position] = train[k]));
  const text = lines.join("\n") + "\n";
  const digest = createHash("sha256").update(`${seed}\n${text}`).digest("hex").slice(0, 12);
  const file = path.join(os.tmpdir(), `gptlab-corpus-${train.length}-${val.length}-${digest}.txt`);
  if (!fs.existsSync(file)) fs.writeFileSync(file, text);
  return { data: file, valFraction };
}

/**
 * The loss of a perfect memorizer of these sequences: it predicts each next token by how often it follows the same
 * prefix among them (prefixes start at BOS, so this is the best any model can do on these exact documents).
 * With distinct documents only the branching points cost anything: the first word, and shared beginnings.
 */
export function memorizerLoss(batches: readonly Batch[]): LossStats {
  const counts = new Map<string, number>();
  const bump = (key: string): void => void counts.set(key, (counts.get(key) ?? 0) + 1);
  forEachPrediction(batches, (prefix, next) => {
    bump(prefix);
    bump(next);
  });
  let total = 0;
  let tokens = 0;
  forEachPrediction(batches, (prefix, next) => {
    total -= Math.log(counts.get(next)! / counts.get(prefix)!);
    tokens++;
  });
  if (tokens === 0) throw new Error("memorizerLoss: the batches hold no targets");
  return lossStats(total / tokens, tokens);
}

/** Calls fn with a key for each target's prefix (the row's inputs up to it) and for that prefix plus the target. */
function forEachPrediction(batches: readonly Batch[], fn: (prefix: string, next: string) => void): void {
  for (const b of batches) {
    for (let r = 0; r < b.B; r++) {
      let prefix = "";
      for (let t = 0; t < b.T; t++) {
        const target = b.targets[r * b.T + t];
        if (target < 0) break;
        prefix += `${b.inputs[r * b.T + t]},`;
        fn(prefix, `${prefix}>${target}`);
      }
    }
  }
}

/**
 * The memorizer's floor over a run's whole training split (every training document, not only the `evalBatches`
 * the trainer evaluates): the lowest training loss any model of these exact documents can reach.
 */
export function memorizerFloor(run: { data: { train: { evalBatches(maxBatches?: number): Batch[] } } }): LossStats {
  return memorizerLoss(run.data.train.evalBatches());
}

/**
 * The words of `text` that `tokenizer` cannot write (a word tokenizer without `<UNK>` throws on them): a notebook
 * checks its prompts with it before training, so that an unknown word fails at once, not after the run.
 */
export function unknownWords(tokenizer: Pick<Tokenizer, "encode">, text: string): string[] {
  return text.split(/\s+/).filter((w) => {
    if (!w) return false;
    try {
      tokenizer.encode(w);
      return false;
    } catch {
      return true;
    }
  });
}
