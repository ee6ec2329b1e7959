import { createOptimizer, optimizerKinds, optimizerRegistry } from "../../src/optim/optimizers.js";
import { choicesOf } from "../../src/core/schema.js";
import { runConfigSchema } from "../../src/train/config.js";
import type { Optimizer } from "../../src/optim/optimizer.js";
import type { OptimizerConfig, OptimizerState } from "../../src/optim/optimizers.js";
import { Adam, AdamW } from "../../src/optim/adam.js";
import { SGD } from "../../src/optim/sgd.js";
import { ParamStore } from "../../src/nn/params.js";
import { toyStore, gradSequence, copyOf } from "./toy-store.js";

const configs: OptimizerConfig[] = [
  { kind: "adam", beta1: 0.9 },
  { kind: "adamw", weightDecay: 0.3 },
  { kind: "sgd", momentum: 0.8, nesterov: true, weightDecay: 0.01 },
];

/** Steps `opt` once per gradient in `grads` and returns the parameters after each step. */
function steps(store: ParamStore, opt: Optimizer, grads: number[][], lr: number): number[][] {
  return grads.map((g) => {
    store.grad.set(g);
    opt.step(lr);
    return copyOf(store);
  });
}

/** A state as it comes back from JSON: typed arrays as number arrays. */
function viaJson(state: OptimizerState): OptimizerState {
  return JSON.parse(JSON.stringify(state, (_k, v) => (v instanceof Float32Array || v instanceof Float64Array ? Array.from(v) : v)));
}

describe("createOptimizer", () => {
  test("builds the class of each kind with the given hyperparameters", () => {
    const adam = createOptimizer(toyStore(), { kind: "adam", beta1: 0.9 });
    expect(adam).toBeInstanceOf(Adam);
    expect((adam as Adam).options.beta1).toBe(0.9);
    expect((adam as Adam).options.beta2).toBe(0.99);
    expect(createOptimizer(toyStore(), { kind: "adamw" })).toBeInstanceOf(AdamW);
    expect((createOptimizer(toyStore(), { kind: "adamw" }) as AdamW).options.weightDecay).toBe(0.1);
    expect(createOptimizer(toyStore(), { kind: "sgd", momentum: 0.5 })).toBeInstanceOf(SGD);
  });

  test("optimizerKinds are the registry's kinds, each once, each builds with its defaults, and they are the CLI's --optimizer choices", () => {
    expect(optimizerKinds).toEqual(optimizerRegistry.map((e) => e.kind));
    expect(new Set(optimizerKinds).size).toBe(optimizerKinds.length);
    for (const kind of optimizerKinds) expect(typeof createOptimizer(toyStore(), { kind }).step).toBe("function");
    expect(choicesOf(runConfigSchema.optimizer)).toEqual(optimizerKinds);
  });

  test("gives the same updates as constructing the class directly", () => {
    const a = toyStore(), b = toyStore();
    const grads = gradSequence(a.size, 3);
    expect(steps(a, createOptimizer(a, { kind: "adamw", weightDecay: 0.3 }), grads, 0.01)).toEqual(
      steps(b, new AdamW(b, { weightDecay: 0.3 }), grads, 0.01),
    );
  });

  test("treats fields set to undefined as unset, as a CLI may pass them", () => {
    const opt = createOptimizer(toyStore(), { kind: "adam", beta1: undefined, momentum: undefined } as OptimizerConfig) as Adam;
    expect(opt.options.beta1).toBe(0.85);
  });

  test("names an unknown kind, a field of another kind and an unknown field", () => {
    expect(() => createOptimizer(toyStore(), { kind: "adamx" } as never)).toThrow(
      `optimizer.kind must be one of ${optimizerKinds.join(", ")} (got "adamx", a string)`,
    );
    expect(() => createOptimizer(toyStore(), { kind: "adam", momentum: 0.9 } as OptimizerConfig)).toThrow(/optimizer\.momentum does not apply to adam/);
    expect(() => createOptimizer(toyStore(), { kind: "sgd", beta1: 0.9 } as OptimizerConfig)).toThrow(/optimizer\.beta1 does not apply to sgd/);
    expect(() => createOptimizer(toyStore(), { kind: "adam", lr: 0.01 } as never)).toThrow(
      /optimizer\.lr is not a known field .*the learning rate comes from the schedule/,
    );
    expect(() => createOptimizer(toyStore(), { kind: "adam", beta1: 1.2 })).toThrow("adam.beta1 must be in [0, 1) (got 1.2)");
  });
});

describe.each(configs)("state of $kind", (config) => {
  test("save and restore into a fresh optimizer gives identical subsequent steps", () => {
    const grads = gradSequence(13, 7);
    const a = toyStore();
    const optA = createOptimizer(a, config);
    steps(a, optA, grads.slice(0, 4), 0.01);
    const state = optA.getState();
    const saved = copyOf(a);
    const afterA = steps(a, optA, grads.slice(4), 0.01);

    const b = toyStore(99); // other values, then the saved ones, as a checkpoint load would do
    b.data.set(saved);
    const optB = createOptimizer(b, { kind: config.kind });
    optB.setState(state);
    expect(optB.t).toBe(4);
    expect(steps(b, optB, grads.slice(4), 0.01)).toEqual(afterA);
  });

  test("restores from the JSON form with number arrays", () => {
    const grads = gradSequence(13, 5);
    const a = toyStore(), b = toyStore();
    const optA = createOptimizer(a, config);
    const optB = createOptimizer(b, config);
    steps(a, optA, grads.slice(0, 2), 0.01);
    steps(b, optB, grads.slice(0, 2), 0.01);
    const json = viaJson(optA.getState());
    optB.setState(json);
    expect(steps(b, optB, grads.slice(2), 0.01)).toEqual(steps(a, optA, grads.slice(2), 0.01));
  });

  test("getState is a copy that later steps do not change", () => {
    const store = toyStore();
    const opt = createOptimizer(store, config);
    steps(store, opt, gradSequence(13, 1), 0.01);
    const state = viaJson(opt.getState());
    const live = opt.getState();
    steps(store, opt, gradSequence(13, 2, 5), 0.01);
    expect(viaJson(live)).toEqual(state);
  });

  test("setState names the sizes when the state is for another model", () => {
    const big = new ParamStore([{ name: "x", shape: [20], decay: true, init: (v) => v.fill(0.5) }], "f64");
    const state = createOptimizer(big, config).getState();
    const opt = createOptimizer(toyStore(), { kind: config.kind });
    expect(() => opt.setState(state)).toThrow(/state\.(m|momentumBuffer) has 20 values but the parameter store has 13/);
    expect(opt.t).toBe(0);
  });
});

describe("setState checks", () => {
  test("refuses a state of another kind", () => {
    const state = new SGD(toyStore()).getState();
    expect(() => new Adam(toyStore()).setState(state as never)).toThrow('adam.setState: state.kind is "sgd" but this optimizer is "adam"');
  });
  test("refuses bad hyperparameters and non-finite moments in a saved state", () => {
    const adam = new Adam(toyStore());
    const state = adam.getState();
    expect(() => adam.setState({ ...state, hyper: { ...state.hyper, beta2: 2 } })).toThrow("adam.beta2 must be in [0, 1) (got 2)");
    const v = state.v.slice();
    v[3] = NaN;
    expect(() => adam.setState({ ...state, v })).toThrow("adam state.v[3] must be a finite number (got NaN)");
    expect(() => adam.setState({ ...state, t: -1 })).toThrow("adam state.t must be an integer >= 0 (got -1)");
  });
});
