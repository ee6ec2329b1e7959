// Unigram language-model tokenizer (SentencePiece style): spaces become "▁" and start a new piece; each piece of
// text is segmented into the vocabulary pieces of highest total log-probability (Viterbi). Training starts from
// a large seed vocabulary (frequent substrings), re-estimates piece probabilities by EM (forward-backward over
// each word's lattice), and prunes the pieces whose removal costs the corpus the least likelihood, until the
// target size. Characters without a piece fall back to byte tokens <0x00>..<0xFF>, so nothing is unknown.
// Saved as Hugging Face tokenizer.json (Metaspace pre-tokenizer, Unigram model with byte_fallback).

import type { HFTokenizerJSON, Tokenizer, TokenizerEntry } from "./tokenizer.js";
import { BOS_SYMBOL, UNK_SYMBOL, VocabTokenizer } from "./vocab.js";
import type { BuildOptions } from "./vocab.js";
import { expectField, hfTokenizerJSON, isHFTokenizerJSON, readHFEnvelope } from "./hf.js";

export const SPACE = "\u2581"; // "▁"
/** Hugging Face's (and SentencePiece's) score of an unknown character: 10 below the lowest piece. */
const UNK_PENALTY = 10;
const MAX_PIECE_CHARS = 16;
const BYTE_TOKENS = Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8");

/** Metaspace pre-tokenizer (prepend_scheme "never", split): " " -> "▁", and each "▁" starts a new piece. */
export function metaspaceSplit(text: string): string[] {
  if (text.length === 0) return [];
  return text.replace(/ /g, SPACE).split(/(?=\u2581)/);
}

interface TrieNode {
  next: Map<string, TrieNode>;
  id: number;
}

/** Pieces by their characters, for walking all pieces that start at a position. */
class Trie {
  readonly root: TrieNode = { next: new Map(), id: -1 };
  add(piece: string, id: number): void {
    let n = this.root;
    for (const ch of piece) {
      let c = n.next.get(ch);
      if (!c) n.next.set(ch, (c = { next: new Map(), id: -1 }));
      n = c;
    }
    n.id = id;
  }
  /** Calls f(id, end) for every piece that starts at chars[start], shortest first. */
  walk(chars: readonly string[], start: number, f: (id: number, end: number) => void): void {
    let n: TrieNode | undefined = this.root;
    for (let i = start; i < chars.length && n; i++) {
      n = n.next.get(chars[i]);
      if (n && n.id >= 0) f(n.id, i + 1);
    }
  }
}

/**
 * The best segmentation of chars: ids of the pieces, or -1 for a character no piece covers (then scored
 * unkScore, as Hugging Face does). Ties keep the path found first (earlier start, shorter piece).
 */
function viterbi(chars: readonly string[], trie: Trie, scores: ArrayLike<number>, unkScore: number, exclude = -1): number[] {
  const n = chars.length;
  const best = new Float64Array(n + 1).fill(-Infinity);
  const from = new Int32Array(n + 1);
  const piece = new Int32Array(n + 1);
  best[0] = 0;
  for (let s = 0; s < n; s++) {
    if (best[s] === -Infinity) continue;
    let single = false;
    trie.walk(chars, s, (id, e) => {
      if (id === exclude) return;
      if (e === s + 1) single = true;
      const cand = best[s] + scores[id];
      if (best[e] === -Infinity || cand > best[e]) (best[e] = cand), (from[e] = s), (piece[e] = id);
    });
    if (!single) {
      const cand = best[s] + unkScore;
      if (best[s + 1] === -Infinity || cand > best[s + 1]) (best[s + 1] = cand), (from[s + 1] = s), (piece[s + 1] = -1);
    }
  }
  const out: number[] = [];
  for (let e = n; e > 0; e = from[e]) out.push(piece[e]);
  return out.reverse();
}

export class UnigramTokenizer extends VocabTokenizer implements Tokenizer {
  readonly kind = "unigram" as const;
  /** log-probability of each piece by id (0 for the byte and special tokens' place holders as saved) */
  readonly scores: readonly number[];
  private readonly trie = new Trie();
  private readonly unkScore: number;
  private readonly byteIds: Int32Array;
  private readonly byteOf = new Map<number, number>();
  private readonly cache = new Map<string, number[]>();

