// The word-level lab run end to end: 5000 one-sentence steps of the lab preset on the bundled corpus.
import { Run } from "../../src/train/run.js";

describe("the word-level lab run (lab preset, bundled sentences, Adam 0.01 linear decay, 5000 steps)", () => {
  const run = new Run({ steps: 5000, evalEvery: 0, evalBatches: 20, samples: 0 });
  beforeAll(() => {
    run.train();
  });
  const lnV = () => Math.log(run.tokenizer.vocabSize);

  test("the vocabulary has 597 tokens and the model 63,296 parameters", () => {
    expect(run.tokenizer.vocabSize).toBe(597);
    expect(run.numParams).toBe(63296);
  });

  test("the first loss is within 0.1 of ln V", () => {
    expect(Math.abs(run.history.steps[0].loss - lnV())).toBeLessThan(0.1);
  });

  test("the mean loss of the last 500 steps is at least 3 nats below ln V", () => {
    expect(lnV() - run.history.meanLoss(4500, 5000)).toBeGreaterThanOrEqual(3);
  });

  test("the smoothed loss falls steadily: every 500-step window mean is below the one before, give or take noise", () => {
    const windows = run.history.smoothed(500).map((w) => w.loss);
    expect(windows).toHaveLength(10);
    for (let i = 1; i < windows.length; i++) expect(windows[i]).toBeLessThan(windows[i - 1] + 0.05);
    expect(windows[0] - windows[9]).toBeGreaterThan(1);
  });

  test("the learning rate decays linearly from 0.01 to 0", () => {
    const s = run.history.steps;
    expect(s[0].lr).toBeCloseTo(0.01, 12);
    expect(s[2499].lr).toBeCloseTo(0.01 * (1 - 2499 / 5000), 12);
    expect(s[4999].lr).toBeCloseTo(0.01 / 5000, 12);
  });
});
