import { Rng } from "../../src/core/random.js";

describe("Rng", () => {
  test("the same seed gives the same sequence and another seed a different one", () => {
    const a = new Rng(42), b = new Rng(42), c = new Rng(43);
    const seqA = Array.from({ length: 20 }, () => a.nextUint32());
    expect(Array.from({ length: 20 }, () => b.nextUint32())).toEqual(seqA);
    expect(Array.from({ length: 20 }, () => c.nextUint32())).not.toEqual(seqA);
  });

  test("a saved state is four uint32 words and restoring it continues the same sequence", () => {
    const r = new Rng(7);
    for (let i = 0; i < 1000; i++) r.random();
    for (let i = 0; i < 50; i++) {
      const state = r.getState();
      expect(state.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff)).toBe(true);
      const expected = r.random();
      expect(new Rng(1).setState(JSON.parse(JSON.stringify(state))).random()).toBe(expected);
    }
  });

  test("uniform draws have mean 1/2 and normal draws mean 0 and std 1", () => {
    const r = new Rng(3);
    const n = 100_000;
    let su = 0, sn = 0, sn2 = 0;
    for (let i = 0; i < n; i++) {
      const u = r.random();
      expect(u >= 0 && u < 1).toBe(true);
      su += u;
      const z = r.normal();
      sn += z;
      sn2 += z * z;
    }
    expect(Math.abs(su / n - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(sn / n)).toBeLessThan(0.01);
    expect(Math.abs(Math.sqrt(sn2 / n) - 1)).toBeLessThan(0.01);
  });

  test("int(n) covers 0..n-1 evenly and categorical follows the weights", () => {
    const r = new Rng(5);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[r.int(3)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
    const picks = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) picks[r.categorical([1, 0, 3])]++;
    expect(picks[1]).toBe(0);
    expect(Math.abs(picks[2] / picks[0] - 3)).toBeLessThan(0.2);
  });

  test("bad seeds and states are refused with the value", () => {
    expect(() => new Rng(1.5)).toThrow(/seed must be an integer \(got 1.5\)/);
    expect(() => new Rng(1).setState([0, 0, 0, 0])).toThrow(/all zeros/);
    expect(() => new Rng(1).setState([1, 2, 3] as never)).toThrow(/four uint32 words/);
  });
});
