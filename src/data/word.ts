// Word-level tokenizer (the word-level lab, microgpt-style): text is lowercased and split into words and
// punctuation marks; each punctuation mark is its own token ("the cat sat." -> the | cat | sat | .).

import type { Tokenizer, TokenizerEntry, TokenizerJSON } from "./tokenizer.js";
import { VocabTokenizer, checkJSON, preview, sortSymbols, withSpecials } from "./vocab.js";
import type { BuildOptions } from "./vocab.js";

// A word is letters/digits, with inner apostrophes kept ("don't", "cat's"); any other non-space character
// is a token by itself. Whitespace only separates.
const TOKEN_RE = /[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*|[^\s\p{L}\p{N}]/gu;
// The text data mode keeps each line break as a token of its own.
const TOKEN_RE_LINES = /[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*|[^\s\p{L}\p{N}]|\n/gu;

/**
 * Calls fn with each word and punctuation mark of text, lowercased, its character offset and its index (no array
 * of match objects: a corpus is split twice when its tokenizer is built). fn must not split text itself: the
 * patterns are shared.
 */
function eachWord(text: string, lineBreaks: boolean, fn: (word: string, offset: number, index: number) => void): void {
  const re = lineBreaks ? TOKEN_RE_LINES : TOKEN_RE;
  const lower = text.toLowerCase();
  re.lastIndex = 0;
  let index = 0;
  for (let m = re.exec(lower); m !== null; m = re.exec(lower)) fn(m[0], m.index, index++);
}

/** The words and punctuation marks of text, lowercased, with their character offsets. */
export function splitWords(text: string, lineBreaks = false): { word: string; offset: number }[] {
  const out: { word: string; offset: number }[] = [];
  eachWord(text, lineBreaks, (word, offset) => out.push({ word, offset }));
  return out;
}

export class WordTokenizer extends VocabTokenizer implements Tokenizer {
  readonly kind = "word" as const;

  encode(text: string): number[] {
    const ids: number[] = [];
    eachWord(text, this.ids.has("\n"), (word, offset, i) => ids.push(this.idOf(word, () => `at word ${i} (0-based; character ${offset}) of ${preview(text)}`)));
    return ids;
  }

  /** Words joined with single spaces, so decode(encode(s)) is s lowercased with punctuation spaced out. */
  decode(ids: ArrayLike<number>): string {
    return this.decodeWith(ids, " ");
  }

  static fromJSON(j: Partial<TokenizerJSON>): WordTokenizer {
    const { vocab, bos, unk } = checkJSON("word", j);
    return new WordTokenizer(vocab, bos, unk);
  }
}

/** A word tokenizer over the distinct words and punctuation marks of text (lowercased), sorted by code unit. */
export function buildWordTokenizer(text: string, opts: BuildOptions = {}): WordTokenizer {
  if (typeof text !== "string") throw new Error(`buildWordTokenizer needs a string (got ${typeof text})`);
  const distinct = new Set<string>();
  eachWord(text, opts.lineBreaks ?? false, (word) => distinct.add(word));
  const words = [...distinct];
  if (words.length === 0) throw new Error("buildWordTokenizer: the text has no words; give it the training text");
  const { vocab, bos, unk } = withSpecials(sortSymbols(words), opts);
  return new WordTokenizer(vocab, bos, unk);
}

export const wordEntry: TokenizerEntry<"word"> = {
  kind: "word",
  description: "lowercase words and punctuation marks of the training text",
  create: buildWordTokenizer,
  recognizes: (j) => j.kind === "word",
  load: (j) => WordTokenizer.fromJSON(j as Partial<TokenizerJSON>),
};
