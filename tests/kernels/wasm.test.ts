// The wasm backends' memory handling: arrays resident in wasm memory and copied ones give identical results,
// views survive memory growth, float64 inputs fall back to the JS kernels, repeated calls are bit-identical.

import { fast } from "../../src/kernels/fast.js";
import { reference } from "../../src/kernels/reference.js";
import type { Backend } from "../../src/kernels/index.js";
import { allocKernelF32, kernelThreads, setKernelThreads, wasmRuntime } from "../../src/kernels/wasm/wasm.js";
import { Rng } from "../../src/core/random.js";

const runtime = wasmRuntime();
const backends = runtime ? runtime.backends : [];

function fill(a: Float32Array | Float64Array, rng: Rng): typeof a {
  for (let i = 0; i < a.length; i++) a[i] = rng.normal(0, 1);
  return a;
}

function resident(a: Float32Array): Float32Array {
  const r = allocKernelF32(a.length);
  r.set(a);
  return r;
}

test("WebAssembly SIMD is available on this Node, so the wasm backend exists", () => {
  expect(backends.map((b) => b.name)).toContain("wasm");
});

describe.each(backends.map((b): [string, Backend] => [b.name, b]))("the %s backend", (_name, be) => {
  test("gives bit-identical gemm results for resident and copied arrays in all three cases", () => {
    const rng = new Rng(3);
    const [M, N, K] = [37, 19, 45];
    for (const [tA, tB] of [[false, false], [false, true], [true, false]] as const) {
      const A = fill(new Float32Array(M * K), rng) as Float32Array;
      const B = fill(new Float32Array(K * N), rng) as Float32Array;
      const C0 = fill(new Float32Array(M * N), rng) as Float32Array;
      const copied = C0.slice();
      be.gemm(tA, tB, M, N, K, A, B, copied, true);
      const inPlace = resident(C0);
      be.gemm(tA, tB, M, N, K, resident(A), resident(B), inPlace, true);
      expect(runtime!.heap.isResident(inPlace)).toBe(true);
      expect(Array.from(inPlace)).toEqual(Array.from(copied));
      expect(Array.from(copied)).not.toEqual(Array.from(C0));
    }
  });

  test("reads and writes subarray views at unaligned offsets, resident or not", () => {
    const rng = new Rng(4);
    const [M, N, K] = [6, 10, 7];
    const bigA = fill(new Float32Array(M * K + 3), rng) as Float32Array;
    const B = fill(new Float32Array(K * N), rng) as Float32Array;
    const want = new Float32Array(M * N + 1);
    reference.gemm(false, false, M, N, K, bigA.subarray(3), B, want.subarray(1), false);
    for (const mk of [(a: Float32Array) => a, resident]) {
      const A = mk(bigA).subarray(3);
      const C = mk(new Float32Array(M * N + 1));
      be.gemm(false, false, M, N, K, A, B, C.subarray(1), false);
      expect(C[0]).toBe(0); // the element before the view is untouched
      for (let i = 1; i < C.length; i++) expect(C[i]).toBeCloseTo(want[i], 4);
    }
  });

  test("gives bit-identical attention, rmsnorm and cross-entropy results for resident and copied arrays", () => {
    const rng = new Rng(5);
    const [B, T, C, NH, V] = [2, 9, 16, 2, 11];
    const qkv = fill(new Float32Array(B * T * 3 * C), rng) as Float32Array;
    const dout = fill(new Float32Array(B * T * C), rng) as Float32Array;
    const logits = fill(new Float32Array(B * T * V), rng) as Float32Array;
    const targets = Int32Array.from({ length: B * T }, (_, i) => i % V);
    const run = (mk: (a: Float32Array) => Float32Array) => {
      const out = mk(new Float32Array(B * T * C));
      const att = mk(new Float32Array(B * NH * T * T));
      be.attentionForward(out, att, mk(qkv), B, T, C, NH);
      const dqkv = mk(new Float32Array(B * T * 3 * C));
      be.attentionBackward(dqkv, mk(dout), mk(qkv), att, B, T, C, NH, true);
      const normed = mk(new Float32Array(B * T * C));
      const rstd = mk(new Float32Array(B * T));
      be.rmsnormForward(normed, rstd, out, null, B * T, C, 1e-5);
      const probs = mk(new Float32Array(B * T * V));
      const loss = be.crossEntropyForward(probs, mk(logits), targets, B * T, V);
      return [...out, ...att, ...dqkv, ...normed, ...rstd, ...probs, loss.sum];
    };
    const copied = run((a) => a.slice());
    expect(run(resident)).toEqual(copied);
    expect(run((a) => a.slice())).toEqual(copied); // and a second run repeats the first bit for bit
  });

  test("gives bit-identical gemm, attention and cross-entropy results on 1 and 2 threads", () => {
    const rng = new Rng(8);
    // the second shape takes the 6-row blocks (N a multiple of 8) and k-blocks (K > 256), the third the TN case
    // computed as its transpose (M < N)
    const shapes = [[130, 70, 61], [130, 72, 300], [40, 200, 64]].map(([M, N, K]) => ({ M, N, K, A: fill(new Float32Array(M * K), rng) as Float32Array, Bm: fill(new Float32Array(K * N), rng) as Float32Array }));
    const [B, T, C, NH, V] = [4, 64, 64, 4, 2000];
    const qkv = fill(new Float32Array(B * T * 3 * C), rng) as Float32Array;
    const dout = fill(new Float32Array(B * T * C), rng) as Float32Array;
    const logits = fill(new Float32Array(B * 16 * V), rng) as Float32Array;
    const targets = Int32Array.from({ length: B * 16 }, (_, i) => (i * 37) % V);
    const run = (): Float32Array[] => {
      const out: Float32Array[] = [];
      for (const { M, N, K, A, Bm } of shapes) {
        for (const [tA, tB] of [[false, false], [false, true], [true, false]] as const) {
          const Cm = new Float32Array(M * N);
          be.gemm(tA, tB, M, N, K, A, Bm, Cm, false);
          out.push(Cm);
        }
      }
      const o = new Float32Array(B * T * C);
      const att = new Float32Array(B * NH * T * T);
      be.attentionForward(o, att, qkv, B, T, C, NH);
      const dqkv = new Float32Array(B * T * 3 * C);
      be.attentionBackward(dqkv, dout, qkv, att, B, T, C, NH, false);
      const probs = new Float32Array(B * 16 * V);
      const loss = be.crossEntropyForward(probs, logits, targets, B * 16, V);
      out.push(o, dqkv, probs, new Float32Array(Float64Array.of(loss.sum).buffer));
      return out;
    };
    const bytes = (arrays: Float32Array[]): Buffer => Buffer.concat(arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)));
    setKernelThreads(1);
    const one = bytes(run());
    setKernelThreads(2);
    try {
      expect(kernelThreads()).toBe(2);
      expect(bytes(run()).equals(one)).toBe(true);
    } finally {
      setKernelThreads(1);
    }
  });

  test("hands float64 arrays to the fast JS kernels (identical results)", () => {
    const rng = new Rng(6);
    const [M, N, K] = [5, 9, 12];
    const A = fill(new Float64Array(M * K), rng);
    const B = fill(new Float64Array(K * N), rng);
    const want = new Float64Array(M * N);
    fast.gemm(false, true, M, N, K, A, B, want, false);
    const got = new Float64Array(M * N);
    be.gemm(false, true, M, N, K, A, B, got, false);
    expect(Array.from(got)).toEqual(Array.from(want));
  });
});

