// Native causal attention, cross-entropy and GELU for the "wasm-native" backend (native/gemm.cc registers them):
// forward and backward over heads [bh0, bh1), the loss over rows [n0, n1), GELU over values [i0, i1), on arrays in
// the wasm memory. One AVX2+FMA code
// path (no AVX-512 variant), so results are the same on every x86 CPU that runs it; each value is computed the
// same way whatever the split.

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "attention.h"

namespace {

// Values below 2^-100 become 0 where probabilities and their gradients are made (see TINY in kernels.as.ts:
// subnormals cost a microcode assist on every operation that touches them).
constexpr float TINY = 7.888609052210118e-31f;

inline int up8(int n) { return (n + 7) & ~7; }
inline int up32(int n) { return (n + 31) & ~31; }

__attribute__((target("avx2,fma"))) inline __m256 ftz(__m256 v) {
  const __m256 absv = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v);
  // zero the lanes below TINY; a NaN compares false and stays NaN (a NaN must reach the loss on every backend)
  return _mm256_andnot_ps(_mm256_cmp_ps(absv, _mm256_set1_ps(TINY), _CMP_LT_OQ), v);
}

/** e^x on eight lanes (x <= 0 here): 2^n e^r, n = round(x / ln 2), degree-6 polynomial (Cephes expf). */
__attribute__((target("avx2,fma"))) inline __m256 exp8(__m256 x) {
  x = _mm256_max_ps(_mm256_set1_ps(-87.33f), x); // maxps returns its second operand for a NaN: keep x's
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(_mm256_mul_ps(p, r), r, _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

__attribute__((target("avx2,fma"))) inline float hsum8(__m256 v) {
  const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 s2 = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(s2, _mm_movehdup_ps(s2)));
}

/** Lane mask for the first n (0..8) lanes. */
__attribute__((target("avx2,fma"))) inline __m256 firstLanes(int n) {
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(n), idx));
}

/** Per head: the strided (T, hs) slices copied into padded scratch. */
struct Head {
  int T, hs, Tp, hsp;
  float* qp;  // (T, hsp)
  float* kp;  // (T, hsp)
  float* vp;  // (T, hsp)
  float* xt;  // (hs, Tp): K^T (forward) or V^T (backward)
  float* row; // (Tp)
  float* row2; // (Tp): the second row of a pair
  float* acc; // (2 hsp)
  float* ds;  // (T, Tp): dS (backward)
  float* dop; // (T, hsp)
};

void copyRows(float* dst, const float* src, int T, int hs, int hsp, size_t stride) {
  for (int t = 0; t < T; t++) {
    std::copy(src + t * stride, src + t * stride + hs, dst + (size_t)t * hsp);
    std::fill(dst + (size_t)t * hsp + hs, dst + (size_t)(t + 1) * hsp, 0.0f);
  }
}

void transposeRows(float* dst, const float* src, int T, int hs, int Tp, size_t stride) {
  for (int d = 0; d < hs; d++) {
    for (int t = 0; t < T; t++) dst[(size_t)d * Tp + t] = src[t * stride + d];
    std::fill(dst + (size_t)d * Tp + T, dst + (size_t)(d + 1) * Tp, 0.0f);
  }
}

/**
 * row[0..n) (n rounded up to 32) = sum_d x[d] * xt[d, 0..n), an fma chain over d in order (four independent
 * chains of 8 columns each at a time; xt's rows are padded to a multiple of 32).
 */
__attribute__((target("avx2,fma"))) void rowTimesT(float* row, const float* x, const float* xt, int hs, int Tp, int n) {
  for (int u = 0; u < n; u += 32) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    const float* p = xt + u;
    for (int d = 0; d < hs; d++, p += Tp) {
      const __m256 xv = _mm256_set1_ps(x[d]);
      s0 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(p), s0);
      s1 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(p + 8), s1);
      s2 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(p + 16), s2);
      s3 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(p + 24), s3);
    }
    _mm256_storeu_ps(row + u, s0);
    _mm256_storeu_ps(row + u + 8, s1);
    _mm256_storeu_ps(row + u + 16, s2);
    _mm256_storeu_ps(row + u + 24, s3);
  }
}

/**
 * rowTimesT for two rows at once (rowA from xa, rowB from xb, both up to n): eight independent chains instead of
 * four, so the multiply-adds are no longer waiting on each other's latency; each value is the same chain.
 */
