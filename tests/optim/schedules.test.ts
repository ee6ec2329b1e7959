import { makeSchedule, scheduleEntry, scheduleKinds, scheduleRegistry, sampleSchedule, recommendedWarmup, scaledPeakLr } from "../../src/optim/schedules.js";
import type { ScheduleConfig } from "../../src/optim/schedules.js";
import { choicesOf, defaultsOf } from "../../src/core/schema.js";
import { runConfigSchema } from "../../src/train/config.js";

/** One kind's schedule as a function of (step, options). */
const lrOf = (kind: string) => (step: number, options: object): number => makeSchedule({ ...options, kind } as ScheduleConfig)(step);
const warmupCosine = lrOf("warmup_cosine");
const warmupCosineFloor = lrOf("warmup_cosine_floor");
const linear = lrOf("linear");
const constant = lrOf("constant");
const stepDecay = lrOf("step");
const exponential = lrOf("exponential");
const cosineEpoch = lrOf("cosine_epoch");

const close = (a: number, b: number): void => expect(a).toBeCloseTo(b, 14);

describe("warmupCosine (the MicroGPT-C guide's formula)", () => {
  const o = { peakLr: 1e-3, warmupSteps: 100, totalSteps: 1000 };
  const guide = (step: number): number =>
    step < 100 ? (1e-3 * (step + 1)) / 100 : 1e-3 * 0.5 * (1 + Math.cos((Math.PI * (step - 100)) / 900));

  test("ramps linearly as peak*(step+1)/warmup during warmup", () => {
    close(warmupCosine(0, o), 1e-5);
    close(warmupCosine(49, o), 5e-4);
    close(warmupCosine(99, o), 1e-3);
  });
  test("starts the cosine at the peak and is at half the peak halfway through the decay", () => {
    close(warmupCosine(100, o), 1e-3);
    close(warmupCosine(550, o), 5e-4);
  });
  test("matches the guide's formula at the named steps, including the last step 999", () => {
    for (const step of [0, 49, 99, 100, 550, 999]) close(warmupCosine(step, o), guide(step));
    expect(warmupCosine(999, o)).toBeGreaterThan(0);
    expect(warmupCosine(999, o)).toBeLessThan(1e-8);
  });
  test("holds at 0 after totalSteps instead of rising again", () => {
    close(warmupCosine(1000, o), 0);
    close(warmupCosine(1500, o), 0);
  });
  test("with no warmup starts at the peak", () => {
    close(warmupCosine(0, { peakLr: 2e-3, warmupSteps: 0, totalSteps: 10 }), 2e-3);
  });
});

describe("warmupCosineFloor", () => {
  const o = { peakLr: 1e-3, warmupSteps: 100, totalSteps: 1000, minLr: 1e-4 };
  test("ends at minLr at totalSteps and stays there", () => {
    close(warmupCosineFloor(1000, o), 1e-4);
    close(warmupCosineFloor(5000, o), 1e-4);
    expect(warmupCosineFloor(999, o)).toBeGreaterThan(1e-4);
    expect(warmupCosineFloor(999, o) - 1e-4).toBeLessThan(1e-8);
  });
  test("is halfway between peak and floor halfway through the decay", () => {
    close(warmupCosineFloor(550, o), (1e-3 + 1e-4) / 2);
  });
  test("warms up exactly like warmupCosine", () => {
    for (const step of [0, 37, 99]) close(warmupCosineFloor(step, o), (1e-3 * (step + 1)) / 100);
  });
  test("equals warmupCosine with the same minLr", () => {
    for (const step of [0, 120, 640, 999]) close(warmupCosineFloor(step, o), warmupCosine(step, o));
  });
});

describe("linear (the lab's decay)", () => {
  test("is lr at step 0 and lr/2 at totalSteps/2", () => {
    close(linear(0, { lr: 0.01, totalSteps: 5000 }), 0.01);
    close(linear(2500, { lr: 0.01, totalSteps: 5000 }), 0.005);
  });
  test("is lr*(1 - step/totalSteps) at the last step and 0 after", () => {
    close(linear(4999, { lr: 0.01, totalSteps: 5000 }), 0.01 * (1 - 4999 / 5000));
    close(linear(5000, { lr: 0.01, totalSteps: 5000 }), 0);
    close(linear(7000, { lr: 0.01, totalSteps: 5000 }), 0);
  });
  test("with warmup decays over the remaining steps", () => {
    const o = { lr: 0.01, totalSteps: 110, warmupSteps: 10 };
    close(linear(4, o), 0.005);
    close(linear(10, o), 0.01);
    close(linear(60, o), 0.005);
  });
});