test("resident arrays keep their values when the wasm memory grows", () => {
  if (!runtime) throw new Error("no wasm runtime");
  const a = allocKernelF32(1000);
  for (let i = 0; i < a.length; i++) a[i] = i;
  const before = runtime.heap.memory.buffer.byteLength;
  const big = allocKernelF32(before / 4 + 1000); // more than the whole memory: forces a grow
  expect(runtime.heap.memory.buffer.byteLength).toBeGreaterThan(before);
  expect(big.length).toBe(before / 4 + 1000);
  expect(a.length).toBe(1000);
  expect(a[999]).toBe(999);
  a[0] = -1;
  expect(a[0]).toBe(-1);
});

test("setKernelThreads rejects a thread count below 1", () => {
  expect(() => setKernelThreads(0)).toThrow(/kernel threads must be an integer >= 1 \(got 0\)/);
});

test("allocKernelF32 rejects a negative length", () => {
  expect(() => allocKernelF32(-1)).toThrow(/length must be a non-negative integer \(got -1\)/);
});

describe.each(backends.map((b): [string, Backend] => [b.name, b]))("the %s backend's elementwise kernels", (_name, be) => {
  // n = 1031: vector bodies and a scalar tail; resident arrays take the wasm path, others the JS loops
  const n = 1031;
  const rng = new Rng(9);
  const mk = (res: boolean) => (a: Float32Array) => (res ? resident(a) : a.slice());
  const x = fill(new Float32Array(n), rng) as Float32Array;
  const y = fill(new Float32Array(n), rng) as Float32Array;
  const d0 = fill(new Float32Array(n), rng) as Float32Array;

  test.each([true, false])("relu, add and accumulate match their definitions (resident: %s)", (res) => {
    const m = mk(res);
    const out = m(new Float32Array(n));
    be.reluForward(out, m(x), n);
    for (let i = 0; i < n; i++) expect(out[i]).toBe(x[i] > 0 ? x[i] : 0);
    const dx = m(d0);
    be.reluBackward(dx, m(y), m(x), n, true);
    for (let i = 0; i < n; i++) expect(dx[i]).toBe(x[i] > 0 ? Math.fround(d0[i] + y[i]) : d0[i]);
    const inPlace = m(y);
    be.reluBackward(inPlace, inPlace, m(x), n, false); // overwrite mode, on its own input
    for (let i = 0; i < n; i++) expect(inPlace[i]).toBe(x[i] > 0 ? y[i] : 0);
    const sum = m(new Float32Array(n));
    be.addForward(sum, m(x), m(y), n);
    for (let i = 0; i < n; i++) expect(sum[i]).toBe(Math.fround(x[i] + y[i]));
    const acc = m(d0);
    be.accumulate(acc, m(x), n);
    for (let i = 0; i < n; i++) expect(acc[i]).toBe(Math.fround(d0[i] + x[i]));
  });

  test.each([true, false])("addBias and biasGrad give the bits of the JS row loops (resident: %s)", (res) => {
    const m = mk(res);
    // 1031 = 31 x 33 and 7 x 147: column counts with 16-wide, 4-wide and scalar parts
    for (const [M, N] of [[31, 33], [7, 147], [1031, 1]]) {
      const bias = x.subarray(0, N).slice();
      const want = y.slice();
      for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) want[i * N + j] = Math.fround(want[i * N + j] + bias[j]);
      const out = m(y);
      be.addBias(out, m(bias), M, N);
      expect(Buffer.from(out.buffer, out.byteOffset, 4 * n).equals(Buffer.from(want.buffer))).toBe(true);
      const gWant = d0.subarray(0, N).slice();
      for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) gWant[j] = Math.fround(gWant[j] + x[i * N + j]);
      const g = m(d0.subarray(0, N).slice());
      be.biasGrad(g, m(x), M, N);
      expect(Array.from(g)).toEqual(Array.from(gWant));
    }
  });

  test.each([true, false])("sumSquares is within float32 rounding of the float64 sum (resident: %s)", (res) => {
    let want = 0;
    for (let i = 0; i < n; i++) want += x[i] * x[i];
    expect(Math.abs(be.sumSquares(mk(res)(x), n) - want)).toBeLessThanOrEqual(64 * 2 ** -24 * want);
  });

  test.each([true, false])("adamStep matches the Adam update computed in float64 (resident: %s)", (res) => {
    const m = mk(res);
    const p = m(x), g = m(y), mo = m(d0.map((v) => v * 0.1)), v = m(d0.map((v) => v * v));
    const [lr, b1, b2, eps, bc1, bc2, shrink, l2] = [0.01, 0.85, 0.99, 1e-8, 1 - 0.85 ** 3, 1 - 0.99 ** 3, 0.999, 0.01];
    const want = Array.from(p, (pi, i) => {
      const gi = g[i] + l2 * pi;
      const mi = b1 * mo[i] + (1 - b1) * gi;
      const vi = b2 * v[i] + (1 - b2) * gi * gi;
      const step = (lr * (mi / bc1)) / (Math.sqrt(vi / bc2) + eps);
      // float32 rounding bounds are relative to the magnitudes of the terms (the sums may cancel)
      return { p: pi * shrink - step, m: mi, v: vi, pScale: Math.abs(pi * shrink) + Math.abs(step), mScale: Math.abs(b1 * mo[i]) + Math.abs((1 - b1) * gi), vScale: b2 * v[i] + (1 - b2) * (Math.abs(g[i]) + Math.abs(l2 * pi)) ** 2 };
    });
    be.adamStep(p, g, mo, v, n, lr, b1, b2, eps, bc1, bc2, shrink, l2);
    const u = 2 ** -24;
    for (let i = 0; i < n; i++) {
      expect(Math.abs(p[i] - want[i].p)).toBeLessThanOrEqual(16 * u * want[i].pScale);
      expect(Math.abs(mo[i] - want[i].m)).toBeLessThanOrEqual(8 * u * want[i].mScale);
      expect(Math.abs(v[i] - want[i].v)).toBeLessThanOrEqual(8 * u * want[i].vScale);
    }
  });
});

