import { Adam, AdamW, adamDefaults } from "../../src/optim/adam.js";
import type { ParamStore } from "../../src/nn/params.js";
import { toyStore, gradSequence, copyOf } from "./toy-store.js";

/** Adam written plainly, parameter by parameter, with number arrays: the reference the flat loop must match. */
function referenceAdam(
  params: { values: number[]; decay: boolean }[],
  grads: number[][][],
  lrs: number[],
  h: { beta1: number; beta2: number; eps: number; weightDecay: number; decoupled: boolean },
): number[][] {
  const values = params.map((p) => p.values.slice());
  const m = params.map((p) => p.values.map(() => 0));
  const v = params.map((p) => p.values.map(() => 0));
  for (let t = 1; t <= grads.length; t++) {
    const lr = lrs[t - 1];
    params.forEach((param, k) => {
      const wd = param.decay ? h.weightDecay : 0;
      for (let i = 0; i < values[k].length; i++) {
        let g = grads[t - 1][k][i];
        if (h.decoupled) values[k][i] -= lr * wd * values[k][i];
        else g += wd * values[k][i];
        m[k][i] = h.beta1 * m[k][i] + (1 - h.beta1) * g;
        v[k][i] = h.beta2 * v[k][i] + (1 - h.beta2) * g * g;
        const mhat = m[k][i] / (1 - Math.pow(h.beta1, t));
        const vhat = v[k][i] / (1 - Math.pow(h.beta2, t));
        values[k][i] -= (lr * mhat) / (Math.sqrt(vhat) + h.eps);
      }
    });
  }
  return values;
}

function split(store: ParamStore, flat: number[]): number[][] {
  return store.params.map((p) => flat.slice(p.offset, p.offset + p.tensor.size));
}

/** Steps `opt` over `grads`/`lrs` and returns its parameters beside the plain implementation's from the same start. */
function runBoth(
  store: ParamStore,
  opt: Adam,
  grads: number[][],
  lrs: number[],
): { got: number[]; want: number[] } {
  const start = split(store, copyOf(store));
  grads.forEach((g, t) => {
    store.grad.set(g);
    opt.step(lrs[t]);
  });
  const want = referenceAdam(
    store.params.map((p, k) => ({ values: start[k], decay: p.decay })),
    grads.map((g) => split(store, g)),
    lrs,
    { ...opt.options, decoupled: opt.kind === "adamw" },
  ).flat();
  return { got: copyOf(store), want };
}

function expectClose(got: number[], want: number[], digits: number): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], digits);
}