describe("constant, step, exponential and cosine_epoch", () => {
  test("constant is lr at every step", () => {
    for (const step of [0, 1, 1e6]) expect(constant(step, { lr: 3e-4 })).toBe(3e-4);
  });
  test("step decay multiplies by gamma every stepSize steps", () => {
    const o = { lr: 0.1, gamma: 0.5, stepSize: 10 };
    close(stepDecay(0, o), 0.1);
    close(stepDecay(9, o), 0.1);
    close(stepDecay(10, o), 0.05);
    close(stepDecay(35, o), 0.1 * 0.5 ** 3);
  });
  test("step decay with warmup starts its clock after the warmup", () => {
    const o = { lr: 0.1, gamma: 0.5, stepSize: 10, warmupSteps: 5 };
    close(stepDecay(0, o), 0.02);
    close(stepDecay(14, o), 0.1);
    close(stepDecay(15, o), 0.05);
  });
  test("exponential is lr*gamma^step", () => {
    const o = { lr: 0.1, gamma: 0.99 };
    close(exponential(0, o), 0.1);
    close(exponential(100, o), 0.1 * Math.pow(0.99, 100));
  });
  test("cosine_epoch restarts at lr each epoch and is halfway at mid-epoch", () => {
    const o = { lr: 0.1, minLr: 0.01, stepsPerEpoch: 50 };
    close(cosineEpoch(0, o), 0.1);
    close(cosineEpoch(25, o), 0.055);
    close(cosineEpoch(50, o), 0.1);
    close(cosineEpoch(75, o), 0.055);
    close(cosineEpoch(49, o), 0.01 + (0.09 * (1 + Math.cos((Math.PI * 49) / 50))) / 2);
  });
});

describe("every kind of the registry", () => {
  /** A kind's example: its schema's defaults (the run config's values), a valid config of that kind. */
  const example = (kind: string): Record<string, unknown> => defaultsOf(scheduleEntry(kind).schema);
  const kinds = scheduleRegistry.map((e) => e.kind);
  const probes = [0, 1, 7, 99, 100, 101, 999, 2500, 4999, 5000, 20000];

  test("scheduleKinds lists each registry kind once with a description and a formula, and those are the CLI's --schedule choices", () => {
    expect(new Set(kinds).size).toBe(kinds.length);
    expect(scheduleKinds.map((k) => k.kind)).toEqual(kinds);
    for (const k of scheduleKinds) expect({ kind: k.kind, description: k.description.length > 10, formula: k.formula.length > 0 }).toEqual({ kind: k.kind, description: true, formula: true });
    expect(choicesOf(runConfigSchema.schedule)).toEqual(kinds);
  });
  test.each(kinds)("%s: its schema defaults are a valid config, and after warmup it starts at its peak and never exceeds it", (kind) => {
    const entry = scheduleEntry(kind);
    const shape = entry.create(defaultsOf(entry.schema) as never);
    const fn = makeSchedule({ ...example(kind), kind } as ScheduleConfig);
    expect(fn(shape.warmup)).toBeCloseTo(shape.peak, 14);
    for (const step of probes) {
      const lr = fn(step);
      expect({ step, lr, ok: Number.isFinite(lr) && lr >= 0 && lr <= shape.peak }).toEqual({ step, lr, ok: true });
    }
  });
  test.each(kinds.filter((k) => "warmupSteps" in scheduleEntry(k).schema))("%s: warmupSteps is the shared linear ramp lr*(step+1)/warmupSteps", (kind) => {
    const o = { ...example(kind), warmupSteps: 40 };
    const fn = makeSchedule({ ...o, kind } as ScheduleConfig);
    const peak = makeSchedule({ ...o, warmupSteps: 0, kind } as ScheduleConfig)(0);
    for (const step of [0, 19, 39]) expect(fn(step)).toBeCloseTo((peak * (step + 1)) / 40, 14);
    expect(fn(40)).toBeCloseTo(peak, 14);
  });
});

