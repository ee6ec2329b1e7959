// Exercise 2: one Adam / AdamW step with bias correction and weight decay, against the engine's adamStep kernel.

import { reference } from "../kernels/reference.js";
import type { Rng } from "../core/random.js";
import type { Exercise } from "./check.js";

export interface AdamHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** true: AdamW (p shrinks by lr·weightDecay·p before the update); false: Adam with L2 (g += weightDecay·p). */
  decoupled: boolean;
}

/** Updates p, m and v in place for step t (t = 1 for the first step). */
export type AdamStepFn = (p: number[], g: number[], m: number[], v: number[], t: number, h: AdamHyper) => void;

export interface AdamInput {
  p: number[];
  g: number[];
  m: number[];
  v: number[];
  t: number;
  h: AdamHyper;
}

export interface AdamOutput {
  p: number[];
  m: number[];
  v: number[];
}

/** The engine's step (the reference kernel the trainer's Adam runs), in float64. */
export function engineAdamStep(x: AdamInput, opts: { biasCorrection?: boolean } = {}): AdamOutput {
  const { beta1, beta2, eps, lr, weightDecay: wd, decoupled } = x.h;
  const bc = opts.biasCorrection ?? true;
  const [p, g, m, v] = [x.p, x.g, x.m, x.v].map((a) => Float64Array.from(a));
  const bc1 = bc ? 1 - Math.pow(beta1, x.t) : 1;
  const bc2 = bc ? 1 - Math.pow(beta2, x.t) : 1;
  reference.adamStep(p, g, m, v, p.length, lr, beta1, beta2, eps, bc1, bc2, decoupled ? 1 - lr * wd : 1, decoupled ? 0 : wd);
  return { p: Array.from(p), m: Array.from(m), v: Array.from(v) };
}

const LAB: AdamHyper = { lr: 0.01, beta1: 0.85, beta2: 0.99, eps: 1e-8, weightDecay: 0, decoupled: false };
const zeros = (n: number): number[] => new Array(n).fill(0);
const randn = (rng: Rng, n: number, std = 1): number[] => Array.from({ length: n }, () => rng.normal(0, std));

function cases(rng: Rng) {
  const n = 6;
  const fresh = (h: AdamHyper, g = randn(rng, n)) => ({ p: randn(rng, n), g, m: zeros(n), v: zeros(n), t: 1, h });
  const later = (h: AdamHyper, t: number) => ({ p: randn(rng, n), g: randn(rng, n), m: randn(rng, n, 0.1), v: randn(rng, n, 0.1).map((x) => x * x), t, h });
  return [
    { name: "step 1 from zero moments (the lab's Adam)", input: fresh(LAB), hint: "at t = 1, m̂ = g and v̂ = g², so each parameter moves by about lr" },
    { name: "step 7 with moments", input: later(LAB, 7) },
    { name: "step 1000 with moments", input: later({ ...LAB, beta2: 0.999 }, 1000) },
    { name: "a zero gradient from zero moments", input: fresh(LAB, zeros(n)), hint: "with g = 0 and zero moments nothing moves: eps keeps 0/0 away (add eps to √v̂, outside the square root)" },
    { name: "large gradients (1e4)", input: fresh(LAB, randn(rng, n, 1e4)) },
    { name: "Adam with L2 weight decay 0.1", input: later({ ...LAB, weightDecay: 0.1 }, 3), hint: "Adam's weight decay is L2: add weightDecay·p to the gradient before the moments" },
    { name: "AdamW with decoupled weight decay 0.1", input: later({ ...LAB, weightDecay: 0.1, decoupled: true }, 3), hint: "AdamW's decay is decoupled: p -= lr·weightDecay·p, outside the moments" },
    { name: "one parameter", input: later({ ...LAB, lr: 0.5 }, 2) },
  ];
}

export const adamExercise: Exercise<AdamStepFn, AdamInput, AdamOutput> = {
  id: "adamStep",
  title: "adamStep(p, g, m, v, t, h)",
  notebook: "02-adam",
  cases,
  reference: (x) => engineAdamStep(x),
  call: (fn, x) => {
    fn(x.p, x.g, x.m, x.v, x.t, x.h);
    return { p: x.p, m: x.m, v: x.v };
  },
  tolerance: { abs: 1e-12, rel: 1e-9 },
  mistakes: [
    { name: "no bias correction", hint: "missing bias correction: divide m by (1 - beta1^t) and v by (1 - beta2^t); without it the first steps use moments shrunk towards 0", answer: (x) => engineAdamStep(x, { biasCorrection: false }) },
    { name: "bias correction with t + 1", hint: "bias correction off by one: t is already the number of this step (1 for the first), use beta^t, not beta^(t+1)", answer: (x) => engineAdamStep({ ...x, t: x.t + 1 }) },
    { name: "eps inside the square root", hint: "eps goes outside the square root: m̂ / (√v̂ + eps)", answer: (x) => {
      const out = engineAdamStep({ ...x, h: { ...x.h, eps: 0 } });
      const bc1 = 1 - Math.pow(x.h.beta1, x.t), bc2 = 1 - Math.pow(x.h.beta2, x.t);
      // same moments; recompute p with sqrt(v̂ + eps)
      const p = x.p.map((pi, i) => {
        const shrink = x.h.decoupled ? 1 - x.h.lr * x.h.weightDecay : 1;
        return pi * shrink - (x.h.lr * (out.m[i] / bc1)) / Math.sqrt(out.v[i] / bc2 + x.h.eps);
      });
      return { ...out, p };
    } },
    { name: "AdamW decay coupled", hint: "AdamW's decay is decoupled: shrink p by lr·weightDecay·p instead of adding weightDecay·p to the gradient (that is Adam's L2)", answer: (x) => engineAdamStep({ ...x, h: { ...x.h, decoupled: !x.h.decoupled } }) },
    { name: "decay without lr", hint: "the decoupled decay is scaled by the learning rate: p -= lr·weightDecay·p, not weightDecay·p", answer: (x) => {
      const out = engineAdamStep({ ...x, h: { ...x.h, weightDecay: 0 } });
      return { ...out, p: out.p.map((pi, i) => pi - x.h.weightDecay * x.p[i]) };
    } },
  ],
};
