// Exercise 3: the guides' warmup + cosine schedule, (step) => lr with steps from 0, and their warmup rule,
// against makeSchedule({ kind: "warmup_cosine" }) and recommendedWarmup.

import { makeSchedule, recommendedWarmup } from "../optim/schedules.js";
import type { Rng } from "../core/random.js";
import type { Exercise } from "./check.js";

export interface CosineOptions {
  peakLr: number;
  warmupSteps: number;
  totalSteps: number;
  minLr: number;
}

export type ScheduleFn = (step: number, o: CosineOptions) => number;
export type WarmupRuleFn = (totalSteps: number) => number;

export interface ScheduleInput {
  o: CosineOptions;
  steps: number[];
}

const NOTEBOOK = "03-schedule";

export function engineWarmupCosine(o: CosineOptions): (step: number) => number {
  return makeSchedule({ kind: "warmup_cosine", ...o });
}

/** The steps a schedule is tried at: the ends of warmup and decay, their neighbours, past the end, and random ones. */
function probeSteps(rng: Rng, o: CosineOptions): number[] {
  const { warmupSteps: w, totalSteps: n } = o;
  const edges = [0, 1, w - 1, w, w + 1, Math.floor((w + n) / 2), n - 2, n - 1, n, n + 10, 2 * n];
  const random = Array.from({ length: 5 }, () => rng.int(n));
  return [...new Set([...edges, ...random].filter((s) => s >= 0))].sort((a, b) => a - b);
}

function cases(rng: Rng) {
  const make = (name: string, o: CosineOptions, hint?: string) => ({ name, input: { o, steps: probeSteps(rng, o) }, hint });
  return [
    make("peak 0.01, warmup 100 of 1,000 steps", { peakLr: 0.01, warmupSteps: 100, totalSteps: 1000, minLr: 0 }, "steps count from 0: warmup gives lr·(step+1)/warmupSteps, so step 0 already trains and step warmupSteps-1 reaches peakLr"),
    make("a floor minLr 1e-4", { peakLr: 0.003, warmupSteps: 50, totalSteps: 400, minLr: 1e-4 }, "the cosine goes from peakLr down to minLr: minLr + (peakLr - minLr)·0.5·(1 + cos(π·s/(totalSteps - warmupSteps)))"),
    make("no warmup", { peakLr: 0.01, warmupSteps: 0, totalSteps: 300, minLr: 0 }, "with warmupSteps 0 the first step has the full peakLr (no division by zero)"),
    make("warmup as long as the run", { peakLr: 0.02, warmupSteps: 200, totalSteps: 200, minLr: 0 }),
    make("1 step of warmup", { peakLr: 1e-3, warmupSteps: 1, totalSteps: 10, minLr: 0 }),
    make("the guide's 50K steps", { peakLr: 5e-4, warmupSteps: 2500, totalSteps: 50000, minLr: 5e-5 }),
  ];
}

export const scheduleExercise: Exercise<ScheduleFn, ScheduleInput, number[]> = {
  id: "warmupCosine",
  title: "warmupCosine(step, o)",
  notebook: NOTEBOOK,
  cases,
  reference: (x) => x.steps.map(engineWarmupCosine(x.o)),
  call: (fn, x) => x.steps.map((s) => fn(s, x.o)),
  tolerance: { abs: 1e-15, rel: 1e-9 },
  mistakes: [
    { name: "off-by-one warmup", hint: "off-by-one warmup: steps count from 0, so the warmup LR is peakLr·(step+1)/warmupSteps (step/warmupSteps gives the first step lr 0, a wasted step)", answer: (x) => x.steps.map((s) => (s < x.o.warmupSteps ? (x.o.peakLr * s) / x.o.warmupSteps : engineWarmupCosine(x.o)(s))) },
    { name: "cosine over all steps", hint: "the cosine runs on its own clock after warmup: s = step - warmupSteps over totalSteps - warmupSteps steps, not step/totalSteps", answer: (x) => x.steps.map((s) => {
      const { peakLr, warmupSteps: w, totalSteps: n, minLr } = x.o;
      if (s < w) return (peakLr * (s + 1)) / w;
      return minLr + (peakLr - minLr) * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, s / n)));
    }) },
    { name: "no end", hint: "past totalSteps the cosine must stay at minLr, not climb back up: clamp the progress at 1", answer: (x) => x.steps.map((s) => {
      const { peakLr, warmupSteps: w, totalSteps: n, minLr } = x.o;
      if (s < w) return (peakLr * (s + 1)) / w;
      return minLr + (peakLr - minLr) * 0.5 * (1 + Math.cos((Math.PI * (s - w)) / (n - w)));
    }) },
    { name: "minLr ignored", hint: "minLr is the floor: the cosine ends at minLr, not at 0", answer: (x) => x.steps.map(engineWarmupCosine({ ...x.o, minLr: 0 })) },
  ],
};

export const warmupRuleExercise: Exercise<WarmupRuleFn, number, number> = {
  id: "recommendedWarmup",
  title: "recommendedWarmup(totalSteps)",
  notebook: NOTEBOOK,
  cases: () => [1000, 5000, 50000, 2010, 2030, 123457, 60, 1, 100, 1999].map((n) => ({ name: `${n.toLocaleString("en-US")} steps`, input: n })),
  reference: recommendedWarmup,
  call: (fn, n) => fn(n),
  tolerance: { abs: 0, rel: 0 },
  mistakes: [
    { name: "no floor", hint: "the guides' rule has a floor: max(100, 5% of the steps)", answer: (n) => Math.min(n, Math.round(n / 20)) },
    { name: "floor not round", hint: "round 5% of the steps to the nearest step (halves up: Math.round), not down", answer: (n) => Math.min(n, Math.max(100, Math.floor(n / 20))) },
    { name: "longer than the run", hint: "a run shorter than 100 steps cannot warm up for 100: clamp the warmup to totalSteps", answer: (n) => Math.max(100, Math.round(n / 20)) },
  ],
};
