// Seeded random generator (xoshiro128**): every random number in gptlab comes from here.
// Its whole state is four uint32 words, so it can be saved in a checkpoint and restored exactly.

export type RngState = [number, number, number, number];

/** splitmix32: spreads one seed over the four state words (never all zero). */
function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Rng {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;

  constructor(seed = 42) {
    if (!Number.isInteger(seed)) throw new Error(`seed must be an integer (got ${String(seed)})`);
    const next = splitmix32(seed);
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
  }

  /** Next uint32. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  random(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(n >= 1)) throw new Error(`Rng.int needs n >= 1 (got ${n})`);
    return Math.floor(this.random() * n);
  }

  /** Standard normal by Box-Muller (two uniforms per draw, no cached spare, so the state stays four words). */
  normal(mean = 0, std = 1): number {
    const u1 = 1 - this.random(); // (0, 1]
    const u2 = this.random();
    return mean + std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** Index drawn from unnormalized non-negative weights. */
  categorical(weights: ArrayLike<number>, total?: number): number {
    let sum = total ?? 0;
    if (total === undefined) for (let i = 0; i < weights.length; i++) sum += weights[i];
    let r = this.random() * sum;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i];
      if (r < 0) return i;
    }
    // rounding left r >= 0: return the last index with non-zero weight
    for (let i = weights.length - 1; i >= 0; i--) if (weights[i] > 0) return i;
    return weights.length - 1;
  }

  getState(): RngState {
    // xor leaves int32 words: report them as uint32 so the state is portable JSON
    return [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0];
  }

  setState(state: RngState): this {
    if (!Array.isArray(state) || state.length !== 4 || state.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) {
      throw new Error(`rng state must be four uint32 words (got ${JSON.stringify(state)})`);
    }
    if (state.every((w) => w === 0)) throw new Error("rng state must not be all zeros");
    [this.a, this.b, this.c, this.d] = state;
    return this;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