  constructor(vocab: string[], scores: number[], bos: number, unk: number) {
    super(vocab, bos, unk);
    this.scores = scores.slice();
    // every entry but the special tokens is a piece (byte tokens too, as in Hugging Face's model)
    vocab.forEach((p, id) => id !== bos && id !== unk && this.trie.add(p, id));
    this.unkScore = Math.min(...scores) - UNK_PENALTY;
    this.byteIds = Int32Array.from(BYTE_TOKENS, (t) => {
      const id = this.ids.get(t);
      if (id === undefined) throw new Error(`unigram tokenizer: the vocabulary lacks the byte token ${t}: byte fallback needs all 256`);
      return id;
    });
    this.byteIds.forEach((id, b) => this.byteOf.set(id, b));
  }

  encode(text: string): number[] {
    const out: number[] = [];
    for (const word of metaspaceSplit(text)) for (const id of this.encodeWord(word)) out.push(id);
    return out;
  }

  private encodeWord(word: string): number[] {
    const hit = this.cache.get(word);
    if (hit) return hit;
    const chars = Array.from(word);
    const ids: number[] = [];
    let at = 0;
    for (const id of viterbi(chars, this.trie, this.scores, this.unkScore)) {
      if (id >= 0) ids.push(id);
      else for (const b of encoder.encode(chars[at])) ids.push(this.byteIds[b]); // byte fallback
      at += id >= 0 ? Array.from(this.vocab[id]).length : 1;
    }
    if (this.cache.size < 100_000) this.cache.set(word, ids);
    return ids;
  }

  /** Pieces with "▁" as a space again; runs of byte tokens are decoded as UTF-8 together. */
  decode(ids: ArrayLike<number>): string {
    return this.decodeDocs(ids, (doc) => {
      let out = "";
      let pending: number[] = [];
      for (const id of doc) {
        const b = this.byteOf.get(id);
        if (b !== undefined) pending.push(b);
        else {
          if (pending.length) (out += decoder.decode(Uint8Array.from(pending))), (pending = []);
          out += this.vocab[id];
        }
      }
      if (pending.length) out += decoder.decode(Uint8Array.from(pending));
      return out.replace(/\u2581/g, " ");
    });
  }

  override toJSON(): HFTokenizerJSON {
    return hfTokenizerJSON({
      model: { type: "Unigram", unk_id: this.unk, vocab: this.vocab.map((p, i) => [p, this.scores[i]]), byte_fallback: true },
      preTokenizer: { type: "Metaspace", replacement: SPACE, prepend_scheme: "never", split: true },
      decoder: { type: "Sequence", decoders: [{ type: "Replace", pattern: { String: SPACE }, content: " " }, { type: "ByteFallback" }, { type: "Fuse" }] },
      bos: this.bos,
      unk: this.unk,
    });
  }

  static fromJSON(j: HFTokenizerJSON): UnigramTokenizer {
    const where = "unigram tokenizer.json";
    const { model, bos } = readHFEnvelope(j, "Unigram", "unigram");
    const pre = j.pre_tokenizer as { type?: unknown; replacement?: unknown; prepend_scheme?: unknown; split?: unknown } | null;
    expectField(pre?.type === "Metaspace" && pre.replacement === SPACE && pre.prepend_scheme === "never" && pre.split !== false, where, "pre_tokenizer", 'Metaspace with replacement "▁", prepend_scheme "never" and split', pre);
    expectField(model.byte_fallback === true, where, "model.byte_fallback", "true", model.byte_fallback);
    const v = model.vocab as unknown[];
    expectField(Array.isArray(v) && v.every((e) => Array.isArray(e) && typeof e[0] === "string" && Number.isFinite(e[1])), where, "model.vocab", "an array of [piece, score] pairs", v?.[0]);
    const unk = model.unk_id as number;
    expectField(Number.isInteger(unk) && unk >= 0 && unk < v.length && unk !== bos, where, "model.unk_id", `an id in [0, ${v.length}) other than <BOS>'s`, unk);
    expectField(Number.isInteger(bos) && bos >= 0 && bos < v.length, where, "the <BOS> added token's id", `an id in [0, ${v.length})`, bos);
    const pairs = v as [string, number][];
    return new UnigramTokenizer(pairs.map((p) => p[0]), pairs.map((p) => p[1]), bos, unk);
  }
}

/** Characters (code points) of a string, without building an array of them. */
function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) n--;
  }
  return n;
}

function logSumExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