describe("Adam", () => {
  test("uses the lab's defaults: beta1 0.85, beta2 0.99, eps 1e-8, no weight decay, bias correction", () => {
    expect(new Adam(toyStore()).options).toEqual({ beta1: 0.85, beta2: 0.99, eps: 1e-8, weightDecay: 0, biasCorrection: true });
    expect(new AdamW(toyStore()).options.weightDecay).toBe(0.1);
  });

  test("moves each parameter by about lr*sign(g) on the first step (bias correction)", () => {
    const store = toyStore();
    const before = copyOf(store);
    const g = [0.3, -2, 1e-3, 5, -0.01, 0.7, 1, -1, 0.2, 40, -3, 0.05, -0.5];
    store.grad.set(g);
    const lr = 0.01;
    new Adam(store).step(lr);
    for (let i = 0; i < g.length; i++) {
      // m̂ = g and v̂ = g², so the step is lr * g / (|g| + eps).
      expect(store.data[i]).toBeCloseTo(before[i] - (lr * g[i]) / (Math.abs(g[i]) + 1e-8), 12);
      expect(Math.abs(store.data[i] - before[i])).toBeCloseTo(lr, 6);
    }
  });

  test("without bias correction takes the raw moments on the first step", () => {
    const store = toyStore();
    const before = copyOf(store);
    store.grad.fill(0.4);
    new Adam(store, { biasCorrection: false }).step(0.01);
    // m = 0.15 * 0.4, v = 0.01 * 0.16, step = lr * m / (sqrt(v) + eps) = 0.01 * 0.06 / (0.04 + 1e-8).
    const step = (0.01 * 0.06) / (0.04 + 1e-8);
    for (let i = 0; i < before.length; i++) expect(store.data[i]).toBeCloseTo(before[i] - step, 12);
  });

  test("matches a plain per-parameter implementation over several steps with changing lr", () => {
    const store = toyStore(3);
    const adam = new Adam(store, { beta1: 0.9, beta2: 0.95 });
    const { got, want } = runBoth(store, adam, gradSequence(store.size, 6), [0.01, 0.02, 0.005, 0.01, 0.03, 0.001]);
    expectClose(got, want, 12);
    expect(adam.t).toBe(6);
  });

  test("runs on a float32 store, close to the float64 reference", () => {
    const store = toyStore(3, "f32");
    const { got, want } = runBoth(store, new Adam(store), gradSequence(store.size, 4), [0.01, 0.01, 0.01, 0.01]);
    expect(store.data).toBeInstanceOf(Float32Array);
    expectClose(got, want, 5);
  });

  test("with weightDecay adds wd*p to the gradient of decay=true parameters only (L2)", () => {
    const store = toyStore(4);
    const { got, want } = runBoth(store, new Adam(store, { weightDecay: 0.5 }), gradSequence(store.size, 3), [0.01, 0.01, 0.01]);
    expectClose(got, want, 12);
    // Against plain Adam from the same start, only the decay=true values differ.
    const plain = toyStore(4);
    const { got: noDecay } = runBoth(plain, new Adam(plain), gradSequence(store.size, 3), [0.01, 0.01, 0.01]);
    for (const p of store.params) {
      const differs = got.slice(p.offset, p.offset + p.tensor.size).some((x, i) => x !== noDecay[p.offset + i]);
      expect(differs).toBe(p.decay);
    }
  });

  test("reads the gradients without zeroing them", () => {
    const store = toyStore();
    const g = gradSequence(store.size, 1)[0];
    store.grad.set(g);
    new Adam(store).step(0.01);
    expect(Array.from(store.grad)).toEqual(g);
  });
});

describe("AdamW", () => {
  test("with zero gradients shrinks only decay=true parameters, by a factor 1 - lr*wd", () => {
    const store = toyStore(5);
    const before = copyOf(store);
    const lr = 0.01, wd = 0.1;
    new AdamW(store, { weightDecay: wd }).step(lr);
    for (const p of store.params) {
      for (let i = p.offset; i < p.offset + p.tensor.size; i++) {
        const want = p.decay ? before[i] * (1 - lr * wd) : before[i];
        expect(store.data[i]).toBeCloseTo(want, 15);
      }
    }
    expect(store.params.map((p) => p.decay)).toEqual([true, false, true]);
  });

  test("matches the plain implementation with decoupled decay over several steps", () => {
    const store = toyStore(6);
    const opt = new AdamW(store, { weightDecay: 0.2 });
    const { got, want } = runBoth(store, opt, gradSequence(store.size, 5, 11), [0.02, 0.02, 0.01, 0.01, 0.005]);
    expectClose(got, want, 12);
    expect(opt.kind).toBe("adamw");
  });
});

describe("Adam hyperparameter and lr checks", () => {
  test("names the field and the allowed range", () => {
    expect(() => new Adam(toyStore(), { beta1: 1.2 })).toThrow("adam.beta1 must be in [0, 1) (got 1.2)");
    expect(() => new AdamW(toyStore(), { beta2: 1 })).toThrow("adamw.beta2 must be in [0, 1) (got 1)");
    expect(() => new Adam(toyStore(), { eps: 0 })).toThrow("adam.eps must be a finite number > 0 (got 0)");
    expect(() => new Adam(toyStore(), { weightDecay: -1 })).toThrow("adam.weightDecay must be a finite number >= 0 (got -1)");
    expect(() => new Adam(toyStore(), { momentum: 0.9 } as never)).toThrow(/adam\.momentum is not a known field/);
  });
  test("step refuses an lr that is not a finite number > 0, before changing anything", () => {
    const store = toyStore();
    const before = copyOf(store);
    const adam = new Adam(store);
    for (const lr of [0, -1, NaN, Infinity]) expect(() => adam.step(lr)).toThrow(/adam\.step: lr must be a finite number > 0/);
    expect(copyOf(store)).toEqual(before);
    expect(adam.t).toBe(0);
  });
});
