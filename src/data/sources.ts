// The data sources: `documents` (one padded document per row, the lab's one-sentence-per-step mode), `stream`
// (random windows of the documents joined by BOS) and `text` (random windows of a whole file's tokens, as char-rnn
// and nanoGPT read text). All are seeded and can save/restore their position. The modes' registry is modes.ts.

import { Rng } from "../core/random.js";
import type { RngState } from "../core/random.js";
import { checkInt, makeBatch } from "./batch.js";
import type { Batch } from "./batch.js";


export interface DocumentsState {
  mode: "documents";
  numDocs: number;
  epoch: number;
  /** documents of this epoch already served */
  position: number;
  /** rng state at the start of this epoch, before its shuffle */
  rng: RngState;
}

export interface StreamState {
  mode: "stream" | "text";
  numTokens: number;
  /** batches served so far (informative) */
  step: number;
  rng: RngState;
}

export type DataSourceState = DocumentsState | StreamState | MixtureState;

/** The state of a MixtureSource (src/data/mixture.ts): its own draws and each part's state. */
export interface MixtureState {
  mode: "mixture";
  weights: number[];
  /** batches served so far (informative) */
  step: number;
  rng: RngState;
  parts: DataSourceState[];
}

export interface DataSource {
  /** a kind from the data mode registry (modes.ts) */
  readonly mode: string;
  readonly blockSize: number;
  readonly batchSize: number;
  /** documents in this split */
  readonly numDocs: number;
  /** tokens served per epoch: documents mode counts each [BOS] doc [BOS] after the cut; stream mode the whole stream */
  readonly numTokens: number;
  nextBatch(): Batch;
  /** A fixed list of batches over the split, in order (for validation loss); at most maxBatches of them. */
  evalBatches(maxBatches?: number): Batch[];
  /** JSON-serializable position + rng state; setState(getState()) resumes with the same next batches. */
  getState(): DataSourceState;
  setState(state: DataSourceState): void;
}

export interface SourceOptions {
  /** BOS id: wraps documents, separates them in the stream, pads inputs */
  bos: number;
  blockSize: number;
  batchSize: number;
  seed?: number;
  /** name of the split in error messages, e.g. "train" */
  name?: string;
}

/** Rng state as unsigned words: Rng.getState() can hold negative int32 words, which Rng.setState() rejects. */
function rngState(rng: Rng): RngState {
  return rng.getState().map((w) => w >>> 0) as RngState;
}

function checkOptions(o: SourceOptions): void {
  checkInt("bos", o.bos, 0);
  checkInt("blockSize", o.blockSize, 1);
  checkInt("batchSize", o.batchSize, 1);
  if (o.seed !== undefined) checkInt("seed", o.seed, 0);
}

function checkMaxBatches(maxBatches: number | undefined): number {
  return maxBatches === undefined ? Infinity : checkInt("maxBatches", maxBatches, 1);
}

function checkMode(state: DataSourceState, mode: string): void {
  if (typeof state !== "object" || state === null || state.mode !== mode) {
    throw new Error(`data state is for mode ${JSON.stringify((state as { mode?: unknown } | null)?.mode)}, but this source is in ${mode} mode`);
  }
}

/** Documents, each [BOS] doc [BOS] cut to blockSize + 1 tokens; a batch pads its rows to the longest (T = longest - 1). */
export class DocumentSource implements DataSource {
  readonly mode = "documents" as const;
  readonly blockSize: number;
  readonly batchSize: number;
  readonly numDocs: number;
  readonly numTokens: number;
  /** documents longer than blockSize + 1 tokens once wrapped, which are cut */
  readonly numTruncated: number;
  private readonly bos: number;
  private readonly seqs: Int32Array[];
  private readonly rng: Rng;
  private order: number[] = [];
  private epoch = 0;
  private position = 0;
  private epochRng: RngState;