__attribute__((target("avx2,fma"))) void rowTimesT2(float* rowA, float* rowB, const float* xa, const float* xb, const float* xt, int hs, int Tp, int n) {
  for (int u = 0; u < n; u += 32) {
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    __m256 b0 = _mm256_setzero_ps(), b1 = _mm256_setzero_ps(), b2 = _mm256_setzero_ps(), b3 = _mm256_setzero_ps();
    const float* p = xt + u;
    for (int d = 0; d < hs; d++, p += Tp) {
      const __m256 x0 = _mm256_loadu_ps(p), x1 = _mm256_loadu_ps(p + 8), x2 = _mm256_loadu_ps(p + 16), x3 = _mm256_loadu_ps(p + 24);
      const __m256 va = _mm256_set1_ps(xa[d]), vb = _mm256_set1_ps(xb[d]);
      a0 = _mm256_fmadd_ps(va, x0, a0);
      b0 = _mm256_fmadd_ps(vb, x0, b0);
      a1 = _mm256_fmadd_ps(va, x1, a1);
      b1 = _mm256_fmadd_ps(vb, x1, b1);
      a2 = _mm256_fmadd_ps(va, x2, a2);
      b2 = _mm256_fmadd_ps(vb, x2, b2);
      a3 = _mm256_fmadd_ps(va, x3, a3);
      b3 = _mm256_fmadd_ps(vb, x3, b3);
    }
    _mm256_storeu_ps(rowA + u, a0);
    _mm256_storeu_ps(rowA + u + 8, a1);
    _mm256_storeu_ps(rowA + u + 16, a2);
    _mm256_storeu_ps(rowA + u + 24, a3);
    _mm256_storeu_ps(rowB + u, b0);
    _mm256_storeu_ps(rowB + u + 8, b1);
    _mm256_storeu_ps(rowB + u + 16, b2);
    _mm256_storeu_ps(rowB + u + 24, b3);
  }
}

/**
 * acc[0..hsp) = sum_u w[u * ldw] * rows[u, 0..hsp) for u in [u0, u1), an fma chain over u in order; hsp is a
 * multiple of 8, up to 32 (hs <= 32) in registers at once, else in chunks.
 */
__attribute__((target("avx2,fma"))) void weightedRows(float* acc, const float* w, size_t ldw, const float* rows, int u0, int u1, int hsp) {
  for (int d = 0; d < hsp; d += 32) {
    const int nv = std::min(4, (hsp - d) / 8);
    __m256 s[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    const float* r = rows + (size_t)u0 * hsp + d;
    for (int u = u0; u < u1; u++, r += hsp) {
      const __m256 wv = _mm256_set1_ps(w[u * ldw]);
      for (int i = 0; i < nv; i++) s[i] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(r + 8 * i), s[i]);
    }
    for (int i = 0; i < nv; i++) _mm256_storeu_ps(acc + d + 8 * i, s[i]);
  }
}

/**
 * Two weightedRows at once (twice the independent chains): A over u in [u0, u1), B over [u0, u1b) with u1b >= u1;
 * each element's chain is the same as weightedRows's.
 */