interface Corpus {
  words: string[][];
  counts: number[];
}

/** E-step: expected count of each piece over the corpus (forward-backward on each word's lattice). */
function expectedCounts(corpus: Corpus, trie: Trie, logp: Float64Array): Float64Array {
  const expected = new Float64Array(logp.length);
  for (let w = 0; w < corpus.words.length; w++) {
    const chars = corpus.words[w], n = chars.length;
    const edges: number[] = []; // (start, end, id) triples
    for (let s = 0; s < n; s++) trie.walk(chars, s, (id, e) => edges.push(s, e, id));
    const alpha = new Float64Array(n + 1).fill(-Infinity), beta = new Float64Array(n + 1).fill(-Infinity);
    alpha[0] = 0;
    beta[n] = 0;
    for (let i = 0; i < edges.length; i += 3) alpha[edges[i + 1]] = logSumExp(alpha[edges[i + 1]], alpha[edges[i]] + logp[edges[i + 2]]);
    for (let i = edges.length - 3; i >= 0; i -= 3) beta[edges[i]] = logSumExp(beta[edges[i]], beta[edges[i + 1]] + logp[edges[i + 2]]);
    const z = alpha[n];
    for (let i = 0; i < edges.length; i += 3) {
      const [s, e, id] = [edges[i], edges[i + 1], edges[i + 2]];
      expected[id] += corpus.counts[w] * Math.exp(alpha[s] + logp[id] + beta[e] - z);
    }
  }
  return expected;
}

/**
 * Learns a unigram tokenizer whose vocabulary has exactly opts.vocabSize entries: the pieces (by score, highest
 * first), the 256 byte tokens, <UNK> and <BOS> (the last id). Every character of the text keeps a piece.
 */
