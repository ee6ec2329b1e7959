// Byte-level BPE (GPT-2 style): text is split by GPT-2's pre-tokenizer regex, each piece is its UTF-8 bytes, and
// merges learned from the corpus (most frequent adjacent pair first) join bytes into tokens until the vocabulary
// reaches its target size. Every byte is in the vocabulary, so no text is ever unknown. Saved as Hugging Face
// tokenizer.json (ByteLevel pre-tokenizer and decoder, BPE model), which Python's `tokenizers` loads as is.

import type { HFTokenizerJSON, Tokenizer, TokenizerEntry } from "./tokenizer.js";
import { BOS_SYMBOL, VocabTokenizer } from "./vocab.js";
import type { BuildOptions } from "./vocab.js";
import { expectField, hfTokenizerJSON, isHFTokenizerJSON, readHFEnvelope } from "./hf.js";

/** GPT-2's pre-tokenizer (Hugging Face ByteLevel with use_regex): contractions, words, numbers, punctuation runs, spaces. */
const PRE_TOKEN_RE = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** GPT-2's printable stand-in for each byte (bytes_to_unicode): printable Latin-1 maps to itself, the rest to 256+. */
export const BYTE_CHARS: readonly string[] = (() => {
  const out: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    out[b] = String.fromCodePoint(printable ? b : 256 + extra++);
  }
  return out;
})();
const BYTE_OF = new Map(BYTE_CHARS.map((c, b) => [c, b]));

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8"); // not fatal: a sampled token sequence may cut a character (gives U+FFFD)

/** The pre-tokens of a text, in order; together they are the whole text. */
export function preTokenize(text: string): string[] {
  return text.match(PRE_TOKEN_RE) ?? [];
}

// A pair of token ids as one number key (ids < 2^21, so the key stays an exact integer).
const PAIR = 2 ** 21;

/** Every occurrence of the pair (a, b) in ids, left to right and not overlapping, replaced by id. */
export function mergePair(ids: readonly number[], a: number, b: number, id: number): number[] {
  const next: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    if (i + 1 < ids.length && ids[i] === a && ids[i + 1] === b) next.push(id), i++;
    else next.push(ids[i]);
  }
  return next;
}

/** The key a·2^21 + b of the most frequent pair; ties go to the smaller key (smaller a, then b); -1 if none. */
export function mostFrequentPairKey(pairCount: ReadonlyMap<number, number>): number {
  let best = -1, bestCount = 0;
  for (const [k, c] of pairCount) if (c > bestCount || (c === bestCount && k < best)) (best = k), (bestCount = c);
  return best;
}

/** The most frequent adjacent pair over words (word w counted counts[w] times), as trainBPE picks it; null if none. */
export function mostFrequentPair(words: readonly (readonly number[])[], counts: readonly number[]): [number, number] | null {
  const pairCount = new Map<number, number>();
  words.forEach((s, w) => {
    for (let i = 0; i + 1 < s.length; i++) pairCount.set(s[i] * PAIR + s[i + 1], (pairCount.get(s[i] * PAIR + s[i + 1]) ?? 0) + counts[w]);
  });
  const best = mostFrequentPairKey(pairCount);
  return best < 0 ? null : [Math.floor(best / PAIR), best % PAIR];
}

export class BPETokenizer extends VocabTokenizer implements Tokenizer {
  readonly kind = "bpe" as const;
  /** merges in rank order: merges[r] joins two tokens into the token mergeIds[r] */
  readonly merges: readonly (readonly [string, string])[];
  private readonly byteIds: Int32Array;
  private readonly rankOf = new Map<number, number>();
  private readonly mergeIds: Int32Array;
  private readonly cache = new Map<string, number[]>();