__attribute__((target("avx2,fma"))) void weightedRows2(float* accA, const float* wA, size_t ldwA, const float* rowsA, float* accB, const float* wB, size_t ldwB, const float* rowsB, int u0, int u1, int u1b, int hsp) {
  for (int d = 0; d < hsp; d += 32) {
    const int nv = std::min(4, (hsp - d) / 8);
    __m256 a[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    __m256 b[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    const float* ra = rowsA + (size_t)u0 * hsp + d;
    const float* rb = rowsB + (size_t)u0 * hsp + d;
    int u = u0;
    if (nv == 4) {
      for (; u < u1; u++, ra += hsp, rb += hsp) {
        const __m256 wa = _mm256_set1_ps(wA[u * ldwA]);
        const __m256 wb = _mm256_set1_ps(wB[u * ldwB]);
        a[0] = _mm256_fmadd_ps(wa, _mm256_loadu_ps(ra), a[0]);
        b[0] = _mm256_fmadd_ps(wb, _mm256_loadu_ps(rb), b[0]);
        a[1] = _mm256_fmadd_ps(wa, _mm256_loadu_ps(ra + 8), a[1]);
        b[1] = _mm256_fmadd_ps(wb, _mm256_loadu_ps(rb + 8), b[1]);
        a[2] = _mm256_fmadd_ps(wa, _mm256_loadu_ps(ra + 16), a[2]);
        b[2] = _mm256_fmadd_ps(wb, _mm256_loadu_ps(rb + 16), b[2]);
        a[3] = _mm256_fmadd_ps(wa, _mm256_loadu_ps(ra + 24), a[3]);
        b[3] = _mm256_fmadd_ps(wb, _mm256_loadu_ps(rb + 24), b[3]);
      }
    } else {
      for (; u < u1; u++, ra += hsp, rb += hsp) {
        const __m256 wa = _mm256_set1_ps(wA[u * ldwA]);
        const __m256 wb = _mm256_set1_ps(wB[u * ldwB]);
        for (int i = 0; i < nv; i++) {
          a[i] = _mm256_fmadd_ps(wa, _mm256_loadu_ps(ra + 8 * i), a[i]);
          b[i] = _mm256_fmadd_ps(wb, _mm256_loadu_ps(rb + 8 * i), b[i]);
        }
      }
    }
    for (; u < u1b; u++, rb += hsp) {
      const __m256 wb = _mm256_set1_ps(wB[u * ldwB]);
      for (int i = 0; i < nv; i++) b[i] = _mm256_fmadd_ps(wb, _mm256_loadu_ps(rb + 8 * i), b[i]);
    }
    for (int i = 0; i < nv; i++) {
      _mm256_storeu_ps(accA + d + 8 * i, a[i]);
      _mm256_storeu_ps(accB + d + 8 * i, b[i]);
    }
  }
}

/** prow[0..T) = the stable softmax of row[0..n) * scale (lanes past n masked out), then zeros. */
__attribute__((target("avx2,fma"))) void softmaxRow(float* row, int n, int T, float scale, float* prow) {
  const int n8 = up8(n);
  __m256 mx = _mm256_set1_ps(-INFINITY);
  for (int u = 0; u < n8; u += 8) {
    const __m256 keep = firstLanes(n - u);
    const __m256 s = _mm256_mul_ps(_mm256_loadu_ps(row + u), _mm256_set1_ps(scale));
    mx = _mm256_max_ps(mx, _mm256_blendv_ps(_mm256_set1_ps(-INFINITY), s, keep));
  }
  __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(mx), _mm256_extractf128_ps(mx, 1));
  m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
  m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
  const __m256 mv = _mm256_set1_ps(_mm_cvtss_f32(m4));
  __m256 zs = _mm256_setzero_ps();
  for (int u = 0; u < n8; u += 8) {
    const __m256 keep = firstLanes(n - u);
    const __m256 e = _mm256_and_ps(exp8(_mm256_sub_ps(_mm256_mul_ps(_mm256_loadu_ps(row + u), _mm256_set1_ps(scale)), mv)), keep);
    _mm256_storeu_ps(row + u, e);
    zs = _mm256_add_ps(zs, e);
  }
  const __m256 inv = _mm256_set1_ps(1.0f / hsum8(zs));
  for (int u = 0; u < n8; u += 8) _mm256_storeu_ps(row + u, ftz(_mm256_mul_ps(_mm256_loadu_ps(row + u), inv)));
  const int used = std::min(n8, T);  // lanes from n on are 0
  std::copy(row, row + used, prow);
  std::fill(prow + used, prow + T, 0.0f);
}

/** Max of x[0..n) (n >= 1). */
__attribute__((target("avx2,fma"))) float rowMax(const float* x, int n) {
  __m256 mx = _mm256_set1_ps(-INFINITY);
  int v = 0;
  for (; v + 8 <= n; v += 8) mx = _mm256_max_ps(mx, _mm256_loadu_ps(x + v));
  __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(mx), _mm256_extractf128_ps(mx, 1));
  m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
  m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
  float m = _mm_cvtss_f32(m4);
  for (; v < n; v++) m = std::max(m, x[v]);
  return m;
}

std::vector<float>& scratch() {
  thread_local std::vector<float> s;
  return s;
}

