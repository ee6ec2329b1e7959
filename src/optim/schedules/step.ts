// Step decay: lr multiplied by gamma every stepSize steps, after an optional warmup.

import { defineSchedule, gammaField, lrField, openWarmupField } from "../schedule.js";

export const stepSchedule = defineSchedule({
  kind: "step",
  description: "multiply lr by gamma every stepSize steps",
  formula: "lr * gamma^floor(s / stepSize)",
  schema: {
    lr: lrField,
    stepSize: { type: "integer", default: 1000, min: 1, required: true, description: "steps between decays" },
    gamma: gammaField,
    warmupSteps: openWarmupField,
  },
  create: ({ lr, gamma, stepSize, warmupSteps }) => ({ peak: lr, warmup: warmupSteps, after: (s) => lr * Math.pow(gamma, Math.floor(s / stepSize)) }),
});