  constructor(vocab: string[], merges: [string, string][], bos: number) {
    super(vocab, bos, null);
    const where = "bpe tokenizer";
    this.byteIds = Int32Array.from(BYTE_CHARS, (c) => {
      const id = this.ids.get(c);
      if (id === undefined) throw new Error(`${where}: the vocabulary lacks the byte token ${JSON.stringify(c)}: a byte-level BPE needs all 256 bytes`);
      return id;
    });
    this.merges = merges.map(([a, b]) => [a, b] as const);
    this.mergeIds = new Int32Array(merges.length);
    merges.forEach(([a, b], r) => {
      const ia = this.ids.get(a), ib = this.ids.get(b), im = this.ids.get(a + b);
      if (ia === undefined || ib === undefined || im === undefined) throw new Error(`${where}: merge ${r} (${JSON.stringify(a)} ${JSON.stringify(b)}) joins tokens that are not all in the vocabulary`);
      if (!this.rankOf.has(ia * PAIR + ib)) this.rankOf.set(ia * PAIR + ib, r);
      this.mergeIds[r] = im;
    });
  }

  encode(text: string): number[] {
    const out: number[] = [];
    for (const piece of preTokenize(text)) for (const id of this.encodePiece(piece)) out.push(id);
    return out;
  }

  /** One pre-token: its bytes, then the lowest-ranked adjacent pair merged (everywhere in it) until none applies. */
  private encodePiece(piece: string): number[] {
    const hit = this.cache.get(piece);
    if (hit) return hit;
    let ids = Array.from(encoder.encode(piece), (b) => this.byteIds[b]);
    while (ids.length > 1) {
      let best = -1;
      for (let i = 0; i + 1 < ids.length; i++) {
        const r = this.rankOf.get(ids[i] * PAIR + ids[i + 1]);
        if (r !== undefined && (best < 0 || r < best)) best = r;
      }
      if (best < 0) break;
      const [a, b] = this.merges[best].map((s) => this.ids.get(s)!);
      ids = mergePair(ids, a, b, this.mergeIds[best]);
    }
    if (this.cache.size < 100_000) this.cache.set(piece, ids);
    return ids;
  }

  decode(ids: ArrayLike<number>): string {
    return this.decodeDocs(ids, (doc) => decoder.decode(Uint8Array.from(Array.from(doc.map((id) => this.vocab[id]).join("")), (c) => BYTE_OF.get(c)!)));
  }

  override toJSON(): HFTokenizerJSON {
    const vocab: Record<string, number> = {};
    this.vocab.forEach((s, i) => (vocab[s] = i));
    const byteLevel = { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true };
    return hfTokenizerJSON({
      model: { type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges: this.merges.map(([a, b]) => [a, b]) },
      preTokenizer: byteLevel,
      decoder: byteLevel,
      bos: this.bos,
      unk: null,
    });
  }

  static fromJSON(j: HFTokenizerJSON): BPETokenizer {
    const where = "bpe tokenizer.json";
    const { model, bos } = readHFEnvelope(j, "BPE", "bpe");
    const pre = j.pre_tokenizer as { type?: unknown; add_prefix_space?: unknown; use_regex?: unknown } | null;
    expectField(pre?.type === "ByteLevel" && pre.add_prefix_space === false && pre.use_regex !== false, where, "pre_tokenizer", 'ByteLevel with add_prefix_space false (gptlab reads byte-level BPE only)', pre);
    for (const k of ["continuing_subword_prefix", "end_of_word_suffix", "dropout"]) expectField(model[k] === null || model[k] === undefined, where, `model.${k}`, "null", model[k]);
    const v = model.vocab as Record<string, unknown>;
    expectField(typeof v === "object" && v !== null && !Array.isArray(v), where, "model.vocab", "an object of token -> id", v);
    const vocab: string[] = new Array(Object.keys(v).length);
    for (const [tok, id] of Object.entries(v)) {
      expectField(Number.isInteger(id) && (id as number) >= 0 && (id as number) < vocab.length && vocab[id as number] === undefined, where, `model.vocab[${JSON.stringify(tok)}]`, `a distinct id in [0, ${vocab.length})`, id);
      vocab[id as number] = tok;
    }
    expectField(vocab[bos] === BOS_SYMBOL, where, "the <BOS> added token", "an id whose vocab entry is <BOS>", bos);
    const raw = model.merges;
    expectField(Array.isArray(raw), where, "model.merges", "an array", raw);
    const merges = (raw as unknown[]).map((m, r) => {
      const pair = typeof m === "string" ? m.split(" ") : m;
      expectField(Array.isArray(pair) && pair.length === 2 && pair.every((s) => typeof s === "string"), where, `model.merges[${r}]`, 'a pair ["a", "b"] or a string "a b"', m);
      return pair as [string, string];
    });
    return new BPETokenizer(vocab, merges, bos);
  }
}

