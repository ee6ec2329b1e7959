// The same learning rate at every step.

import { defineSchedule, lrField } from "../schedule.js";

export const constantSchedule = defineSchedule({
  kind: "constant",
  description: "the same lr at every step",
  formula: "lr",
  schema: { lr: lrField },
  create: (o) => ({ peak: o.lr, warmup: 0, after: () => o.lr }),
});
