// The schedule registry (every kind once; each kind is a file in schedules/), makeSchedule(config) for notebooks
// and the CLI, the schedules as pure functions of (step, options), the guides' warmup and peak-LR rules of thumb,
// and sampleSchedule for plotting. The kind union, the config types, the CLI's --schedule choices and its help all
// derive from the registry, so a new schedule is its own file (an entry made with defineSchedule) plus one line here.

import { checkInt, checkRange, describeValue, resolveOptions } from "../core/schema.js";
import type { ConfigOf } from "../core/schema.js";
import type { Schedule, ScheduleEntry, ScheduleShape } from "./schedule.js";
import { constantSchedule } from "./schedules/constant.js";
import { linearSchedule } from "./schedules/linear.js";
import { warmupCosineFloorSchedule, warmupCosineSchedule } from "./schedules/warmup-cosine.js";
import { stepSchedule } from "./schedules/step.js";
import { exponentialSchedule } from "./schedules/exponential.js";
import { cosineEpochSchedule } from "./schedules/cosine-epoch.js";

export type { Schedule, ScheduleEntry } from "./schedule.js";
export { defineSchedule } from "./schedule.js";

export const scheduleRegistry = [
  constantSchedule,
  linearSchedule,
  warmupCosineSchedule,
  warmupCosineFloorSchedule,
  stepSchedule,
  exponentialSchedule,
  cosineEpochSchedule,
] as const;

type Entry = (typeof scheduleRegistry)[number];
type OptionsOf<K extends ScheduleKind> = ConfigOf<Extract<Entry, { kind: K }>["schema"]>;

export type ScheduleKind = Entry["kind"];
/** `{ kind, ...options }` of one kind. */
export type ScheduleConfig = Entry extends infer E ? (E extends ScheduleEntry<infer K, infer S> ? { kind: K } & ConfigOf<S> : never) : never;

export type ConstantOptions = OptionsOf<"constant">;
export type LinearOptions = OptionsOf<"linear">;
export type WarmupCosineOptions = OptionsOf<"warmup_cosine">;
export type StepDecayOptions = OptionsOf<"step">;
export type ExponentialOptions = OptionsOf<"exponential">;
export type CosineEpochOptions = OptionsOf<"cosine_epoch">;

export interface ScheduleKindInfo {
  kind: ScheduleKind;
  description: string;
  /** The formula after warmup, s = step - warmupSteps (s = step without warmup). */
  formula: string;
  required: readonly string[];
  optional: readonly string[];
}

/** Every schedule kind with a short description, for the CLI's --help and the notebooks. */
export const scheduleKinds: readonly ScheduleKindInfo[] = scheduleRegistry.map((e) => {
  const fields = Object.entries(e.schema as Record<string, { required?: boolean }>);
  return {
    kind: e.kind,
    description: e.description,
    formula: e.formula,
    required: fields.filter(([, f]) => f.required).map(([k]) => k),
    optional: fields.filter(([, f]) => !f.required).map(([k]) => k),
  };
});

const F = "schedule";

export function scheduleEntry(kind: unknown): ScheduleEntry {
  const entry = scheduleRegistry.find((e) => e.kind === kind);
  if (!entry) throw new Error(`${F}.kind must be one of ${scheduleRegistry.map((k) => k.kind).join(", ")} (got ${describeValue(kind)})`);
  return entry as unknown as ScheduleEntry;
}

/** Validates a config (errors name the field) and returns its shape: peak, warmup and the decay after it. */
function compile(config: ScheduleConfig): ScheduleShape {
  if (typeof config !== "object" || config === null) throw new Error(`${F} config must be an object (got ${describeValue(config)})`);
  const { kind, ...options } = config;
  const entry = scheduleEntry(kind);
  return entry.create(resolveOptions(F, entry.schema, options, kind));
}

function evaluate(c: ScheduleShape, step: number): number {
  checkInt(`${F} step`, step, 0);
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
export function warmupCosineFloor(step: number, o: OptionsOf<"warmup_cosine_floor">): number {
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

/**
 * Ma and Yarats (2021), "On the adequacy of untuned warmup for adaptive optimization": a linear warmup over
 * 2 / (1 - beta2) steps (rounded), about twice the time Adam's second moment needs to average over (beta2 0.99: 200).
 */
export function untunedWarmup(beta2: number): number {
  checkRange("untunedWarmup: beta2", beta2, 0, 1, "()");
  return Math.round(2 / (1 - beta2));
}

/** Steps after which an exponential moving average with decay beta weighs a gradient by half: ln 0.5 / ln beta. */
export function emaHalfLife(beta: number): number {
  checkRange("emaHalfLife: beta", beta, 0, 1, "()");
  return Math.log(0.5) / Math.log(beta);
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
