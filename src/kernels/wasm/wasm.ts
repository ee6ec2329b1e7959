// WebAssembly SIMD backends ("wasm", and "wasm-fma" where the engine has relaxed SIMD): gemm, RMSNorm, attention,
// LayerNorm, GELU, softmax, cross-entropy and the elementwise kernels in wasm (kernels.as.ts), optionally on worker
// threads; float64 inputs and softmax's backward use the fast JS kernels.

import * as v8 from "node:v8";
import type { Arr } from "../../core/tensor.js";
import type { Backend, KernelMemory } from "../backend.js";
import { fast } from "../fast.js";
import { WasmHeap } from "./heap.js";
import { KernelThreads, splitRange } from "./threads.js";
import { FMA_WASM_BASE64, SIMD_WASM_BASE64 } from "./kernels.wasm.js";
import { webAssembly } from "./webassembly.js";
import { nativeGemm, nativeGemmFile } from "../native.js";
import type { NativeGemm } from "../native.js";
import type { WasmApi } from "./webassembly.js";

/** Must match MAX_PAGES in build.ts (the module declares this maximum for its imported memory). */
const MAX_PAGES = 32768;
/** K-block for gemms with a long reduction (weight gradients): keeps packed panels in L1. */
const KC = 256;
/** From this many rows of A on, B is packed into panels first (the copy pays for itself). */
const PACK_MIN_ROWS = 32;
/** Kernel calls below this many flops stay on one thread (waking a worker costs a few microseconds). */
const PARALLEL_MIN_FLOPS = 1e6;
/** Gemms of fewer multiply-adds stay in wasm in the native backend (a call into the addon costs a microsecond). */
const NATIVE_MIN_MACS = 1 << 15;
/**
 * Gemms of fewer rows stay in wasm too: the addon's 12-row tiles would compute mostly padding, and in KV-cached
 * generation (one row per token) the wasm kernel is about 1.5x faster. Training's gemms have more rows.
 */
const NATIVE_MIN_ROWS = 4;
/** Elementwise kernels on fewer values stay on one thread. */
const PARALLEL_MIN_VALUES = 1 << 17;
/** Rough operations per value of GELU (exp, division, polynomial) and LayerNorm, to size their thread split. */
const GELU_OPS = 32;
const LAYERNORM_OPS = 12;

interface KernelExports {
  gemmRowB(M: number, N: number, K: number, a: number, sai: number, sak: number, b: number, c: number, accumulate: number, work: number, packB: number, kc: number): void;
  gemmNT(M: number, N: number, K: number, a: number, b: number, c: number, accumulate: number): void;
  gemmWorkBytes(N: number, kc: number, packB: number): number;
  transpose(src: number, rows: number, cols: number, ls: number, dst: number, ldd: number): void;
  rmsnormForward(out: number, rstd: number, x: number, weight: number, N: number, C: number, eps: number): void;
  rmsnormBackward(dx: number, dweight: number, dout: number, x: number, weight: number, rstd: number, N: number, C: number): void;
  attentionForward(out: number, att: number, qkv: number, B: number, T: number, C: number, NH: number, work: number, bh0: number, bh1: number): void;
  attentionBackward(dqkv: number, dout: number, qkv: number, att: number, B: number, T: number, C: number, NH: number, work: number, bh0: number, bh1: number, accumulate: number): void;
  crossEntropyForward(probs: number, logits: number, targets: number, N: number, V: number, losses: number): void;
  crossEntropyBackward(dlogits: number, probs: number, targets: number, N: number, V: number, scale: number, accumulate: number): void;
  softmaxForward(out: number, x: number, N: number, V: number): void;
  layernormForward(out: number, mean: number, rstd: number, x: number, weight: number, bias: number, N: number, C: number, eps: number): void;
  layernormBackward(dx: number, dweight: number, dbias: number, dout: number, x: number, weight: number, mean: number, rstd: number, N: number, C: number): void;
  geluForward(out: number, x: number, n: number): void;
  geluBackward(dx: number, dout: number, x: number, n: number): void;
  heapBase(): number;
  reluForward(out: number, x: number, n: number): void;
  reluBackward(dx: number, dout: number, x: number, n: number, accumulate: number): void;
  addForward(out: number, a: number, b: number, n: number): void;
  accumulate(dst: number, src: number, n: number): void;
  addBias(out: number, bias: number, M: number, N: number): void;
  biasGrad(dbias: number, g: number, M: number, N: number, stride: number): void;
  layernormParamGrad(dweight: number, dbias: number, dout: number, x: number, mean: number, rstd: number, N: number, C: number, c0: number, c1: number): void;
  sumSquares(x: number, n: number): number;
  adamStep(p: number, g: number, m: number, v: number, n: number, lr: number, beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, eps: number, bc1: number, bc2: number, shrink: number, l2: number): void;
}

