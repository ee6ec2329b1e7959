// Fast pure-JavaScript kernels: the reference kernels with gemm rewritten for contiguous inner loops.
// Each gemm case keeps a double-precision accumulator row so results stay close to the reference.

import type { Arr } from "../core/tensor.js";
import type { Backend } from "./backend.js";
import { reference } from "./reference.js";

let scratch = new Float64Array(1024);
function rowScratch(n: number): Float64Array {
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, scratch.length * 2));
  return scratch;
}

/** C = A (M,K) . B (K,N): row of C accumulated as sum_k A[i,k] * B[k,:]. */
function gemmNN(M: number, N: number, K: number, A: Arr, B: Arr, C: Arr, accumulate: boolean): void {
  const acc = rowScratch(N);
  for (let i = 0; i < M; i++) {
    const c0 = i * N;
    for (let j = 0; j < N; j++) acc[j] = accumulate ? C[c0 + j] : 0;
    const a0 = i * K;
    for (let k = 0; k < K; k++) {
      const a = A[a0 + k];
      if (a === 0) continue;
      const b0 = k * N;
      for (let j = 0; j < N; j++) acc[j] += a * B[b0 + j];
    }
    for (let j = 0; j < N; j++) C[c0 + j] = acc[j];
  }
}

/** C = A (M,K) . B^T with B (N,K): dot products of contiguous rows, four columns at a time. */
function gemmNT(M: number, N: number, K: number, A: Arr, B: Arr, C: Arr, accumulate: boolean): void {
  for (let i = 0; i < M; i++) {
    const a0 = i * K;
    const c0 = i * N;
    let j = 0;
    for (; j + 3 < N; j += 4) {
      const b0 = j * K;
      const b1 = b0 + K;
      const b2 = b1 + K;
      const b3 = b2 + K;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let k = 0; k < K; k++) {
        const a = A[a0 + k];
        s0 += a * B[b0 + k];
        s1 += a * B[b1 + k];
        s2 += a * B[b2 + k];
        s3 += a * B[b3 + k];
      }
      if (accumulate) {
        C[c0 + j] += s0;
        C[c0 + j + 1] += s1;
        C[c0 + j + 2] += s2;
        C[c0 + j + 3] += s3;
      } else {
        C[c0 + j] = s0;
        C[c0 + j + 1] = s1;
        C[c0 + j + 2] = s2;
        C[c0 + j + 3] = s3;
      }
    }
    for (; j < N; j++) {
      const b0 = j * K;
      let s = 0;
      for (let k = 0; k < K; k++) s += A[a0 + k] * B[b0 + k];
      C[c0 + j] = accumulate ? C[c0 + j] + s : s;
    }
  }
}

/** C = A^T . B with A (K,M), B (K,N): the weight-gradient case, rows of C accumulated over k. */
function gemmTN(M: number, N: number, K: number, A: Arr, B: Arr, C: Arr, accumulate: boolean): void {
  const acc = rowScratch(N);
  for (let i = 0; i < M; i++) {
    const c0 = i * N;
    for (let j = 0; j < N; j++) acc[j] = accumulate ? C[c0 + j] : 0;
    for (let k = 0; k < K; k++) {
      const a = A[k * M + i];
      if (a === 0) continue;
      const b0 = k * N;
      for (let j = 0; j < N; j++) acc[j] += a * B[b0 + j];
    }
    for (let j = 0; j < N; j++) C[c0 + j] = acc[j];
  }
}

/**
 * Elementwise kernels and the optimizer update, for ops that loop over whole tensors (relu, same-shape add,
 * gradient accumulation, the gradient norm, Adam). Not (yet) part of Backend: callers use elementwise(backend),
 * which falls back to these JS loops for backends without them.
 */
export interface ElementwiseKernels {
  /** out = max(x, 0). */
  reluForward(out: Arr, x: Arr, n: number): void;
  /** dx += dout where x > 0; with accumulate false, dx = dout where x > 0, else 0 (dx may be dout itself). */
  reluBackward(dx: Arr, dout: Arr, x: Arr, n: number, accumulate: boolean): void;
  /** out = a + b. */
  addForward(out: Arr, a: Arr, b: Arr, n: number): void;
  /** dst += src. */
  accumulate(dst: Arr, src: Arr, n: number): void;
  /** out (M,N) += bias (N) on every row. */
  addBias(out: Arr, bias: Arr, M: number, N: number): void;
  /** dbias (N) += the column sums of g (M,N), each summed over rows in order. */
  biasGrad(dbias: Arr, g: Arr, M: number, N: number): void;
  /** The sum of x^2 (a gradient norm squared). */
  sumSquares(x: Arr, n: number): number;
  /**
   * Adam/AdamW on n values: g' = g + l2 p; m = b1 m + (1 - b1) g'; v = b2 v + (1 - b2) g'^2;
   * p = p shrink - lr (m / bc1) / (sqrt(v / bc2) + eps), with bc1, bc2 the bias corrections (1 when off).
   */
  adamStep(p: Arr, g: Arr, m: Arr, v: Arr, n: number, lr: number, beta1: number, beta2: number, eps: number, bc1: number, bc2: number, shrink: number, l2: number): void;
}

const jsElementwise: ElementwiseKernels = {
  reluForward(out, x, n) {
    for (let i = 0; i < n; i++) out[i] = x[i] > 0 ? x[i] : 0;
  },
  reluBackward(dx, dout, x, n, accumulate) {
    if (accumulate) for (let i = 0; i < n; i++) dx[i] += x[i] > 0 ? dout[i] : 0;
    else for (let i = 0; i < n; i++) dx[i] = x[i] > 0 ? dout[i] : 0;
  },
  addForward(out, a, b, n) {
    for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
  },
  accumulate(dst, src, n) {
    for (let i = 0; i < n; i++) dst[i] += src[i];
  },
  addBias(out, bias, M, N) {
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) out[i * N + j] += bias[j];
  },
  biasGrad(dbias, g, M, N) {
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) dbias[j] += g[i * N + j];
  },
  sumSquares(x, n) {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[i] * x[i];
    return s;
  },
  adamStep(p, g, m, v, n, lr, beta1, beta2, eps, bc1, bc2, shrink, l2) {
    for (let i = 0; i < n; i++) {
      const gi = g[i] + l2 * p[i];
      const mi = (m[i] = beta1 * m[i] + (1 - beta1) * gi);
      const vi = (v[i] = beta2 * v[i] + (1 - beta2) * gi * gi);
      p[i] = p[i] * shrink - (lr * (mi / bc1)) / (Math.sqrt(vi / bc2) + eps);
    }
  },
};

/** The backend's elementwise kernels when it has them, else the JS loops. */
export function elementwise(backend: Backend): ElementwiseKernels {
  return "reluForward" in backend ? (backend as Backend & ElementwiseKernels) : jsElementwise;
}

export const fast: Backend & ElementwiseKernels = {
  ...reference,
  ...jsElementwise,
  name: "fast",
  gemm(transA, transB, M, N, K, A, B, C, accumulate) {
    if (!transA && !transB) gemmNN(M, N, K, A, B, C, accumulate);
    else if (!transA && transB) gemmNT(M, N, K, A, B, C, accumulate);
    else if (transA && !transB) gemmTN(M, N, K, A, B, C, accumulate);
    else reference.gemm(transA, transB, M, N, K, A, B, C, accumulate);
  },
};
