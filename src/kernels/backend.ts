// The kernel interface: every op's arithmetic goes through one of these functions on flat typed arrays
// with explicit sizes (llm.c style). Backends (reference JS, fast JS, WebAssembly) implement the same set;
// parity tests run each against the reference.

import type { Arr } from "../core/tensor.js";

export interface Backend {
  readonly name: string;

  /**
   * C (M,N) = op(A) op(B) (+ C when accumulate). A is (M,K), or (K,M) when transA.
   * B is (K,N), or (N,K) when transB. All row-major, contiguous.
   */
  gemm(transA: boolean, transB: boolean, M: number, N: number, K: number, A: Arr, B: Arr, C: Arr, accumulate: boolean): void;

  /** out (N,C) = x / rms(x) * weight; rstd (N) keeps 1/rms for the backward pass. weight may be null. */
  rmsnormForward(out: Arr, rstd: Arr, x: Arr, weight: Arr | null, N: number, C: number, eps: number): void;
  /** dx += ...; dweight += ... (when weight is given). */
  rmsnormBackward(dx: Arr, dweight: Arr | null, dout: Arr, x: Arr, weight: Arr | null, rstd: Arr, N: number, C: number): void;

  /** out (N,C) = (x - mean) * rstd * weight + bias; weight and bias may be null. */
  layernormForward(out: Arr, mean: Arr, rstd: Arr, x: Arr, weight: Arr | null, bias: Arr | null, N: number, C: number, eps: number): void;
  layernormBackward(dx: Arr, dweight: Arr | null, dbias: Arr | null, dout: Arr, x: Arr, weight: Arr | null, mean: Arr, rstd: Arr, N: number, C: number): void;

  /**
   * Causal multi-head self-attention on packed qkv (B,T,3C) -> out (B,T,C).
   * att (B,NH,T,T) receives the softmax probabilities (row t holds only t+1 used entries).
   */
  attentionForward(out: Arr, att: Arr, qkv: Arr, B: number, T: number, C: number, NH: number): void;
  /** dqkv += gradient through attention, given dout (B,T,C) and the forward's att (dqkv = ... when accumulate is false). */
  attentionBackward(dqkv: Arr, dout: Arr, qkv: Arr, att: Arr, B: number, T: number, C: number, NH: number, accumulate: boolean): void;

  /**
   * Fused log-softmax + cross-entropy over rows of logits (N,V). probs (N,V) receives softmax(logits).
   * Rows whose target is < 0 are ignored. Returns the summed loss and the count of rows used.
   */
  crossEntropyForward(probs: Arr, logits: Arr, targets: Int32Array, N: number, V: number): { sum: number; count: number };
  /**
   * dlogits += (probs - onehot(target)) * scale for every row with target >= 0. With accumulate false dlogits is
   * overwritten instead (ignored rows become 0), and it may be probs itself.
   */
  crossEntropyBackward(dlogits: Arr, probs: Arr, targets: Int32Array, N: number, V: number, scale: number, accumulate: boolean): void;

  /** Row-wise softmax of x (N,V) into out. */
  softmaxForward(out: Arr, x: Arr, N: number, V: number): void;
  /** dx += y * (dy - sum(dy * y)) row-wise. */
  softmaxBackward(dx: Arr, dy: Arr, y: Arr, N: number, V: number): void;

  /** GELU, tanh approximation (GPT-2). */
  geluForward(out: Arr, x: Arr, n: number): void;
  geluBackward(dx: Arr, dout: Arr, x: Arr, n: number): void;
}
