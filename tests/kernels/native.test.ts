// The native kernels' backend ("wasm-native", present only where the addon was built and loads; elsewhere, or
// with GPTLAB_NATIVE=0, these tests are skipped and the title says why; in CI a missing addon fails the suite): gemm against the reference on shapes that
// cross its tile, k-block and column-block edges, on resident (wasm memory) and ordinary arrays, and thread-split
// invariance of gemm and attention (attention's accuracy is checked with every backend's in parity.test.ts).
//
// Tolerance: each C element is a float32 fused multiply-add chain over k in order, within (K + 4)·u·Σ|a||b|
// (+|C0|) of the exact float64 sum (u = 2^-24), the bound of tests/kernels/parity.test.ts.

import { reference } from "../../src/kernels/reference.js";
import { backendNames, registerBackend, setBackend } from "../../src/kernels/index.js";
import { allocKernelF32, setKernelThreads, wasmRuntime } from "../../src/kernels/wasm/wasm.js";
import { nativeGemm } from "../../src/kernels/native.js";
import { Rng } from "../../src/core/random.js";

const U = 2 ** -24;

for (const b of wasmRuntime()?.backends ?? []) if (!backendNames().includes(b.name)) registerBackend(b);
const here = backendNames().includes("wasm-native");
// CI (GPTLAB_REQUIRE_SLURM=1: the run that installs everything, g++ included) must not skip them
if (!here && process.env.GPTLAB_REQUIRE_SLURM === "1" && process.env.GPTLAB_NATIVE !== "0") {
  throw new Error("the native addon did not build or load in a run that requires every part (GPTLAB_REQUIRE_SLURM=1): see npm install's 'gptlab: native gemm' line");
}
const describeNative = here ? describe : describe.skip;
const why = here ? "" : ` (skipped: the native addon is not built or does not load here${process.env.GPTLAB_NATIVE === "0" ? ", GPTLAB_NATIVE=0" : ""}; npm install builds it where a C++ compiler is found)`;
afterAll(() => {
  setKernelThreads(1);
  setBackend("fast");
});

