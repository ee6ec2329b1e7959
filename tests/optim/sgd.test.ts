import { SGD } from "../../src/optim/sgd.js";
import { ParamStore } from "../../src/nn/params.js";
import { toyStore, copyOf } from "./toy-store.js";

/** One scalar parameter p0 = 1 (decay flag as given), in float64. */
function scalar(decay = true): ParamStore {
  return new ParamStore([{ name: "p", shape: [1], decay, init: (v) => v.fill(1) }], "f64");
}

function run(store: ParamStore, opt: SGD, grads: number[], lr: number): number[] {
  return grads.map((g) => {
    store.grad[0] = g;
    opt.step(lr);
    return store.data[0];
  });
}

describe("SGD", () => {
  test("with momentum 0 is p -= lr*g", () => {
    const store = toyStore();
    const before = copyOf(store);
    const g = Array.from({ length: store.size }, (_, i) => i - 6);
    store.grad.set(g);
    new SGD(store, { momentum: 0 }).step(0.1);
    for (let i = 0; i < g.length; i++) expect(store.data[i]).toBeCloseTo(before[i] - 0.1 * g[i], 15);
  });

  test("with momentum 0.9 matches the hand computation", () => {
    // buf1 = 0.5, p1 = 1 - 0.1*0.5 = 0.95; buf2 = 0.9*0.5 - 0.2 = 0.25, p2 = 0.95 - 0.025 = 0.925;
    // buf3 = 0.9*0.25 + 1 = 1.225, p3 = 0.925 - 0.1225 = 0.8025.
    const store = scalar();
    const ps = run(store, new SGD(store, { momentum: 0.9 }), [0.5, -0.2, 1], 0.1);
    [0.95, 0.925, 0.8025].forEach((want, i) => expect(ps[i]).toBeCloseTo(want, 14));
  });

  test("with nesterov matches the hand computation", () => {
    // d1 = 0.5 + 0.9*0.5 = 0.95, p1 = 0.905; buf2 = 0.25, d2 = -0.2 + 0.225 = 0.025, p2 = 0.9025.
    const store = scalar();
    const ps = run(store, new SGD(store, { momentum: 0.9, nesterov: true }), [0.5, -0.2], 0.1);
    expect(ps[0]).toBeCloseTo(0.905, 14);
    expect(ps[1]).toBeCloseTo(0.9025, 14);
  });

  test("with dampening scales the new gradient into the buffer after the first step", () => {
    // buf1 = 0.5 (first step takes g as is), p1 = 0.95; buf2 = 0.9*0.5 + 0.5*(-0.2) = 0.35, p2 = 0.915.
    const store = scalar();
    const ps = run(store, new SGD(store, { momentum: 0.9, dampening: 0.5 }), [0.5, -0.2], 0.1);
    expect(ps[1]).toBeCloseTo(0.915, 14);
  });

  test("applies weight decay (L2) only to decay=true parameters", () => {
    // decayed: p1 = 1 - 0.1*(0.5 + 0.2*1) = 0.93; not decayed: p1 = 1 - 0.1*0.5 = 0.95.
    const a = scalar(true), b = scalar(false);
    expect(run(a, new SGD(a, { momentum: 0, weightDecay: 0.2 }), [0.5], 0.1)[0]).toBeCloseTo(0.93, 14);
    expect(run(b, new SGD(b, { momentum: 0, weightDecay: 0.2 }), [0.5], 0.1)[0]).toBeCloseTo(0.95, 14);
  });

  test("names the field in bad options", () => {
    expect(() => new SGD(scalar(), { momentum: 1 })).toThrow("sgd.momentum must be in [0, 1) (got 1)");
    expect(() => new SGD(scalar(), { momentum: 0, nesterov: true })).toThrow(/sgd\.nesterov needs momentum > 0/);
    expect(() => new SGD(scalar(), { nesterov: "yes" } as never)).toThrow('sgd.nesterov must be true or false (got "yes", a string)');
    expect(() => new SGD(scalar()).step(-0.1)).toThrow("sgd.step: lr must be a finite number > 0 (got -0.1)");
  });
});
