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
#include "tile.h"

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

/** Rows of a tile: the gemm's AVX2 micro-kernel (tile.h), 6 rows x 16 columns. */
constexpr int MR = 6;
constexpr int NR = 16;

inline int upTo(int n, int m) { return (n + m - 1) / m * m; }

/**
 * Per head, in padded scratch: the products of attention are small gemms run with tile.h's kernel, A read in
 * place (row-major, rows padded to whole tiles) and B packed into 16-column panels.
 */
struct Head {
  int T, hs, R, Tp, hsp, np;  // R: rows (whole tiles, and at least Tp); Tp: positions padded to 32; np: 16-column panels of hs
  float* qp;   // (R, hsp): Q (forward), dO (backward)
  float* kt;   // K^T (forward) or V^T (backward) as Tp/16 panels (hs, 16)
  float* pv;   // V (forward) or K (backward) as np panels (Tp, 16)
  float* pq;   // backward: Q as np panels (Tp, 16)
  float* pd;   // backward: dO as np panels (Tp, 16)
  float* s;    // (R, Tp): scores, then probabilities (forward); dP, then dS (backward; read transposed for dK)
  float* pack; // (Tp, MR): a last partial tile of dS^T or P^T
  float* tile; // (MR, NR)
};

/** dst (R, hsp) = the strided (T, hs) rows of src, zero-padded (columns past hs, rows past T). */
void copyRows(float* dst, const float* src, int T, int hs, int hsp, int R, size_t stride) {
  for (int t = 0; t < T; t++) {
    std::copy(src + t * stride, src + t * stride + hs, dst + (size_t)t * hsp);
    std::fill(dst + (size_t)t * hsp + hs, dst + (size_t)(t + 1) * hsp, 0.0f);
  }
  std::fill(dst + (size_t)T * hsp, dst + (size_t)R * hsp, 0.0f);
}

/** The (T, hs) rows of src transposed into Tp/16 panels (hs, 16): panel p holds positions 16p..16p+15 (zero past T). */
void toColumnPanels(float* dst, const float* src, int T, int hs, int Tp, size_t stride) {
  for (int p = 0; p < Tp / NR; p++) {
    float* d = dst + (size_t)p * hs * NR;
    for (int j = 0; j < NR; j++) {
      const int t = p * NR + j;
      if (t < T) {
        for (int e = 0; e < hs; e++) d[e * NR + j] = src[t * stride + e];
      } else {
        for (int e = 0; e < hs; e++) d[e * NR + j] = 0.0f;
      }
    }
  }
}

/** The (T, hs) rows of src as np panels (Tp, 16): panel p holds columns 16p..16p+15 (zero past hs and past T). */
void toRowPanels(float* dst, const float* src, int T, int hs, int Tp, int np, size_t stride) {
  for (int p = 0; p < np; p++) {
    float* d = dst + (size_t)p * Tp * NR;
    const int cols = std::min(NR, hs - p * NR);
    for (int t = 0; t < T; t++) {
      std::copy(src + t * stride + p * NR, src + t * stride + p * NR + cols, d + (size_t)t * NR);
      std::fill(d + (size_t)t * NR + cols, d + (size_t)(t + 1) * NR, 0.0f);
    }
    std::fill(d + (size_t)T * NR, d + (size_t)Tp * NR, 0.0f);
  }
}

/**
 * For rows t0..t0+5 (a tile) of A, from column k0, times kc rows of the np panels of B (from row k0): dst[t][16p +
 * j] += tile for t < T, j < hs - 16p (dst row stride ldd), or = when !add. A is row-major (row stride lda), or with
 * COLS stored transposed (A[t][k] at k lda + t: dS^T and P^T read in place; a last partial tile is packed first,
 * zero rows past T, so that nothing past the array is read).
 */
template <bool COLS>
__attribute__((target("avx2,fma"))) void tileRows(float* dst, size_t ldd, bool add, const float* A, size_t lda, const Head& hd, const float* panels, int t0, int k0, int kc) {
  const int rows = std::min(MR, hd.T - t0);
  const float* a = COLS ? A + (size_t)k0 * lda + t0 : A + (size_t)t0 * lda + k0;
  const bool pack = COLS && rows < MR;
  if (pack) {
    for (int k = 0; k < kc; k++)
      for (int r = 0; r < MR; r++) hd.pack[k * MR + r] = r < rows ? a[(size_t)k * lda + r] : 0.0f;
  }
  for (int p = 0; p < hd.np; p++) {
    const float* bp = panels + (size_t)p * hd.Tp * NR + (size_t)k0 * NR;
    if (pack) kernel256<MR, false>(kc, hd.pack, 0, bp, hd.tile, NR, false);
    else kernel256<MR, !COLS, COLS>(kc, a, lda, bp, hd.tile, NR, false);
    const int cols = std::min(NR, hd.hs - p * NR);
    for (int r = 0; r < rows; r++) {
      float* d = dst + (size_t)(t0 + r) * ldd + p * NR;
      const float* t = hd.tile + r * NR;
      if (add) for (int j = 0; j < cols; j++) d[j] += t[j];
      else std::copy(t, t + cols, d);
    }
  }
}

