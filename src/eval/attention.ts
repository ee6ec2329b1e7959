// Attention you can read: each layer's attention weights from one forward pass (per head, zero above the
// diagonal), per-position losses, and the induction-head toy's measures (prefix-matching score, loss on the
// first and the repeated half of the sequence).

import { noGrad } from "../core/tensor.js";
import type { GPT } from "../nn/gpt.js";
import type { Batch } from "../data/batch.js";

export interface AttentionMaps {
  B: number;
  T: number;
  nLayer: number;
  nHead: number;
  /** Per layer (B, nHead, T, T) row-major: row t (the query) holds the weights over positions 0..t, zeros after. */
  layers: Float32Array[];
  /** (B, T, V) */
  logits: Float32Array;
}

/** One forward pass (no gradients) that keeps every layer's attention probabilities. */
export function attentionMaps(model: GPT, inputs: Int32Array, B: number, T: number): AttentionMaps {
  const { nLayer, nHead } = model.config;
  const layers: Float32Array[] = new Array(nLayer);
  const logits = noGrad(() =>
    model.forward(inputs, B, T, undefined, {
      onAttention: (l, w) => {
        const copy = Float32Array.from(w);
        for (let r = 0; r < B * nHead; r++) for (let t = 0; t < T; t++) copy.fill(0, (r * T + t) * T + t + 1, (r * T + t + 1) * T);
        layers[l] = copy;
      },
    }).logits.data,
  );
  return { B, T, nLayer, nHead, layers, logits: Float32Array.from(logits) };
}

/** The (T, T) weights of one head for sequence b: rows are queries, columns the positions attended to. */
export function headMap(maps: AttentionMaps, layer: number, head: number, b = 0): number[][] {
  const { B, T, nLayer, nHead } = maps;
  if (!(Number.isInteger(layer) && layer >= 0 && layer < nLayer)) throw new Error(`layer must be in 0..${nLayer - 1} (got ${layer})`);
  if (!(Number.isInteger(head) && head >= 0 && head < nHead)) throw new Error(`head must be in 0..${nHead - 1} (got ${head})`);
  if (!(Number.isInteger(b) && b >= 0 && b < B)) throw new Error(`sequence b must be in 0..${B - 1} (got ${b})`);
  const a = maps.layers[layer];
  const base = (b * nHead + head) * T * T;
  return Array.from({ length: T }, (_, t) => Array.from(a.subarray(base + t * T, base + (t + 1) * T)));
}

export interface HeadHabits {
  /** Mean weight on position 0 ([BOS]). */
  bos: number;
  /** Mean weight on the position just before the query. */
  previous: number;
  /** Mean weight on the query's own position. */
  self: number;
}

/**
 * Where one head looks, from its (T, T) map (headMap): the mean weight of the query rows 2..T-1 (whose previous
 * position is not [BOS]) on [BOS], on the previous position and on themselves.
 */
export function headHabits(map: readonly (readonly number[])[]): HeadHabits {
  if (map.length < 3) throw new Error(`headHabits: the map has ${map.length} rows; it needs 3 or more ([BOS] and two tokens)`);
  let bos = 0, previous = 0, self = 0;
  for (let t = 2; t < map.length; t++) {
    if (map[t].length <= t) throw new Error(`headHabits: row ${t} has ${map[t].length} columns; a (T, T) map has ${map.length}`);
    bos += map[t][0];
    previous += map[t][t - 1];
    self += map[t][t];
  }
  const n = map.length - 2;
  return { bos: bos / n, previous: previous / n, self: self / n };
}

/**
 * Batches of different lengths as one (B, T) batch, B their rows together and T the longest: each row keeps its
 * tokens, shorter rows are padded with `pad` as input and -1 as target (ignored by the losses).
 */
export function stackBatches(batches: readonly Batch[], pad: number): Batch {
  if (batches.length === 0) throw new Error("stackBatches: no batches to stack (is the validation split empty?)");
  const B = batches.reduce((n, b) => n + b.B, 0);
  const T = Math.max(...batches.map((b) => b.T));
  const inputs = new Int32Array(B * T).fill(pad);
  const targets = new Int32Array(B * T).fill(-1);
  let row = 0;
  for (const b of batches) {
    for (let i = 0; i < b.B; i++, row++) {
      inputs.set(b.inputs.subarray(i * b.T, (i + 1) * b.T), row * T);
      targets.set(b.targets.subarray(i * b.T, (i + 1) * b.T), row * T);
    }
  }
  return { inputs, targets, B, T };
}

