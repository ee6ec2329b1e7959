// The optimizer diagnostics behind notebook 06: how settled Adam's second moment is, measured on the update it
// applied, checked against the update computed by hand and against how far the parameters really moved.

import { Adam } from "../../src/optim/adam.js";
import { SGD } from "../../src/optim/sgd.js";
import { ParamStore } from "../../src/nn/params.js";
import { gradNorm } from "../../src/optim/clip.js";
import { Trainer } from "../../src/train/trainer.js";
import type { StepEvent } from "../../src/train/trainer.js";
import type { Tensor } from "../../src/core/tensor.js";

const beta1 = 0.85;
const beta2 = 0.99;
const eps = 1e-8;
const growth = beta2 / beta1; // a gradient growing this fast per step outruns v̂ the most

/** Four parameters: 0 and 1 see a constant gradient (+1, -2), 2 and 3 one that grows by beta2/beta1 per step. */
function store(): ParamStore {
  return new ParamStore([{ name: "w", shape: [4], decay: false, init: (v) => v.fill(0) }], "f64");
}
function gradAt(t: number): number[] {
  return [1, -2, 0.01 * Math.pow(growth, t), -0.03 * Math.pow(growth, t)];
}

/** Adam's update / lr of one parameter after steps 1..t, by hand: u = m̂ / (√v̂ + eps). */
function handUpdate(grads: number[]): number {
  let m = 0;
  let v = 0;
  for (const g of grads) {
    m = beta1 * m + (1 - beta1) * g;
    v = beta2 * v + (1 - beta2) * g * g;
  }
  const t = grads.length;
  return m / (1 - Math.pow(beta1, t)) / (Math.sqrt(v / (1 - Math.pow(beta2, t))) + eps);
}

describe("Adam.diagnostics", () => {
  test("is undefined before the first step", () => {
    expect(new Adam(store(), { beta1, beta2, eps }).diagnostics()).toBeUndefined();
  });

  test("a constant gradient moves by just under lr; one growing by beta2/beta1 per step moves by over lr, as computed by hand", () => {
    const s = store();
    const adam = new Adam(s, { beta1, beta2, eps });
    const lr = 1e-3;
    const T = 20;
    let before: number[] = [];
    for (let t = 1; t <= T; t++) {
      s.grad.set(gradAt(t));
      before = Array.from(s.data);
      adam.step(lr);
    }
    const hand = [0, 1, 2, 3].map((i) => handUpdate(Array.from({ length: T }, (_, k) => gradAt(k + 1)[i])));
    // the constant ones: m̂ = g and v̂ = g², so u = ±(1 - tiny); the growing ones over 1 (1.28 at step 20; the bound for large t is 2.89)
    expect(Math.abs(hand[0])).toBeLessThan(1);
    expect(Math.abs(hand[1])).toBeLessThan(1);
    expect(Math.abs(hand[2])).toBeGreaterThan(1.2);
    expect(Math.abs(hand[3])).toBeGreaterThan(1.2);
    // the parameters really moved by lr·u in the last step
    const moved = Array.from(s.data).map((p, i) => (before[i] - p) / lr);
    for (let i = 0; i < 4; i++) expect(moved[i]).toBeCloseTo(hand[i], 9);
    const d = adam.diagnostics()!;
    expect(d.updateOverLr).toBe(0.5);
    expect(d.updateRms).toBeCloseTo(Math.sqrt(hand.reduce((a, u) => a + u * u, 0) / 4), 12);
  });

  test("SGD has no second moment and offers no diagnostics", () => {
    expect((new SGD(store()) as { diagnostics?: unknown }).diagnostics).toBeUndefined();
  });
});

describe("the trainer's diagnostics", () => {
  test("gradNorm is recorded before clipping at every step, the diagnostics at step 1 and every N steps, as by hand", () => {
    const s = store();
    const adam = new Adam(s, { beta1, beta2, eps });
    // a task whose gradient at step t is gradAt(t) (the loss value itself is not used here)
    let t = 0;
    const task = {
      nextBatch: () => ++t,
      loss: (step: number) => ({ item: () => 0, backward: (scale = 1) => s.grad.set(gradAt(step).map((g) => g * scale)) }) as unknown as Tensor,
      tokens: () => 1,
    };
    const events: StepEvent[] = [];
    const clippedNorms: number[] = [];
    const callback = { onStep: (e: StepEvent) => { events.push(e); clippedNorms.push(gradNorm(s)); } };
    new Trainer<number>({ task, store: s, optimizer: adam, schedule: () => 1e-3, totalSteps: 12, diagnosticsEvery: 5, clipNorm: 0.5, callbacks: [callback] }).run();
    expect(events.map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(events.filter((e) => e.diagnostics).map((e) => e.step)).toEqual([1, 5, 10]);
    for (const e of events) expect(e.gradNorm).toBeCloseTo(Math.hypot(...gradAt(e.step)), 10);
    for (const n of clippedNorms) expect(n).toBeCloseTo(0.5, 10); // the step itself used the clipped gradient
    // at step 10, by hand from the clipped gradients (clipping scales each step's gradient; Adam's u depends on the mix)
    const clipped = (k: number): number[] => gradAt(k).map((g) => (g * 0.5) / Math.hypot(...gradAt(k)));
    const hand = [0, 1, 2, 3].map((i) => handUpdate(Array.from({ length: 10 }, (_, k) => clipped(k + 1)[i])));
    const d = events[9].diagnostics!;
    expect(d.updateOverLr).toBe(hand.filter((u) => Math.abs(u) > 1).length / 4);
    expect(d.updateRms).toBeCloseTo(Math.sqrt(hand.reduce((a, u) => a + u * u, 0) / 4), 12);
  });
});