  /** docs: token ids of each document, without BOS. */
  constructor(docs: readonly ArrayLike<number>[], opts: SourceOptions) {
    checkOptions(opts);
    this.bos = opts.bos;
    this.blockSize = opts.blockSize;
    this.batchSize = opts.batchSize;
    let truncated = 0;
    this.seqs = docs.map((d) => {
      const full = d.length + 2;
      if (full > opts.blockSize + 1) truncated++;
      const seq = new Int32Array(Math.min(full, opts.blockSize + 1));
      seq[0] = opts.bos;
      for (let i = 1; i < seq.length; i++) seq[i] = i <= d.length ? d[i - 1] : opts.bos;
      return seq;
    });
    this.numDocs = this.seqs.length;
    this.numTruncated = truncated;
    this.numTokens = this.seqs.reduce((n, s) => n + s.length, 0);
    if (this.numDocs === 0) throw new Error(`the ${opts.name ?? "data"} split has no documents: use more data or a smaller valFraction`);
    this.rng = new Rng(opts.seed ?? 42);
    this.epochRng = rngState(this.rng);
    this.startEpoch(0);
  }

  /** Shuffles the documents for an epoch; each epoch shuffles 0..n-1 afresh so its order follows from one rng state. */
  private startEpoch(epoch: number): void {
    this.epoch = epoch;
    this.epochRng = rngState(this.rng);
    this.order = this.rng.shuffle(Array.from({ length: this.numDocs }, (_, i) => i));
    this.position = 0;
  }

  nextBatch(): Batch {
    const rows: Int32Array[] = [];
    let longest = 0;
    for (let b = 0; b < this.batchSize; b++) {
      if (this.position >= this.numDocs) this.startEpoch(this.epoch + 1);
      const seq = this.seqs[this.order[this.position++]];
      rows.push(seq);
      longest = Math.max(longest, seq.length);
    }
    return makeBatch(rows, longest - 1, this.bos);
  }

  evalBatches(maxBatches?: number): Batch[] {
    const max = checkMaxBatches(maxBatches);
    const out: Batch[] = [];
    for (let i = 0; i < this.numDocs && out.length < max; i += this.batchSize) {
      const rows = this.seqs.slice(i, i + this.batchSize);
      out.push(makeBatch(rows, Math.max(...rows.map((r) => r.length)) - 1, this.bos));
    }
    return out;
  }

  /** The epoch (0-based) the next batch draws from, and how many of its documents were served. */
  get progress(): { epoch: number; position: number } {
    return { epoch: this.epoch, position: this.position };
  }

  getState(): DocumentsState {
    return { mode: "documents", numDocs: this.numDocs, epoch: this.epoch, position: this.position, rng: [...this.epochRng] as RngState };
  }

  setState(state: DataSourceState): void {
    checkMode(state, "documents");
    const s = state as DocumentsState;
    if (s.numDocs !== this.numDocs) throw new Error(`data state was saved for ${s.numDocs} documents, but this split has ${this.numDocs}: load the same data file, seed and valFraction`);
    checkInt("state.epoch", s.epoch, 0);
    checkInt("state.position", s.position, 0);
    if (s.position > this.numDocs) throw new Error(`state.position must be in [0, ${this.numDocs}] (got ${s.position})`);
    this.rng.setState(s.rng);
    this.startEpoch(s.epoch);
    this.position = s.position;
  }
}

/** Random windows of blockSize + 1 over one token stream (the stream and text modes); evaluation walks it in order. */
abstract class WindowSource implements DataSource {
  abstract readonly mode: "stream" | "text";
  readonly blockSize: number;
  readonly batchSize: number;
  abstract readonly numDocs: number;
  readonly numTokens: number;
  private readonly bos: number;
  private readonly tokens: Int32Array;
  private readonly rng: Rng;
  private step = 0;

