// The data mode registry: how each mode reads a file (the text a tokenizer learns from, and the train/val split)
// and the data source it serves batches from. DataMode, the config's choices, --help and createDataSource follow
// from the list. A new mode is one entry (in its own file when it grows) plus its test, and one line below.

import * as path from "node:path";
import { readLines, readText } from "./files.js";
import { DocumentSource, StreamSource, TextSource } from "./sources.js";
import type { DataSource, SourceOptions } from "./sources.js";
import { splitTrainVal } from "./split.js";
import type { SplitOptions } from "./split.js";

export interface ReadData {
  /** the text a tokenizer is built from (train and val, so val has no unknown symbols) */
  corpus: string;
  /** whether line breaks are symbols (text mode) or separate documents */
  lineBreaks: boolean;
  /** all documents in file order (text mode: the whole text as one) */
  docs: string[];
  train: string[];
  val: string[];
  /** where each train / val document is in the file (1-based, counting non-blank lines), for error messages */
  trainLines?: number[];
  valLines?: number[];
}

export interface DataModeEntry<K extends string = string> {
  kind: K;
  description: string;
  /** The file's lines are documents (trainDocs counts them); false: the file is one text. */
  documents: boolean;
  /** "padded": one document per row, cut to blockSize + 1 tokens (a run warns about the lines it cuts); "windows": windows of a stream. */
  rows: "padded" | "windows";
  read(file: string, split: SplitOptions): ReadData;
  /** A data source over one split's encoded documents; startsFile: this split holds the file's beginning. */
  source(encoded: number[][], opts: SourceOptions & { file: string; tokenizer: string; startsFile: boolean }): DataSource;
}

/** One document per non-blank line; a seeded random share of the lines is validation. */
function readDocuments(file: string, split: SplitOptions): ReadData {
  const docs = readLines(file);
  const { train, val } = splitTrainVal(
    docs.map((_, i) => i),
    split,
  );
  return { corpus: docs.join("\n"), lineBreaks: false, docs, train: train.map((i) => docs[i]), val: val.map((i) => docs[i]), trainLines: train.map((i) => i + 1), valLines: val.map((i) => i + 1) };
}

export const documentsMode: DataModeEntry<"documents"> = {
  kind: "documents",
  documents: true,
  rows: "padded",
  description: "one line per row, padded, lines shuffled (batchSize 1 = the lab's one sentence per step); validation: random lines",
  read: readDocuments,
  source: (encoded, opts) => new DocumentSource(encoded, opts),
};

export const streamMode: DataModeEntry<"stream"> = {
  kind: "stream",
  documents: true,
  rows: "windows",
  description: "the lines joined by BOS into one stream, random windows of blockSize + 1; validation: random lines",
  read: readDocuments,
  source: (encoded, opts) => new StreamSource(encoded, opts),
};

export const textMode: DataModeEntry<"text"> = {
  kind: "text",
  documents: false,
  rows: "windows",
  description: "the whole file as one stream (line breaks and blank lines are characters), random windows of blockSize + 1; validation: the last valFraction of the file (as nanoGPT and char-rnn)",
  read(file, split) {
    const text = readText(file);
    if (text.length === 0) throw new Error(`data file ${path.resolve(file)} is empty: the text mode needs a text of at least two blocks (one to train on, one to validate)`);
    if (typeof split.valFraction !== "number" || !(split.valFraction >= 0 && split.valFraction < 1)) throw new Error(`valFraction must be a number in [0, 1) (got ${String(split.valFraction)})`);
    // cut by characters, so every tokenizer validates on the same text (the fair comparison across tokenizers), on
    // a word boundary: a word cut in two would be two unknown words to a word tokenizer
    let cut = Math.round(text.length * (1 - split.valFraction));
    const space = /\s/;
    if (cut > 0) while (cut < text.length && !space.test(text[cut - 1]) && !space.test(text[cut])) cut++;
    const c = text.charCodeAt(cut);
    if (cut > 0 && cut < text.length && c >= 0xdc00 && c <= 0xdfff) cut++; // never split a surrogate pair
    const val = split.valFraction > 0 && cut < text.length ? [text.slice(cut)] : [];
    return { corpus: text, lineBreaks: true, docs: [text], train: [text.slice(0, cut)], val };
  },
  // BOS stands once before the file's first token, so sampling from BOS starts a text the way the file does
  source: (encoded, opts) => new TextSource(opts.startsFile ? [opts.bos, ...encoded[0]] : encoded[0], opts),
};

export const dataModeRegistry = [documentsMode, streamMode, textMode] as const;

export type DataMode = (typeof dataModeRegistry)[number]["kind"];
export const dataModes: readonly DataMode[] = dataModeRegistry.map((m) => m.kind);

/** The registry entry of a mode; an unknown one's error lists the modes. */
export function dataModeEntry(mode: string): DataModeEntry {
  const e = dataModeRegistry.find((m) => m.kind === mode);
  if (!e) throw new Error(`data mode must be one of ${dataModes.join(", ")} (got ${JSON.stringify(mode)})`);
  return e;
}

/** One line per mode, for --help. */
export function dataModeHelp(): string {
  return dataModeRegistry.map((m) => `${m.kind}: ${m.description}`).join("; ");
}

/** A data source of the given mode over encoded documents (token ids without BOS). */
export function createDataSource(mode: string, docs: number[][], opts: SourceOptions): DataSource {
  return dataModeEntry(mode).source(docs, { ...opts, file: opts.name ?? "data", tokenizer: "", startsFile: opts.name !== "val" });
}
