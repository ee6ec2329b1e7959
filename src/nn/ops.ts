// Differentiable ops: each computes its forward with a kernel and records a hand-written backward.
// Shapes follow PyTorch conventions; comments give them as (B, T, C).

import { Tensor, allocArray, opResult, sizeOf } from "../core/tensor.js";
import type { Arr } from "../core/tensor.js";
import type { Rng } from "../core/random.js";
import { kernels } from "../kernels/index.js";

function shapeStr(t: Tensor): string {
  return `[${t.shape.join(", ")}]`;
}

function sameDtype(op: string, ...ts: Tensor[]): void {
  for (const t of ts) {
    if (t.dtype !== ts[0].dtype) throw new Error(`${op}: inputs mix dtypes ${ts.map((x) => x.dtype).join(" and ")}`);
  }
}

/**
 * Gives the output's gradient buffer to an input that has none (same size), instead of copying it: the output's
 * gradient is not read again once its op's backward has run.
 */
function handOverGrad(out: Tensor, input: Tensor): void {
  input.grad = out.grad;
  out.grad = null;
}

/** An op's output: every op below writes all of it, so it need not be zeroed. */
function alloc(like: Tensor, n: number): Arr {
  return allocArray(like.dtype, n, false);
}

/** a + b, where b has a's shape or a's trailing shape (broadcast over leading dims, e.g. a bias). */
export function add(a: Tensor, b: Tensor): Tensor {
  sameDtype("add", a, b);
  const n = a.size;
  const m = b.size;
  const trailing = a.shape.slice(a.shape.length - b.shape.length);
  if (m === 0 || n % m !== 0 || trailing.join() !== b.shape.join()) {
    throw new Error(`add: shape ${shapeStr(b)} does not broadcast onto ${shapeStr(a)}`);
  }
  const out = alloc(a, n);
  if (m === n) kernels().addForward(out, a.data, b.data, n);
  else for (let i = 0; i < n; i += m) for (let j = 0; j < m; j++) out[i + j] = a.data[i + j] + b.data[j];
  return opResult(out, a.shape, [a, b], (o) => {
    const g = o.grad!;
    const k = kernels();
    if (b.requiresGrad) {
      if (m === n) {
        const sink = b.gradSink();
        if (sink.accumulate) k.accumulate(sink.grad, g, n);
        else sink.grad.set(g);
      } else {
        const gb = b.ensureGrad();
        for (let i = 0; i < n; i += m) for (let j = 0; j < m; j++) gb[j] += g[i + j];
      }
    }
    if (a.requiresGrad) {
      if (a.grad === null) handOverGrad(o, a);
      else k.accumulate(a.grad, g, n);
    }
  });
}

/** Elementwise a * b (same shape). */
export function mul(a: Tensor, b: Tensor): Tensor {
  sameDtype("mul", a, b);
  if (a.shape.join() !== b.shape.join()) throw new Error(`mul: shapes ${shapeStr(a)} and ${shapeStr(b)} differ`);
  const n = a.size;
  const out = alloc(a, n);
  for (let i = 0; i < n; i++) out[i] = a.data[i] * b.data[i];
  return opResult(out, a.shape, [a, b], (o) => {
    const g = o.grad!;
    if (a.requiresGrad) {
      const ga = a.ensureGrad();
      for (let i = 0; i < n; i++) ga[i] += g[i] * b.data[i];
    }
    if (b.requiresGrad) {
      const gb = b.ensureGrad();
      for (let i = 0; i < n; i++) gb[i] += g[i] * a.data[i];
    }
  });
}

/** a * s for a constant s. */
export function scale(a: Tensor, s: number): Tensor {
  const n = a.size;
  const out = alloc(a, n);
  for (let i = 0; i < n; i++) out[i] = a.data[i] * s;
  return opResult(out, a.shape, [a], (o) => {
    const g = o.grad!;
    const ga = a.ensureGrad();
    for (let i = 0; i < n; i++) ga[i] += g[i] * s;
  });
}