test.each(backends.map((b): [string, Backend] => [b.name, b]))("the %s backend's elementwise kernels give bit-identical results on 1 and 2 threads", (_name, be) => {
  const n = 200003; // above the parallel threshold, not a multiple of 16
  const rng = new Rng(12);
  const x = resident(fill(new Float32Array(n), rng) as Float32Array);
  const y = resident(fill(new Float32Array(n), rng) as Float32Array);
  const [N, V] = [300, 997];
  const probs = resident(fill(new Float32Array(N * V), rng) as Float32Array);
  const targets = Int32Array.from({ length: N }, (_, i) => (i % 5 === 4 ? -1 : (i * 13) % V));
  const run = (): Buffer => {
    const out = allocKernelF32(n);
    be.reluForward(out, x, n);
    const dx = allocKernelF32(n);
    be.reluBackward(dx, y, x, n, true);
    const sum = allocKernelF32(n);
    be.addForward(sum, x, y, n);
    be.accumulate(sum, out, n);
    const [p, m, v] = [resident(x), resident(y), resident(y.map(Math.abs))];
    be.adamStep(p, y, m, v, n, 0.01, 0.85, 0.99, 1e-8, 0.15, 0.01, 1, 0);
    const dl = allocKernelF32(N * V);
    be.crossEntropyBackward(dl, probs, targets, N, V, 0.01, true);
    return Buffer.concat([out, dx, sum, p, m, v, dl].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)));
  };
  setKernelThreads(1);
  const one = run();
  setKernelThreads(2);
  try {
    expect(run().equals(one)).toBe(true);
  } finally {
    setKernelThreads(1);
  }
});

