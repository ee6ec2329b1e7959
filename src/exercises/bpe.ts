// Exercise 7: one BPE merge step (the most frequent pair, merged everywhere) and encoding with learned merges,
// against the engine's byte-level BPE (src/data/bpe.ts: its pair choice, its merge, its tokenizer's encode).

import { BPETokenizer, BYTE_CHARS, mergePair, mostFrequentPair, preTokenize, trainBPE } from "../data/bpe.js";
import type { Rng } from "../core/random.js";
import type { Exercise } from "./check.js";

export type PairFn = (words: number[][], counts: number[]) => [number, number] | null;
export type MergeFn = (ids: number[], a: number, b: number, newId: number) => number[];
/** Encodes one pre-token's bytes with merges in rank order; merge r joins [a, b] into the token id. */
export type EncodeFn = (bytes: number[], merges: [number, number, number][]) => number[];

const NOTEBOOK = "07-bpe";
const utf8 = new TextEncoder();
export const bytesOf = (s: string): number[] => Array.from(utf8.encode(s));

/** The small corpus the encode check learns its merges from. */
export const BPE_CORPUS = "the cat sat on the mat. the hat is on the cat. that is that, and this is the theme: then the thin cat ate the thing.";

/** A byte-level BPE tokenizer's merges as token ids [a, b, merged id], in rank order. */
export function mergeIds(tok: BPETokenizer): [number, number, number][] {
  const id = (s: string): number => tok.vocab.indexOf(s);
  return tok.merges.map(([a, b]) => [id(a), id(b), id(a + b)]);
}

export interface PairInput {
  words: number[][];
  counts: number[];
}

export const pairExercise: Exercise<PairFn, PairInput, [number, number] | null> = {
  id: "mostFrequentPair",
  title: "mostFrequentPair(words, counts)",
  notebook: NOTEBOOK,
  cases: (rng: Rng) => [
    { name: "one word", input: { words: [[1, 2, 3, 1, 2]], counts: [1] } },
    { name: "counts weigh the words", input: { words: [[1, 2], [3, 4, 3, 4]], counts: [5, 1] }, hint: "word w occurs counts[w] times: each of its pairs counts counts[w] times" },
    { name: "a tie goes to the smaller ids", input: { words: [[7, 8], [2, 9]], counts: [3, 3] }, hint: "among pairs with the same count, take the one with the smaller first id, then the smaller second id (the engine's rule)" },
    { name: "pairs never cross words", input: { words: [[5, 6], [6, 5], [1, 2]], counts: [1, 1, 1] }, hint: "count pairs inside each word only: the last token of one word and the first of the next are not a pair" },
    { name: "no pair at all", input: { words: [[1], [2]], counts: [4, 4] }, hint: "when no word has two tokens there is no pair: return null" },
    { name: "the words of a sentence", input: (() => {
      const counts = new Map<string, number>();
      for (const p of preTokenize("the cat sat on the mat and the cat ran")) counts.set(p, (counts.get(p) ?? 0) + 1);
      return { words: [...counts.keys()].map(bytesOf), counts: [...counts.values()] };
    })() },
    { name: "random words", input: { words: Array.from({ length: 30 }, () => Array.from({ length: 1 + rng.int(6) }, () => rng.int(5))), counts: Array.from({ length: 30 }, () => 1 + rng.int(4)) } },
  ],
  reference: (x) => mostFrequentPair(x.words, x.counts),
  call: (fn, x) => fn(x.words, x.counts),
  tolerance: { abs: 0, rel: 0 },
  mistakes: [
    { name: "counts ignored", hint: "word w occurs counts[w] times: weigh its pairs by counts[w]", answer: (x) => mostFrequentPair(x.words, x.counts.map(() => 1)) },
    { name: "pairs across words", hint: "count pairs inside each word only, never across two words", answer: (x) => {
      const all = x.words.flatMap((w, i) => new Array<number[]>(x.counts[i]).fill(w)).flat();
      return mostFrequentPair([all], [1]);
    } },
  ],
};

export interface MergeInput {
  ids: number[];
  a: number;
  b: number;
  newId: number;
}