/** The kernels worker threads may run (the parallel ones); nativeGemm is the native addon's (see threads.ts). */
const THREADED: ReadonlyArray<keyof KernelExports | `native${string}`> = [
  "nativeGemm", "nativeAttentionForward", "nativeAttentionBackward", "nativeCrossEntropyForward", "nativeGeluForward", "nativeGeluBackward", "gemmRowB", "gemmNT", "attentionForward", "attentionBackward", "crossEntropyForward", "crossEntropyBackward",
  "reluForward", "reluBackward", "addForward", "accumulate", "adamStep", "geluForward", "geluBackward", "layernormForward",
  "layernormBackward", "layernormParamGrad", "addBias", "biasGrad",
];

/** Shared by the backends: the heap (and the memory they declare over it), and the worker threads when more than one is asked for. */
interface Shared {
  heap: WasmHeap;
  memory: KernelMemory;
  modules: object[];
  threads: KernelThreads | null;
}

function decode(b64: string): Uint8Array {
  return new Uint8Array(Buffer.from(b64, "base64"));
}

const f32 = (a: Arr | null): a is Float32Array => a instanceof Float32Array;

/** The rows whose target is used (>= 0); a target past the vocabulary throws. */
function countTargets(targets: Int32Array, N: number, V: number): number {
  let count = 0;
  for (let n = 0; n < N; n++) {
    const t = targets[n];
    if (t >= V) throw new Error(`cross-entropy target ${t} at row ${n} is outside the vocabulary (size ${V})`);
    if (t >= 0) count++;
  }
  return count;
}
/** For optional arrays (a guard that also narrows under tslab's non-strict compile). */
const f32OrNull = (a: Arr | null): a is Float32Array | null => a === null || a instanceof Float32Array;

