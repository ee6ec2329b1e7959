// Exercise 1: softmax and the cross-entropy, forward and gradient, numerically stable for large logits.
// The engine's answers come from the reference kernels in float64; the gradient is checked against central
// differences of the engine's loss.

import { reference } from "../kernels/reference.js";
import type { Rng } from "../core/random.js";
import type { Case, Exercise, Mistake } from "./check.js";

export type SoftmaxFn = (logits: number[]) => number[];
export type LossFn = (logits: number[], target: number) => number;
export type GradFn = (logits: number[], target: number) => number[];

export interface Row {
  logits: number[];
  target: number;
}

const NOTEBOOK = "01-softmax-cross-entropy";

export function engineSoftmax(logits: number[]): number[] {
  const out = new Float64Array(logits.length);
  reference.softmaxForward(out, Float64Array.from(logits), 1, logits.length);
  return Array.from(out);
}

export function engineLoss(logits: number[], target: number): number {
  const probs = new Float64Array(logits.length);
  return reference.crossEntropyForward(probs, Float64Array.from(logits), Int32Array.of(target), 1, logits.length).sum;
}

/** d loss / d logits by central differences of the engine's loss (step h per logit). */
export function finiteDifferenceGrad(loss: LossFn, logits: number[], target: number, h = 1e-5): number[] {
  return logits.map((_, i) => {
    const up = logits.slice(), down = logits.slice();
    up[i] += h;
    down[i] -= h;
    return (loss(up, target) - loss(down, target)) / (2 * h);
  });
}

const randomLogits = (rng: Rng, n: number, std: number): number[] => Array.from({ length: n }, () => rng.normal(0, std));

function rows(rng: Rng): Case<Row>[] {
  return [
    { name: "3 small logits", input: { logits: [2, 1, 0], target: 0 } },
    { name: "27 random logits", input: { logits: randomLogits(rng, 27, 2), target: 5 } },
    { name: "ties", input: { logits: [1.5, 1.5, 1.5, 1.5], target: 2 } },
    { name: "one logit", input: { logits: [3], target: 0 } },
    { name: "large logits [1000, 1001, 1002]", input: { logits: [1000, 1001, 1002], target: 1 }, hint: "exp(1000) is Infinity in floating point: subtract the largest logit before exp (softmax does not change)" },
    { name: "very negative logits", input: { logits: [-1000, -1001, -999.5], target: 2 }, hint: "exp(-1000) is 0 in floating point: subtract the largest logit before exp" },
    { name: "a target far below the max [0, 800]", input: { logits: [0, 800], target: 0 }, hint: "p(target) underflows to 0 here; compute -log p as logsumexp(logits) - logits[target] instead of log(softmax)" },
    { name: "597 random logits (a word vocabulary)", input: { logits: randomLogits(rng, 597, 1), target: 300 } },
  ];
}

const naiveSoftmax = (l: number[]): number[] => {
  const e = l.map(Math.exp);
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
};

export const softmaxExercise: Exercise<SoftmaxFn, Row, number[]> = {
  id: "softmax",
  title: "softmax(logits)",
  notebook: NOTEBOOK,
  cases: (rng) => rows(rng).filter((c) => !c.name.startsWith("a target")),
  reference: (r) => engineSoftmax(r.logits),
  call: (fn, r) => fn(r.logits),
  tolerance: { abs: 1e-12, rel: 1e-9 },
  mistakes: [
    { name: "no max-subtraction", hint: "no max-subtraction: exp of a large logit overflows to Infinity (Infinity/Infinity = NaN); subtract the largest logit first", answer: (r) => naiveSoftmax(r.logits) },
    { name: "not normalized", hint: "the probabilities must sum to 1: divide each exp by the sum of all of them", answer: (r) => { const m = Math.max(...r.logits); return r.logits.map((x) => Math.exp(x - m)); } },
  ],
};

const lossMistakes: Mistake<Row, number>[] = [
  // the specific mistake first: a naive student fails earlier, on the large logits, where only the naive answer matches
  { name: "log of an underflowing probability", hint: "log(softmax(logits)[target]) is log(0) = -Infinity when that probability underflows: compute logsumexp(logits) - logits[target] directly", answer: (r) => -Math.log(engineSoftmax(r.logits)[r.target]) },
  { name: "no max-subtraction", hint: "no max-subtraction: exp overflows for large logits; use -log p = logsumexp(logits) - logits[target] with the max subtracted inside the logsumexp", answer: (r) => -Math.log(naiveSoftmax(r.logits)[r.target]) },
  { name: "sign", hint: "the loss is minus the log-probability of the target: it is >= 0", answer: (r) => -engineLoss(r.logits, r.target) },
];

export const crossEntropyExercise: Exercise<LossFn, Row, number> = {
  id: "crossEntropy",
  title: "crossEntropy(logits, target)",
  notebook: NOTEBOOK,
  cases: rows,
  reference: (r) => engineLoss(r.logits, r.target),
  call: (fn, r) => fn(r.logits, r.target),
  tolerance: { abs: 1e-9, rel: 1e-9 },
  mistakes: lossMistakes,
};

export const crossEntropyGradExercise: Exercise<GradFn, Row, number[]> = {
  id: "crossEntropyGrad",
  title: "crossEntropyGrad(logits, target)",
  notebook: NOTEBOOK,
  cases: rows,
  // the gradient the engine's loss has, measured by central differences (not the engine's backward formula)
  reference: (r) => finiteDifferenceGrad(engineLoss, r.logits, r.target),
  call: (fn, r) => fn(r.logits, r.target),
  tolerance: { abs: 1e-6, rel: 1e-5 },
  mistakes: [
    { name: "softmax only", hint: "this is softmax(logits): the gradient of -log p(target) is softmax(logits) minus 1 at the target", answer: (r) => engineSoftmax(r.logits) },
    { name: "sign", hint: "the sign is flipped: d loss / d logit_i = p_i - [i == target] (the target's logit goes down in loss when it goes up)", answer: (r) => engineSoftmax(r.logits).map((p, i) => (i === r.target ? 1 : 0) - p) },
    { name: "no max-subtraction", hint: "no max-subtraction in the softmax inside the gradient: exp overflows for large logits", answer: (r) => naiveSoftmax(r.logits).map((p, i) => p - (i === r.target ? 1 : 0)) },
  ],
};