Head makeHead(int T, int hs) {
  Head h{T, hs, up32(T), up8(hs), nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};
  const size_t th = (size_t)T * h.hsp;
  const size_t need = 4 * th + (size_t)T * h.Tp + (size_t)hs * h.Tp + 2 * h.Tp + 2 * h.hsp + 64;
  std::vector<float>& s = scratch();
  if (s.size() < need) s.resize(need);
  float* p = s.data();
  h.qp = p; p += th;
  h.kp = p; p += th;
  h.vp = p; p += th;
  h.dop = p; p += th;
  h.ds = p; p += (size_t)T * h.Tp;
  h.xt = p; p += (size_t)hs * h.Tp;
  h.row = p; p += h.Tp;
  h.row2 = p; p += h.Tp;
  h.acc = p;
  return h;
}

}  // namespace

__attribute__((target("avx2,fma"))) void attentionForwardHeads(float* out, float* att, const float* qkv, int B, int T, int C, int NH, int bh0, int bh1) {
  (void)B;
  const int hs = C / NH;
  const float scale = 1.0f / std::sqrt((float)hs);
  const size_t C3 = 3 * (size_t)C;
  Head hd = makeHead(T, hs);
  for (int bh = bh0; bh < bh1; bh++) {
    const int b = bh / NH, h = bh % NH;
    const float* q = qkv + (size_t)b * T * C3 + (size_t)h * hs;
    copyRows(hd.qp, q, T, hs, hd.hsp, C3);
    transposeRows(hd.xt, q + C, T, hs, hd.Tp, C3);
    copyRows(hd.vp, q + 2 * C, T, hs, hd.hsp, C3);
    // scores two rows at a time (row t's values past its diagonal are computed and not used)
    for (int t = 0; t < T; t += 2) {
      if (t + 1 < T) rowTimesT2(hd.row, hd.row2, hd.qp + (size_t)t * hd.hsp, hd.qp + (size_t)(t + 1) * hd.hsp, hd.xt, hs, hd.Tp, t + 2);
      else rowTimesT(hd.row, hd.qp + (size_t)t * hd.hsp, hd.xt, hs, hd.Tp, t + 1);
      softmaxRow(hd.row, t + 1, T, scale, att + ((size_t)bh * T + t) * T);
      if (t + 1 < T) softmaxRow(hd.row2, t + 2, T, scale, att + ((size_t)bh * T + t + 1) * T);
    }
    // out = P V, two rows at a time
    const float* p0 = att + (size_t)bh * T * T;
    float* o0 = out + (size_t)b * T * C + (size_t)h * hs;
    for (int t = 0; t < T; t += 2) {
      float* accB = hd.acc + hd.hsp;
      if (t + 1 < T) {
        weightedRows2(hd.acc, p0 + (size_t)t * T, 1, hd.vp, accB, p0 + (size_t)(t + 1) * T, 1, hd.vp, 0, t + 1, t + 2, hd.hsp);
        std::copy(accB, accB + hs, o0 + (size_t)(t + 1) * C);
      } else {
        weightedRows(hd.acc, p0 + (size_t)t * T, 1, hd.vp, 0, t + 1, hd.hsp);
      }
      std::copy(hd.acc, hd.acc + hs, o0 + (size_t)t * C);
    }
  }
}