function makeBackend(name: string, variant: number, ex: KernelExports, shared: Shared): Backend {
  const heap = shared.heap;
  /** Runs the parts on the worker threads (part 0 here); one part runs directly. */
  const parallel = <K extends keyof KernelExports>(kernel: K, parts: number[][]): void => {
    const fn = ex[kernel] as unknown as (...args: number[]) => void;
    if (parts.length === 1 || shared.threads === null) {
      for (const args of parts) fn(...args);
      return;
    }
    shared.threads.run(variant, kernel, fn, parts);
  };
  /**
   * C (M,N) (+)= A . B (or A^T . B with A stored (K,M) when transA) with B (K,N), in wasm memory: gemmRowB's
   * register-blocked kernels, rows of C split across threads at multiples of 4 (same sums either way).
   */
  const rowB = (transA: boolean, M: number, N: number, K: number, pa: number, pb: number, pc: number, acc: number): void => {
    const kc = Math.min(K, KC);
    const packB = M >= PACK_MIN_ROWS && N >= 8 ? 1 : 0;
    // per part: A and B panels for one k-block
    const workBytes = transA || packB ? ex.gemmWorkBytes(N, kc, packB) : 0;
    parallel(
      "gemmRowB",
      splitRange(M, partsFor(2 * M * N * K), 4).map(([m0, m1]) => {
        const work = workBytes > 0 ? heap.alloc(workBytes) : 0;
        return transA
          ? [m1 - m0, N, K, pa + m0 * 4, 1, M, pb, pc + m0 * N * 4, acc, work, packB, KC]
          : [m1 - m0, N, K, pa + m0 * K * 4, K, 1, pb, pc + m0 * N * 4, acc, work, packB, KC];
      }),
    );
  };
  /** How many parts a call of this many flops is worth splitting into. */
  const partsFor = (flops: number): number => (shared.threads && flops >= PARALLEL_MIN_FLOPS ? shared.threads.size : 1);
  /** How many parts an elementwise kernel over this many values is worth splitting into. */
  const valueParts = (values: number): number => (shared.threads && values >= PARALLEL_MIN_VALUES ? shared.threads.size : 1);
  /** [start, end) ranges of an elementwise kernel over n values, split at multiples of 16. */
  const valueRanges = (n: number): Array<[number, number]> => splitRange(n, valueParts(n), 16);
  return {
    ...fast,
    name,
    memory: shared.memory,

    gemm(transA, transB, M, N, K, A, B, C, accumulate) {
      if (!f32(A) || !f32(B) || !f32(C) || (transA && transB) || M * N === 0) {
        fast.gemm(transA, transB, M, N, K, A, B, C, accumulate);
        return;
      }
      heap.begin();
      const pa = heap.place(A, M * K, true);
      const pb = heap.place(B, K * N, true);
      const pc = heap.place(C, M * N, accumulate);
      const acc = accumulate ? 1 : 0;
      if (transB) {
        if (M >= PACK_MIN_ROWS && N >= 8) {
          // many rows: B^T (K,N) once, then the packed register-blocked NN kernel (4x8 blocks beat gemmNT's dot
          // products 1.5x); every row of C is still computed the same way whatever the thread count
          const b = heap.alloc(K * N * 4);
          ex.transpose(pb, N, K, K, b, N);
          rowB(false, M, N, K, pa, b, pc, acc);
        } else {
          // rows of C split across threads at multiples of 4 (the register-block height): same sums either way
          parallel("gemmNT", splitRange(M, partsFor(2 * M * N * K), 4).map(([m0, m1]) => [m1 - m0, N, K, pa + m0 * K * 4, pb, pc + m0 * N * 4, acc]));
        }
      } else if (transA && M < N && M >= 8 && N >= PACK_MIN_ROWS) {
        // C (M,N) (+)= A^T B as C^T (N,M) (+)= B^T A: the packed kernels want the long side as rows (the MLP
        // projection's 128x512 weight gradient ran 10% slower than the 512x128 one); each element is the same
        // chain of multiply-adds, so the same bits
        const ct = heap.alloc(M * N * 4);
        if (accumulate) ex.transpose(pc, M, N, N, ct, M);
        rowB(true, N, M, K, pb, pa, ct, acc);
        ex.transpose(ct, N, M, M, pc, N);
      } else {
        rowB(transA, M, N, K, pa, pb, pc, acc);
      }
      heap.writeBack(C, pc, M * N);
    },

    rmsnormForward(out, rstd, x, weight, N, C, eps) {
      if (!f32(out) || !f32(rstd) || !f32(x) || !f32OrNull(weight)) {
        fast.rmsnormForward(out, rstd, x, weight, N, C, eps);
        return;
      }
      heap.begin();
      const px = heap.place(x, N * C, true);
      const pw = heap.placeIn(weight, C);
      const po = heap.place(out, N * C, false);
      const pr = heap.place(rstd, N, false);
      ex.rmsnormForward(po, pr, px, pw, N, C, eps);
      heap.writeBack(out, po, N * C);
      heap.writeBack(rstd, pr, N);
    },

    rmsnormBackward(dx, dweight, dout, x, weight, rstd, N, C) {
      if (!f32(dx) || !f32(dout) || !f32(x) || !f32(rstd) || !f32OrNull(weight) || !f32OrNull(dweight)) {
        fast.rmsnormBackward(dx, dweight, dout, x, weight, rstd, N, C);
        return;
      }
      heap.begin();
      const pdx = heap.place(dx, N * C, true);
      const pdw = dweight === null ? 0 : heap.place(dweight, C, true);
      const pdo = heap.place(dout, N * C, true);
      const px = heap.place(x, N * C, true);
      const pw = heap.placeIn(weight, C);
      const pr = heap.place(rstd, N, true);
      ex.rmsnormBackward(pdx, pdw, pdo, px, pw, pr, N, C);
      heap.writeBack(dx, pdx, N * C);
      if (dweight !== null) heap.writeBack(dweight, pdw, C);
    },

    layernormForward(out, mean, rstd, x, weight, bias, N, C, eps) {
      if (!f32(out) || !f32(mean) || !f32(rstd) || !f32(x) || !f32OrNull(weight) || !f32OrNull(bias)) {
        fast.layernormForward(out, mean, rstd, x, weight, bias, N, C, eps);
        return;
      }
      heap.begin();
      const px = heap.place(x, N * C, true);
      const pw = heap.placeIn(weight, C);
      const pb = heap.placeIn(bias, C);
      const po = heap.place(out, N * C, false);
      const pm = heap.place(mean, N, false);
      const pr = heap.place(rstd, N, false);
      // rows split across threads: each row is normalized the same way whatever the split
      const row = C * 4;
      parallel("layernormForward", splitRange(N, partsFor(LAYERNORM_OPS * N * C), 1).map(([n0, n1]) => [po + n0 * row, pm + n0 * 4, pr + n0 * 4, px + n0 * row, pw, pb, n1 - n0, C, eps]));
      heap.writeBack(out, po, N * C);
      heap.writeBack(mean, pm, N);
      heap.writeBack(rstd, pr, N);
    },

    layernormBackward(dx, dweight, dbias, dout, x, weight, mean, rstd, N, C) {
      if (!f32(dx) || !f32(dout) || !f32(x) || !f32(mean) || !f32(rstd) || !f32OrNull(weight) || !f32OrNull(dweight) || !f32OrNull(dbias)) {
        fast.layernormBackward(dx, dweight, dbias, dout, x, weight, mean, rstd, N, C);
        return;
      }
      heap.begin();
      const pdx = heap.place(dx, N * C, true);
      const pdw = dweight === null ? 0 : heap.place(dweight, C, true);
      const pdb = dbias === null ? 0 : heap.place(dbias, C, true);
      const pdo = heap.place(dout, N * C, true);
      const px = heap.place(x, N * C, true);
      const pw = heap.placeIn(weight, C);
      const pm = heap.place(mean, N, true);
      const pr = heap.place(rstd, N, true);
      const parts = partsFor(2 * LAYERNORM_OPS * N * C);
      if (parts === 1) ex.layernormBackward(pdx, pdw, pdb, pdo, px, pw, pm, pr, N, C);
      else {
        // dx by rows, then dweight and dbias by columns (each column summed over the rows in order): the bits of
        // the one-thread kernel, which does both in one pass
        const row = C * 4;
        parallel("layernormBackward", splitRange(N, parts, 1).map(([n0, n1]) => [pdx + n0 * row, 0, 0, pdo + n0 * row, px + n0 * row, pw, pm + n0 * 4, pr + n0 * 4, n1 - n0, C]));
        if (pdw || pdb) parallel("layernormParamGrad", splitRange(C, parts, 4).map(([c0, c1]) => [pdw, pdb, pdo, px, pm, pr, N, C, c0, c1]));
      }
      heap.writeBack(dx, pdx, N * C);
      if (dweight !== null) heap.writeBack(dweight, pdw, C);
      if (dbias !== null) heap.writeBack(dbias, pdb, C);
    },

    geluForward(out, x, n) {
      if (!f32(out) || !f32(x)) {
        fast.geluForward(out, x, n);
        return;
      }
      heap.begin();
      const px = heap.place(x, n, true);
      const po = heap.place(out, n, false);
      parallel("geluForward", splitRange(n, partsFor(GELU_OPS * n), 16).map(([i, j]) => [po + 4 * i, px + 4 * i, j - i]));
      heap.writeBack(out, po, n);
    },

    geluBackward(dx, dout, x, n) {
      if (!f32(dx) || !f32(dout) || !f32(x)) {
        fast.geluBackward(dx, dout, x, n);
        return;
      }
      heap.begin();
      const pdx = heap.place(dx, n, true);
      const pdo = heap.place(dout, n, true);
      const px = heap.place(x, n, true);
      parallel("geluBackward", splitRange(n, partsFor(GELU_OPS * n), 16).map(([i, j]) => [pdx + 4 * i, pdo + 4 * i, px + 4 * i, j - i]));
      heap.writeBack(dx, pdx, n);
    },

    attentionForward(out, att, qkv, B, T, C, NH) {
      if (!f32(out) || !f32(att) || !f32(qkv) || (C / NH) % 4 !== 0) {
        fast.attentionForward(out, att, qkv, B, T, C, NH);
        return;
      }
      heap.begin();
      const pq = heap.place(qkv, B * T * 3 * C, true);
      const po = heap.place(out, B * T * C, false);
      const pa = heap.place(att, B * NH * T * T, false);
      const hs = C / NH;
      const pairs = splitRange(B * NH, partsFor(2 * B * T * T * C), 1);
      parallel("attentionForward", pairs.map(([p0, p1]) => [po, pa, pq, B, T, C, NH, heap.alloc(8 * T * hs + 24 * Math.max(T, hs)), p0, p1]));
      heap.writeBack(out, po, B * T * C);
      heap.writeBack(att, pa, B * NH * T * T);
    },

    attentionBackward(dqkv, dout, qkv, att, B, T, C, NH, accumulate) {
      if (!f32(dqkv) || !f32(dout) || !f32(qkv) || !f32(att) || (C / NH) % 4 !== 0) {
        fast.attentionBackward(dqkv, dout, qkv, att, B, T, C, NH, accumulate);
        return;
      }
      heap.begin();
      const pdq = heap.place(dqkv, B * T * 3 * C, accumulate);
      const pdo = heap.place(dout, B * T * C, true);
      const pq = heap.place(qkv, B * T * 3 * C, true);
      const pa = heap.place(att, B * NH * T * T, true);
      const hs = C / NH;
      const pairs = splitRange(B * NH, partsFor(4 * B * T * T * C), 1);
      parallel("attentionBackward", pairs.map(([p0, p1]) => [pdq, pdo, pq, pa, B, T, C, NH, heap.alloc(4 * T * (T + 2 * hs) + 24 * Math.max(T, hs)), p0, p1, accumulate ? 1 : 0]));
      heap.writeBack(dqkv, pdq, B * T * 3 * C);
    },

    crossEntropyForward(probs, logits, targets, N, V) {
      if (!f32(probs) || !f32(logits)) return fast.crossEntropyForward(probs, logits, targets, N, V);
      const count = countTargets(targets, N, V);
      heap.begin();
      const pl = heap.place(logits, N * V, true);
      const pp = heap.place(probs, N * V, false);
      const pt = heap.placeI32(targets, N);
      const pLoss = heap.alloc(N * 8);
      const rows = splitRange(N, partsFor(8 * N * V), 1);
      parallel("crossEntropyForward", rows.map(([n0, n1]) => [pp + n0 * V * 4, pl + n0 * V * 4, pt + n0 * 4, n1 - n0, V, pLoss + n0 * 8]));
      // the row losses summed in order, so the total does not depend on the thread count
      const losses = new Float64Array(heap.memory.buffer, pLoss, N);
      let sum = 0;
      for (let n = 0; n < N; n++) sum += losses[n];
      heap.writeBack(probs, pp, N * V);
      return { sum, count };
    },

    crossEntropyBackward(dlogits, probs, targets, N, V, scale, accumulate) {
      if (!f32(dlogits) || !f32(probs)) {
        fast.crossEntropyBackward(dlogits, probs, targets, N, V, scale, accumulate);
        return;
      }
      heap.begin();
      const pd = heap.place(dlogits, N * V, accumulate);
      const pp = heap.place(probs, N * V, true);
      const pt = heap.placeI32(targets, N);
      const rows = splitRange(N, partsFor(2 * N * V), 1);
      parallel("crossEntropyBackward", rows.map(([n0, n1]) => [pd + n0 * V * 4, pp + n0 * V * 4, pt + n0 * 4, n1 - n0, V, scale, accumulate ? 1 : 0]));
      heap.writeBack(dlogits, pd, N * V);
    },

    // elementwise kernels run in wasm only on resident arrays: for others a copy would cost more than the loop
    reluForward(out, x, n) {
      if (!heap.isResident(out) || !heap.isResident(x)) return fast.reluForward(out, x, n);
      parallel("reluForward", valueRanges(n).map(([i, j]) => [out.byteOffset + 4 * i, x.byteOffset + 4 * i, j - i]));
    },

    reluBackward(dx, dout, x, n, accumulate) {
      if (!heap.isResident(dx) || !heap.isResident(dout) || !heap.isResident(x)) return fast.reluBackward(dx, dout, x, n, accumulate);
      parallel("reluBackward", valueRanges(n).map(([i, j]) => [dx.byteOffset + 4 * i, dout.byteOffset + 4 * i, x.byteOffset + 4 * i, j - i, accumulate ? 1 : 0]));
    },

    addForward(out, a, b, n) {
      if (!heap.isResident(out) || !heap.isResident(a) || !heap.isResident(b)) return fast.addForward(out, a, b, n);
      parallel("addForward", valueRanges(n).map(([i, j]) => [out.byteOffset + 4 * i, a.byteOffset + 4 * i, b.byteOffset + 4 * i, j - i]));
    },

    accumulate(dst, src, n) {
      if (!heap.isResident(dst) || !heap.isResident(src)) return fast.accumulate(dst, src, n);
      parallel("accumulate", valueRanges(n).map(([i, j]) => [dst.byteOffset + 4 * i, src.byteOffset + 4 * i, j - i]));
    },

    addBias(out, bias, M, N) {
      if (!heap.isResident(out) || !heap.isResident(bias)) return fast.addBias(out, bias, M, N);
      parallel("addBias", splitRange(M, valueParts(M * N), 1).map(([m0, m1]) => [out.byteOffset + 4 * m0 * N, bias.byteOffset, m1 - m0, N]));
    },

    biasGrad(dbias, g, M, N) {
      if (!heap.isResident(dbias) || !heap.isResident(g)) return fast.biasGrad(dbias, g, M, N);
      // columns split across threads (each summed over the rows in order, whatever the split)
      parallel("biasGrad", splitRange(N, valueParts(M * N), 16).map(([j0, j1]) => [dbias.byteOffset + 4 * j0, g.byteOffset + 4 * j0, M, j1 - j0, N]));
    },

    sumSquares(x, n) {
      return heap.isResident(x) ? ex.sumSquares(x.byteOffset, n) : fast.sumSquares(x, n);
    },

    adamStep(p, g, m, v, n, lr, beta1, beta2, eps, bc1, bc2, shrink, l2) {
      if (!heap.isResident(p) || !heap.isResident(g) || !heap.isResident(m) || !heap.isResident(v)) {
        return fast.adamStep(p, g, m, v, n, lr, beta1, beta2, eps, bc1, bc2, shrink, l2);
      }
      // 1 - beta in float64 here: 1 - (float32 0.99) would be off by 16 ulp
      const hyper = [lr, beta1, 1 - beta1, beta2, 1 - beta2, eps, bc1, bc2, shrink, l2];
      const at = (a: Arr, i: number): number => a.byteOffset + 4 * i;
      parallel("adamStep", valueRanges(n).map(([i, j]) => [at(p, i), at(g, i), at(m, i), at(v, i), j - i, ...hyper]));
    },

    softmaxForward(out, x, N, V) {
      if (!f32(out) || !f32(x)) {
        fast.softmaxForward(out, x, N, V);
        return;
      }
      heap.begin();
      const px = heap.place(x, N * V, true);
      const po = heap.place(out, N * V, false);
      ex.softmaxForward(po, px, N, V);
      heap.writeBack(out, po, N * V);
    },
  };
}

