import { Progress, progressLine } from "../../src/train/callbacks.js";
import type { StepEvent } from "../../src/train/trainer.js";

const event = (step: number, elapsedMs: number): StepEvent => ({ step, totalSteps: 200, loss: 2, lr: 1e-3, gradNorm: 1, tokens: 10, tokensPerSec: 100, elapsedMs });

describe("progress", () => {
  test("the time left comes from the steps done since the trainer started, also after a resume at step 100", () => {
    expect(progressLine(event(10, 10_000))).toMatch(/10s elapsed, 3m10s left$/);
    // resumed at 100: one step in 1 s leaves 99 steps, about 99 s (not 1 s, as dividing by all 101 steps gave)
    expect(progressLine(event(101, 1_000), 20, 100)).toMatch(/1s elapsed, 1m39s left$/);
  });

  test("a resumed run's first step prints a line in a log, with the resumed rate", () => {
    const lines: string[] = [];
    const p = new Progress({ stream: { write: (s: string) => lines.push(s) } as never, everySteps: 500 });
    p.onStep(event(101, 1_000));
    p.onStep(event(102, 2_000));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/step 101\/200 .* 1s elapsed, 1m39s left/);
  });
});
