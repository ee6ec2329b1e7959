// SGD with momentum (optionally Nesterov) and L2 weight decay on decay=true parameters, PyTorch's update:
// g += wd·p; buf = g on the first step, then buf = mu·buf + (1-dampening)·g; p -= lr·(nesterov ? g + mu·buf : buf).

import { allocArray, dtypeOf } from "../core/tensor.js";
import type { Arr } from "../core/tensor.js";
import type { ParamStore } from "../nn/params.js";
import { defineOptimizer } from "./optimizer.js";
import type { Optimizer } from "./optimizer.js";
import { checkLr, checkSavedArray, checkStateHeader, decayRuns } from "./common.js";
import type { DecayRun } from "./common.js";
import { defaultsOf, resolveOptions } from "../core/schema.js";
import type { FieldSpec } from "../core/schema.js";

export interface SGDOptions {
  /** Momentum factor mu; 0 gives plain SGD (and keeps no buffer in use). */
  momentum: number;
  /** Scales the new gradient into the buffer by (1 - dampening); must be 0 with nesterov. */
  dampening: number;
  nesterov: boolean;
  /** L2 weight decay (g += wd·p), only on parameters with `Param.decay` = true. */
  weightDecay: number;
}

export const sgdSchema = {
  momentum: { type: "number", default: 0.9, min: 0, max: 1, maxExclusive: true, description: "SGD momentum (0: plain SGD)" },
  dampening: { type: "number", default: 0, min: 0, max: 1, codeOnly: true, description: "scales the new gradient into the buffer by 1 - dampening" },
  nesterov: { type: "boolean", default: false, codeOnly: true, description: "Nesterov momentum (needs momentum > 0 and dampening 0)" },
  weightDecay: { type: "number", default: 0, min: 0, description: "L2 weight decay on parameters with decay=true" },
} as const satisfies Record<keyof SGDOptions, FieldSpec>;

export const sgdDefaults: Readonly<SGDOptions> = defaultsOf(sgdSchema);

export interface SGDState {
  kind: "sgd";
  t: number;
  /** The momentum buffer, one value per parameter value (a copy). */
  momentumBuffer: Arr;
  hyper: SGDOptions;
}

export function resolveSGDOptions(options: Partial<SGDOptions> = {}): SGDOptions {
  const resolved: SGDOptions = resolveOptions("sgd", sgdSchema, options);
  if (resolved.nesterov && (resolved.momentum === 0 || resolved.dampening !== 0)) {
    throw new Error(
      `sgd.nesterov needs momentum > 0 and dampening 0 (got momentum ${resolved.momentum}, dampening ${resolved.dampening})`,
    );
  }
  return resolved;
}

export class SGD implements Optimizer<SGDState> {
  readonly kind = "sgd" as const;
  private hyper: SGDOptions;
  private readonly buf: Arr;
  private readonly runs: DecayRun[];
  private steps = 0;

  constructor(
    private readonly store: ParamStore,
    options: Partial<SGDOptions> = {},
  ) {
    this.hyper = resolveSGDOptions(options);
    this.buf = allocArray(dtypeOf(store.data), store.size);
    this.runs = decayRuns(store);
  }

  get t(): number {
    return this.steps;
  }

  get options(): Readonly<SGDOptions> {
    return { ...this.hyper };
  }

  /** One update from the gradients now in store.grad (which it reads and leaves as they are). */
  step(lr: number): void {
    checkLr(this.kind, lr);
    const { momentum: mu, dampening, nesterov, weightDecay } = this.hyper;
    const first = this.steps === 0;
    this.steps++;
    const { data: p, grad: g } = this.store;
    const buf = this.buf;
    for (const run of this.runs) {
      const wd = run.decay ? weightDecay : 0;
      for (let i = run.start; i < run.end; i++) {
        let d = g[i] + wd * p[i];
        if (mu !== 0) {
          const b = (buf[i] = first ? d : mu * buf[i] + (1 - dampening) * d);
          d = nesterov ? d + mu * b : b;
        }
        p[i] -= lr * d;
      }
    }
  }

  getState(): SGDState {
    return { kind: "sgd", t: this.steps, momentumBuffer: this.buf.slice(), hyper: { ...this.hyper } };
  }

  /** Restores the momentum buffer, step count and hyperparameters saved by getState. */
  setState(state: SGDState): void {
    const { t, hyper } = checkStateHeader(this.kind, state);
    const resolved = resolveSGDOptions(hyper as Partial<SGDOptions>);
    this.buf.set(checkSavedArray("sgd state.momentumBuffer", state.momentumBuffer, this.buf.length));
    this.hyper = resolved;
    this.steps = t;
  }
}

export const sgd = defineOptimizer({
  kind: "sgd",
  description: "SGD with momentum (PyTorch's update), optionally Nesterov; L2 weight decay",
  schema: sgdSchema,
  create: (store, options) => new SGD(store, options),
});
