// Reference kernels: the readable definition of every op's arithmetic, in plain loops.
// Faster backends must agree with these (tests/kernels/parity.test.ts); they also serve as the fallback.

import type { Arr } from "../core/tensor.js";
import type { Backend } from "./backend.js";

const GELU_SCALE = Math.sqrt(2 / Math.PI);

export const reference: Backend = {
  name: "reference",
  memory: null,

  gemm(transA, transB, M, N, K, A, B, C, accumulate) {
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let sum = 0;
        for (let k = 0; k < K; k++) {
          const a = transA ? A[k * M + i] : A[i * K + k];
          const b = transB ? B[j * K + k] : B[k * N + j];
          sum += a * b;
        }
        C[i * N + j] = accumulate ? C[i * N + j] + sum : sum;
      }
    }
  },

  rmsnormForward(out, rstd, x, weight, N, C, eps) {
    for (let n = 0; n < N; n++) {
      const o = n * C;
      let ms = 0;
      for (let i = 0; i < C; i++) ms += x[o + i] * x[o + i];
      const r = 1 / Math.sqrt(ms / C + eps);
      rstd[n] = r;
      for (let i = 0; i < C; i++) out[o + i] = x[o + i] * r * (weight ? weight[i] : 1);
    }
  },

  rmsnormBackward(dx, dweight, dout, x, weight, rstd, N, C) {
    for (let n = 0; n < N; n++) {
      const o = n * C;
      const r = rstd[n];
      // g = dout * weight is the gradient at the normalized value y = x * r
      let gyMean = 0;
      for (let i = 0; i < C; i++) gyMean += dout[o + i] * (weight ? weight[i] : 1) * x[o + i] * r;
      gyMean /= C;
      for (let i = 0; i < C; i++) {
        const y = x[o + i] * r;
        const g = dout[o + i] * (weight ? weight[i] : 1);
        dx[o + i] += r * (g - y * gyMean);
        if (dweight) dweight[i] += dout[o + i] * y;
      }
    }
  },

  layernormForward(out, mean, rstd, x, weight, bias, N, C, eps) {
    for (let n = 0; n < N; n++) {
      const o = n * C;
      let m = 0;
      for (let i = 0; i < C; i++) m += x[o + i];
      m /= C;
      let v = 0;
      for (let i = 0; i < C; i++) v += (x[o + i] - m) * (x[o + i] - m);
      const r = 1 / Math.sqrt(v / C + eps);
      mean[n] = m;
      rstd[n] = r;
      for (let i = 0; i < C; i++) out[o + i] = (x[o + i] - m) * r * (weight ? weight[i] : 1) + (bias ? bias[i] : 0);
    }
  },

  layernormBackward(dx, dweight, dbias, dout, x, weight, mean, rstd, N, C) {
    for (let n = 0; n < N; n++) {
      const o = n * C;
      const m = mean[n];
      const r = rstd[n];
      let gMean = 0;
      let gyMean = 0;
      for (let i = 0; i < C; i++) {
        const g = dout[o + i] * (weight ? weight[i] : 1);
        gMean += g;
        gyMean += g * (x[o + i] - m) * r;
      }
      gMean /= C;
      gyMean /= C;
      for (let i = 0; i < C; i++) {
        const y = (x[o + i] - m) * r;
        const g = dout[o + i] * (weight ? weight[i] : 1);
        dx[o + i] += r * (g - gMean - y * gyMean);
        if (dweight) dweight[i] += dout[o + i] * y;
        if (dbias) dbias[i] += dout[o + i];
      }
    }
  },

  attentionForward(out, att, qkv, B, T, C, NH) {
    const hs = C / NH;
    const scale = 1 / Math.sqrt(hs);
    const C3 = 3 * C;
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < NH; h++) {
        for (let t = 0; t < T; t++) {
          const q = b * T * C3 + t * C3 + h * hs;
          const row = ((b * NH + h) * T + t) * T;
          // scores against keys 0..t, then a stable softmax
          let max = -Infinity;
          for (let t2 = 0; t2 <= t; t2++) {
            const k = b * T * C3 + t2 * C3 + C + h * hs;
            let dot = 0;
            for (let i = 0; i < hs; i++) dot += qkv[q + i] * qkv[k + i];
            att[row + t2] = dot * scale;
            if (att[row + t2] > max) max = att[row + t2];
          }
          let sum = 0;
          for (let t2 = 0; t2 <= t; t2++) {
            const e = Math.exp(att[row + t2] - max);
            att[row + t2] = e;
            sum += e;
          }
          for (let t2 = 0; t2 < T; t2++) att[row + t2] = t2 <= t ? att[row + t2] / sum : 0;
          // weighted sum of values
          const o = b * T * C + t * C + h * hs;
          for (let i = 0; i < hs; i++) {
            let acc = 0;
            for (let t2 = 0; t2 <= t; t2++) acc += att[row + t2] * qkv[b * T * C3 + t2 * C3 + 2 * C + h * hs + i];
            out[o + i] = acc;
          }
        }
      }
    }
  },

  attentionBackward(dqkv, dout, qkv, att, B, T, C, NH, accumulate) {
    if (!accumulate) dqkv.fill(0, 0, B * T * 3 * C);
    const hs = C / NH;
    const scale = 1 / Math.sqrt(hs);
    const C3 = 3 * C;
    const datt = new Float64Array(T);
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < NH; h++) {
        for (let t = 0; t < T; t++) {
          const q = b * T * C3 + t * C3 + h * hs;
          const row = ((b * NH + h) * T + t) * T;
          const o = b * T * C + t * C + h * hs;
          // through out = att @ v
          for (let t2 = 0; t2 <= t; t2++) {
            const v = b * T * C3 + t2 * C3 + 2 * C + h * hs;
            let d = 0;
            for (let i = 0; i < hs; i++) {
              d += dout[o + i] * qkv[v + i];
              dqkv[v + i] += att[row + t2] * dout[o + i];
            }
            datt[t2] = d;
          }
          // through the softmax
          let dot = 0;
          for (let t2 = 0; t2 <= t; t2++) dot += att[row + t2] * datt[t2];
          // through the scaled scores q.k
          for (let t2 = 0; t2 <= t; t2++) {
            const dpre = att[row + t2] * (datt[t2] - dot) * scale;
            const k = b * T * C3 + t2 * C3 + C + h * hs;
            for (let i = 0; i < hs; i++) {
              dqkv[q + i] += dpre * qkv[k + i];
              dqkv[k + i] += dpre * qkv[q + i];
            }
          }
        }
      }
    }
  },

  crossEntropyForward(probs, logits, targets, N, V) {
    let sum = 0;
    let count = 0;
    for (let n = 0; n < N; n++) {
      const o = n * V;
      let max = -Infinity;
      for (let v = 0; v < V; v++) if (logits[o + v] > max) max = logits[o + v];
      let z = 0;
      for (let v = 0; v < V; v++) {
        const e = Math.exp(logits[o + v] - max);
        probs[o + v] = e;
        z += e;
      }
      for (let v = 0; v < V; v++) probs[o + v] /= z;
      const target = targets[n];
      if (target < 0) continue;
      if (target >= V) throw new Error(`cross-entropy target ${target} at row ${n} is outside the vocabulary (size ${V})`);
      // log-sum-exp form: exact even when the target's probability underflows
      sum += Math.log(z) + max - logits[o + target];
      count++;
    }
    return { sum, count };
  },

  crossEntropyBackward(dlogits, probs, targets, N, V, scale, accumulate) {
    for (let n = 0; n < N; n++) {
      const target = targets[n];
      const o = n * V;
      if (target < 0) {
        if (!accumulate) dlogits.fill(0, o, o + V);
        continue;
      }
      for (let v = 0; v < V; v++) dlogits[o + v] = (accumulate ? dlogits[o + v] : 0) + (probs[o + v] - (v === target ? 1 : 0)) * scale;
    }
  },

  softmaxForward(out, x, N, V) {
    for (let n = 0; n < N; n++) {
      const o = n * V;
      let max = -Infinity;
      for (let v = 0; v < V; v++) if (x[o + v] > max) max = x[o + v];
      let z = 0;
      for (let v = 0; v < V; v++) {
        out[o + v] = Math.exp(x[o + v] - max);
        z += out[o + v];
      }
      for (let v = 0; v < V; v++) out[o + v] /= z;
    }
  },

  softmaxBackward(dx, dy, y, N, V) {
    for (let n = 0; n < N; n++) {
      const o = n * V;
      let dot = 0;
      for (let v = 0; v < V; v++) dot += dy[o + v] * y[o + v];
      for (let v = 0; v < V; v++) dx[o + v] += y[o + v] * (dy[o + v] - dot);
    }
  },

  geluForward(out, x, n) {
    for (let i = 0; i < n; i++) {
      const v = x[i];
      out[i] = 0.5 * v * (1 + Math.tanh(GELU_SCALE * (v + 0.044715 * v * v * v)));
    }
  },

  geluBackward(dx, dout, x, n) {
    for (let i = 0; i < n; i++) {
      const v = x[i];
      const u = GELU_SCALE * (v + 0.044715 * v * v * v);
      const th = Math.tanh(u);
      const sech2 = 1 - th * th;
      const local = 0.5 * (1 + th) + 0.5 * v * sech2 * GELU_SCALE * (1 + 3 * 0.044715 * v * v);
      dx[i] += local * dout[i];
    }
  },

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
