// Digests of long runs (notebook 06): window means, the first rise of the loss, and the command that remakes a config.

import { summarizeHistory, firstLossRise } from "../../src/train/summary.js";
import type { HistoryWindow } from "../../src/train/summary.js";
import { defaultRunConfig, parseConfigArgs, resolveRunConfig, trainCommand } from "../../src/train/config.js";
import type { StepRecord } from "../../src/train/callbacks.js";

const rec = (step: number, loss: number, gradNorm: number, d?: [number, number]): StepRecord => ({ step, loss, lr: step / 100, gradNorm, ...(d ? { updateOverLr: d[0], updateRms: d[1] } : {}) });

describe("summarizeHistory", () => {
  test("means loss, gradient norm and the diagnostics measured within each window; the last window may be short", () => {
    const steps = [rec(1, 3, 1, [0.5, 1]), rec(2, 2, 5), rec(3, 1, 3, [0.1, 0.3]), rec(4, 4, 2), rec(5, 6, 4)];
    expect(summarizeHistory(steps, 3)).toEqual([
      { step: 3, loss: 2, lr: 0.03, gradNorm: 3, gradNormMax: 5, updateOverLr: 0.3, updateRms: 0.65 },
      { step: 5, loss: 5, lr: 0.05, gradNorm: 3, gradNormMax: 4, updateOverLr: null, updateRms: null },
    ]);
    expect(() => summarizeHistory(steps, 0)).toThrow(/size must be an integer >= 1 \(got 0\)/);
  });
});

describe("firstLossRise", () => {
  const windows = (losses: number[]): HistoryWindow[] => losses.map((loss, i) => ({ step: 100 * (i + 1), loss, lr: 0, gradNorm: 0, gradNormMax: 0, updateOverLr: null, updateRms: null }));

  test("finds the first window more than `rise` above the lowest before it, and the peak after it", () => {
    expect(firstLossRise(windows([3, 2, 1, 0.5, 0.9, 1.2, 2, 1.5]), 0.5)).toEqual({ step: 600, low: 0.5, lowStep: 400, loss: 1.2, peak: 2, peakStep: 700 });
  });

  test("a loss that only falls, or wobbles by less than `rise`, has none", () => {
    expect(firstLossRise(windows([3, 2, 1, 0.5, 0.9, 0.7, 0.95]), 0.5)).toBeNull();
    expect(() => firstLossRise(windows([1]), 0)).toThrow(/rise must be > 0/);
  });
});

describe("trainCommand", () => {
  test("names every key that differs from the defaults, and parsing it back gives the same config", () => {
    const c = resolveRunConfig({ nEmbd: 128, lr: 0.0005, schedule: "warmup_cosine", warmupSteps: 2500, samplePrompts: "the dog|a cat", scheduleSteps: 50000, steps: 200 });
    const cmd = trainCommand(c);
    expect(cmd.startsWith("npx gptlab train --n-embd 128 ")).toBe(true);
    expect(cmd).toContain('--sample-prompts "the dog|a cat"');
    const args = cmd.replace("npx gptlab train ", "").match(/"[^"]*"|\S+/g)!.map((a) => a.replace(/^"|"$/g, ""));
    expect(resolveRunConfig(parseConfigArgs(args).overrides)).toEqual(c);
    expect(trainCommand(defaultRunConfig)).toBe("npx gptlab train");
  });
});
