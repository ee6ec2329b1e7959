// Every kernel backend against the reference kernels on random float32 inputs, odd sizes included.
//
// Tolerance: the backends compute in float32 and may sum in any order (blocked, vectorized, fused multiply-add),
// while the reference sums in float64. A float32 sum of n terms in any order is within n·u of the exact sum times
// the sum of the terms' magnitudes (u = 2^-24; Higham, "Accuracy and Stability of Numerical Algorithms", §3.1).
// gemm is checked against that bound exactly: |C - Cref| <= (K + 4)·u·(Σ_k |a_ik||b_kj| + |C0_ij|).
// The other kernels (norms, softmax, attention, cross-entropy: reductions of length n followed by a few
// elementwise ops, exp included) are checked against |x - xref| <= 4·(n + 8)·u·(|xref| + max|xref|).

import { reference } from "../../src/kernels/reference.js";
import { backendNames, registerBackend, setBackend } from "../../src/kernels/index.js";
import type { Backend } from "../../src/kernels/index.js";
import { wasmRuntime } from "../../src/kernels/wasm/wasm.js";
import { Rng } from "../../src/core/random.js";

const U = 2 ** -24;

for (const b of wasmRuntime()?.backends ?? []) if (!backendNames().includes(b.name)) registerBackend(b);
const names = backendNames().filter((n) => n !== "reference");

function randArray(n: number, rng: Rng, std = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal(0, std);
  return a;
}

function absArray(a: Float32Array): Float32Array {
  return a.map(Math.abs);
}

/** Fails with the worst element when any |actual - expected| exceeds bound(i). */
function expectWithin(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>, bound: (i: number) => number): void {
  expect(actual.length).toBe(expected.length);
  let worst = -1;
  let worstRatio = 0;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    const ratio = err / bound(i);
    if (!(ratio <= 1) && (worst < 0 || !(ratio <= worstRatio))) {
      worst = i;
      worstRatio = ratio;
    }
  }
  if (worst >= 0) {
    throw new Error(`${what}: element ${worst} is ${actual[worst]}, reference ${expected[worst]} (error ${Math.abs(actual[worst] - expected[worst])} > bound ${bound(worst)})`);
  }
}

/** The elementwise-kernel tolerance for reductions of length n (see the header). */
function expectClose(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>, n: number): void {
  let max = 0;
  for (let i = 0; i < expected.length; i++) max = Math.max(max, Math.abs(expected[i]));
  const k = 4 * (n + 8) * U;
  expectWithin(what, actual, expected, (i) => k * (Math.abs(expected[i]) + max) + Number.MIN_VALUE);
}

