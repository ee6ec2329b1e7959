// scheduleSteps: training the first `steps` of a longer run's LR schedule (notebook 06 trains the first few hundred
// steps of the guide's 50K-step cosine), and going on with --steps up to it without a config change.

import { Run } from "../../src/train/run.js";
import { makeSchedule } from "../../src/optim/schedules.js";
import { resumeConfigChanges } from "../../src/train/train-in-folder.js";

const base = { steps: 30, scheduleSteps: 400, schedule: "warmup_cosine", warmupSteps: 200, lr: 0.002, evalBatches: 2, samples: 0 } as const;

describe("scheduleSteps", () => {
  test("the steps trained get the lr of the same steps of the longer schedule, not a schedule squeezed into them", () => {
    const run = new Run(base);
    run.train();
    const full = makeSchedule({ kind: "warmup_cosine", peakLr: 0.002, warmupSteps: 200, totalSteps: 400 });
    expect(run.history.steps.map((s) => s.lr)).toEqual(Array.from({ length: 30 }, (_, i) => full(i)));
    expect(run.history.steps[29].lr).toBeCloseTo((0.002 * 30) / 200, 12); // still warming up at step 30 of 400
  });

  test("warmupSteps is bounded by scheduleSteps, and scheduleSteps must not be shorter than steps", () => {
    expect(() => new Run({ ...base, warmupSteps: 401 })).toThrow(/config\.warmupSteps must be an integer in \[0, steps\] \(got 401 with steps 400\)/);
    expect(() => new Run({ ...base, warmupSteps: 10, scheduleSteps: 20 })).toThrow(/config\.scheduleSteps must be >= steps \(30\) \(got 20\)/);
  });

  test("resuming with more steps is no config change when scheduleSteps fixes the schedule; without it, it is", () => {
    const saved = new Run(base).config;
    expect(resumeConfigChanges(saved, { steps: 60 }).changed).toEqual({});
    const plain = new Run({ ...base, scheduleSteps: null, steps: 300 }).config;
    expect(Object.keys(resumeConfigChanges(plain, { steps: 350 }).changed)).toEqual(["steps"]);
  });
});
