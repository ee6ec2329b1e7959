// The Tokenizer contract shared by the character- and word-level tokenizers, and loadTokenizer(json),
// which rebuilds either one from its saved JSON (checkpoints store the tokenizer this way).

import { CharTokenizer } from "./char.js";
import { WordTokenizer } from "./word.js";

export type TokenizerKind = "char" | "word";

export interface Tokenizer {
  readonly kind: TokenizerKind;
  readonly vocabSize: number;
  /** id of BOS/EOS (opens and closes each document) */
  readonly bos: number;
  /** id used for unknown symbols, or null: unknown symbols throw */
  readonly unk: number | null;
  /** The symbols by id: vocab[id] is a character (char) or a lowercase word or punctuation mark (word). */
  readonly vocab: readonly string[];
  /** Token ids of text, without BOS. */
  encode(text: string): number[];
  /** Text of ids; BOS separates documents (a leading or trailing BOS is dropped, an inner one becomes "\n"). */
  decode(ids: ArrayLike<number>): string;
  toJSON(): TokenizerJSON;
}

export interface TokenizerJSON {
  kind: TokenizerKind;
  vocab: string[];
  bos: number;
  unk: number | null;
  /** Format version of this JSON (1). */
  version: number;
}

export { BOS_SYMBOL, UNK_SYMBOL } from "./vocab.js";
export type { BuildOptions } from "./vocab.js";

/** Rebuilds a tokenizer from toJSON() output (an object or its JSON string). */
export function loadTokenizer(json: TokenizerJSON | string): Tokenizer {
  let obj: unknown = json;
  if (typeof json === "string") {
    try {
      obj = JSON.parse(json);
    } catch (e) {
      throw new Error(`loadTokenizer: the string is not valid JSON (${(e as Error).message})`);
    }
  }
  if (typeof obj !== "object" || obj === null) throw new Error(`loadTokenizer needs an object from tokenizer.toJSON() (got ${String(obj)})`);
  const j = obj as Partial<TokenizerJSON>;
  if (j.version !== undefined && j.version !== 1) throw new Error(`tokenizer JSON version ${String(j.version)} is not supported (this gptlab reads version 1)`);
  if (j.kind === "char") return CharTokenizer.fromJSON(j);
  if (j.kind === "word") return WordTokenizer.fromJSON(j);
  throw new Error(`tokenizer JSON kind must be "char" or "word" (got ${JSON.stringify(j.kind)})`);
}