export const mergeExercise: Exercise<MergeFn, MergeInput, number[]> = {
  id: "mergePair",
  title: "mergePair(ids, a, b, newId)",
  notebook: NOTEBOOK,
  cases: (rng: Rng) => [
    { name: "one occurrence", input: { ids: [1, 2, 3], a: 2, b: 3, newId: 9 } },
    { name: "several occurrences", input: { ids: [1, 2, 1, 2, 3, 1, 2], a: 1, b: 2, newId: 7 }, hint: "merge every occurrence of the pair, left to right" },
    { name: "overlapping: [5, 5, 5] with the pair (5, 5)", input: { ids: [5, 5, 5], a: 5, b: 5, newId: 6 }, hint: "occurrences do not overlap: after merging a pair, skip its second token ([5, 5, 5] -> [6, 5])" },
    { name: "no occurrence", input: { ids: [1, 2, 3], a: 3, b: 1, newId: 4 } },
    { name: "the pair reversed is not the pair", input: { ids: [2, 1, 1, 2], a: 1, b: 2, newId: 8 } },
    { name: "random ids", input: { ids: Array.from({ length: 40 }, () => rng.int(3)), a: 1, b: 1, newId: 3 } },
  ],
  reference: (x) => mergePair(x.ids, x.a, x.b, x.newId),
  call: (fn, x) => fn(x.ids, x.a, x.b, x.newId),
  tolerance: { abs: 0, rel: 0 },
  mistakes: [
    { name: "second token kept", hint: "a merged pair becomes one token: skip its second token after merging (and occurrences never overlap)", answer: (x) => x.ids.map((t, i) => (t === x.a && x.ids[i + 1] === x.b ? x.newId : t)) },
    { name: "first occurrence only", hint: "merge every occurrence of the pair, not only the first", answer: (x) => {
      const i = x.ids.findIndex((t, j) => t === x.a && x.ids[j + 1] === x.b);
      return i < 0 ? x.ids : [...x.ids.slice(0, i), x.newId, ...x.ids.slice(i + 2)];
    } },
  ],
};

let corpusTokenizer: BPETokenizer | undefined;
/** The engine's tokenizer learned from BPE_CORPUS with 25 merges. */
export function corpusBPE(): BPETokenizer {
  return (corpusTokenizer ??= trainBPE(BPE_CORPUS, { vocabSize: 257 + 25 }));
}

/** The engine's tokenizer for merges given as ids (merge r makes token 256 + r), to encode with. */
function tokenizerOf(merges: [number, number, number][]): BPETokenizer {
  const vocab = BYTE_CHARS.slice();
  for (const [a, b, id] of merges) {
    if (id !== vocab.length) throw new Error(`encode check: merge [${a}, ${b}] makes id ${id}, expected ${vocab.length}`);
    vocab.push(vocab[a] + vocab[b]);
  }
  return new BPETokenizer([...vocab, "<BOS>"], merges.map(([a, b]) => [vocab[a], vocab[b]]), vocab.length);
}

/** The mistake of merging the leftmost pair that has a merge, instead of the lowest-ranked one. */
function leftmostFirst(bytes: number[], merges: [number, number, number][]): number[] {
  let ids = bytes;
  for (;;) {
    const i = ids.findIndex((t, j) => j + 1 < ids.length && merges.some(([a, b]) => a === t && b === ids[j + 1]));
    if (i < 0) return ids;
    const [, , id] = merges.find(([a, b]) => a === ids[i] && b === ids[i + 1])!;
    ids = [...ids.slice(0, i), id, ...ids.slice(i + 2)];
  }
}

export interface EncodeInput {
  piece: string;
  merges: [number, number, number][];
}

function encodeCases() {
  const learned = mergeIds(corpusBPE());
  const rankHint = "repeat: find the adjacent pair with the lowest merge rank (learned first), merge it everywhere, until no pair has a rank";
  return [
    ...["the", " the", " cat", " that", " theme", " thing", " hat", "zzz", "ée"].map((piece) => ({ name: JSON.stringify(piece), input: { piece, merges: learned }, hint: rankHint })),
    // "abc" with merges (b, c) then (a, b): the lowest rank (b, c) goes first although (a, b) is further left
    { name: '"abc" with merges [b c] then [a b]', input: { piece: "abc", merges: [[98, 99, 256], [97, 98, 257]] as [number, number, number][] }, hint: rankHint },
  ];
}

export const encodeExercise: Exercise<EncodeFn, EncodeInput, number[]> = {
  id: "bpeEncode",
  title: "encode(bytes, merges)",
  notebook: NOTEBOOK,
  cases: encodeCases,
  reference: (x) => tokenizerOf(x.merges).encode(x.piece),
  call: (fn, x) => fn(bytesOf(x.piece), x.merges),
  tolerance: { abs: 0, rel: 0 },
  mistakes: [
    { name: "leftmost pair first", hint: "merge the pair with the lowest rank (learned first) first, not the leftmost pair that has a merge", answer: (x) => leftmostFirst(bytesOf(x.piece), x.merges) },
  ],
};
