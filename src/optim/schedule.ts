// The shape of a learning-rate schedule's registry entry ({ kind, description, formula, schema, create }), the
// warmup every schedule shares, and the option fields several schedules have in common. The registry and
// makeSchedule are in schedules.ts; each kind is a file in schedules/.
//
// Steps count from 0: `step` is 0 for the first optimizer step and totalSteps - 1 for the last one. Past the end,
// decaying schedules hold their final value (0 or minLr) instead of following the formula back up.
//
// Warmup (where offered) is the guides' linear ramp lr·(step+1)/warmupSteps over steps 0..warmupSteps-1, so the
// first step already has a non-zero lr and step warmupSteps-1 reaches the full lr; the decay that follows runs on
// its own clock s = step - warmupSteps, starting at s = 0. With warmupSteps 0 every formula is the plain one.

import type { ResolvedOf, Schema } from "../core/schema.js";

/** A schedule: the learning rate for a step (0 for the first optimizer step). */
export type Schedule = (step: number) => number;

/** What a kind's create returns: the peak (reached at the end of warmup), the warmup length, the decay after it. */
export interface ScheduleShape {
  peak: number;
  warmup: number;
  /** The learning rate at s = step - warmup, s >= 0. */
  after: (s: number) => number;
}

/**
 * One schedule kind. Its schema's fields are read from the run config by name (or by `from`: peakLr <- lr,
 * totalSteps <- steps), so a new field becomes a `--key` of `gptlab train` by being declared here.
 */
export interface ScheduleEntry<K extends string = string, S extends Schema = Schema> {
  readonly kind: K;
  readonly description: string;
  /** The formula after warmup, s = step - warmupSteps (s = step without warmup). */
  readonly formula: string;
  readonly schema: S;
  create(options: ResolvedOf<S>): ScheduleShape;
}

/** Declares an entry with its literal kind and schema types kept (so the union types can be derived). */
export function defineSchedule<K extends string, S extends Schema>(entry: ScheduleEntry<K, S>): ScheduleEntry<K, S> {
  return entry;
}

// ---- fields several kinds share (spread them into a schema and override what differs) ----

export const lrField = { type: "number", default: 0.01, min: 0, minExclusive: true, required: true, from: "lr", description: "peak learning rate" } as const;
export const totalStepsField = { type: "integer", default: 5000, min: 1, required: true, from: "steps", description: "steps of the whole run" } as const;
/** Warmup bounded by the run's length (schedules that know totalSteps). */
export const warmupField = { type: "integer", default: 0, min: 0, maxField: "totalSteps", description: "linear warmup steps before the decay" } as const;
/** Warmup of the schedules that do not know totalSteps. */
export const openWarmupField = { type: "integer", default: 0, min: 0, description: "linear warmup steps before the decay" } as const;
export const gammaField = { type: "number", default: 0.5, min: 0, minExclusive: true, max: 1, required: true, description: "decay factor" } as const;