describe("makeSchedule", () => {
  test("treats optional fields set to undefined as unset", () => {
    const fn = makeSchedule({ kind: "linear", lr: 1, totalSteps: 10, warmupSteps: undefined, gamma: undefined } as ScheduleConfig);
    expect(fn(5)).toBeCloseTo(0.5, 14);
  });
  test("names the field when warmupSteps exceeds totalSteps", () => {
    expect(() => makeSchedule({ kind: "warmup_cosine", peakLr: 1e-3, warmupSteps: 5000, totalSteps: 3000 })).toThrow(
      "schedule.warmupSteps must be an integer in [0, totalSteps] (got 5000 with totalSteps 3000)",
    );
  });
  test("names an unknown kind, a missing field, an unknown field and a non-number", () => {
    expect(() => makeSchedule({ kind: "cosine" } as unknown as ScheduleConfig)).toThrow(/schedule\.kind must be one of constant, linear, .*\(got "cosine", a string\)/);
    expect(() => makeSchedule({ kind: "linear", lr: 0.01 } as unknown as ScheduleConfig)).toThrow(/schedule\.totalSteps is required for linear/);
    expect(() => makeSchedule({ kind: "warmup_cosine", lr: 1e-3, peakLr: 1e-3, warmupSteps: 0, totalSteps: 9 } as unknown as ScheduleConfig)).toThrow(
      /schedule\.lr is not a known field/,
    );
    expect(() => makeSchedule({ kind: "constant", lr: "3e-4" } as unknown as ScheduleConfig)).toThrow(
      'schedule.lr must be a finite number > 0 (got "3e-4", a string)',
    );
  });
  test("rejects a floor above the peak, a gamma above 1 and a fractional stepSize", () => {
    expect(() => makeSchedule({ kind: "warmup_cosine_floor", peakLr: 1e-3, warmupSteps: 0, totalSteps: 9, minLr: 1e-2 })).toThrow(/schedule\.minLr must be in \[0, peakLr\]/);
    expect(() => makeSchedule({ kind: "exponential", lr: 0.1, gamma: 1.5 })).toThrow("schedule.gamma must be in (0, 1] (got 1.5)");
    expect(() => makeSchedule({ kind: "step", lr: 0.1, gamma: 0.5, stepSize: 2.5 })).toThrow(/schedule\.stepSize must be an integer >= 1/);
  });
  test("rejects a negative or fractional step", () => {
    const fn = makeSchedule({ kind: "constant", lr: 1 });
    expect(() => fn(-1)).toThrow(/schedule step must be an integer >= 0 \(got -1\)/);
    expect(() => fn(0.5)).toThrow(/schedule step/);
  });
});

describe("sampleSchedule", () => {
  test("samples every k steps and always includes the last step", () => {
    const fn = makeSchedule({ kind: "linear", lr: 1, totalSteps: 1000 });
    const s = sampleSchedule(fn, 1000, 250);
    expect(s.map((p) => p.step)).toEqual([0, 250, 500, 750, 999]);
    for (const p of s) close(p.lr, 1 - p.step / 1000);
  });
  test("samples every step by default", () => {
    expect(sampleSchedule((step) => step * 2, 4)).toEqual([
      { step: 0, lr: 0 },
      { step: 1, lr: 2 },
      { step: 2, lr: 4 },
      { step: 3, lr: 6 },
    ]);
  });
});

describe("rules of thumb", () => {
  test("recommendedWarmup is max(100, 5% of totalSteps)", () => {
    expect(recommendedWarmup(1000)).toBe(100);
    expect(recommendedWarmup(10000)).toBe(500);
    expect(recommendedWarmup(2010)).toBe(101); // 100.5 rounds up
  });
  test("recommendedWarmup never exceeds totalSteps", () => {
    expect(recommendedWarmup(50)).toBe(50);
    expect(() => recommendedWarmup(0)).toThrow(/totalSteps must be an integer >= 1/);
  });
  test("scaledPeakLr scales by sqrt(baseParams/params)", () => {
    close(scaledPeakLr(1e-3, 1e6, 4e6), 5e-4);
    close(scaledPeakLr(1e-3, 4e6, 1e6), 2e-3);
    expect(() => scaledPeakLr(1e-3, 1e6, 0)).toThrow(/params must be a finite number > 0 \(got 0\)/);
  });
});
