import { emaHalfLife, untunedWarmup } from "../../src/optim/schedules.js";

describe("warmup rules", () => {
  test("untunedWarmup is 2 / (1 - beta2) steps (Ma and Yarats 2021): 200 at 0.99, 2,000 at 0.999, 20 at 0.9", () => {
    expect(untunedWarmup(0.99)).toBe(200);
    expect(untunedWarmup(0.999)).toBe(2000);
    expect(untunedWarmup(0.9)).toBe(20);
    expect(() => untunedWarmup(1)).toThrow(/untunedWarmup: beta2/);
  });

  test("emaHalfLife(beta) is the age at which beta^age = 1/2: about 69 steps at 0.99", () => {
    const h = emaHalfLife(0.99);
    expect(Math.pow(0.99, h)).toBeCloseTo(0.5, 12);
    expect(Math.round(h)).toBe(69);
    expect(() => emaHalfLife(0)).toThrow(/emaHalfLife: beta/);
  });
});
