// Exercise 4: one head of causal self-attention, forward: softmax(q·kᵀ/√hs) over the keys at or before each
// position, times v. The engine's answer is its attention kernel with one head and one sequence.

import { reference } from "../kernels/reference.js";
import type { Rng } from "../core/random.js";
import type { Exercise } from "./check.js";

/** q, k, v: (T, hs) as T rows of hs numbers; returns (T, hs). */
export type AttentionFn = (q: number[][], k: number[][], v: number[][]) => number[][];

export interface HeadInput {
  q: number[][];
  k: number[][];
  v: number[][];
}

/** The engine's kernel on packed qkv (1, T, 3·hs) with one head. Returns the output rows and the weights (T, T). */
export function engineAttention(x: HeadInput): { out: number[][]; weights: number[][] } {
  const T = x.q.length, hs = x.q[0].length;
  const qkv = new Float64Array(T * 3 * hs);
  for (let t = 0; t < T; t++) for (let i = 0; i < hs; i++) {
    qkv[t * 3 * hs + i] = x.q[t][i];
    qkv[t * 3 * hs + hs + i] = x.k[t][i];
    qkv[t * 3 * hs + 2 * hs + i] = x.v[t][i];
  }
  const out = new Float64Array(T * hs), att = new Float64Array(T * T);
  reference.attentionForward(out, att, qkv, 1, T, hs, 1);
  const rows = (a: Float64Array, n: number) => Array.from({ length: a.length / n }, (_, t) => Array.from(a.subarray(t * n, (t + 1) * n)));
  return { out: rows(out, hs), weights: rows(att, T) };
}

/** A head written plainly with its mistakes as switches, so each common mistake is one flag. */
function head(x: HeadInput, o: { scale?: (hs: number) => number; visible?: (t2: number, t: number) => boolean; stable?: boolean; maskAfterSoftmax?: boolean }): number[][] {
  const T = x.q.length, hs = x.q[0].length;
  const scale = (o.scale ?? ((n) => 1 / Math.sqrt(n)))(hs);
  const visible = o.visible ?? ((t2, t) => t2 <= t);
  return x.q.map((q, t) => {
    const scores = x.k.map((k, t2) => (o.maskAfterSoftmax || visible(t2, t) ? q.reduce((s, qi, i) => s + qi * k[i], 0) * scale : -Infinity));
    const max = o.stable === false ? 0 : Math.max(...scores);
    let e = scores.map((s) => Math.exp(s - max));
    if (!o.maskAfterSoftmax) {
      const z = e.reduce((a, b) => a + b, 0);
      e = e.map((w) => w / z);
    } else {
      const z = e.reduce((a, b) => a + b, 0);
      e = e.map((w, t2) => (visible(t2, t) ? w / z : 0)); // zeroed after normalizing: rows no longer sum to 1
    }
    return Array.from({ length: hs }, (_, i) => e.reduce((s, w, t2) => s + w * x.v[t2][i], 0));
  });
}

const matrix = (rng: Rng, T: number, hs: number, std = 1): number[][] => Array.from({ length: T }, () => Array.from({ length: hs }, () => rng.normal(0, std)));

function cases(rng: Rng) {
  const random = (T: number, hs: number, std = 1) => ({ q: matrix(rng, T, hs, std), k: matrix(rng, T, hs, std), v: matrix(rng, T, hs) });
  const T = 5;
  // v = one-hot rows: output row t shows exactly which positions row t attended to
  const oneHot = Array.from({ length: T }, (_, t) => Array.from({ length: T }, (_, i) => (i === t ? 1 : 0)));
  return [
    { name: "one position", input: random(1, 4), hint: "the first position sees only itself: its output is v[0]" },
    { name: "T = 4, hs = 8", input: random(4, 8) },
    { name: "one-hot values (shows what each row attends to)", input: { q: matrix(rng, T, T), k: matrix(rng, T, T), v: oneHot }, hint: "row t may attend to positions 0..t only (the causal mask), and its weights sum to 1" },
    { name: "T = 16, hs = 4", input: random(16, 4) },
    { name: "large scores (q, k ~ 30)", input: random(6, 4, 30), hint: "scores of thousands overflow exp: subtract each row's largest visible score before exp" },
  ];
}

export const attentionExercise: Exercise<AttentionFn, HeadInput, number[][]> = {
  id: "attentionHead",
  title: "attentionHead(q, k, v)",
  notebook: "04-attention",
  cases,
  reference: (x) => engineAttention(x).out,
  call: (fn, x) => fn(x.q, x.k, x.v),
  tolerance: { abs: 1e-10, rel: 1e-8 },
  mistakes: [
    { name: "mask leaks the future", hint: "the mask leaks the future: row t must not see positions after t (set their scores to -Infinity before the softmax)", answer: (x) => head(x, { visible: () => true }) },
    { name: "mask hides the present", hint: "the mask hides position t itself: row t sees positions 0..t inclusive (t2 <= t)", answer: (x) => head(x, { visible: (t2, t) => t2 < t }) },
    { name: "mask after the softmax", hint: "masking after the softmax leaves rows that do not sum to 1: mask the scores (-Infinity), then take the softmax", answer: (x) => head(x, { maskAfterSoftmax: true }) },
    { name: "no scaling", hint: "scale the scores by 1/√hs (hs = head size) before the softmax", answer: (x) => head(x, { scale: () => 1 }) },
    { name: "scaled by 1/hs", hint: "the scale is 1/√hs, not 1/hs", answer: (x) => head(x, { scale: (n) => 1 / n }) },
    { name: "no max-subtraction", hint: "no max-subtraction: large scores overflow exp (NaN); subtract each row's largest score first", answer: (x) => head(x, { stable: false }) },
  ],
};
