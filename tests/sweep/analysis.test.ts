import { bestPerGroup, fitPowerLaw, meanOver } from "../../src/sweep/analysis.js";

describe("reading a sweep", () => {
  test("fitPowerLaw recovers the exponent and coefficient of an exact power law", () => {
    const xs = [3e4, 1e5, 3e5, 1e6];
    const fit = fitPowerLaw(xs, xs.map((x) => 2.5 * Math.pow(x, -0.5)));
    expect(fit.exponent).toBeCloseTo(-0.5, 12);
    expect(fit.coefficient).toBeCloseTo(2.5, 10);
    expect(fit.r2).toBeCloseTo(1, 12);
    expect(fit.exponentStdErr!).toBeLessThan(1e-10);
  });

  test("fitPowerLaw of a flat line is exponent 0 (what a rule that does not hold looks like)", () => {
    const fit = fitPowerLaw([1, 10, 100], [0.01, 0.01, 0.01]);
    expect(fit.exponent).toBeCloseTo(0, 12);
    expect(() => fitPowerLaw([5, 5], [1, 2])).toThrow(/every x is the same/);
    expect(() => fitPowerLaw([1], [1])).toThrow(/at least 2 points/);
  });

  test("meanOver averages the seeds of a point; bestPerGroup picks the lowest finite metric per group", () => {
    const rows = [
      { size: 1, lr: 0.01, seed: 1, val_loss: 3 },
      { size: 1, lr: 0.01, seed: 2, val_loss: 5 },
      { size: 1, lr: 0.03, seed: 1, val_loss: 3.5 },
      { size: 1, lr: 0.03, seed: 2, val_loss: 3.7 },
      { size: 2, lr: 0.01, seed: 1, val_loss: null },
      { size: 2, lr: 0.03, seed: 1, val_loss: 2 },
    ];
    const means = meanOver(rows, ["size", "lr"], "val_loss");
    expect(means).toEqual([
      { size: 1, lr: 0.01, val_loss: 4, n: 2 },
      { size: 1, lr: 0.03, val_loss: 3.6, n: 2 },
      { size: 2, lr: 0.01, val_loss: null, n: 0 },
      { size: 2, lr: 0.03, val_loss: 2, n: 1 },
    ]);
    expect(bestPerGroup(means, "size", "val_loss").map((r) => [r.size, r.lr])).toEqual([[1, 0.03], [2, 0.03]]);
  });
});