/**
 * "wasm-native": a wasm backend (everything resident in wasm memory) whose gemm and attention are the native
 * addon's, which reads and writes the same Float32Arrays in place; small or float64 gemms stay on the base backend.
 */
function makeNativeBackend(base: Backend, addon: NativeGemm, shared: Shared): Backend {
  /**
   * Heads (rows, values) split across the kernel threads, at multiples of `multiple`, when the call is big enough
   * and its arrays are in wasm memory.
   */
  const headRanges = (flops: number, heads: number, arrays: Float32Array[], multiple = 1): Array<[number, number]> => {
    const split = shared.threads !== null && flops >= PARALLEL_MIN_FLOPS && arrays.every((a) => shared.heap.isResident(a));
    return splitRange(heads, split ? shared.threads!.size : 1, multiple);
  };
  return {
    ...base,
    name: "wasm-native",
    gemm(transA, transB, M, N, K, A, B, C, accumulate) {
      if (!f32(A) || !f32(B) || !f32(C) || (transA && transB) || M * N * K < NATIVE_MIN_MACS || M < NATIVE_MIN_ROWS) {
        base.gemm(transA, transB, M, N, K, A, B, C, accumulate);
        return;
      }
      const pool = shared.threads;
      const heap = shared.heap;
      if (!pool || 2 * M * N * K < PARALLEL_MIN_FLOPS || !heap.isResident(A) || !heap.isResident(B) || !heap.isResident(C)) {
        addon.gemm(transA, transB, M, N, K, A, B, C, accumulate, 1);
        return;
      }
      // rows of C split across the kernel worker threads (which load the addon too): no extra threads, and each
      // row is computed the same way whatever the split
      const head = [transA ? 1 : 0, transB ? 1 : 0, M, N, K, A.byteOffset, B.byteOffset, C.byteOffset, accumulate ? 1 : 0];
      // (at multiples of 24: whole tiles of both native kernels, 12 and 6 rows)
      const parts = splitRange(M, pool.size, 24).map(([m0, m1]) => [...head, m0, m1]);
      const local = (...args: number[]): void => addon.gemmRows(transA, transB, M, N, K, A, B, C, accumulate, args[9], args[10]);
      pool.run(shared.modules.length, "nativeGemm", local, parts);
    },
    attentionForward(out, att, qkv, B, T, C, NH) {
      if (!f32(out) || !f32(att) || !f32(qkv)) {
        base.attentionForward(out, att, qkv, B, T, C, NH);
        return;
      }
      const heads = headRanges(2 * B * T * T * C, B * NH, [out, att, qkv]);
      if (heads.length === 1) {
        addon.attentionForward(out, att, qkv, B, T, C, NH, 0, B * NH);
        return;
      }
      const args = heads.map(([h0, h1]) => [out.byteOffset, att.byteOffset, qkv.byteOffset, B, T, C, NH, h0, h1]);
      const local = (...a: number[]): void => addon.attentionForward(out, att, qkv, B, T, C, NH, a[7], a[8]);
      shared.threads!.run(shared.modules.length, "nativeAttentionForward", local, args);
    },
    crossEntropyForward(probs, logits, targets, N, V) {
      // the addon's (AVX2 exp, 8 lanes: about 1.5x the wasm kernel), on any Float32Arrays; rows split across the
      // kernel threads when the arrays are in wasm memory
      if (!addon.crossEntropyForward || !f32(probs) || !f32(logits)) return base.crossEntropyForward(probs, logits, targets, N, V);
      const count = countTargets(targets, N, V);
      const rows = headRanges(8 * N * V, N, [probs, logits]);
      let losses: Float64Array;
      if (rows.length === 1) {
        losses = new Float64Array(N);
        addon.crossEntropyForward(probs, logits, targets, losses, V, 0, N);
      } else {
        const heap = shared.heap;
        heap.begin();
        const pt = heap.placeI32(targets, N);
        const pLoss = heap.alloc(N * 8);
        losses = new Float64Array(heap.memory.buffer, pLoss, N);
        const args = rows.map(([n0, n1]) => [probs.byteOffset, logits.byteOffset, pt, pLoss, N, V, n0, n1]);
        const local = (...a: number[]): void => addon.crossEntropyForward!(probs, logits, new Int32Array(heap.memory.buffer, pt, N), losses, V, a[6], a[7]);
        shared.threads!.run(shared.modules.length, "nativeCrossEntropyForward", local, args);
      }
      let sum = 0;
      for (let n = 0; n < N; n++) sum += losses[n]; // in row order, whatever the split
      return { sum, count };
    },
    // GELU with the addon's AVX2 exp (8 lanes), on any Float32Arrays; values split across the kernel threads
    // (each computed the same way whatever the split) when the arrays are in wasm memory
    geluForward(out, x, n) {
      if (!addon.geluForward || !f32(out) || !f32(x)) return base.geluForward(out, x, n);
      const parts = headRanges(GELU_OPS * n, n, [out, x], 16);
      if (parts.length === 1) return addon.geluForward(out, x, 0, n);
      const local = (...a: number[]): void => addon.geluForward!(out, x, a[3], a[4]);
      shared.threads!.run(shared.modules.length, "nativeGeluForward", local, parts.map(([i0, i1]) => [out.byteOffset, x.byteOffset, n, i0, i1]));
    },
    geluBackward(dx, dout, x, n) {
      if (!addon.geluBackward || !f32(dx) || !f32(dout) || !f32(x)) return base.geluBackward(dx, dout, x, n);
      const parts = headRanges(2 * GELU_OPS * n, n, [dx, dout, x], 16);
      if (parts.length === 1) return addon.geluBackward(dx, dout, x, 0, n);
      const local = (...a: number[]): void => addon.geluBackward!(dx, dout, x, a[4], a[5]);
      shared.threads!.run(shared.modules.length, "nativeGeluBackward", local, parts.map(([i0, i1]) => [dx.byteOffset, dout.byteOffset, x.byteOffset, n, i0, i1]));
    },
    attentionBackward(dqkv, dout, qkv, att, B, T, C, NH, accumulate) {
      if (!f32(dqkv) || !f32(dout) || !f32(qkv) || !f32(att)) {
        base.attentionBackward(dqkv, dout, qkv, att, B, T, C, NH, accumulate);
        return;
      }
      if (!accumulate) dqkv.fill(0, 0, B * T * 3 * C); // the addon adds into dqkv
      const heads = headRanges(4 * B * T * T * C, B * NH, [dqkv, dout, qkv, att]);
      if (heads.length === 1) {
        addon.attentionBackward(dqkv, dout, qkv, att, B, T, C, NH, 0, B * NH);
        return;
      }
      const args = heads.map(([h0, h1]) => [dqkv.byteOffset, dout.byteOffset, qkv.byteOffset, att.byteOffset, B, T, C, NH, h0, h1]);
      const local = (...a: number[]): void => addon.attentionBackward(dqkv, dout, qkv, att, B, T, C, NH, a[8], a[9]);
      shared.threads!.run(shared.modules.length, "nativeAttentionBackward", local, args);
    },
  };
}

