// Learning-rate schedules as pure functions of the step, a tagged config + makeSchedule(config) for notebooks and
// the CLI, the guides' warmup and peak-LR rules of thumb, and sampleSchedule for plotting.
//
// Steps count from 0: `step` is 0 for the first optimizer step and totalSteps - 1 for the last one. Past the end,
// decaying schedules hold their final value (0 or minLr) instead of following the formula back up.
//
// Warmup (where offered) is the guides' linear ramp lr·(step+1)/warmupSteps over steps 0..warmupSteps-1, so the
// first step already has a non-zero lr and step warmupSteps-1 reaches the full lr; the decay that follows runs on
// its own clock s = step - warmupSteps, starting at s = 0. With warmupSteps 0 every formula is the plain one.

import { checkInt, checkKeys, checkRange, describeValue } from "./common.js";

/** A schedule: the learning rate for a step (0 for the first optimizer step). */
export type Schedule = (step: number) => number;

export interface ConstantOptions {
  lr: number;
}
export interface LinearOptions {
  lr: number;
  totalSteps: number;
  warmupSteps?: number;
}
export interface WarmupCosineOptions {
  peakLr: number;
  warmupSteps: number;
  totalSteps: number;
  /** Floor the cosine ends at (default 0). */
  minLr?: number;
}
export interface StepDecayOptions {
  lr: number;
  /** Factor applied every stepSize steps, in (0, 1]. */
  gamma: number;
  stepSize: number;
  warmupSteps?: number;
}
export interface ExponentialOptions {
  lr: number;
  /** Factor applied every step, in (0, 1]. */
  gamma: number;
  warmupSteps?: number;
}
export interface CosineEpochOptions {
  lr: number;
  stepsPerEpoch: number;
  /** eta_min, the value the cosine approaches at the end of each epoch (default 0). */
  minLr?: number;
  warmupSteps?: number;
}

export type ScheduleConfig =
  | ({ kind: "constant" } & ConstantOptions)
  | ({ kind: "linear" } & LinearOptions)
  | ({ kind: "warmup_cosine" } & WarmupCosineOptions)
  | ({ kind: "warmup_cosine_floor" } & WarmupCosineOptions & { minLr: number })
  | ({ kind: "step" } & StepDecayOptions)
  | ({ kind: "exponential" } & ExponentialOptions)
  | ({ kind: "cosine_epoch" } & CosineEpochOptions);

export type ScheduleKind = ScheduleConfig["kind"];

export interface ScheduleKindInfo {
  kind: ScheduleKind;
  description: string;
  /** The formula after warmup, s = step - warmupSteps (s = step without warmup). */
  formula: string;
  required: readonly string[];
  optional: readonly string[];
}

/** Every schedule kind with a short description, for the CLI's --help and the notebooks. */
export const scheduleKinds: readonly ScheduleKindInfo[] = [
  { kind: "constant", description: "the same lr at every step", formula: "lr", required: ["lr"], optional: [] },
  {
    kind: "linear",
    description: "linear decay to 0 at totalSteps (the word-level lab)",
    formula: "lr * (1 - s / (totalSteps - warmupSteps))",
    required: ["lr", "totalSteps"],
    optional: ["warmupSteps"],
  },
  {
    kind: "warmup_cosine",
    description: "linear warmup to peakLr, then half a cosine down to 0 (or minLr) at totalSteps",
    formula: "minLr + (peakLr - minLr) * 0.5 * (1 + cos(pi * s / (totalSteps - warmupSteps)))",
    required: ["peakLr", "warmupSteps", "totalSteps"],
    optional: ["minLr"],
  },
  {
    kind: "warmup_cosine_floor",
    description: "linear warmup to peakLr, then half a cosine down to the floor minLr at totalSteps",
    formula: "minLr + (peakLr - minLr) * 0.5 * (1 + cos(pi * s / (totalSteps - warmupSteps)))",
    required: ["peakLr", "warmupSteps", "totalSteps", "minLr"],
    optional: [],
  },
  {
    kind: "step",
    description: "multiply lr by gamma every stepSize steps",
    formula: "lr * gamma^floor(s / stepSize)",
    required: ["lr", "gamma", "stepSize"],
    optional: ["warmupSteps"],
  },
  {
    kind: "exponential",
    description: "multiply lr by gamma every step",
    formula: "lr * gamma^s",
    required: ["lr", "gamma"],
    optional: ["warmupSteps"],
  },
  {
    kind: "cosine_epoch",
    description: "cosine from lr down towards minLr within each epoch of stepsPerEpoch steps, restarting each epoch",
    formula: "minLr + (lr - minLr) * (1 + cos(pi * (s mod stepsPerEpoch) / stepsPerEpoch)) / 2",
    required: ["lr", "stepsPerEpoch"],
    optional: ["minLr", "warmupSteps"],
  },
];