describe.each(names)("the %s backend agrees with the reference kernels", (name) => {
  let be: Backend;
  beforeAll(() => {
    be = setBackend(name);
  });
  afterAll(() => setBackend("fast"));

  const gemmSizes: Array<[number, number, number]> = [
    [1, 1, 1], [1, 7, 3], [3, 1, 5], [4, 8, 1], [5, 9, 13], [7, 597, 32], [8, 8, 8], [13, 17, 19],
    [33, 40, 7], [37, 21, 300], [64, 3, 513], [2, 130, 270], [40, 12, 2], [70, 16, 300], [38, 24, 5], [200, 8, 40], [101, 24, 9], [12, 300, 70],
  ];
  const cases: Array<[boolean, boolean]> = [[false, false], [false, true], [true, false]];
  describe.each(cases)("gemm with transA=%s transB=%s", (transA, transB) => {
    test.each(gemmSizes)("is within the float32 summation bound for M=%i N=%i K=%i, with and without accumulate", (M, N, K) => {
      const rng = new Rng(M * 1000 + N * 10 + K);
      const A = randArray(M * K, rng);
      const B = randArray(K * N, rng);
      const C0 = randArray(M * N, rng);
      for (const accumulate of [false, true]) {
        const want = C0.slice();
        reference.gemm(transA, transB, M, N, K, A, B, want, accumulate);
        const got = C0.slice();
        be.gemm(transA, transB, M, N, K, A, B, got, accumulate);
        // Σ_k |a_ik||b_kj| (+ |C0|): the reference gemm on absolute values
        const mag = absArray(C0);
        reference.gemm(transA, transB, M, N, K, absArray(A), absArray(B), mag, accumulate);
        expectWithin(`gemm ${M}x${N}x${K} accumulate=${accumulate}`, got, want, (i) => (K + 4) * U * mag[i] + Number.MIN_VALUE);
      }
    });
  });

  test.each([[1, 1], [3, 5], [7, 32], [4, 33], [2, 128]])("rmsnorm forward and backward match for N=%i C=%i, with and without weight", (N, C) => {
    const rng = new Rng(N * 31 + C);
    const x = randArray(N * C, rng, 2);
    const w = randArray(C, rng);
    const dout = randArray(N * C, rng);
    const dx0 = randArray(N * C, rng);
    const dw0 = randArray(C, rng);
    for (const weight of [null, w]) {
      const run = (k: Backend) => {
        const out = new Float32Array(N * C);
        const rstd = new Float32Array(N);
        k.rmsnormForward(out, rstd, x, weight, N, C, 1e-5);
        const dx = dx0.slice();
        const dw = weight ? dw0.slice() : null;
        k.rmsnormBackward(dx, dw, dout, x, weight, rstd, N, C);
        return { out, rstd, dx, dw };
      };
      const want = run(reference);
      const got = run(be);
      expectClose("rmsnorm out", got.out, want.out, C);
      expectClose("rmsnorm rstd", got.rstd, want.rstd, C);
      expectClose("rmsnorm dx", got.dx, want.dx, C);
      if (weight) expectClose("rmsnorm dweight", got.dw!, want.dw!, N * C);
    }
  });

  test.each([[1, 1], [3, 5], [7, 32], [2, 65]])("layernorm forward and backward match for N=%i C=%i, with and without weight and bias", (N, C) => {
    const rng = new Rng(N * 17 + C);
    const x = randArray(N * C, rng, 2);
    const w = randArray(C, rng);
    const bias = randArray(C, rng);
    const dout = randArray(N * C, rng);
    for (const affine of [false, true]) {
      const weight = affine ? w : null;
      const b = affine ? bias : null;
      const run = (k: Backend) => {
        const out = new Float32Array(N * C);
        const mean = new Float32Array(N);
        const rstd = new Float32Array(N);
        k.layernormForward(out, mean, rstd, x, weight, b, N, C, 1e-5);
        const dx = new Float32Array(N * C);
        const dw = affine ? new Float32Array(C) : null;
        const db = affine ? new Float32Array(C) : null;
        k.layernormBackward(dx, dw, db, dout, x, weight, mean, rstd, N, C);
        return { out, mean, rstd, dx, dw, db };
      };
      const want = run(reference);
      const got = run(be);
      expectClose("layernorm out", got.out, want.out, C);
      expectClose("layernorm mean", got.mean, want.mean, C);
      expectClose("layernorm rstd", got.rstd, want.rstd, C);
      expectClose("layernorm dx", got.dx, want.dx, C);
      if (affine) {
        expectClose("layernorm dweight", got.dw!, want.dw!, N * C);
        expectClose("layernorm dbias", got.db!, want.db!, N);
      }
    }
  });

  // (B, T, C, NH): head sizes 1, 3, 4, 8, 32 (the wasm kernels vectorize multiples of 4 and hand the rest to JS)
  test.each([[1, 1, 4, 4], [2, 5, 12, 4], [1, 9, 32, 4], [3, 7, 16, 2], [1, 16, 64, 2], [2, 3, 9, 3], [2, 37, 24, 3], [1, 70, 32, 1]])(
    "attention forward and backward match for B=%i T=%i C=%i NH=%i",
    (B, T, C, NH) => {
      const rng = new Rng(B * 1000 + T * 100 + C + NH);
      const qkv = randArray(B * T * 3 * C, rng);
      const dout = randArray(B * T * C, rng);
      const dqkv0 = randArray(B * T * 3 * C, rng);
      const run = (k: Backend) => {
        const out = new Float32Array(B * T * C);
        const att = new Float32Array(B * NH * T * T);
        k.attentionForward(out, att, qkv, B, T, C, NH);
        const dqkv = dqkv0.slice();
        k.attentionBackward(dqkv, dout, qkv, att, B, T, C, NH, true);
        // overwrite mode: garbage in dqkv must not leak into the result
        const written = randArray(B * T * 3 * C, rng);
        k.attentionBackward(written, dout, qkv, att, B, T, C, NH, false);
        return { out, att, dqkv, written };
      };
      const want = run(reference);
      const got = run(be);
      const n = T * (C / NH);
      expectClose("attention att", got.att, want.att, n);
      expectClose("attention out", got.out, want.out, n);
      expectClose("attention dqkv", got.dqkv, want.dqkv, n);
      expectClose("attention dqkv written", got.written, want.written, n);
      // and it is the accumulated gradient minus the starting values
      const diff = want.dqkv.map((v, i) => v - dqkv0[i]);
      expectClose("attention dqkv written vs accumulated", want.written, diff, n);
      // the probabilities above the diagonal are exactly zero
      for (let r = 0; r < B * NH * T; r++) for (let t2 = (r % T) + 1; t2 < T; t2++) expect(got.att[r * T + t2]).toBe(0);
    },
  );

  test.each([[1, 1], [1, 5], [7, 597], [4, 27], [3, 130]])("cross-entropy forward and backward match for N=%i V=%i, ignoring targets < 0", (N, V) => {
    const rng = new Rng(N * 7 + V);
    const logits = randArray(N * V, rng, 3);
    logits[0] += 80; // a large logit: the max shift must keep exp finite
    const targets = new Int32Array(N);
    for (let n = 0; n < N; n++) targets[n] = n % 3 === 2 ? -1 : rng.int(V);
    const dlogits0 = randArray(N * V, rng);
    const run = (k: Backend) => {
      const probs = new Float32Array(N * V);
      const loss = k.crossEntropyForward(probs, logits, targets, N, V);
      const dlogits = dlogits0.slice();
      k.crossEntropyBackward(dlogits, probs, targets, N, V, 0.37, true);
      // overwrite mode on probs itself: dlogits - dlogits0 without the initial values, ignored rows 0
      const inPlace = probs.slice();
      k.crossEntropyBackward(inPlace, inPlace, targets, N, V, 0.37, false);
      return { probs, loss, dlogits, inPlace };
    };
    const want = run(reference);
    const got = run(be);
    expect(got.loss.count).toBe(want.loss.count);
    expectClose("cross-entropy loss sum", [got.loss.sum], [want.loss.sum], V);
    expectClose("cross-entropy probs", got.probs, want.probs, V);
    expectClose("cross-entropy dlogits", got.dlogits, want.dlogits, V);
    expectClose("cross-entropy dlogits written in place", got.inPlace, want.inPlace, V);
    for (let n = 0; n < N; n++) {
      for (const v of [0, V - 1]) {
        const i = n * V + v;
        const expected = targets[n] < 0 ? 0 : (want.probs[i] - (v === targets[n] ? 1 : 0)) * 0.37;
        expect(Math.abs(want.inPlace[i] - expected)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(expected)));
      }
    }
  });

  // 16.7: a NaN must stay a NaN on every backend, or a diverged run looks healthy (the kernels flushed it to 0)
  test.each([[1, 8, 16, 2], [2, 5, 12, 4], [1, 16, 64, 2]])("a NaN in q/k/v reaches the attention output as in the reference (B=%i T=%i C=%i NH=%i)", (B, T, C, NH) => {
    const rng = new Rng(B + T + C);
    const qkv = randArray(B * T * 3 * C, rng);
    qkv[3] = NaN; // a query value of token 0, head 0 (or a key of the next head)
    const nanAt = (k: Backend) => {
      const out = new Float32Array(B * T * C);
      const att = new Float32Array(B * NH * T * T);
      k.attentionForward(out, att, qkv, B, T, C, NH);
      return Array.from(out, (v) => Number.isNaN(v));
    };
    const want = nanAt(reference);
    expect(want.some(Boolean)).toBe(true);
    expect(nanAt(be)).toEqual(want);
  });

  test.each([[1, 8], [3, 27], [2, 597]])("a NaN logit gives a NaN loss as in the reference (N=%i V=%i)", (N, V) => {
    const rng = new Rng(N + V);
    for (const at of [0, 3, N * V - 1]) {
      const logits = randArray(N * V, rng);
      logits[at] = NaN;
      const targets = Int32Array.from({ length: N }, () => rng.int(V));
      expect(Number.isNaN(be.crossEntropyForward(new Float32Array(N * V), logits, targets, N, V).sum)).toBe(true);
      expect(Number.isNaN(reference.crossEntropyForward(new Float32Array(N * V), logits, targets, N, V).sum)).toBe(true);
    }
  });

  test("cross-entropy rejects a target outside the vocabulary", () => {
    const logits = new Float32Array(6);
    expect(() => be.crossEntropyForward(new Float32Array(6), logits, Int32Array.from([1, 3]), 2, 3)).toThrow(/target 3 at row 1/);
  });

  test.each([[1, 1], [3, 5], [2, 64], [5, 33]])("softmax forward and backward match for N=%i V=%i", (N, V) => {
    const rng = new Rng(N * 3 + V);
    const x = randArray(N * V, rng, 4);
    const dy = randArray(N * V, rng);
    const dx0 = randArray(N * V, rng);
    const run = (k: Backend) => {
      const y = new Float32Array(N * V);
      k.softmaxForward(y, x, N, V);
      const dx = dx0.slice();
      k.softmaxBackward(dx, dy, y, N, V);
      return { y, dx };
    };
    const want = run(reference);
    const got = run(be);
    expectClose("softmax y", got.y, want.y, V);
    expectClose("softmax dx", got.dx, want.dx, V);
  });

  test.each([1, 7, 64, 1001])("gelu forward and backward match for n=%i", (n) => {
    const rng = new Rng(n);
    const x = randArray(n, rng, 3);
    const dout = randArray(n, rng);
    const dx0 = randArray(n, rng);
    const run = (k: Backend) => {
      const y = new Float32Array(n);
      k.geluForward(y, x, n);
      const dx = dx0.slice();
      k.geluBackward(dx, dout, x, n);
      return { y, dx };
    };
    const want = run(reference);
    const got = run(be);
    expectClose("gelu y", got.y, want.y, 1);
    expectClose("gelu dx", got.dx, want.dx, 1);
  });

  test("gelu of large, tiny and non-finite values: saturates as the reference does and lets NaN through", () => {
    // (beyond |x| ~ 1e19, x^2 overflows float32 and the float32 backends' gradient becomes NaN: far past any
    // activation a training run survives, so not tested)
    const values = [0, -0, 1e-30, -1e-30, 9, -9, 30, -30, 100, -100, 1e15, -1e15, Infinity, -Infinity, NaN, 2.5, -2.5, 0.5];
    const n = values.length; // not a multiple of 8: the tail path too
    const x = Float32Array.from(values);
    const run = (k: Backend) => {
      const y = new Float32Array(n);
      k.geluForward(y, x, n);
      const dx = new Float32Array(n);
      k.geluBackward(dx, new Float32Array(n).fill(1), x, n);
      return { y, dx };
    };
    const want = run(reference);
    const got = run(be);
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (Number.isNaN(v)) {
        expect(got.y[i]).toBeNaN();
        expect(got.dx[i]).toBeNaN();
        continue;
      }
      if (Math.abs(v) === Infinity) continue; // inf * 0 in the formula: NaN or a limit, on any backend
      expect(Math.abs(got.y[i] - want.y[i])).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want.y[i])));
      expect(Math.abs(got.dx[i] - want.dx[i])).toBeLessThanOrEqual(1e-5);
    }
  });
});
