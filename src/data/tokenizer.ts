// The Tokenizer contract every tokenizer kind implements (the kinds: tokenizerKinds). This file imports no
// tokenizer: the kinds, their builders and loadTokenizer(json) live in the registry (tokenizers.ts).

export interface Tokenizer {
  /** A kind from the registry (tokenizerKinds). */
  readonly kind: string;
  readonly vocabSize: number;
  /** id of BOS/EOS (opens and closes each document) */
  readonly bos: number;
  /** id used for unknown symbols, or null: unknown symbols throw (bpe and unigram never meet one) */
  readonly unk: number | null;
  /** The symbols by id: a character (char), a lowercase word or punctuation mark (word), a piece (bpe, unigram). */
  readonly vocab: readonly string[];
  /** Token ids of text, without BOS. */
  encode(text: string): number[];
  /** Text of ids; BOS separates documents (a leading or trailing BOS is dropped, an inner one becomes "\n"). */
  decode(ids: ArrayLike<number>): string;
  /** What the run folder's tokenizer.json holds: gptlab's vocab JSON (char, word) or Hugging Face's format (bpe, unigram). */
  toJSON(): SavedTokenizer;
}

/** gptlab's own saved form of a vocabulary tokenizer (char, word). */
export interface TokenizerJSON {
  kind: string;
  vocab: string[];
  bos: number;
  unk: number | null;
  /** Format version of this JSON (1). */
  version: number;
}

/** A Hugging Face tokenizer.json (the parts gptlab writes and reads; see hf.ts). */
export interface HFTokenizerJSON {
  version: string;
  added_tokens: { id: number; content: string; single_word: boolean; lstrip: boolean; rstrip: boolean; normalized: boolean; special: boolean }[];
  normalizer: unknown;
  pre_tokenizer: unknown;
  post_processor: unknown;
  decoder: unknown;
  model: { type: string; [key: string]: unknown };
  truncation: unknown;
  padding: unknown;
}

export type SavedTokenizer = TokenizerJSON | HFTokenizerJSON;

/** One option a tokenizer kind takes (the registry's schema: CLI flags, help and checks come from it). */
export interface OptionSpec {
  type: "int";
  min: number;
  default: number;
  description: string;
}

/**
 * A tokenizer kind in the registry (tokenizers.ts): how to train one from text and how to read its saved JSON.
 * Adding a kind is its file (exporting one of these) plus its test, and one line in the registry's list.
 */
export interface TokenizerEntry<K extends string = string> {
  kind: K;
  description: string;
  /** options beyond unk and lineBreaks (e.g. vocabSize), with defaults */
  schema?: Record<string, OptionSpec>;
  create(text: string, opts: BuildOptions): Tokenizer;
  /** true when json is this kind's saved form */
  recognizes(json: Record<string, unknown>): boolean;
  load(json: SavedTokenizer): Tokenizer;
}

export const BOS_SYMBOL = "<BOS>";
export const UNK_SYMBOL = "<UNK>";

/** Options shared by the tokenizer builders. */
export interface BuildOptions {
  /** Add an <UNK> token and map unknown symbols to it instead of throwing (default false). */
  unk?: boolean;
  /** Keep line breaks as symbols (the text data mode, where "\n" is a character like any other); default false. */
  lineBreaks?: boolean;
  /** Target vocabulary size, special tokens included (bpe and unigram). */
  vocabSize?: number;
}

