// The interface every optimizer implements, its serializable state, and createOptimizer(store, config), which
// builds one from a plain config object (notebook or CLI) with errors that name unknown kinds and fields.

import type { ParamStore } from "../nn/params.js";
import { Adam, AdamW } from "./adam.js";
import type { AdamOptions, AdamState } from "./adam.js";
import { SGD } from "./sgd.js";
import type { SGDOptions, SGDState } from "./sgd.js";
import { definedOnly, describeValue } from "./common.js";

export type OptimizerKind = "adam" | "adamw" | "sgd";
export const optimizerKinds: readonly OptimizerKind[] = ["adam", "adamw", "sgd"];

export type OptimizerState = AdamState | SGDState;

export interface Optimizer {
  readonly kind: OptimizerKind;
  /** Steps taken so far. */
  readonly t: number;
  /**
   * Applies one update with learning rate `lr` (a finite number > 0) from the gradients in store.grad. It never
   * zeroes the gradients: the trainer calls store.zeroGrad(), so gradients can add up over micro-batches.
   */
  step(lr: number): void;
  /** A copy of everything needed to continue exactly: kind, step count, moment arrays, hyperparameters. */
  getState(): OptimizerState;
  /** Restores a state from getState (or its JSON form with number arrays); throws on a kind or size mismatch. */
  setState(state: OptimizerState): void;
}

export interface OptimizerConfig {
  kind: OptimizerKind;
  /** Adam/AdamW. */
  beta1?: number;
  beta2?: number;
  eps?: number;
  biasCorrection?: boolean;
  /** All kinds (defaults: adam 0, adamw 0.1, sgd 0); only parameters with decay=true are decayed. */
  weightDecay?: number;
  /** SGD. */
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
}

const fieldsOf: Record<OptimizerKind, readonly string[]> = {
  adam: ["beta1", "beta2", "eps", "weightDecay", "biasCorrection"],
  adamw: ["beta1", "beta2", "eps", "weightDecay", "biasCorrection"],
  sgd: ["momentum", "dampening", "nesterov", "weightDecay"],
};

/**
 * Builds an optimizer from `{ kind, ...hyperparameters }`; unset fields take the kind's defaults
 * (adamDefaults, adamwDefaults, sgdDefaults), and so do fields set to undefined. A field of another kind
 * (momentum for adam) is an error.
 */
export function createOptimizer(store: ParamStore, config: OptimizerConfig): Optimizer {
  if (typeof config !== "object" || config === null) throw new Error(`optimizer config must be an object (got ${describeValue(config)})`);
  const { kind, ...rest } = config;
  if (!optimizerKinds.includes(kind)) {
    throw new Error(`optimizer.kind must be one of ${optimizerKinds.join(", ")} (got ${describeValue(kind)})`);
  }
  const allFields = new Set(Object.values(fieldsOf).flat());
  for (const [key, value] of Object.entries(rest)) {
    if (value === undefined || fieldsOf[kind].includes(key)) continue;
    const hint = key === "lr" ? "; the learning rate comes from the schedule" : "";
    const why = allFields.has(key) ? `does not apply to ${kind}` : "is not a known field";
    throw new Error(`optimizer.${key} ${why} (${kind} takes: kind, ${fieldsOf[kind].join(", ")}${hint})`);
  }
  const options = definedOnly(rest);
  if (kind === "sgd") return new SGD(store, options as Partial<SGDOptions>);
  if (kind === "adamw") return new AdamW(store, options as Partial<AdamOptions>);
  return new Adam(store, options as Partial<AdamOptions>);
}
