// What a tokenizer does to a text, as numbers a reader compares across kinds: tokens, characters per token, tokens
// per line, how many tokens are <UNK>; the pieces a text is cut into; the words of one text another never has.

import type { Tokenizer } from "./tokenizer.js";
import { splitLines } from "./files.js";
import { splitWords } from "./word.js";

export interface TokenizerStats {
  kind: string;
  vocabSize: number;
  /** tokens of the whole text */
  tokens: number;
  /** characters (code points) of the text */
  characters: number;
  charactersPerToken: number;
  /** mean tokens of a non-blank line (a story in datasets/stories) */
  tokensPerLine: number;
  /** tokens that are <UNK> (only a tokenizer built with { unk: true } has any) */
  unknown: number;
  unknownShare: number;
}

/** Counts for one tokenizer on one text (each non-blank line encoded alone for tokensPerLine). */
export function tokenizerStats(tok: Tokenizer, text: string): TokenizerStats {
  const ids = tok.encode(text);
  const characters = Array.from(text).length;
  const lines = splitLines(text);
  const lineTokens = lines.reduce((n, l) => n + tok.encode(l).length, 0);
  let unknown = 0;
  if (tok.unk !== null) for (const id of ids) if (id === tok.unk) unknown++;
  return {
    kind: tok.kind,
    vocabSize: tok.vocabSize,
    tokens: ids.length,
    characters,
    charactersPerToken: characters / Math.max(1, ids.length),
    tokensPerLine: lines.length ? lineTokens / lines.length : 0,
    unknown,
    unknownShare: ids.length ? unknown / ids.length : 0,
  };
}

/** The text of each token of text under tok ("<UNK>" for an unknown word): how the tokenizer cuts it. */
export function pieces(tok: Tokenizer, text: string): string[] {
  return tok.encode(text).map((id) => (id === tok.unk ? tok.vocab[id] : tok.decode([id])));
}

/** Words (lowercase, as the word tokenizer splits them; punctuation left out) of `text` that `known` never has, most frequent first. */
export function unseenWords(known: string, text: string): { word: string; count: number }[] {
  const isWord = (w: string) => /[\p{L}\p{N}]/u.test(w);
  const seen = new Set(splitWords(known).map((w) => w.word));
  const counts = new Map<string, number>();
  for (const { word } of splitWords(text)) if (isWord(word) && !seen.has(word)) counts.set(word, (counts.get(word) ?? 0) + 1);
  return Array.from(counts, ([word, count]) => ({ word, count })).sort((a, b) => b.count - a.count || (a.word < b.word ? -1 : a.word > b.word ? 1 : 0));
}
