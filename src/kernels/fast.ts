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

export const fast: Backend = {
  ...reference,
  name: "fast",
  gemm(transA, transB, M, N, K, A, B, C, accumulate) {
    if (!transA && !transB) gemmNN(M, N, K, A, B, C, accumulate);
    else if (!transA && transB) gemmNT(M, N, K, A, B, C, accumulate);
    else if (transA && !transB) gemmTN(M, N, K, A, B, C, accumulate);
    else reference.gemm(transA, transB, M, N, K, A, B, C, accumulate);
  },
};
