// Cosine annealing with a restart every epoch (SGDR without growing periods), after an optional warmup.

import { defineSchedule, lrField, openWarmupField } from "../schedule.js";

export const cosineEpochSchedule = defineSchedule({
  kind: "cosine_epoch",
  description: "cosine from lr down towards minLr within each epoch of stepsPerEpoch steps, restarting each epoch",
  formula: "minLr + (lr - minLr) * (1 + cos(pi * (s mod stepsPerEpoch) / stepsPerEpoch)) / 2",
  schema: {
    lr: lrField,
    stepsPerEpoch: { type: "integer", default: 1000, min: 1, required: true, description: "period of the cosine" },
    minLr: { type: "number", default: 0, min: 0, maxField: "lr", description: "the value each epoch's cosine approaches" },
    warmupSteps: openWarmupField,
  },
  create: ({ lr, stepsPerEpoch: epoch, minLr, warmupSteps }) => ({
    peak: lr,
    warmup: warmupSteps,
    after: (s) => minLr + ((lr - minLr) * (1 + Math.cos((Math.PI * (s % epoch)) / epoch))) / 2,
  }),
});