/** Cross-entropy of each position's prediction, (B, T), from logits (B, T, V); NaN where the target is < 0. */
export function positionLosses(logits: ArrayLike<number>, targets: Int32Array, V: number): Float64Array {
  const N = targets.length;
  if (logits.length !== N * V) throw new Error(`positionLosses: ${logits.length} logits for ${N} targets x V=${V}`);
  const out = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    if (targets[n] < 0) {
      out[n] = NaN;
      continue;
    }
    let max = -Infinity;
    for (let v = 0; v < V; v++) max = Math.max(max, logits[n * V + v]);
    let z = 0;
    for (let v = 0; v < V; v++) z += Math.exp(logits[n * V + v] - max);
    out[n] = Math.log(z) + max - logits[n * V + targets[n]];
  }
  return out;
}

export interface InductionReport {
  /** [layer][head]: mean attention from each repeated token to the token after its first occurrence. */
  prefixMatching: number[][];
  /** The head with the highest score. */
  best: { layer: number; head: number; score: number };
  /** Mean loss predicting tokens 2..L of the first (random) half: about ln(vocab) at best. */
  firstHalfLoss: number;
  /** The same tokens in the repeated half: near 0 once an induction head copies them. */
  secondHalfLoss: number;
}

/**
 * Measures a batch of [BOS] s s [BOS] rows (src/data/repeated.ts; each row's half length L is read from its
 * targets: 2L + 1 of them are not padding). The query at position p = L+1+j holds s_j again; an induction head
 * attends to p-L+1, the token after s_j's first occurrence, and copies it. Positions p in L+1..2L-1 are scored,
 * and the same targets s_1..s_{L-1} in the first half (positions 1..L-1) for comparison.
 */
export function inductionReport(model: GPT, inputs: Int32Array, targets: Int32Array, B: number, T: number): InductionReport {
  const halves: number[] = [];
  for (let b = 0; b < B; b++) {
    let n = 0;
    for (let t = 0; t < T; t++) if (targets[b * T + t] >= 0) n++;
    if (n % 2 !== 1 || n < 5) throw new Error(`inductionReport: row ${b} has ${n} targets; rows must be [BOS] s s [BOS] with s of 2 or more tokens (not cut by blockSize)`);
    const L = (n - 1) / 2;
    for (let i = 1; i <= L; i++) {
      if (inputs[b * T + i] !== inputs[b * T + L + i]) throw new Error(`inductionReport: row ${b} is not [BOS] s s [BOS]: token ${i} differs from token ${L + i}`);
    }
    halves.push(L);
  }
  const maps = attentionMaps(model, inputs, B, T);
  const { nLayer, nHead } = maps;
  const scored = halves.reduce((n, L) => n + L - 1, 0);
  const prefixMatching = maps.layers.map((a) => {
    const scores: number[] = [];
    for (let h = 0; h < nHead; h++) {
      let sum = 0;
      for (let b = 0; b < B; b++) {
        const L = halves[b];
        for (let p = L + 1; p <= 2 * L - 1; p++) sum += a[((b * nHead + h) * T + p) * T + (p - L + 1)];
      }
      scores.push(sum / scored);
    }
    return scores;
  });
  let best = { layer: 0, head: 0, score: -Infinity };
  for (let l = 0; l < nLayer; l++) for (let h = 0; h < nHead; h++) if (prefixMatching[l][h] > best.score) best = { layer: l, head: h, score: prefixMatching[l][h] };
  const losses = positionLosses(maps.logits, targets, model.config.vocabSize);
  const mean = (from: (L: number) => number, to: (L: number) => number): number => {
    let s = 0;
    for (let b = 0; b < B; b++) for (let p = from(halves[b]); p <= to(halves[b]); p++) s += losses[b * T + p];
    return s / scored;
  };
  return { prefixMatching, best, firstHalfLoss: mean(() => 1, (L) => L - 1), secondHalfLoss: mean((L) => L + 1, (L) => 2 * L - 1) };
}