function rand(n: number, rng: Rng, resident: boolean): Float32Array {
  const a = resident ? allocKernelF32(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal(0, 1);
  return a;
}

// M N K: tile edges (12/6 rows, 32/16 columns), K past the 384 k-block, N past the 512 column block, and for
// transA more than one group of 16 row blocks packed together
const shapes: Array<[number, number, number]> = [[67, 70, 300], [9, 530, 40], [128, 33, 513], [5, 8, 1024], [400, 40, 300]];
const cases: Array<[boolean, boolean]> = [[false, false], [false, true], [true, false]];

describeNative(`the wasm-native backend's gemm${why}`, () => {
  const name = "wasm-native";
  test.each(shapes)("is within the float32 summation bound of the reference for M=%i N=%i K=%i", (M, N, K) => {
    const be = setBackend(name);
    for (const [transA, transB] of cases) {
      for (const resident of [false, true]) {
        const rng = new Rng(M + 7 * N + 31 * K);
        const A = rand(M * K, rng, resident);
        const B = rand(K * N, rng, resident);
        const C0 = rand(M * N, rng, resident);
        for (const accumulate of [false, true]) {
          const want = Float32Array.from(C0);
          reference.gemm(transA, transB, M, N, K, A, B, want, accumulate);
          const mag = C0.map(Math.abs);
          reference.gemm(transA, transB, M, N, K, A.map(Math.abs), B.map(Math.abs), mag, accumulate);
          const got = resident ? allocKernelF32(M * N) : new Float32Array(M * N);
          got.set(C0);
          be.gemm(transA, transB, M, N, K, A, B, got, accumulate);
          let bad = 0;
          for (let i = 0; i < M * N; i++) if (!(Math.abs(got[i] - want[i]) <= (K + 4) * U * mag[i] + Number.MIN_VALUE)) bad++;
          expect({ transA, transB, resident, accumulate, bad }).toEqual({ transA, transB, resident, accumulate, bad: 0 });
        }
      }
    }
  });

  test("gives bit-identical results on 1, 2 and 3 threads, and in row parts (also for M < N, run transposed)", () => {
    const addon = nativeGemm()!;
    const rng = new Rng(5);
    for (const [M, N, K] of [[101, 75, 300], [40, 75, 300]]) {
      const A = rand(M * K, rng, false);
      const B = rand(K * N, rng, false);
      for (const [transA, transB] of cases) {
        const outs = [1, 2, 3].map((threads) => {
          const C = new Float32Array(M * N);
          addon.gemm(transA, transB, M, N, K, A, B, C, false, threads);
          return Buffer.from(C.buffer);
        });
        const parts = new Float32Array(M * N);
        for (const [m0, m1] of [[0, 24], [24, M]]) addon.gemmRows(transA, transB, M, N, K, A, B, parts, false, m0, m1);
        expect(outs[1].equals(outs[0])).toBe(true);
        expect(outs[2].equals(outs[0])).toBe(true);
        expect(Buffer.from(parts.buffer).equals(outs[0])).toBe(true);
      }
    }
  });

  // head sizes below, at and across the 16-column panels of the tiles (8, 40), T not a multiple of the 6-row tile
  test.each([[2, 37, 24, 3], [3, 70, 80, 2]])("computes attention heads the same way whether called for all heads or for a split of them (B=%i T=%i C=%i NH=%i)", (B, T, C, NH) => {
    const addon = nativeGemm()!;
    const rng = new Rng(9);
    const qkv = rand(3 * B * T * C, rng, false);
    const dout = rand(B * T * C, rng, false);
    const run = (ranges: Array<[number, number]>): Buffer[] => {
      const out = new Float32Array(B * T * C);
      const att = new Float32Array(B * NH * T * T);
      const dqkv = new Float32Array(3 * B * T * C);
      for (const [h0, h1] of ranges) addon.attentionForward(out, att, qkv, B, T, C, NH, h0, h1);
      for (const [h0, h1] of ranges) addon.attentionBackward(dqkv, dout, qkv, att, B, T, C, NH, h0, h1);
      return [out, att, dqkv].map((a) => Buffer.from(a.buffer));
    };
    const whole = run([[0, B * NH]]);
    const split = run([[0, 2], [2, 5], [5, B * NH]]);
    whole.forEach((w, i) => expect(split[i].equals(w)).toBe(true));
    // and it did something: the probabilities of each row sum to 1
    const att = new Float32Array(whole[1].buffer, whole[1].byteOffset, B * NH * T * T);
    expect(att.subarray(5 * T, 6 * T).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  test("counts the flops of its multiply-add peak loop as 2 per lane per fma, and refuses other widths", () => {
    const addon = nativeGemm()!;
    // 12 chains of 8 lanes (256-bit), 24 of 16 (512-bit; 0 on a CPU without it), 12 of 4 (128-bit)
    expect(addon.fmaPeak!(256, 10)).toBe(2 * 8 * 12 * 10);
    expect(addon.fmaPeak!(128, 10)).toBe(2 * 4 * 12 * 10);
    expect([0, 2 * 16 * 24 * 10]).toContain(addon.fmaPeak!(512, 10));
    expect(() => addon.fmaPeak!(100, 10)).toThrow(/128, 256 or 512/);
  });

  test("rejects arrays shorter than the sizes say", () => {
    const addon = nativeGemm()!;
    expect(() => addon.gemm(false, false, 4, 4, 4, new Float32Array(15), new Float32Array(16), new Float32Array(16), false, 1)).toThrow(/at least/);
    const ce = addon.crossEntropyForward!;
    expect(() => ce(new Float32Array(8), new Float32Array(7), new Int32Array(2), new Float64Array(2), 4, 0, 2)).toThrow(/holding n1 rows/);
    expect(() => ce(new Float32Array(8), new Float32Array(8), new Float32Array(2) as unknown as Int32Array, new Float64Array(2), 4, 0, 2)).toThrow(/targets an Int32Array/);
  });

  test("computes cross-entropy rows the same way whether called for all rows or for a split of them", () => {
    const addon = nativeGemm()!;
    const rng = new Rng(11);
    const [N, V] = [9, 21]; // V not a multiple of 8: the masked tail
    const logits = rand(N * V, rng, false);
    const targets = Int32Array.from({ length: N }, (_, n) => (n === 4 ? -1 : (n * 5) % V));
    const run = (ranges: Array<[number, number]>): [Float32Array, Float64Array] => {
      const probs = new Float32Array(N * V);
      const losses = new Float64Array(N);
      for (const [n0, n1] of ranges) addon.crossEntropyForward!(probs, logits, targets, losses, V, n0, n1);
      return [probs, losses];
    };
    const [p1, l1] = run([[0, N]]);
    const [p2, l2] = run([[0, 4], [4, N]]);
    expect(Buffer.from(p2.buffer).equals(Buffer.from(p1.buffer))).toBe(true);
    expect(Buffer.from(l2.buffer).equals(Buffer.from(l1.buffer))).toBe(true);
    // and against the definition: loss = log(sum e^x) - x[target], 0 for an ignored row; rows of probs sum to 1
    for (let n = 0; n < N; n++) {
      const row = Array.from(logits.subarray(n * V, (n + 1) * V));
      const lse = Math.log(row.reduce((a, x) => a + Math.exp(x), 0));
      expect(l1[n]).toBeCloseTo(targets[n] < 0 ? 0 : lse - row[targets[n]], 5);
      expect(p1.subarray(n * V, (n + 1) * V).reduce((a, x) => a + x, 0)).toBeCloseTo(1, 5);
    }
  });
});

test("the native gemm is listed as a backend exactly when the addon loaded", () => {
  expect(backendNames().includes("wasm-native")).toBe(nativeGemm() !== null && wasmRuntime() !== null);
});
