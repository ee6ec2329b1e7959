// Adam and AdamW over a ParamStore: one loop over the flat data/grad arrays, with the lab's update
// (m = b1 m + (1-b1) g; v = b2 v + (1-b2) g²; p -= lr · m̂ / (√v̂ + eps), with bias correction).

import { allocLongLived, dtypeOf } from "../core/tensor.js";
import { kernels } from "../kernels/index.js";
import type { Arr } from "../core/tensor.js";
import type { ParamStore } from "../nn/params.js";
import { defineOptimizer } from "./optimizer.js";
import type { Optimizer, OptimizerDiagnostics } from "./optimizer.js";
import { checkLr, checkSavedArray, checkStateHeader, decayRuns } from "./common.js";
import type { DecayRun } from "./common.js";
import { defaultsOf, resolveOptions } from "../core/schema.js";
import type { FieldSpec, Schema } from "../core/schema.js";

export interface AdamOptions {
  /** Decay of the first moment (the lab uses 0.85). */
  beta1: number;
  /** Decay of the second moment (the lab uses 0.99). */
  beta2: number;
  eps: number;
  /**
   * Weight decay, applied only to parameters with `Param.decay` = true. Adam: classic L2, added to the gradient
   * (g += wd·p) before the moments. AdamW: decoupled, p -= lr·wd·p before the Adam update.
   */
  weightDecay: number;
  /** Divide the moments by (1 - beta^t); on in the lab. */
  biasCorrection: boolean;
}

/** Adam's hyperparameters, their defaults (the word-level lab's Adam) and ranges. */
export const adamSchema = {
  beta1: { type: "number", default: 0.85, min: 0, max: 1, maxExclusive: true, description: "Adam/AdamW decay of the first moment" },
  beta2: { type: "number", default: 0.99, min: 0, max: 1, maxExclusive: true, description: "Adam/AdamW decay of the second moment" },
  eps: { type: "number", default: 1e-8, min: 0, minExclusive: true, description: "Adam/AdamW epsilon" },
  weightDecay: { type: "number", default: 0, min: 0, description: "weight decay on parameters with decay=true (matrices; adam and sgd: L2, adamw: decoupled)" },
  biasCorrection: { type: "boolean", default: true, codeOnly: true, description: "divide the moments by 1 - beta^t" },
} as const satisfies Record<keyof AdamOptions, FieldSpec>;

/** AdamW: the same, with decoupled weight decay 0.1 on decay=true parameters. */
export const adamwSchema = {
  ...adamSchema,
  weightDecay: { ...adamSchema.weightDecay, default: 0.1 },
} as const satisfies Schema;

/** The word-level lab's Adam. */
export const adamDefaults: Readonly<AdamOptions> = defaultsOf(adamSchema);
/** Same, with decoupled weight decay 0.1 on decay=true parameters. */
export const adamwDefaults: Readonly<AdamOptions> = defaultsOf(adamwSchema);

export interface AdamState {
  kind: "adam" | "adamw";
  /** Number of steps taken so far (the next step is t + 1). */
  t: number;
  /** First and second moments, one value per parameter value (copies: later steps do not change them). */
  m: Arr;
  v: Arr;
  hyper: AdamOptions;
}

/** Fills in defaults and validates, naming the field: `adam.beta1 must be in [0, 1) (got 1.2)`. */
export function resolveAdamOptions(kind: "adam" | "adamw", options: Partial<AdamOptions> = {}): AdamOptions {
  return resolveOptions(kind, kind === "adamw" ? adamwSchema : adamSchema, options);
}

export class Adam implements Optimizer<AdamState> {
  readonly kind: "adam" | "adamw";
  private hyper: AdamOptions;
  private readonly m: Arr;
  private readonly v: Arr;
  private readonly runs: DecayRun[];
  private steps = 0;