/** Turns on the engine's relaxed-SIMD support when it has one behind a flag (Node 20's V8 11.3). */
function relaxedSimdAvailable(api: WasmApi, bytes: Uint8Array): boolean {
  if (api.validate(bytes)) return true;
  try {
    v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
  } catch {
    return false;
  }
  return api.validate(bytes);
}

export interface WasmRuntime {
  readonly heap: WasmHeap;
  /**
   * "wasm" (standard SIMD, reproducible on every engine), then "wasm-fma" when relaxed SIMD is available, then
   * "wasm-native" when the native gemm addon is built and loads.
   */
  readonly backends: Backend[];
}

let runtime: WasmRuntime | null | undefined;
let shared: Shared | null = null;

/** The wasm backends and their shared heap, created on first use; null when this engine lacks WebAssembly SIMD. */
export function wasmRuntime(): WasmRuntime | null {
  if (runtime !== undefined) return runtime;
  runtime = null;
  const api = webAssembly;
  const simd = decode(SIMD_WASM_BASE64);
  if (!api || !api.validate(simd)) return runtime;
  const simdModule = new api.Module(simd);
  const probe = new api.Instance(simdModule, { env: { memory: new api.Memory({ initial: 1, maximum: MAX_PAGES, shared: true }) } });
  const heap = new WasmHeap(api, (probe.exports as unknown as KernelExports).heapBase(), MAX_PAGES);
  // what the wasm backends declare: parameters in wasm memory, and the arena for one training step's activations
  // (Float32Arrays in wasm memory, all freed at once by reset)
  const memory: KernelMemory = {
    allocLongLived: (n) => heap.allocF32(n),
    arena: { alloc: (n, zero = true) => heap.arenaF32(n, zero), release: (a) => heap.releaseArenaF32(a), reset: () => heap.resetArena() },
  };
  const sh: Shared = { heap, memory, modules: [simdModule], threads: null };
  const instantiate = (module: object): KernelExports => new api.Instance(module, { env: { memory: heap.memory } }).exports as unknown as KernelExports;
  const backends = [makeBackend("wasm", 0, instantiate(simdModule), sh)];
  const fma = decode(FMA_WASM_BASE64);
  if (relaxedSimdAvailable(api, fma)) {
    const fmaModule = new api.Module(fma);
    sh.modules.push(fmaModule);
    backends.push(makeBackend("wasm-fma", 1, instantiate(fmaModule), sh));
  }
  const addon = nativeGemm();
  if (addon) backends.push(makeNativeBackend(backends[backends.length - 1], addon, sh));
  shared = sh;
  runtime = { heap, backends };
  return runtime;
}

/**
 * Runs the wasm kernels on n threads (the calling one and n - 1 workers sharing the wasm memory); 1 stops the
 * workers. Results do not depend on n: work is split so that each value is computed the same way.
 */
export function setKernelThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`kernel threads must be an integer >= 1 (got ${n})`);
  if (!wasmRuntime() || !shared) return;
  if ((shared.threads?.size ?? 1) === n) return;
  shared.threads?.close();
  shared.threads = n > 1 ? new KernelThreads(n, shared.modules, shared.heap.memory, THREADED, nativeGemmFile()) : null;
}

/** Threads the wasm kernels run on (1 without workers or without wasm). */
export function kernelThreads(): number {
  return shared?.threads?.size ?? 1;
}

/**
 * A zeroed Float32Array in wasm memory (e.g. a model's parameters and gradients): the wasm kernels use it in
 * place instead of copying it on every call. Falls back to an ordinary Float32Array without wasm.
 */
export function allocKernelF32(n: number): Float32Array {
  const rt = wasmRuntime();
  return rt ? rt.heap.allocF32(n) : new Float32Array(n);
}
