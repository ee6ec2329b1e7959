// A data source that mixes several sources with weights: each batch comes whole from one source, drawn with
// probability weight / sum(weights) by its own seeded Rng. Replay against forgetting is a mixture of the new
// data with a little of the old. Seeded and resumable like the other sources (state: its Rng and every part's).

import { Rng } from "../core/random.js";
import type { RngState } from "../core/random.js";
import type { Batch } from "./batch.js";
import type { DataSource, DataSourceState, MixtureState } from "./sources.js";
import { loadDataset } from "./dataset.js";
import type { LoadDatasetOptions, LoadedDataset } from "./dataset.js";

export interface MixturePart {
  source: DataSource;
  /** Relative weight, >= 0 (at least one must be > 0). */
  weight: number;
  /** Name in errors and in the counts (default "part N"). */
  name?: string;
}

export class MixtureSource implements DataSource {
  readonly mode: string;
  readonly blockSize: number;
  readonly batchSize: number;
  readonly numDocs: number;
  readonly numTokens: number;
  readonly names: string[];
  readonly weights: number[];
  private readonly parts: DataSource[];
  private readonly rng: Rng;
  private readonly total: number;
  private step = 0;
  /** Batches served from each part so far. */
  readonly counts: number[];

  constructor(parts: readonly MixturePart[], seed = 42) {
    if (!Array.isArray(parts) || parts.length === 0) throw new Error("MixtureSource needs at least one part: [{ source, weight }]");
    this.names = parts.map((p, i) => p.name ?? `part ${i + 1}`);
    parts.forEach((p, i) => {
      if (!(typeof p.weight === "number" && Number.isFinite(p.weight) && p.weight >= 0)) {
        throw new Error(`mixture ${this.names[i]}: weight must be a finite number >= 0 (got ${JSON.stringify(p.weight)})`);
      }
      if (p.source.blockSize !== parts[0].source.blockSize) {
        throw new Error(`mixture ${this.names[i]}: blockSize ${p.source.blockSize} differs from ${this.names[0]}'s ${parts[0].source.blockSize}; build every part with the same blockSize`);
      }
    });
    this.weights = parts.map((p) => p.weight);
    this.total = this.weights.reduce((a, b) => a + b, 0);
    if (!(this.total > 0)) throw new Error("mixture: every weight is 0; give at least one part a weight > 0");
    if (!Number.isInteger(seed) || seed < 0) throw new Error(`mixture seed must be an integer >= 0 (got ${JSON.stringify(seed)})`);
    this.parts = parts.map((p) => p.source);
    this.mode = this.parts[0].mode;
    this.blockSize = this.parts[0].blockSize;
    this.batchSize = this.parts[0].batchSize;
    this.numDocs = this.parts.reduce((n, s) => n + s.numDocs, 0);
    this.numTokens = this.parts.reduce((n, s) => n + s.numTokens, 0);
    this.rng = new Rng(seed);
    this.counts = this.parts.map(() => 0);
  }

  /** The part the next batch is drawn from, then its batch. */
  nextBatch(): Batch {
    const i = this.rng.categorical(this.weights, this.total);
    this.counts[i]++;
    this.step++;
    return this.parts[i].nextBatch();
  }

  /** Each part's evaluation batches in turn (at most maxBatches in all); usually one evaluates the parts alone. */
  evalBatches(maxBatches?: number): Batch[] {
    const out: Batch[] = [];
    for (const p of this.parts) {
      const left = maxBatches === undefined ? undefined : maxBatches - out.length;
      if (left !== undefined && left <= 0) break;
      out.push(...p.evalBatches(left));
    }
    return out;
  }

  getState(): MixtureState {
    return {
      mode: "mixture",
      weights: this.weights.slice(),
      step: this.step,
      rng: this.rng.getState().map((w) => w >>> 0) as RngState,
      parts: this.parts.map((p) => p.getState()),
    };
  }

  setState(state: DataSourceState): void {
    if (typeof state !== "object" || state === null || state.mode !== "mixture") {
      throw new Error(`data state is for mode ${JSON.stringify((state as { mode?: unknown } | null)?.mode)}, but this source is a mixture`);
    }
    if (state.parts.length !== this.parts.length || state.weights.some((w, i) => w !== this.weights[i])) {
      throw new Error(`mixture state was saved for weights [${state.weights.join(", ")}], but this mixture has [${this.weights.join(", ")}]: use the same parts and weights`);
    }
    state.parts.forEach((s, i) => this.parts[i].setState(s));
    this.rng.setState(state.rng);
    this.step = state.step;
  }
}

/**
 * Replay: the same dataset with its training batches drawn from `replay` (another file, encoded with the same
 * tokenizer, split with the same options) with probability `fraction`, from its own training split otherwise.
 * Returns the mixed dataset and the replayed one (whose validation split shows what is being forgotten).
 */
export function withReplay(
  data: LoadedDataset,
  replay: { path: string; fraction: number; mode: LoadDatasetOptions["mode"]; blockSize: number; batchSize: number; valFraction: number; seed: number },
): { data: LoadedDataset; replay: LoadedDataset } {
  if (!(replay.fraction >= 0 && replay.fraction < 1)) throw new Error(`replay fraction must be in [0, 1) (got ${JSON.stringify(replay.fraction)})`);
  const { path, fraction, ...opts } = replay;
  const old = loadDataset({ ...opts, path, tokenizer: data.tokenizer });
  const train = new MixtureSource(
    [
      { source: data.train, weight: 1 - fraction, name: data.path },
      { source: old.train, weight: fraction, name: old.path },
    ],
    replay.seed + 5,
  );
  return { data: { ...data, train }, replay: old };
}