// ---- validation (one checker per kind, shared by the pure functions and makeSchedule) ----

const F = "schedule";

function checkStep(step: unknown): number {
  return checkInt(`${F} step`, step, 0);
}
function checkLrField(name: string, value: unknown): number {
  return checkRange(`${F}.${name}`, value, 0, Infinity, "()");
}
function checkWarmup(value: unknown, totalSteps?: number): number {
  if (value === undefined) return 0;
  if (totalSteps === undefined) return checkInt(`${F}.warmupSteps`, value, 0);
  return checkInt(`${F}.warmupSteps`, value, 0, totalSteps, "totalSteps");
}
function checkMinLr(value: unknown, peak: number, peakName: string): number {
  if (value === undefined) return 0;
  if (typeof value === "number" && value >= 0 && value <= peak) return value;
  throw new Error(`${F}.minLr must be in [0, ${peakName}] (got ${describeValue(value)} with ${peakName} ${peak})`);
}
function checkGamma(value: unknown): number {
  return checkRange(`${F}.gamma`, value, 0, 1, "(]");
}

interface Checked {
  peak: number;
  warmup: number;
  /** The learning rate at s = step - warmup, s >= 0. */
  after: (s: number) => number;
}

/** Validates a config and returns its decay formula (after warmup); errors name the field. */
function compile(config: ScheduleConfig): Checked {
  if (typeof config !== "object" || config === null) throw new Error(`${F} config must be an object (got ${describeValue(config)})`);
  const info = scheduleKinds.find((k) => k.kind === config.kind);
  if (!info) {
    throw new Error(`${F}.kind must be one of ${scheduleKinds.map((k) => k.kind).join(", ")} (got ${describeValue(config.kind)})`);
  }
  for (const field of info.required) {
    if ((config as unknown as Record<string, unknown>)[field] === undefined) {
      throw new Error(`${F}.${field} is required for ${info.kind} (it takes: ${[...info.required, ...info.optional].join(", ")})`);
    }
  }
  checkKeys(F, config, ["kind", ...info.required, ...info.optional]);
  switch (config.kind) {
    case "constant": {
      const lr = checkLrField("lr", config.lr);
      return { peak: lr, warmup: 0, after: () => lr };
    }
    case "linear": {
      const lr = checkLrField("lr", config.lr);
      const total = checkInt(`${F}.totalSteps`, config.totalSteps, 1);
      const warmup = checkWarmup(config.warmupSteps, total);
      const span = total - warmup;
      return { peak: lr, warmup, after: (s) => (s >= span ? 0 : lr * (1 - s / span)) };
    }
    case "warmup_cosine":
    case "warmup_cosine_floor": {
      const peak = checkLrField("peakLr", config.peakLr);
      const total = checkInt(`${F}.totalSteps`, config.totalSteps, 1);
      const warmup = checkWarmup(config.warmupSteps, total);
      const minLr = checkMinLr(config.minLr, peak, "peakLr");
      const span = total - warmup;
      return {
        peak,
        warmup,
        after: (s) => {
          const progress = s >= span ? 1 : s / span;
          return minLr + (peak - minLr) * 0.5 * (1 + Math.cos(Math.PI * progress));
        },
      };
    }
    case "step": {
      const lr = checkLrField("lr", config.lr);
      const gamma = checkGamma(config.gamma);
      const stepSize = checkInt(`${F}.stepSize`, config.stepSize, 1);
      return { peak: lr, warmup: checkWarmup(config.warmupSteps), after: (s) => lr * Math.pow(gamma, Math.floor(s / stepSize)) };
    }
    case "exponential": {
      const lr = checkLrField("lr", config.lr);
      const gamma = checkGamma(config.gamma);
      return { peak: lr, warmup: checkWarmup(config.warmupSteps), after: (s) => lr * Math.pow(gamma, s) };
    }
    case "cosine_epoch": {
      const lr = checkLrField("lr", config.lr);
      const epoch = checkInt(`${F}.stepsPerEpoch`, config.stepsPerEpoch, 1);
      const minLr = checkMinLr(config.minLr, lr, "lr");
      return {
        peak: lr,
        warmup: checkWarmup(config.warmupSteps),
        after: (s) => minLr + ((lr - minLr) * (1 + Math.cos((Math.PI * (s % epoch)) / epoch))) / 2,
      };
    }
  }
}

