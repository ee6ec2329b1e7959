// Datasets: encoding documents with line-numbered errors, and loadDataset(), the one call the CLI and notebooks
// use to go from a text file to a tokenizer and train/val data sources (the mode's registry entry reads the file).

import * as path from "node:path";
import { checkInt } from "./batch.js";
import { dataModeEntry, dataModeRegistry } from "./modes.js";
import type { DataMode, DataModeEntry, ReadData } from "./modes.js";
import type { DataSource } from "./sources.js";
import type { Tokenizer } from "./tokenizer.js";
import { createTokenizer, loadTokenizer } from "./tokenizers.js";
import { DataCache } from "./cache.js";
import type { CacheUse } from "./cache.js";
import type { TokenizerKind } from "./tokenizers.js";

export type { Batch } from "./batch.js";
export { PAD_TARGET, makeBatch } from "./batch.js";
export type { DataSource, DataSourceState, DocumentsState, StreamState, SourceOptions } from "./sources.js";
export { DocumentSource, StreamSource, TextSource } from "./sources.js";
export { createDataSource, dataModeEntry, dataModeHelp, dataModeRegistry, dataModes } from "./modes.js";
export type { DataMode, DataModeEntry } from "./modes.js";
export { splitTrainVal } from "./split.js";
export type { SplitOptions } from "./split.js";
export { countCharacters, readLines, readText, splitLines } from "./files.js";

/** Token ids of each document (no BOS); an unknown symbol's error says which line it is on. */
export function encodeDocuments(tokenizer: Tokenizer, docs: readonly string[], source = "document", lineNumbers?: readonly number[]): number[][] {
  return docs.map((d, i) => {
    try {
      return tokenizer.encode(d);
    } catch (e) {
      throw new Error(`${source} line ${lineNumbers ? lineNumbers[i] : i + 1}: ${(e as Error).message}`);
    }
  });
}

export interface LoadDatasetOptions {
  /** text file: one document per line (documents, stream; blank lines are skipped) or any text (mode "text") */
  path: string;
  /** a kind from the registry (tokenizerKinds) builds a tokenizer from the whole file (train and val, so val has no unknown symbols); a Tokenizer (e.g. from a checkpoint) is used as is. Default "word". */
  tokenizer?: TokenizerKind | Tokenizer;
  /** with a built char or word tokenizer: add <UNK> (default false) */
  unk?: boolean;
  /** with a built bpe or unigram tokenizer: its vocabulary size (default 2000) */
  vocabSize?: number;
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
  /** modes whose lines are documents (documents, stream): train on only the first N documents of the (shuffled) training split; the tokenizer and validation split are the whole file's. Default: all */
  trainDocs?: number;
  /** a folder for the encoded-data cache (src/data/cache.ts): the built tokenizer and the encoded splits per file content; default none */
  cache?: string | null;
}

export interface LoadedDataset {
  /** absolute path of the file */
  path: string;
  mode: DataMode;
  tokenizer: Tokenizer;
  /** all documents of the file, in file order (text mode: the whole text) */
  docs: string[];
  /** text mode: the first (1 - valFraction) of the text, and the rest */
  trainDocs: string[];
  valDocs: string[];
  train: DataSource;
  /** null when valFraction is 0 */
  val: DataSource | null;
  /** with options.cache: this file's cache folder and whether the tokenizer and the encoded splits were read from it */
  cache?: { dir: string; tokenizer?: CacheUse; encoded?: CacheUse };
}

export const datasetDefaults = { tokenizer: "word", unk: false, vocabSize: undefined, mode: "documents", blockSize: 16, batchSize: 1, valFraction: 0.1, seed: 42, trainDocs: undefined, cache: null } as const;

/** Keeps the first n training documents (a random sample: the split is shuffled); the corpus, so the vocabulary, stays whole. */
function limitTrainDocs(data: ReadData, n: number, mode: DataModeEntry, file: string): void {
  checkInt("trainDocs", n, 1);
  if (!mode.documents) throw new Error(`trainDocs counts documents (lines) and applies to modes ${dataModeRegistry.filter((m) => m.documents).map((m) => m.kind).join(", ")}, not ${mode.kind} (${file})`);
  if (n > data.train.length) throw new Error(`trainDocs is ${n} but the training split of ${file} has ${data.train.length} documents; pass at most ${data.train.length}`);
  data.train = data.train.slice(0, n);
  if (data.trainLines) data.trainLines = data.trainLines.slice(0, n);
}

/** Reads a file, builds (or takes) a tokenizer, splits it train/val as its mode does and returns a data source for each. */
export function loadDataset(options: LoadDatasetOptions): LoadedDataset {
  if (typeof options !== "object" || options === null) throw new Error("loadDataset needs an options object, e.g. { path: \"datasets/names/names.txt\", tokenizer: \"char\" }");
  for (const k of Object.keys(options)) {
    if (k !== "path" && !(k in datasetDefaults)) throw new Error(`loadDataset: unknown option ${JSON.stringify(k)} (known: path, ${Object.keys(datasetDefaults).join(", ")})`);
  }
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as LoadDatasetOptions;
  const o = { ...datasetDefaults, ...given };
  const mode = dataModeEntry(o.mode);
  checkInt("blockSize", o.blockSize, 1);
  checkInt("batchSize", o.batchSize, 1);
  checkInt("seed", o.seed, 0);

  const file = path.resolve(o.path);
  const data = mode.read(file, { valFraction: o.valFraction, seed: o.seed });
  if (o.trainDocs !== undefined) limitTrainDocs(data, o.trainDocs, mode, file);
  const cache = o.cache ? new DataCache(o.cache, file) : null;
  let tokenizer: Tokenizer;
  if (typeof o.tokenizer === "string") {
    const build = { unk: o.unk, vocabSize: o.vocabSize, lineBreaks: data.lineBreaks };
    const make = (): Tokenizer => createTokenizer(o.tokenizer as string, data.corpus, build);
    tokenizer = cache ? cache.tokenizer({ kind: o.tokenizer, ...build }, make, loadTokenizer) : make();
  } else if (typeof o.tokenizer === "object" && o.tokenizer !== null && typeof o.tokenizer.encode === "function") tokenizer = o.tokenizer;
  else throw new Error(`tokenizer must be a tokenizer kind or a Tokenizer (got ${JSON.stringify(o.tokenizer)})`);

  const encode = (): number[][][] => [encodeDocuments(tokenizer, data.train, file, data.trainLines), encodeDocuments(tokenizer, data.val, file, data.valLines)];
  const splitKey = { tokenizer: JSON.stringify(tokenizer.toJSON()), mode: mode.kind, valFraction: o.valFraction, seed: mode.documents ? o.seed : null, trainDocs: o.trainDocs ?? null };
  const [train, val] = cache ? cache.encoded(splitKey, encode) : encode();
  const common = { bos: tokenizer.bos, blockSize: o.blockSize, batchSize: o.batchSize, file, tokenizer: tokenizer.kind };
  return {
    ...(cache ? { cache: { dir: cache.dir, ...cache.uses } } : {}),
    path: file,
    mode: mode.kind as DataMode,
    tokenizer,
    docs: data.docs,
    trainDocs: data.train,
    valDocs: data.val,
    train: mode.source(train, { ...common, seed: o.seed + 1, name: "train", startsFile: true }),
    val: data.val.length > 0 ? mode.source(val, { ...common, seed: o.seed + 2, name: "val", startsFile: false }) : null,
  };
}
