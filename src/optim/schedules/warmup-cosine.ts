// The MicroGPT-C guide's schedule: linear warmup to peakLr, then half a cosine down to minLr (0 unless given, or a
// required floor in warmup_cosine_floor) at totalSteps, and minLr from there on.

import { defineSchedule, lrField, totalStepsField, warmupField } from "../schedule.js";
import type { ScheduleShape } from "../schedule.js";

const formula = "minLr + (peakLr - minLr) * 0.5 * (1 + cos(pi * s / (totalSteps - warmupSteps)))";
const minLrField = { type: "number", default: 0, min: 0, maxField: "peakLr", description: "the floor the cosine ends at" } as const;

function cosine(o: { peakLr: number; warmupSteps: number; totalSteps: number; minLr: number }): ScheduleShape {
  const { peakLr: peak, minLr, warmupSteps: warmup } = o;
  const span = o.totalSteps - warmup;
  return {
    peak,
    warmup,
    after: (s) => {
      const progress = s >= span ? 1 : s / span;
      return minLr + (peak - minLr) * 0.5 * (1 + Math.cos(Math.PI * progress));
    },
  };
}

export const warmupCosineSchedule = defineSchedule({
  kind: "warmup_cosine",
  description: "linear warmup to peakLr, then half a cosine down to 0 at totalSteps (to end at --min-lr: warmup_cosine_floor)",
  formula,
  // the run config's --min-lr is warmup_cosine_floor's: warmup_cosine takes minLr from code only
  schema: { peakLr: lrField, warmupSteps: { ...warmupField, required: true }, totalSteps: totalStepsField, minLr: { ...minLrField, codeOnly: true } },
  create: cosine,
});

export const warmupCosineFloorSchedule = defineSchedule({
  kind: "warmup_cosine_floor",
  description: "linear warmup to peakLr, then half a cosine down to the floor minLr at totalSteps",
  formula,
  schema: { peakLr: lrField, warmupSteps: { ...warmupField, required: true }, totalSteps: totalStepsField, minLr: { ...minLrField, required: true } },
  create: cosine,
});