function evaluate(c: Checked, step: number): number {
  checkStep(step);
  return step < c.warmup ? (c.peak * (step + 1)) / c.warmup : c.after(step - c.warmup);
}

/** Validates `config` once and returns its schedule, `(step) => lr`, step counted from 0. */
export function makeSchedule(config: ScheduleConfig): Schedule {
  const c = compile(config);
  return (step) => evaluate(c, step);
}

// ---- the schedules as plain functions of (step, options) ----

/** lr at every step. */
export function constant(step: number, o: ConstantOptions): number {
  return evaluate(compile({ ...o, kind: "constant" }), step);
}

/** The lab's linear decay, lr·(1 - step/totalSteps), after an optional warmup; 0 from totalSteps on. */
export function linear(step: number, o: LinearOptions): number {
  return evaluate(compile({ ...o, kind: "linear" }), step);
}

/**
 * The MicroGPT-C guide's schedule: peakLr·(step+1)/warmupSteps during warmup, then
 * minLr + (peakLr - minLr)·0.5·(1 + cos(pi·progress)), progress = (step - warmupSteps)/(totalSteps - warmupSteps),
 * with minLr 0 unless given; minLr from totalSteps on.
 */
export function warmupCosine(step: number, o: WarmupCosineOptions): number {
  return evaluate(compile({ ...o, kind: "warmup_cosine" }), step);
}

/** warmupCosine with a required floor: ends at minLr at totalSteps and stays there. */
export function warmupCosineFloor(step: number, o: WarmupCosineOptions & { minLr: number }): number {
  return evaluate(compile({ ...o, kind: "warmup_cosine_floor" }), step);
}

/** lr·gamma^floor(step/stepSize), after an optional warmup. */
export function stepDecay(step: number, o: StepDecayOptions): number {
  return evaluate(compile({ ...o, kind: "step" }), step);
}

/** lr·gamma^step, after an optional warmup. */
export function exponential(step: number, o: ExponentialOptions): number {
  return evaluate(compile({ ...o, kind: "exponential" }), step);
}

/** Cosine annealing with a restart each epoch: minLr + (lr - minLr)·(1 + cos(pi·(step mod E)/E))/2. */
export function cosineEpoch(step: number, o: CosineEpochOptions): number {
  return evaluate(compile({ ...o, kind: "cosine_epoch" }), step);
}

// ---- rules of thumb from the guides ----

/**
 * The guides' warmup length: max(100, round(5% of totalSteps)), rounding halves up (Math.round of totalSteps/20),
 * then clamped to totalSteps so a short run never warms up for longer than it lasts.
 */
export function recommendedWarmup(totalSteps: number): number {
  checkInt("recommendedWarmup: totalSteps", totalSteps, 1);
  return Math.min(totalSteps, Math.max(100, Math.round(totalSteps / 20)));
}

/** The guides' peak-LR scaling with model size: baseLr·sqrt(baseParams/params) (a bigger model gets a smaller lr). */
export function scaledPeakLr(baseLr: number, baseParams: number, params: number): number {
  checkRange("scaledPeakLr: baseLr", baseLr, 0, Infinity, "()");
  checkRange("scaledPeakLr: baseParams", baseParams, 0, Infinity, "()");
  checkRange("scaledPeakLr: params", params, 0, Infinity, "()");
  return baseLr * Math.sqrt(baseParams / params);
}

// ---- plotting ----

export interface ScheduleSample {
  step: number;
  lr: number;
}

/** The schedule at steps 0, every, 2·every, ... below totalSteps, plus the last step totalSteps - 1. */
export function sampleSchedule(fn: Schedule, totalSteps: number, every = 1): ScheduleSample[] {
  checkInt("sampleSchedule: totalSteps", totalSteps, 1);
  checkInt("sampleSchedule: every", every, 1);
  const out: ScheduleSample[] = [];
  for (let step = 0; step < totalSteps; step += every) out.push({ step, lr: fn(step) });
  if (out[out.length - 1].step !== totalSteps - 1) out.push({ step: totalSteps - 1, lr: fn(totalSteps - 1) });
  return out;
}