/**
 * Learns a byte-level BPE from text: ids 0-255 are the bytes, each merge adds one token, <BOS> is the last id,
 * so opts.vocabSize - 257 merges. Ties between equally frequent pairs go to the pair of smaller ids (deterministic).
 */
export function trainBPE(text: string, opts: BuildOptions = {}): BPETokenizer {
  if (typeof text !== "string") throw new Error(`trainBPE needs a string (got ${typeof text})`);
  const vocabSize = opts.vocabSize ?? 2000;
  if (!Number.isInteger(vocabSize) || vocabSize < 257 || vocabSize >= PAIR) {
    throw new Error(`bpe: vocabSize must be an integer in [257, ${PAIR}) (the 256 bytes of the byte-level alphabet and <BOS> come first; got ${vocabSize})`);
  }
  if (text.length === 0) throw new Error("bpe: the training text is empty; give it the corpus to learn merges from");

  const counts = new Map<string, number>();
  for (const piece of preTokenize(text)) counts.set(piece, (counts.get(piece) ?? 0) + 1);
  const words = Array.from(counts.keys(), (w) => Array.from(encoder.encode(w)));
  const freq = Array.from(counts.values());
  const vocab = BYTE_CHARS.slice();
  const merges: [string, string][] = [];
  const idOf = new Map(vocab.map((t, i) => [t, i]));

  const pairCount = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();
  const addPairs = (w: number, sign: number) => {
    const s = words[w];
    for (let i = 0; i + 1 < s.length; i++) {
      const k = s[i] * PAIR + s[i + 1];
      const c = (pairCount.get(k) ?? 0) + sign * freq[w];
      if (c === 0) pairCount.delete(k);
      else pairCount.set(k, c);
      if (sign > 0) {
        let set = pairWords.get(k);
        if (!set) pairWords.set(k, (set = new Set()));
        set.add(w);
      }
    }
  };
  for (let w = 0; w < words.length; w++) addPairs(w, 1);

  while (vocab.length < vocabSize - 1) {
    const best = mostFrequentPairKey(pairCount);
    if (best < 0) {
      throw new Error(`bpe: the corpus has no more pairs to merge after ${merges.length} merges, so vocabSize ${vocabSize} cannot be reached (at most ${vocab.length + 1} here); use a smaller vocabSize or more text`);
    }
    const a = Math.floor(best / PAIR), b = best % PAIR, joined = vocab[a] + vocab[b];
    // two merge paths can spell the same token ("ab"+"c", "a"+"bc"): it keeps its first id, as in Hugging Face's trainer
    let id = idOf.get(joined);
    if (id === undefined) idOf.set(joined, (id = vocab.push(joined) - 1));
    merges.push([vocab[a], vocab[b]]);
    for (const w of pairWords.get(best)!) {
      addPairs(w, -1);
      words[w] = mergePair(words[w], a, b, id);
      addPairs(w, 1);
    }
    pairWords.delete(best);
  }
  vocab.push(BOS_SYMBOL);
  return new BPETokenizer(vocab, merges, vocab.length - 1);
}

export const bpeEntry: TokenizerEntry<"bpe"> = {
  kind: "bpe",
  description: "byte-level BPE: merges learned from the corpus up to vocabSize (GPT-2 style; nothing is unknown)",
  schema: { vocabSize: { type: "int", min: 257, default: 2000, description: "vocabulary size of bpe and unigram, special tokens included" } },
  create: trainBPE,
  recognizes: (j) => isHFTokenizerJSON(j) && j.model.type === "BPE",
  load: (j) => BPETokenizer.fromJSON(j as HFTokenizerJSON),
};
