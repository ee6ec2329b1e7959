// Global-norm gradient clipping over the flat gradient array. Neither function zeroes gradients (that is
// store.zeroGrad(), called by the trainer), so gradients accumulated over micro-batches are clipped as a whole.

import type { Arr } from "../core/tensor.js";
import { checkRange } from "./common.js";
import { kernels } from "../kernels/index.js";

/** The L2 norm of all gradients together, sqrt(sum g²), summed in double precision. */
export function gradNorm(store: { readonly grad: Arr }): number {
  return Math.sqrt(kernels().sumSquares(store.grad, store.grad.length));
}

/**
 * Scales all gradients by maxNorm / norm when their global norm exceeds maxNorm (so the norm becomes maxNorm), and
 * leaves them untouched otherwise. Returns the norm before clipping. A non-finite norm (NaN or Infinity in the
 * gradients) is returned as is, with the gradients untouched, for the caller to detect and skip the step.
 */
export function clipGradNorm(store: { readonly grad: Arr }, maxNorm: number): number {
  checkRange("clipGradNorm: maxNorm", maxNorm, 0, Infinity, "()");
  const norm = gradNorm(store);
  if (!Number.isFinite(norm) || norm <= maxNorm) return norm;
  const scale = maxNorm / norm;
  const g = store.grad;
  for (let i = 0; i < g.length; i++) g[i] *= scale;
  return norm;
}