  /** tooShort: the error when the stream has fewer than blockSize + 1 tokens. */
  protected constructor(tokens: Int32Array, opts: SourceOptions, tooShort: () => string) {
    checkOptions(opts);
    this.bos = opts.bos;
    this.blockSize = opts.blockSize;
    this.batchSize = opts.batchSize;
    this.tokens = tokens;
    this.numTokens = tokens.length;
    if (tokens.length < opts.blockSize + 1) throw new Error(tooShort());
    this.rng = new Rng(opts.seed ?? 42);
  }

  nextBatch(): Batch {
    const T = this.blockSize;
    const rows: Int32Array[] = [];
    for (let b = 0; b < this.batchSize; b++) {
      const start = this.rng.int(this.numTokens - T); // window [start, start + T] lies inside the stream
      rows.push(this.tokens.subarray(start, start + T + 1));
    }
    this.step++;
    return makeBatch(rows, T, this.bos);
  }

  /** Consecutive windows at 0, T, 2T, ...: every next-token pair of the stream once; the last window is padded. */
  evalBatches(maxBatches?: number): Batch[] {
    const max = checkMaxBatches(maxBatches);
    const T = this.blockSize;
    const out: Batch[] = [];
    let rows: Int32Array[] = [];
    for (let s = 0; s < this.numTokens - 1 && out.length < max; s += T) {
      rows.push(this.tokens.subarray(s, Math.min(s + T + 1, this.numTokens)));
      if (rows.length === this.batchSize) {
        out.push(makeBatch(rows, T, this.bos));
        rows = [];
      }
    }
    if (rows.length > 0 && out.length < max) out.push(makeBatch(rows, T, this.bos));
    return out;
  }

  getState(): StreamState {
    return { mode: this.mode, numTokens: this.numTokens, step: this.step, rng: rngState(this.rng) };
  }

  setState(state: DataSourceState): void {
    checkMode(state, this.mode);
    const s = state as StreamState;
    if (s.numTokens !== this.numTokens) throw new Error(`data state was saved for a stream of ${s.numTokens} tokens, but this split has ${this.numTokens}: load the same data file, tokenizer, seed and valFraction`);
    this.step = checkInt("state.step", s.step, 0);
    this.rng.setState(s.rng);
  }
}

/** All documents as one token stream, BOS before each and after the last; batches are B random windows of blockSize + 1. */
export class StreamSource extends WindowSource {
  readonly mode = "stream" as const;
  readonly numDocs: number;

  constructor(docs: readonly ArrayLike<number>[], opts: SourceOptions) {
    const n = docs.reduce((k, d) => k + d.length + 1, 1);
    const tokens = new Int32Array(n);
    let p = 0;
    tokens[p++] = opts.bos;
    for (const d of docs) {
      for (let i = 0; i < d.length; i++) tokens[p++] = d[i];
      tokens[p++] = opts.bos;
    }
    super(
      tokens,
      opts,
      () =>
        `stream mode needs at least blockSize + 1 = ${opts.blockSize + 1} tokens, but the ${opts.name ?? "data"} split has ${n} ` +
        `(${docs.length} documents, BOS between them). Use a smaller blockSize, more data (or a smaller valFraction for the val split), or mode "documents"`,
    );
    this.numDocs = docs.length;
  }
}

/** A whole text's tokens as they come (line breaks are tokens; no BOS but the one the caller puts first). */
export class TextSource extends WindowSource {
  readonly mode = "text" as const;
  readonly numDocs = 1;

  /** file: named in the error when the split is shorter than one window. */
  constructor(tokens: ArrayLike<number>, opts: SourceOptions & { file?: string; tokenizer?: string }) {
    super(
      Int32Array.from(tokens),
      opts,
      () =>
        `${opts.file ?? "the text"}: the ${opts.name ?? "data"} split has ${tokens.length} tokens${opts.tokenizer ? ` (${opts.tokenizer} tokenizer)` : ""}, fewer than ` +
        `blockSize + 1 = ${opts.blockSize + 1}; the text mode needs at least two blocks of text, one to train on and one to validate. ` +
        `Use a longer file, a smaller blockSize, or a valFraction that leaves each split a block`,
    );
  }
}
