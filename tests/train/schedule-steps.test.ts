// scheduleSteps: training the first `steps` of a longer run's LR schedule (notebook 06 trains the first few hundred
// steps of the guide's 50K-step cosine), and going on with --steps up to it without a config change.

import { Run } from "../../src/train/run.js";
import { constantSchedule } from "../../src/optim/schedules/constant.js";
import { linearSchedule } from "../../src/optim/schedules/linear.js";
import { makeSchedule, scheduleRegistry } from "../../src/optim/schedules.js";
import { resolveRunConfig, runComponents } from "../../src/train/config.js";
import { resumeConfigChanges } from "../../src/train/train-in-folder.js";
import { withTrialEntries } from "../helpers/trial-entry.js";

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

  test.each(scheduleRegistry.map((e) => e.kind))("%s: more steps on resume is a config change exactly when it changes the lr of the steps done", (kind) => {
    const saved = resolveRunConfig({ schedule: kind, steps: 300 });
    const before = makeSchedule(runComponents(saved).schedule);
    const after = makeSchedule(runComponents(resolveRunConfig({ schedule: kind, steps: 600 })).schedule);
    const lrMoves = Array.from({ length: 300 }, (_, step) => before(step) !== after(step)).some(Boolean);
    expect(Object.keys(resumeConfigChanges(saved, { steps: 600 }).changed).includes("steps")).toBe(lrMoves);
  });

  test("a new schedule whose schema reads totalSteps from steps makes more steps a config change, whatever its name", () => {
    const stepsBound = { ...linearSchedule, kind: "linear_trial" };
    const free = { ...constantSchedule, kind: "constant_trial" };
    const saved = resolveRunConfig({ steps: 300 });
    withTrialEntries([[scheduleRegistry, stepsBound], [scheduleRegistry, free]], () => {
      expect(resumeConfigChanges({ ...saved, schedule: "linear_trial" }, { steps: 600 }).changed).toEqual({ steps: { from: 300, to: 600 } });
      expect(resumeConfigChanges({ ...saved, schedule: "constant_trial" }, { steps: 600 }).changed).toEqual({});
    });
  });
});