/** s[t][0..n) for the tile of rows t0.. (n = t0 + 6 capped at T, whole panels) = A rows . X^T (X^T in column panels, hs deep). */
__attribute__((target("avx2,fma"))) void tileScores(const Head& hd, const float* A, const float* xt, int t0) {
  const int n = std::min(hd.T, t0 + MR);
  for (int p = 0; p * NR < n; p++) kernel256<MR, true>(hd.hs, A + (size_t)t0 * hd.hsp, hd.hsp, xt + (size_t)p * hd.hs * NR, hd.s + (size_t)t0 * hd.Tp + p * NR, hd.Tp, false);
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
  Head h{};
  h.T = T;
  h.hs = hs;
  h.Tp = up32(T);
  h.R = std::max(upTo(T, MR), h.Tp);
  h.hsp = up8(hs);
  h.np = (hs + NR - 1) / NR;
  const size_t rows = (size_t)h.R * h.hsp, panels = (size_t)h.Tp * h.hs, byRow = (size_t)h.np * h.Tp * NR, square = (size_t)h.R * h.Tp;
  const size_t need = rows + panels + 3 * byRow + square + (size_t)h.Tp * MR + MR * NR + 64;
  std::vector<float>& s = scratch();
  if (s.size() < need) s.assign(need, 0.0f);  // zeros: padding rows are read (and their results dropped)
  float* p = s.data();
  h.qp = p; p += rows;
  h.kt = p; p += panels;
  h.pv = p; p += byRow;
  h.pq = p; p += byRow;
  h.pd = p; p += byRow;
  h.s = p; p += square;
  h.pack = p; p += (size_t)h.Tp * MR;
  h.tile = p;
  return h;
}

}  // namespace

// Each value is the same fma chain as a plain loop would make: scores and dP over d = 0..hs-1; P V, dS K over
// u = 0.. (terms past the diagonal are P = 0 or dS = 0 and add nothing); dS^T Q and P^T dO over t from the
// tile's first row (terms before the diagonal are 0).

__attribute__((target("avx2,fma"))) void attentionForwardHeads(float* out, float* att, const float* qkv, int B, int T, int C, int NH, int bh0, int bh1) {
  (void)B;
  const int hs = C / NH;
  const float scale = 1.0f / std::sqrt((float)hs);
  const size_t C3 = 3 * (size_t)C;
  Head hd = makeHead(T, hs);
  for (int bh = bh0; bh < bh1; bh++) {
    const int b = bh / NH, h = bh % NH;
    const float* q = qkv + (size_t)b * T * C3 + (size_t)h * hs;
    copyRows(hd.qp, q, T, hs, hd.hsp, hd.R, C3);
    toColumnPanels(hd.kt, q + C, T, hs, hd.Tp, C3);
    toRowPanels(hd.pv, q + 2 * C, T, hs, hd.Tp, hd.np, C3);
    float* o = out + (size_t)b * T * C + (size_t)h * hs;
    for (int t0 = 0; t0 < T; t0 += MR) {
      tileScores(hd, hd.qp, hd.kt, t0);
      const int rows = std::min(MR, T - t0);
      for (int t = t0; t < t0 + rows; t++) {
        float* row = hd.s + (size_t)t * hd.Tp;
        softmaxRow(row, t + 1, T, scale, att + ((size_t)bh * T + t) * T);
        std::fill(row + up8(t + 1), row + hd.Tp, 0.0f);  // P's zeros past the diagonal, for P V
      }
      // out = P V for these rows (P's columns up to the tile's last row)
      tileRows<false>(o, C, false, hd.s, hd.Tp, hd, hd.pv, t0, 0, t0 + rows);
    }
  }
}

__attribute__((target("avx2,fma"))) void attentionBackwardHeads(float* dqkv, const float* dout, const float* qkv, const float* att, int B, int T, int C, int NH, int bh0, int bh1) {
  (void)B;
  const int hs = C / NH;
  const float scale = 1.0f / std::sqrt((float)hs);
  const size_t C3 = 3 * (size_t)C;
  Head hd = makeHead(T, hs);
  for (int bh = bh0; bh < bh1; bh++) {
    const int b = bh / NH, h = bh % NH;
    const float* q = qkv + (size_t)b * T * C3 + (size_t)h * hs;
    const float* d = dout + (size_t)b * T * C + (size_t)h * hs;
    float* dq = dqkv + (size_t)b * T * C3 + (size_t)h * hs;
    const float* p0 = att + (size_t)bh * T * T;
    copyRows(hd.qp, d, T, hs, hd.hsp, hd.R, C);
    toColumnPanels(hd.kt, q + 2 * C, T, hs, hd.Tp, C3);  // V^T
    toRowPanels(hd.pv, q + C, T, hs, hd.Tp, hd.np, C3);  // K
    toRowPanels(hd.pq, q, T, hs, hd.Tp, hd.np, C3);      // Q
    toRowPanels(hd.pd, d, T, hs, hd.Tp, hd.np, C);       // dO
    for (int t0 = 0; t0 < T; t0 += MR) {
      tileScores(hd, hd.qp, hd.kt, t0);  // dP = dO V^T
      const int rows = std::min(MR, T - t0);
      for (int t = t0; t < t0 + rows; t++) {
        const int n = t + 1;
        const float* prow = p0 + (size_t)t * T;
        float* dsr = hd.s + (size_t)t * hd.Tp;
        // dS = P (dP - sum(P dP)) scale, and 0 past the diagonal
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
          const float g = prow[u] * (dsr[u] - dot) * scale;
          dsr[u] = std::fabs(g) >= TINY ? g : 0.0f;
        }
        std::fill(dsr + n, dsr + hd.Tp, 0.0f);
      }
      tileRows<false>(dq, C3, true, hd.s, hd.Tp, hd, hd.pv, t0, 0, t0 + rows);  // dQ += dS K
    }
    // dK[u] += sum_{t >= u} dS[t, u] Q[t]; dV[u] += sum_{t >= u} P[t, u] dO[t]
    for (int u0 = 0; u0 < T; u0 += MR) {
      tileRows<true>(dq + C, C3, true, hd.s, hd.Tp, hd, hd.pq, u0, u0, T - u0);
      tileRows<true>(dq + 2 * C, C3, true, p0, T, hd, hd.pd, u0, u0, T - u0);
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