/** Sum of all elements -> scalar. */
export function sum(a: Tensor): Tensor {
  let s = 0;
  for (let i = 0; i < a.size; i++) s += a.data[i];
  const out = alloc(a, 1);
  out[0] = s;
  return opResult(out, [], [a], (o) => {
    const g = o.grad![0];
    const ga = a.ensureGrad();
    for (let i = 0; i < a.size; i++) ga[i] += g;
  });
}

/** Same data, new shape (the gradient flows through unchanged). */
export function reshape(a: Tensor, shape: readonly number[]): Tensor {
  if (sizeOf(shape) !== a.size) throw new Error(`reshape: cannot view ${shapeStr(a)} as [${shape.join(", ")}]`);
  return opResult(a.data, shape, [a], (o) => kernels().accumulate(a.ensureGrad(), o.grad!, a.size));
}

/**
 * Batched matmul: a (..., M, K) @ b (..., K, N) -> (..., M, N).
 * b may also be 2-D (K, N), shared by every batch.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  sameDtype("matmul", a, b);
  if (a.shape.length < 2 || b.shape.length < 2) throw new Error(`matmul needs 2-D or batched operands (got ${shapeStr(a)} @ ${shapeStr(b)})`);
  const M = a.shape[a.shape.length - 2];
  const K = a.shape[a.shape.length - 1];
  const N = b.shape[b.shape.length - 1];
  if (b.shape[b.shape.length - 2] !== K) throw new Error(`matmul: inner sizes differ (${shapeStr(a)} @ ${shapeStr(b)})`);
  const batch = a.size / (M * K);
  const bBatch = b.size / (K * N);
  if (bBatch !== 1 && bBatch !== batch) throw new Error(`matmul: batch sizes differ (${shapeStr(a)} @ ${shapeStr(b)})`);
  const out = alloc(a, batch * M * N);
  const k = kernels();
  const view = (x: Arr, i: number, size: number): Arr => x.subarray(i * size, (i + 1) * size);
  for (let i = 0; i < batch; i++) {
    k.gemm(false, false, M, N, K, view(a.data, i, M * K), view(b.data, bBatch === 1 ? 0 : i, K * N), view(out, i, M * N), false);
  }
  return opResult(out, [...a.shape.slice(0, -1), N], [a, b], (o) => {
    const g = o.grad!;
    const kk = kernels();
    const da = a.requiresGrad ? a.gradSink() : null;
    const db = b.requiresGrad ? b.gradSink() : null;
    for (let i = 0; i < batch; i++) {
      const gi = view(g, i, M * N);
      const bi = bBatch === 1 ? 0 : i;
      // dA (M,K) += dC (M,N) . B^T ; dB (K,N) += A^T . dC (a shared B sums over the batch)
      if (da) kk.gemm(false, true, M, K, N, gi, view(b.data, bi, K * N), view(da.grad, i, M * K), da.accumulate);
      if (db) kk.gemm(true, false, K, N, M, view(a.data, i, M * K), gi, view(db.grad, bi, K * N), db.accumulate || (bBatch === 1 && i > 0));
    }
  });
}

/** x (..., K) @ W^T + bias with W (N, K) as in torch.nn.Linear -> (..., N). */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  sameDtype("linear", x, weight);
  const K = x.shape[x.shape.length - 1];
  const [N, Kw] = weight.shape;
  if (weight.shape.length !== 2 || Kw !== K) throw new Error(`linear: input ${shapeStr(x)} does not match weight ${shapeStr(weight)} (out_features, in_features)`);
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== N)) throw new Error(`linear: bias ${shapeStr(bias)} should be [${N}]`);
  const M = x.size / K;
  const out = alloc(x, M * N);
  kernels().gemm(false, true, M, N, K, x.data, weight.data, out, false); // (M,K) . (N,K)^T
  if (bias) kernels().addBias(out, bias.data, M, N);
  const parents = bias ? [x, weight, bias] : [x, weight];
  return opResult(out, [...x.shape.slice(0, -1), N], parents, (o) => {
    const g = o.grad!;
    const k = kernels();
    if (x.requiresGrad) {
      const dx = x.gradSink();
      k.gemm(false, false, M, K, N, g, weight.data, dx.grad, dx.accumulate); // dx (M,K) += dy (M,N) . W (N,K)
    }
    if (weight.requiresGrad) k.gemm(true, false, N, K, M, g, x.data, weight.ensureGrad(), true); // dW (N,K) += dy^T . x
    if (bias && bias.requiresGrad) k.biasGrad(bias.ensureGrad(), g, M, N);
  });
}