__attribute__((target("avx2,fma"))) void attentionBackwardHeads(float* dqkv, const float* dout, const float* qkv, const float* att, int B, int T, int C, int NH, int bh0, int bh1) {
  (void)B;
  const int hs = C / NH;
  const float scale = 1.0f / std::sqrt((float)hs);
  const size_t C3 = 3 * (size_t)C;
  Head hd = makeHead(T, hs);
  const int hsp = hd.hsp;
  for (int bh = bh0; bh < bh1; bh++) {
    const int b = bh / NH, h = bh % NH;
    const float* q = qkv + (size_t)b * T * C3 + (size_t)h * hs;
    float* dq = dqkv + (size_t)b * T * C3 + (size_t)h * hs;
    copyRows(hd.qp, q, T, hs, hsp, C3);
    copyRows(hd.kp, q + C, T, hs, hsp, C3);
    transposeRows(hd.xt, q + 2 * C, T, hs, hd.Tp, C3);  // V^T
    copyRows(hd.dop, dout + (size_t)b * T * C + (size_t)h * hs, T, hs, hsp, C);
    // dP = dO V^T, two rows at a time (values past the diagonal are computed and not used)
    for (int t = 0; t < T; t += 2) {
      float* dsr = hd.ds + (size_t)t * hd.Tp;
      if (t + 1 < T) rowTimesT2(dsr, dsr + hd.Tp, hd.dop + (size_t)t * hsp, hd.dop + (size_t)(t + 1) * hsp, hd.xt, hs, hd.Tp, t + 2);
      else rowTimesT(dsr, hd.dop + (size_t)t * hsp, hd.xt, hs, hd.Tp, t + 1);
    }
    for (int t = 0; t < T; t++) {
      const int n = t + 1;
      const float* prow = att + ((size_t)bh * T + t) * T;
      float* dsr = hd.ds + (size_t)t * hd.Tp;
      // dS = P (dP - sum(P dP)) scale
      __m256 sv = _mm256_setzero_ps();
      int u = 0;
      for (; u + 8 <= n; u += 8) sv = _mm256_fmadd_ps(_mm256_loadu_ps(prow + u), _mm256_loadu_ps(dsr + u), sv);
      float dot = hsum8(sv);
      for (; u < n; u++) dot = std::fma(prow[u], dsr[u], dot);
      const __m256 dv = _mm256_set1_ps(dot), sc = _mm256_set1_ps(scale);
      u = 0;
      for (; u + 8 <= n; u += 8) {
        const __m256 pv = _mm256_loadu_ps(prow + u);
        _mm256_storeu_ps(dsr + u, ftz(_mm256_mul_ps(_mm256_mul_ps(pv, _mm256_sub_ps(_mm256_loadu_ps(dsr + u), dv)), sc)));
      }
      for (; u < n; u++) {
        const float d = prow[u] * (dsr[u] - dot) * scale;
        dsr[u] = std::fabs(d) >= TINY ? d : 0.0f;
      }
    }
    float* accB = hd.acc + hsp;
    // dQ[t] += dS[t, :] K, two rows at a time
    for (int t = 0; t < T; t += 2) {
      if (t + 1 < T) {
        weightedRows2(hd.acc, hd.ds + (size_t)t * hd.Tp, 1, hd.kp, accB, hd.ds + (size_t)(t + 1) * hd.Tp, 1, hd.kp, 0, t + 1, t + 2, hsp);
        float* dqt = dq + (size_t)(t + 1) * C3;
        for (int d = 0; d < hs; d++) dqt[d] += accB[d];
      } else {
        weightedRows(hd.acc, hd.ds + (size_t)t * hd.Tp, 1, hd.kp, 0, t + 1, hsp);
      }
      float* dqt = dq + (size_t)t * C3;
      for (int d = 0; d < hs; d++) dqt[d] += hd.acc[d];
    }
    // dK[u] += sum_{t >= u} dS[t, u] Q[t]; dV[u] += sum_{t >= u} P[t, u] dO[t]
    const float* p0 = att + (size_t)bh * T * T;
    for (int u = 0; u < T; u++) {
      weightedRows2(hd.acc, hd.ds + u, hd.Tp, hd.qp, accB, p0 + u, T, hd.dop, u, T, T, hsp);
      float* dkt = dq + C + (size_t)u * C3;
      float* dvt = dq + 2 * C + (size_t)u * C3;
      for (int d = 0; d < hs; d++) {
        dkt[d] += hd.acc[d];
        dvt[d] += accB[d];
      }
    }
  }
}

__attribute__((target("avx2,fma"))) void crossEntropyRows(float* probs, const float* logits, const int* targets, double* losses, int V, int n0, int n1) {
  const int V8 = V & ~7;
  for (int n = n0; n < n1; n++) {
    const float* x = logits + (size_t)n * V;
    float* p = probs + (size_t)n * V;
    const float m = rowMax(x, V);
    const __m256 mv = _mm256_set1_ps(m);
    // e^(x - m), summed in float32 within blocks of 64 values and in float64 across them
    double z = 0;
    int v = 0;
    while (v < V8) {
      const int stop = std::min(V8, v + 64);
      __m256 s = _mm256_setzero_ps();
      for (; v < stop; v += 8) {
        const __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + v), mv));
        _mm256_storeu_ps(p + v, e);
        s = _mm256_add_ps(s, e);
      }
      z += hsum8(s);
    }
    if (v < V) {
      const __m256 keep = firstLanes(V - v);
      const __m256i mask = _mm256_castps_si256(keep);
      const __m256 e = _mm256_and_ps(exp8(_mm256_sub_ps(_mm256_maskload_ps(x + v, mask), mv)), keep);
      _mm256_maskstore_ps(p + v, mask, e);
      z += hsum8(e);
    }
    const __m256 inv = _mm256_set1_ps((float)(1 / z));
    for (v = 0; v < V8; v += 8) _mm256_storeu_ps(p + v, ftz(_mm256_mul_ps(_mm256_loadu_ps(p + v), inv)));
    for (; v < V; v++) {
      const float q = p[v] * (float)(1 / z);
      p[v] = std::fabs(q) >= TINY ? q : 0.0f;
    }
    const int t = targets[n];
    losses[n] = t >= 0 ? std::log(z) + (double)m - (double)x[t] : 0.0;
  }
}

