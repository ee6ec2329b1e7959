// The word-level lab's schedule: lr decays linearly to 0 at totalSteps, after an optional warmup.

import { defineSchedule, lrField, totalStepsField, warmupField } from "../schedule.js";

export const linearSchedule = defineSchedule({
  kind: "linear",
  description: "linear decay to 0 at totalSteps (the word-level lab)",
  formula: "lr * (1 - s / (totalSteps - warmupSteps))",
  schema: { lr: lrField, totalSteps: totalStepsField, warmupSteps: warmupField },
  create: ({ lr, totalSteps, warmupSteps }) => {
    const span = totalSteps - warmupSteps;
    return { peak: lr, warmup: warmupSteps, after: (s) => (s >= span ? 0 : lr * (1 - s / span)) };
  },
});