/** Rows of weight (V, C) picked by ids -> (...idsShape, C). */
export function embedding(weight: Tensor, ids: Int32Array, idsShape: readonly number[] = [ids.length]): Tensor {
  const [V, C] = weight.shape;
  if (weight.shape.length !== 2) throw new Error(`embedding: weight must be (V, C) (got ${shapeStr(weight)})`);
  if (sizeOf(idsShape) !== ids.length) throw new Error(`embedding: ids shape [${idsShape.join(", ")}] does not hold ${ids.length} ids`);
  const out = alloc(weight, ids.length * C);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!(id >= 0 && id < V)) throw new Error(`embedding: id ${id} at position ${i} is outside 0..${V - 1}`);
    out.set(weight.data.subarray(id * C, (id + 1) * C), i * C);
  }
  return opResult(out, [...idsShape, C], [weight], (o) => {
    const g = o.grad!;
    const gw = weight.ensureGrad();
    for (let i = 0; i < ids.length; i++) {
      const r = ids[i] * C;
      for (let c = 0; c < C; c++) gw[r + c] += g[i * C + c];
    }
  });
}

/** RMSNorm over the last dim: x / sqrt(mean(x^2) + eps) (* weight, when given). */
export function rmsnorm(x: Tensor, weight: Tensor | null = null, eps = 1e-5): Tensor {
  const C = x.shape[x.shape.length - 1];
  const N = x.size / C;
  if (weight && weight.size !== C) throw new Error(`rmsnorm: weight ${shapeStr(weight)} should be [${C}]`);
  const out = alloc(x, x.size);
  const rstd = alloc(x, N);
  kernels().rmsnormForward(out, rstd, x.data, weight ? weight.data : null, N, C, eps);
  return opResult(out, x.shape, weight ? [x, weight] : [x], (o) => {
    const dw = weight && weight.requiresGrad ? weight.ensureGrad() : null;
    kernels().rmsnormBackward(x.ensureGrad(), dw, o.grad!, x.data, weight ? weight.data : null, rstd, N, C);
  });
}

/** LayerNorm over the last dim, with optional weight and bias. */
export function layernorm(x: Tensor, weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  const C = x.shape[x.shape.length - 1];
  const N = x.size / C;
  if (weight && weight.size !== C) throw new Error(`layernorm: weight ${shapeStr(weight)} should be [${C}]`);
  if (bias && bias.size !== C) throw new Error(`layernorm: bias ${shapeStr(bias)} should be [${C}]`);
  const out = alloc(x, x.size);
  const mean = alloc(x, N);
  const rstd = alloc(x, N);
  kernels().layernormForward(out, mean, rstd, x.data, weight ? weight.data : null, bias ? bias.data : null, N, C, eps);
  const parents = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  return opResult(out, x.shape, parents, (o) => {
    const dw = weight && weight.requiresGrad ? weight.ensureGrad() : null;
    const db = bias && bias.requiresGrad ? bias.ensureGrad() : null;
    kernels().layernormBackward(x.ensureGrad(), dw, db, o.grad!, x.data, weight ? weight.data : null, mean, rstd, N, C);
  });
}

export function relu(x: Tensor): Tensor {
  const n = x.size;
  const out = alloc(x, n);
  kernels().reluForward(out, x.data, n);
  return opResult(out, x.shape, [x], (o) => {
    const k = kernels();
    if (x.grad !== null) k.reluBackward(x.grad, o.grad!, x.data, n, true);
    else {
      k.reluBackward(o.grad!, o.grad!, x.data, n, false); // masked in place, then handed over
      handOverGrad(o, x);
    }
  });
}

