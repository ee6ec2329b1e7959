import { lrRangeTest, rangeLr } from "../../src/sweep/lr-range.js";

const tiny = { batchSize: 4, evalBatches: 2, backend: "wasm" };

describe("the learning-rate range test", () => {
  test("rangeLr rises exponentially from minLr at step 0 to maxLr at the last step", () => {
    const o = { minLr: 1e-4, maxLr: 1, steps: 101 };
    expect(rangeLr(0, o)).toBeCloseTo(1e-4, 15);
    expect(rangeLr(100, o) / 1).toBeCloseTo(1, 12);
    // equal ratios per step: a straight line on a log axis
    expect(rangeLr(51, o) / rangeLr(50, o)).toBeCloseTo(rangeLr(1, o) / rangeLr(0, o), 12);
    expect(rangeLr(50, o)).toBeCloseTo(1e-2, 12);
  });

  test("on the lab model the loss falls, then blows up before lr 1; the suggestion is a tenth of the lr at the lowest smoothed loss", () => {
    const r = lrRangeTest(tiny, { minLr: 1e-5, maxLr: 10, steps: 150 });
    expect(r.stopReason).toBe("diverged");
    expect(r.points.length).toBeLessThan(150);
    const lrs = r.points.map((p) => p.lr);
    expect(lrs[0]).toBeCloseTo(1e-5, 15);
    for (let i = 1; i < lrs.length; i++) expect(lrs[i]).toBeGreaterThan(lrs[i - 1]);
    const last = r.points[r.points.length - 1];
    expect(last.smoothed > 4 * r.minLoss || !Number.isFinite(last.smoothed)).toBe(true);
    expect(r.minLoss).toBeLessThan(r.points[0].smoothed - 0.5);
    expect(r.suggestedLr).toBeCloseTo(r.lrAtMin / 10, 15);
    expect(r.points.find((p) => p.smoothed === r.minLoss)!.lr).toBe(r.lrAtMin);
  }, 60_000);

  test("bad options are named", () => {
    expect(() => lrRangeTest(tiny, { minLr: 1, maxLr: 0.1 })).toThrow(/maxLr \(--max-lr\) must be > minLr \(1\) \(got 0.1\)/);
    expect(() => lrRangeTest(tiny, { steps: 3 })).toThrow(/steps \(--range-steps\) must be an integer >= 10/);
  });
});