export function trainUnigram(text: string, opts: BuildOptions = {}): UnigramTokenizer {
  if (typeof text !== "string") throw new Error(`trainUnigram needs a string (got ${typeof text})`);
  const vocabSize = opts.vocabSize ?? 2000;
  if (text.length === 0) throw new Error("unigram: the training text is empty; give it the corpus to learn pieces from");
  const wordCounts = new Map<string, number>();
  // documents (one per line) are learned apart, so no piece spans a line break; the text mode keeps them in
  for (const w of opts.lineBreaks ? metaspaceSplit(text) : text.split(/\r?\n/).flatMap(metaspaceSplit)) wordCounts.set(w, (wordCounts.get(w) ?? 0) + 1);
  const corpus: Corpus = { words: Array.from(wordCounts.keys(), (w) => Array.from(w)), counts: Array.from(wordCounts.values()) };
  const alphabet = new Set<string>();
  for (const chars of corpus.words) for (const c of chars) alphabet.add(c);
  const fixed = BYTE_TOKENS.length + 2;
  const target = vocabSize - fixed;
  if (!Number.isInteger(vocabSize) || target < alphabet.size) {
    throw new Error(`unigram: vocabSize must be an integer >= ${fixed + alphabet.size} (the ${alphabet.size} characters of the text, 256 byte tokens, <UNK> and <BOS>; got ${vocabSize})`);
  }

  // Seed: every character, and the most frequent substrings of up to MAX_PIECE_CHARS characters (scored by frequency x length).
  const subFreq = new Map<string, number>();
  corpus.words.forEach((chars, w) => {
    for (let s = 0; s < chars.length; s++) {
      let sub = "";
      for (let e = s; e < Math.min(chars.length, s + MAX_PIECE_CHARS); e++) {
        sub += chars[e];
        if (e > s) subFreq.set(sub, (subFreq.get(sub) ?? 0) + corpus.counts[w]);
      }
    }
  });
  const byScore = (a: [string, number], b: [string, number]) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
  const seedSize = Math.max(10 * target, 1000);
  const charFreq = new Map<string, number>();
  corpus.words.forEach((chars, w) => chars.forEach((c) => charFreq.set(c, (charFreq.get(c) ?? 0) + corpus.counts[w])));
  // the seedSize best substrings by frequency x length (ties by the substring): only those at or above the
  // seedSize-th best score are sorted, which selects the same ones as sorting all of them
  const scored: [string, number][] = [];
  for (const [s, f] of subFreq) {
    const score = f * codePoints(s);
    if (score > 2) scored.push([s, score]);
  }
  const seedScores = Float64Array.from(scored, (x) => x[1]).sort();
  const cutoff = scored.length > seedSize ? seedScores[seedScores.length - seedSize] : -Infinity;
  const seeded = scored.filter((x) => x[1] >= cutoff).sort(byScore).slice(0, seedSize);
  let pieces: [string, number][] = [...Array.from(charFreq).sort(byScore), ...seeded.map(([s]): [string, number] => [s, subFreq.get(s)!])];

  const build = (ps: [string, number][]) => {
    const trie = new Trie();
    ps.forEach(([p], i) => trie.add(p, i));
    const total = ps.reduce((t, [, f]) => t + f, 0);
    return { trie, logp: Float64Array.from(ps, ([, f]) => Math.log(f / total)) };
  };
  const isChar = (p: string) => Array.from(p).length === 1;

  for (let round = 0; ; round++) {
    // EM: two re-estimations of every piece's probability (characters always stay)
    for (let it = 0; it < 2; it++) {
      const { trie, logp } = build(pieces);
      const expected = expectedCounts(corpus, trie, logp);
      // pieces expected less than half a time drop out, rarest first, but never below the target size
      const rare = pieces.map((_, i) => i).filter((i) => !isChar(pieces[i][0]) && expected[i] < 0.5).sort((x, y) => expected[x] - expected[y] || x - y);
      const drop = new Set(rare.slice(0, Math.max(0, pieces.length - target)));
      pieces = pieces.map(([p], i): [string, number] => [p, Math.max(expected[i], 1e-3)]).filter((_, i) => !drop.has(i));
    }
    if (pieces.length <= target) break;
    // Prune: the likelihood lost if each piece were gone and its Viterbi uses re-segmented by the others
    const { trie, logp } = build(pieces);
    const unkScore = Math.min(...logp) - UNK_PENALTY;
    const freq = new Float64Array(pieces.length);
    corpus.words.forEach((chars, w) => viterbi(chars, trie, logp, unkScore).forEach((id) => id >= 0 && (freq[id] += corpus.counts[w])));
    const total = freq.reduce((a, b) => a + b, 0);
    const loss = pieces.map(([p], i) => {
      if (isChar(p)) return Infinity;
      if (freq[i] === 0) return -Infinity;
      const alt = viterbi(Array.from(p), trie, logp, unkScore, i);
      const newTotal = total + freq[i] * (alt.length - 1);
      const altLogp = alt.reduce((t, a) => t + Math.log(freq[a] + freq[i]) - Math.log(newTotal), 0);
      return freq[i] * (Math.log(freq[i] / total) - altLogp);
    });
    const keep = Math.max(target, Math.floor(pieces.length * 0.75));
    const order = pieces.map((_, i) => i).sort((a, b) => loss[b] - loss[a] || a - b);
    const kept = new Set(order.slice(0, keep));
    pieces = pieces.filter((_, i) => kept.has(i));
  }
  if (pieces.length < target) {
    throw new Error(`unigram: the text supports only ${pieces.length + fixed} vocabulary entries, so vocabSize ${vocabSize} cannot be reached; use a smaller vocabSize or more text`);
  }
  const total = pieces.reduce((t, [, f]) => t + f, 0);
  const final = pieces.map(([p, f]): [string, number] => [p, Math.log(f / total)]).sort(byScore);
  const minScore = final[final.length - 1][1];
  const vocab = [...final.map(([p]) => p), ...BYTE_TOKENS, UNK_SYMBOL, BOS_SYMBOL];
  // byte tokens score below every piece (they serve only where no piece fits); the special tokens are never pieces
  const scores = [...final.map(([, s]) => s), ...BYTE_TOKENS.map(() => minScore - 1), 0, 0];
  return new UnigramTokenizer(vocab, scores, vocab.length - 1, vocab.length - 2);
}

export const unigramEntry: TokenizerEntry<"unigram"> = {
  kind: "unigram",
  description: "unigram language model (SentencePiece style: EM and pruning to vocabSize, Viterbi encoding, byte fallback)",
  schema: { vocabSize: { type: "int", min: 259, default: 2000, description: "vocabulary size of bpe and unigram, special tokens included" } },
  create: trainUnigram,
  recognizes: (j) => isHFTokenizerJSON(j) && j.model.type === "Unigram",
  load: (j) => UnigramTokenizer.fromJSON(j as HFTokenizerJSON),
};