/** GELU, tanh approximation (as GPT-2). */
export function gelu(x: Tensor): Tensor {
  const out = alloc(x, x.size);
  kernels().geluForward(out, x.data, x.size);
  return opResult(out, x.shape, [x], (o) => kernels().geluBackward(x.ensureGrad(), o.grad!, x.data, x.size));
}

/** Softmax over the last dim. */
export function softmax(x: Tensor): Tensor {
  const V = x.shape[x.shape.length - 1];
  const N = x.size / V;
  const out = alloc(x, x.size);
  kernels().softmaxForward(out, x.data, N, V);
  return opResult(out, x.shape, [x], (o) => kernels().softmaxBackward(x.ensureGrad(), o.grad!, out, N, V));
}

/**
 * Causal multi-head self-attention on packed qkv (B, T, 3C) -> (B, T, C). onWeights, when given, sees the
 * softmax probabilities (B, nHead, T, T) right after the forward kernel (only entries t' <= t of row t are set;
 * the array may be reused once it returns: copy what you keep).
 */
export function causalSelfAttention(qkv: Tensor, nHead: number, onWeights?: (att: Arr) => void): Tensor {
  if (qkv.shape.length !== 3) throw new Error(`attention: qkv must be (B, T, 3C) (got ${shapeStr(qkv)})`);
  const [B, T, C3] = qkv.shape;
  const C = C3 / 3;
  if (!Number.isInteger(C) || C % nHead !== 0) throw new Error(`attention: 3C = ${C3} must split into 3 parts divisible by nHead = ${nHead}`);
  const out = alloc(qkv, B * T * C);
  const att = alloc(qkv, B * nHead * T * T);
  kernels().attentionForward(out, att, qkv.data, B, T, C, nHead);
  if (onWeights) onWeights(att);
  return opResult(out, [B, T, C], [qkv], (o) => {
    const dqkv = qkv.gradSink();
    kernels().attentionBackward(dqkv.grad, o.grad!, qkv.data, att, B, T, C, nHead, dqkv.accumulate);
  });
}

/**
 * Fused log-softmax + cross-entropy: mean of -log p(target) over rows of logits (..., V).
 * Targets below 0 are ignored (padding). Returns a scalar.
 */
export function crossEntropy(logits: Tensor, targets: Int32Array): Tensor {
  const V = logits.shape[logits.shape.length - 1];
  const N = logits.size / V;
  if (targets.length !== N) throw new Error(`crossEntropy: ${targets.length} targets for ${N} rows of logits ${shapeStr(logits)}`);
  const probs = alloc(logits, logits.size);
  const { sum: total, count } = kernels().crossEntropyForward(probs, logits.data, targets, N, V);
  if (count === 0) throw new Error("crossEntropy: every target is ignored (< 0); nothing to average");
  const out = alloc(logits, 1);
  out[0] = total / count;
  return opResult(out, [], [logits], (o) => {
    const scale = o.grad![0] / count;
    if (logits.grad !== null) kernels().crossEntropyBackward(logits.grad, probs, targets, N, V, scale, true);
    else {
      // probs are not needed again: they become the gradient in place
      kernels().crossEntropyBackward(probs, probs, targets, N, V, scale, false);
      logits.grad = probs;
    }
  });
}

/** Inverted dropout: zeroes each value with probability p and scales the rest by 1/(1-p). Identity when p = 0. */
export function dropout(x: Tensor, p: number, rng: Rng): Tensor {
  if (!(p >= 0 && p < 1)) throw new Error(`dropout: p must be in [0, 1) (got ${p})`);
  if (p === 0) return x;
  const n = x.size;
  const keep = 1 / (1 - p);
  const mask = alloc(x, n);
  const out = alloc(x, n);
  for (let i = 0; i < n; i++) {
    mask[i] = rng.random() < p ? 0 : keep;
    out[i] = x.data[i] * mask[i];
  }
  return opResult(out, x.shape, [x], (o) => {
    const g = o.grad!;
    const gx = x.ensureGrad();
    for (let i = 0; i < n; i++) gx[i] += g[i] * mask[i];
  });
}
