// The part the char and word tokenizers share: a symbol <-> id table with BOS (and an optional UNK),
// lookups that fail loudly on unknown symbols, decoding with BOS as the document separator, and JSON checks.

import type { BuildOptions, SavedTokenizer, TokenizerJSON } from "./tokenizer.js";
import { BOS_SYMBOL, UNK_SYMBOL } from "./tokenizer.js";
export { BOS_SYMBOL, UNK_SYMBOL } from "./tokenizer.js";
export type { BuildOptions } from "./tokenizer.js";

/** Sorts symbols by UTF-16 code units (plain `<`), so the order never depends on the locale. */
export function sortSymbols(symbols: Iterable<string>): string[] {
  return Array.from(new Set(symbols)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The start of a text, quoted, for error messages. */
export function preview(text: string, max = 60): string {
  return JSON.stringify(text.length > max ? text.slice(0, max) + "…" : text);
}

/** Regular symbols first (sorted), then <UNK> if asked for, then <BOS> as the last id. */
export function withSpecials(sorted: string[], opts: BuildOptions = {}): { vocab: string[]; bos: number; unk: number | null } {
  const vocab = sorted.slice();
  const unk = opts.unk ? vocab.push(UNK_SYMBOL) - 1 : null;
  const bos = vocab.push(BOS_SYMBOL) - 1;
  return { vocab, bos, unk };
}

/** Validates the vocab/bos/unk fields of a tokenizer JSON; errors name the field. */
export function checkJSON(kind: string, j: Partial<TokenizerJSON>): { vocab: string[]; bos: number; unk: number | null } {
  const where = `${kind} tokenizer JSON`;
  if (!Array.isArray(j.vocab) || j.vocab.some((s) => typeof s !== "string")) throw new Error(`${where}: vocab must be an array of strings`);
  const n = j.vocab.length;
  if (new Set(j.vocab).size !== n) throw new Error(`${where}: vocab has duplicate symbols`);
  if (!Number.isInteger(j.bos) || (j.bos as number) < 0 || (j.bos as number) >= n) throw new Error(`${where}: bos must be an id in [0, ${n}) (got ${String(j.bos)})`);
  const unk = j.unk ?? null;
  if (unk !== null && (!Number.isInteger(unk) || unk < 0 || unk >= n || unk === j.bos)) throw new Error(`${where}: unk must be null or an id in [0, ${n}) other than bos (got ${String(unk)})`);
  return { vocab: j.vocab.slice(), bos: j.bos as number, unk };
}

export abstract class VocabTokenizer {
  abstract readonly kind: string;
  readonly vocab: readonly string[];
  readonly bos: number;
  readonly unk: number | null;
  protected readonly ids: Map<string, number>;

  constructor(vocab: string[], bos: number, unk: number | null) {
    this.vocab = Object.freeze(vocab.slice());
    this.bos = bos;
    this.unk = unk;
    this.ids = new Map();
    // special tokens are not reachable from text: they are not looked up by encode
    vocab.forEach((s, i) => {
      if (i !== bos && i !== unk) this.ids.set(s, i);
    });
  }

  get vocabSize(): number {
    return this.vocab.length;
  }

  /** Id of one symbol; an unknown one maps to unk, or throws an error naming it and where it stands. */
  protected idOf(symbol: string, where: () => string): number {
    const id = this.ids.get(symbol);
    if (id !== undefined) return id;
    if (this.unk !== null) return this.unk;
    throw new Error(
      `unknown ${this.kind === "char" ? "character" : "word"} ${JSON.stringify(symbol)} ${where()}: it is not in the ` +
        `${this.vocabSize}-token vocabulary. Build the tokenizer from text that contains it, or with { unk: true } to map unknown symbols to ${UNK_SYMBOL}`,
    );
  }

  /** The ids split into documents at BOS, each rendered by `render` (its ids are checked first), joined by "\n". */
  protected decodeDocs(ids: ArrayLike<number>, render: (docIds: number[]) => string): string {
    const docs: string[] = [];
    let cur: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id < 0 || id >= this.vocab.length) {
        throw new Error(`decode: token id ${id} at position ${i} is outside the vocabulary [0, ${this.vocab.length})`);
      }
      if (id === this.bos) {
        if (i > 0) docs.push(render(cur));
        cur = [];
      } else cur.push(id);
    }
    if (cur.length > 0 || ids.length === 0) docs.push(render(cur));
    return docs.join("\n");
  }

  /** Symbols of the ids, split into documents at BOS; each document's symbols are joined by `joiner`. */
  protected decodeWith(ids: ArrayLike<number>, joiner: string): string {
    return this.decodeDocs(ids, (doc) => doc.map((id) => this.vocab[id]).join(joiner));
  }

  toJSON(): SavedTokenizer {
    return { kind: this.kind, vocab: this.vocab.slice(), bos: this.bos, unk: this.unk, version: 1 };
  }
}