namespace {

constexpr float GELU_SCALE = 0.7978845608028654f;  // sqrt(2 / pi)

/** tanh(u) on eight lanes as sign(u) (1 - e) / (1 + e), e = e^(-2|u|) (exp8 wants x <= 0); NaN stays NaN. */
__attribute__((target("avx2,fma"))) inline __m256 tanh8(__m256 u) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  const __m256 e = exp8(_mm256_mul_ps(_mm256_set1_ps(-2.0f), _mm256_andnot_ps(sign, u)));
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 t = _mm256_div_ps(_mm256_sub_ps(one, e), _mm256_add_ps(one, e));
  return _mm256_or_ps(t, _mm256_and_ps(sign, u));
}

/** The tanh's argument sqrt(2/pi) (x + 0.044715 x^3). */
__attribute__((target("avx2,fma"))) inline __m256 geluArg(__m256 x, __m256 x2) {
  return _mm256_mul_ps(_mm256_set1_ps(GELU_SCALE), _mm256_fmadd_ps(_mm256_mul_ps(_mm256_set1_ps(0.044715f), x), x2, x));
}

/** gelu(v) on eight lanes: v (1 + tanh(u)) / 2. */
__attribute__((target("avx2,fma"))) inline __m256 gelu8(__m256 v) {
  const __m256 t = tanh8(geluArg(v, _mm256_mul_ps(v, v)));
  return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), v), _mm256_add_ps(_mm256_set1_ps(1.0f), t));
}

}  // namespace

__attribute__((target("avx2,fma"))) void geluForwardRange(float* out, const float* x, int i0, int i1) {
  int i = i0;
  for (; i + 8 <= i1; i += 8) _mm256_storeu_ps(out + i, gelu8(_mm256_loadu_ps(x + i)));
  if (i < i1) {
    const __m256i mask = _mm256_castps_si256(firstLanes(i1 - i));
    _mm256_maskstore_ps(out + i, mask, gelu8(_mm256_maskload_ps(x + i, mask)));
  }
}

namespace {

/** dx + gelu'(x) dout on eight lanes. */
__attribute__((target("avx2,fma"))) inline __m256 geluGrad8(__m256 v, __m256 d, __m256 dx) {
  const __m256 half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
  const __m256 v2 = _mm256_mul_ps(v, v);
  const __m256 th = tanh8(geluArg(v, v2));
  const __m256 sech2 = _mm256_fnmadd_ps(th, th, one);
  const __m256 du = _mm256_mul_ps(_mm256_set1_ps(GELU_SCALE), _mm256_fmadd_ps(_mm256_set1_ps(3 * 0.044715f), v2, one));
  const __m256 g = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_mul_ps(half, v), sech2), du, _mm256_mul_ps(half, _mm256_add_ps(one, th)));
  return _mm256_fmadd_ps(g, d, dx);
}

}  // namespace

__attribute__((target("avx2,fma"))) void geluBackwardRange(float* dx, const float* dout, const float* x, int i0, int i1) {
  int i = i0;
  for (; i + 8 <= i1; i += 8) _mm256_storeu_ps(dx + i, geluGrad8(_mm256_loadu_ps(x + i), _mm256_loadu_ps(dout + i), _mm256_loadu_ps(dx + i)));
  if (i < i1) {
    const __m256i mask = _mm256_castps_si256(firstLanes(i1 - i));
    _mm256_maskstore_ps(dx + i, mask, geluGrad8(_mm256_maskload_ps(x + i, mask), _mm256_maskload_ps(dout + i, mask), _mm256_maskload_ps(dx + i, mask)));
  }
}
