// Exponential decay: lr multiplied by gamma every step, after an optional warmup.

import { defineSchedule, gammaField, lrField, openWarmupField } from "../schedule.js";

export const exponentialSchedule = defineSchedule({
  kind: "exponential",
  description: "multiply lr by gamma every step",
  formula: "lr * gamma^s",
  schema: { lr: lrField, gamma: gammaField, warmupSteps: openWarmupField },
  create: ({ lr, gamma, warmupSteps }) => ({ peak: lr, warmup: warmupSteps, after: (s) => lr * Math.pow(gamma, s) }),
});
