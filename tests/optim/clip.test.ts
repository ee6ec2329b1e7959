import { gradNorm, clipGradNorm } from "../../src/optim/clip.js";
import { toyStore } from "./toy-store.js";

describe("gradient clipping", () => {
  test("gradNorm is the L2 norm of all gradients together", () => {
    const store = toyStore();
    store.grad.fill(0);
    store.grad[0] = 3; // in "w"
    store.grad[7] = 4; // in "b"
    expect(gradNorm(store)).toBe(5);
  });

  test("clipGradNorm scales to exactly maxNorm, keeps the direction and returns the norm before", () => {
    const store = toyStore();
    const g = Array.from({ length: store.size }, (_, i) => Math.sin(i + 1) * 3);
    store.grad.set(g);
    const before = Math.sqrt(g.reduce((s, x) => s + x * x, 0));
    expect(clipGradNorm(store, 1)).toBeCloseTo(before, 12);
    expect(gradNorm(store)).toBeCloseTo(1, 12);
    for (let i = 0; i < g.length; i++) expect(store.grad[i]).toBeCloseTo(g[i] / before, 12);
  });

  test("clipGradNorm reaches maxNorm within float32 rounding on a float32 store", () => {
    const store = toyStore(1, "f32");
    store.grad.set(Array.from({ length: store.size }, (_, i) => (i % 3) - 1.5));
    clipGradNorm(store, 0.25);
    expect(Math.abs(gradNorm(store) - 0.25)).toBeLessThan(1e-7);
  });

  test("clipGradNorm leaves gradients below maxNorm untouched", () => {
    const store = toyStore();
    const g = Array.from({ length: store.size }, (_, i) => 0.01 * (i - 6));
    store.grad.set(g);
    const norm = clipGradNorm(store, 1);
    expect(norm).toBeCloseTo(Math.sqrt(g.reduce((s, x) => s + x * x, 0)), 14);
    expect(Array.from(store.grad)).toEqual(g);
  });

  test("clipGradNorm returns a non-finite norm and leaves the gradients as they are", () => {
    const store = toyStore();
    store.grad.fill(1);
    store.grad[2] = NaN;
    expect(clipGradNorm(store, 1)).toBeNaN();
    expect(store.grad[0]).toBe(1);
    store.grad[2] = Infinity;
    expect(clipGradNorm(store, 1)).toBe(Infinity);
    expect(store.grad[0]).toBe(1);
  });

  test("clipGradNorm names a bad maxNorm", () => {
    expect(() => clipGradNorm(toyStore(), 0)).toThrow("clipGradNorm: maxNorm must be a finite number > 0 (got 0)");
  });
});
