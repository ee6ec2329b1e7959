// The interface every optimizer implements, its serializable state, and the shape of an optimizer's registry entry
// ({ kind, description, schema, create }); the registry itself and createOptimizer are in optimizers.ts.

import type { ParamStore } from "../nn/params.js";
import type { ConfigOf, Schema } from "../core/schema.js";

/** What getState returns: the kind, the step count, the hyperparameters, and the kind's moment arrays. */
export interface SavedOptimizerState {
  kind: string;
  /** Number of steps taken so far (the next step is t + 1). */
  t: number;
  hyper: object;
}

export interface Optimizer<S extends SavedOptimizerState = SavedOptimizerState> {
  readonly kind: string;
  /** Steps taken so far. */
  readonly t: number;
  /**
   * Applies one update with learning rate `lr` (a finite number > 0) from the gradients in store.grad. It never
   * zeroes the gradients: the trainer calls store.zeroGrad(), so gradients can add up over micro-batches.
   */
  step(lr: number): void;
  /** A copy of everything needed to continue exactly: kind, step count, moment arrays, hyperparameters. */
  getState(): S;
  /** Restores a state from getState (or its JSON form with number arrays); throws on a kind or size mismatch. */
  setState(state: S): void;
}

/**
 * One optimizer kind. `schema` lists its hyperparameters (the run config gets a `--key` for each one not marked
 * codeOnly); `create` builds it from options already checked against the schema.
 */
export interface OptimizerEntry<K extends string = string, S extends Schema = Schema, St extends SavedOptimizerState = SavedOptimizerState> {
  readonly kind: K;
  readonly description: string;
  readonly schema: S;
  create(store: ParamStore, options: Partial<ConfigOf<S>>): Optimizer<St>;
}

/** Declares an entry with its literal kind and schema types kept (so the union types can be derived). */
export function defineOptimizer<K extends string, S extends Schema, St extends SavedOptimizerState>(entry: OptimizerEntry<K, S, St>): OptimizerEntry<K, S, St> {
  return entry;
}
