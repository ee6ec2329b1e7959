// The schedule registry (every kind once; each kind is a file in schedules/), makeSchedule(config) for notebooks
// and the CLI (makeSchedule({ kind, ...options })(step) is any schedule as a function of step and options), the
// guides' warmup and peak-LR rules of thumb, and sampleSchedule for plotting. The kind union, the config types, the
// CLI's --schedule choices and its help all derive from the registry, so a new schedule is its own file (an entry
// made with defineSchedule) plus one line here.

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

export type ScheduleKind = Entry["kind"];
/** `{ kind, ...options }` of one kind. */
export type ScheduleConfig = Entry extends infer E ? (E extends ScheduleEntry<infer K, infer S> ? { kind: K } & ConfigOf<S> : never) : never;

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

/** Validates `config` once (errors name the field) and returns its schedule, `(step) => lr`, step counted from 0. */
export function makeSchedule(config: ScheduleConfig): Schedule {
  if (typeof config !== "object" || config === null) throw new Error(`${F} config must be an object (got ${describeValue(config)})`);
  const { kind, ...options } = config;
  const entry = scheduleEntry(kind);
  const c: ScheduleShape = entry.create(resolveOptions(F, entry.schema, options, kind));
  return (step) => {
    checkInt(`${F} step`, step, 0);
    return step < c.warmup ? (c.peak * (step + 1)) / c.warmup : c.after(step - c.warmup);
  };
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