test("the kernel arena hands out zeroed resident arrays and reuses their memory after reset", () => {
  const arena = backends[0].memory!.arena;
  const a = arena.alloc(100);
  expect(runtime!.heap.isResident(a)).toBe(true);
  a.fill(7);
  const before = runtime!.heap.arenaBytes;
  expect(before).toBeGreaterThanOrEqual(400);
  arena.reset();
  expect(runtime!.heap.arenaBytes).toBe(0);
  const b = arena.alloc(100);
  expect(b.byteOffset).toBe(a.byteOffset); // the same memory again
  expect(Array.from(b)).toEqual(new Array(100).fill(0));
  const c = arena.alloc(100, false);
  expect(c.byteOffset).toBeGreaterThan(b.byteOffset);
  arena.reset();
});

test("a long-lived array allocated while the arena is in use does not overlap arena arrays, before or after reset", () => {
  const arena = backends[0].memory!.arena;
  const a = arena.alloc(64);
  a.fill(1);
  const p = allocKernelF32(64);
  p.fill(2);
  arena.reset();
  const b = arena.alloc(1000);
  b.fill(3);
  expect(p.byteOffset).toBeGreaterThanOrEqual(a.byteOffset + a.byteLength);
  expect(b.byteOffset).toBeGreaterThanOrEqual(p.byteOffset + p.byteLength);
  expect(Array.from(p)).toEqual(new Array(64).fill(2));
  arena.reset();
});

