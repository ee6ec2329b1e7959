// Datasets: the seeded train/validation split, encoding documents with line-numbered errors, and loadDataset(),
// the one call the CLI and notebooks use to go from a text file to a tokenizer and train/val data sources.

import * as path from "node:path";
import { Rng } from "../core/random.js";
import { checkInt } from "./batch.js";
import { buildCharTokenizer } from "./char.js";
import { readLines } from "./files.js";
import { createDataSource } from "./sources.js";
import type { DataMode, DataSource } from "./sources.js";
import type { Tokenizer } from "./tokenizer.js";
import { buildWordTokenizer } from "./word.js";

export type { Batch } from "./batch.js";
export { PAD_TARGET, makeBatch } from "./batch.js";
export type { DataMode, DataSource, DataSourceState, DocumentsState, StreamState, SourceOptions } from "./sources.js";
export { DocumentSource, StreamSource, createDataSource } from "./sources.js";
export { readLines, readText, splitLines } from "./files.js";

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

/** Token ids of each document (no BOS); an unknown symbol's error says which line it is on. */
export function encodeDocuments(tokenizer: Tokenizer, docs: readonly string[], source = "document"): number[][] {
  return docs.map((d, i) => {
    try {
      return tokenizer.encode(d);
    } catch (e) {
      throw new Error(`${source} line ${i + 1}: ${(e as Error).message}`);
    }
  });
}

export interface LoadDatasetOptions {
  /** text file, one document per line (blank lines are skipped) */
  path: string;
  /** "word" or "char" builds a tokenizer from the whole file (train and val, so val has no unknown symbols); a Tokenizer (e.g. from a checkpoint) is used as is. Default "word". */
  tokenizer?: "word" | "char" | Tokenizer;
  /** with a built tokenizer: add <UNK> (default false) */
  unk?: boolean;
  /** default "documents" (one document per row; batchSize 1 is the lab's one sentence per step) */
  mode?: DataMode;
  /** default 16 */
  blockSize?: number;
  /** default 1 */
  batchSize?: number;
  /** default 0.1 */
  valFraction?: number;
  /** seeds the split (seed), train order (seed + 1) and val draws (seed + 2); default 42 */
  seed?: number;
}

export interface LoadedDataset {
  /** absolute path of the file */
  path: string;
  tokenizer: Tokenizer;
  /** all documents of the file, in file order */
  docs: string[];
  trainDocs: string[];
  valDocs: string[];
  train: DataSource;
  /** null when valFraction is 0 */
  val: DataSource | null;
}

export const datasetDefaults = { tokenizer: "word", unk: false, mode: "documents", blockSize: 16, batchSize: 1, valFraction: 0.1, seed: 42 } as const;

/** Reads a file, builds (or takes) a tokenizer, splits documents train/val and returns a data source for each. */
export function loadDataset(options: LoadDatasetOptions): LoadedDataset {
  if (typeof options !== "object" || options === null) throw new Error("loadDataset needs an options object, e.g. { path: \"datasets/names/names.txt\", tokenizer: \"char\" }");
  for (const k of Object.keys(options)) {
    if (k !== "path" && !(k in datasetDefaults)) throw new Error(`loadDataset: unknown option ${JSON.stringify(k)} (known: path, ${Object.keys(datasetDefaults).join(", ")})`);
  }
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as LoadDatasetOptions;
  const o = { ...datasetDefaults, ...given };
  if (o.mode !== "documents" && o.mode !== "stream") throw new Error(`mode must be "documents" or "stream" (got ${JSON.stringify(o.mode)})`);
  checkInt("blockSize", o.blockSize, 1);
  checkInt("batchSize", o.batchSize, 1);
  checkInt("seed", o.seed, 0);

  const file = path.resolve(o.path);
  const docs = readLines(file);
  let tokenizer: Tokenizer;
  if (o.tokenizer === "word") tokenizer = buildWordTokenizer(docs.join("\n"), { unk: o.unk });
  else if (o.tokenizer === "char") tokenizer = buildCharTokenizer(docs.join("\n"), { unk: o.unk });
  else if (typeof o.tokenizer === "object" && o.tokenizer !== null && typeof o.tokenizer.encode === "function") tokenizer = o.tokenizer;
  else throw new Error(`tokenizer must be "word", "char" or a Tokenizer (got ${JSON.stringify(o.tokenizer)})`);

  const encoded = encodeDocuments(tokenizer, docs, file);
  const { train, val } = splitTrainVal(
    docs.map((_, i) => i),
    { valFraction: o.valFraction, seed: o.seed },
  );
  const common = { bos: tokenizer.bos, blockSize: o.blockSize, batchSize: o.batchSize };
  return {
    path: file,
    tokenizer,
    docs,
    trainDocs: train.map((i) => docs[i]),
    valDocs: val.map((i) => docs[i]),
    train: createDataSource(o.mode, train.map((i) => encoded[i]), { ...common, seed: o.seed + 1, name: "train" }),
    val: val.length > 0 ? createDataSource(o.mode, val.map((i) => encoded[i]), { ...common, seed: o.seed + 2, name: "val" }) : null,
  };
}