  /** `kind` "adamw" makes the weight decay decoupled; prefer `new AdamW(store)` for that. */
  constructor(
    private readonly store: ParamStore,
    options: Partial<AdamOptions> = {},
    kind: "adam" | "adamw" = "adam",
  ) {
    this.kind = kind;
    this.hyper = resolveAdamOptions(kind, options);
    const dtype = dtypeOf(store.data);
    this.m = allocLongLived(dtype, store.size);
    this.v = allocLongLived(dtype, store.size);
    this.runs = decayRuns(store);
  }

  /** Steps taken so far. */
  get t(): number {
    return this.steps;
  }

  get options(): Readonly<AdamOptions> {
    return { ...this.hyper };
  }

  /** One update from the gradients now in store.grad (which it reads and leaves as they are). */
  step(lr: number): void {
    checkLr(this.kind, lr);
    const { beta1, beta2, eps, weightDecay, biasCorrection } = this.hyper;
    const t = ++this.steps;
    const bc1 = biasCorrection ? 1 - Math.pow(beta1, t) : 1;
    const bc2 = biasCorrection ? 1 - Math.pow(beta2, t) : 1;
    const decoupled = this.kind === "adamw";
    const { data: p, grad: g } = this.store;
    const { m, v } = this;
    const k = kernels();
    const part = (a: Arr, run: DecayRun): Arr => a.subarray(run.start, run.end);
    for (const run of this.runs) {
      const wd = run.decay ? weightDecay : 0;
      // AdamW shrinks the weight first (p *= 1 - lr·wd); Adam adds wd·p to the gradient (L2).
      const shrink = decoupled ? 1 - lr * wd : 1;
      const l2 = decoupled ? 0 : wd;
      k.adamStep(part(p, run), part(g, run), part(m, run), part(v, run), run.end - run.start, lr, beta1, beta2, eps, bc1, bc2, shrink, l2);
    }
  }

  /**
   * The last update measured from the moments it used: u = m̂ / (√v̂ + eps) per parameter, so the update was lr·u
   * (weight decay aside). Returns the share with |u| > 1 and the RMS of u; undefined before the first step.
   */
  diagnostics(): OptimizerDiagnostics | undefined {
    const t = this.steps;
    if (t === 0) return undefined;
    const { beta1, beta2, eps, biasCorrection } = this.hyper;
    const bc1 = biasCorrection ? 1 - Math.pow(beta1, t) : 1;
    const bc2 = biasCorrection ? 1 - Math.pow(beta2, t) : 1;
    const { m, v } = this;
    const n = m.length;
    let over = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const u = m[i] / bc1 / (Math.sqrt(v[i] / bc2) + eps);
      if (Math.abs(u) > 1) over++;
      sumSq += u * u;
    }
    return { updateOverLr: over / n, updateRms: Math.sqrt(sumSq / n) };
  }

  getState(): AdamState {
    return { kind: this.kind, t: this.steps, m: this.m.slice(), v: this.v.slice(), hyper: { ...this.hyper } };
  }

  /** Restores moments, step count and hyperparameters saved by getState (the arrays are copied in). */
  setState(state: AdamState): void {
    const { t, hyper } = checkStateHeader(this.kind, state);
    const resolved = resolveAdamOptions(this.kind, hyper as Partial<AdamOptions>);
    const m = checkSavedArray(`${this.kind} state.m`, state.m, this.m.length);
    const v = checkSavedArray(`${this.kind} state.v`, state.v, this.v.length);
    this.m.set(m);
    this.v.set(v);
    this.hyper = resolved;
    this.steps = t;
  }
}

/** Adam with decoupled weight decay (default 0.1) on parameters whose `decay` flag is set. */
export class AdamW extends Adam {
  constructor(store: ParamStore, options: Partial<AdamOptions> = {}) {
    super(store, options, "adamw");
  }
}

export const adam = defineOptimizer({
  kind: "adam",
  description: "Adam with bias correction (the word-level lab's optimizer); weight decay as L2 on the gradient",
  schema: adamSchema,
  create: (store, options) => new Adam(store, options),
});

export const adamw = defineOptimizer({
  kind: "adamw",
  description: "Adam with decoupled weight decay (p -= lr·wd·p before the update)",
  schema: adamwSchema,
  create: (store, options) => new AdamW(store, options),
});