test("long-lived arrays past the resident budget are ordinary JS arrays", () => {
  const heap = runtime!.heap;
  const budget = heap.residentBudget;
  try {
    heap.residentBudget = heap.residentBytes + 1024;
    expect(heap.isResident(allocKernelF32(100))).toBe(true);
    const big = allocKernelF32(1000);
    expect(heap.isResident(big)).toBe(false);
    expect(big.length).toBe(1000);
  } finally {
    heap.residentBudget = budget;
  }
});

test("an arena request beyond the wasm memory's maximum fails with an error that says what to do", () => {
  const arena = backends[0].memory!.arena;
  try {
    expect(() => arena.alloc(2 ** 30)).toThrow(/wasm kernel memory is full: \d+ MiB needed, 2048 MiB at most; train a smaller model or batch, or use setBackend\("fast"\)/);
  } finally {
    arena.reset();
  }
});

test("an arena array given back early is handed out again (zeroed) for the next request of its length", () => {
  const arena = backends[0].memory!.arena;
  try {
    const a = arena.alloc(256);
    a.fill(5);
    const other = arena.alloc(100);
    arena.release(a);
    const b = arena.alloc(256);
    expect(b.byteOffset).toBe(a.byteOffset);
    expect(Array.from(b)).toEqual(new Array(256).fill(0));
    const c = arena.alloc(256); // the free list is empty again: fresh memory
    expect(c.byteOffset).toBeGreaterThan(other.byteOffset);
    arena.release(new Float32Array(256)); // not from the arena: ignored
    expect(arena.alloc(256).byteOffset).toBeGreaterThan(c.byteOffset);
  } finally {
    arena.reset();
  }
});

test.each(backends.map((b): [string, Backend] => [b.name, b]))("%s: LayerNorm, GELU, the bias add and its gradient give the same bits on 1 and 2 threads", (_name, be) => {
  // sizes past the thread-split thresholds, with columns that are not a multiple of 4 or 16 (scalar tails)
  const rng = new Rng(21);
  const [N, C] = [1030, 130];
  const n = N * C;
  const x = fill(allocKernelF32(n), rng) as Float32Array;
  const dout = fill(allocKernelF32(n), rng) as Float32Array;
  const w = fill(allocKernelF32(C), rng) as Float32Array;
  const b = fill(allocKernelF32(C), rng) as Float32Array;
  const run = (): Buffer => {
    const out = allocKernelF32(n);
    const mean = allocKernelF32(N);
    const rstd = allocKernelF32(N);
    be.layernormForward(out, mean, rstd, x, w, b, N, C, 1e-5);
    const dx = resident(dout.map((v) => v / 2));
    const dw = allocKernelF32(C).fill(0.5);
    const db = allocKernelF32(C).fill(-0.25);
    be.layernormBackward(dx, dw, db, dout, x, w, mean, rstd, N, C);
    const g = allocKernelF32(n);
    be.geluForward(g, x, n);
    const dg = resident(dout);
    be.geluBackward(dg, x, x, n);
    const biased = resident(x);
    be.addBias(biased, b, N, C);
    const dbias = allocKernelF32(C).fill(1);
    be.biasGrad(dbias, dout, N, C);
    return Buffer.concat([out, mean, rstd, dx, dw, db, g, dg, biased, dbias].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)));
  };
  setKernelThreads(1);
  const one = run();
  // and one thread matches the reference kernels within float32 rounding (the split is not a different formula)
  const out = new Float32Array(n);
  reference.layernormForward(out, new Float32Array(N), new Float32Array(N), x, w, b, N, C, 1e-5);
  const mine = new Float32Array(one.buffer, one.byteOffset, n);
  for (let i = 0; i < n; i += 97) expect(Math.abs(mine[i] - out[i])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(out[i])));
  setKernelThreads(2);
  try {
    expect(kernelThreads()).toBe(2);
    expect(run().equals(one)).toBe(true);
  } finally {
    setKernelThreads(1);
  }
});
