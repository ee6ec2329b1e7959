// The kernel interface: every op's arithmetic goes through one of these functions on flat typed arrays
// with explicit sizes (llm.c style). Backends (reference JS, fast JS, WebAssembly, native) implement the same
// set; parity tests run each against the reference.

import type { Arr } from "../core/tensor.js";

/** One training micro-step's activations: alloc hands out arrays, reset frees them all at once. */
export interface KernelArena {
  alloc(n: number, zero?: boolean): Float32Array;
  release(a: Float32Array): void;
  reset(): void;
}

/**
 * The memory a backend's kernels use in place, without copies (the wasm backends' wasm memory). Arrays from
 * elsewhere still work, through a copy or the JS loops.
 */
export interface KernelMemory {
  /** A zeroed array for long-lived tensors (parameters, gradients, optimizer state). */
  allocLongLived(n: number): Float32Array;
  /** Scratch for one forward + backward, from which no tensor may escape. */
  readonly arena: KernelArena;
}

export interface Backend {
  readonly name: string;
  /** What the backend declares it has beyond the kernels: its own resident memory and arena, or null. */
  readonly memory: KernelMemory | null;

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
