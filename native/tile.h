// The AVX2+FMA register tile shared by the gemm (gemm.cc) and attention's small products (attention.cc): an MR x
// 16 tile of C (row stride ldc) += A . Bp, with A read in place (DIRECT: a[r lda + k]; COLS, A^T stored: a[k lda +
// r]) or from a packed (kc, MR) panel (a[k MR + r]) and Bp a packed (kc, 16) panel; load = start from C, else 0.
// Each element is the fma chain over k in order, so every caller gets the same bits for the same operands.
#pragma once

#include <immintrin.h>

#include <cstddef>

template <int MR, bool DIRECT, bool COLS = false>
inline __attribute__((target("avx2,fma"))) void kernel256(int kc, const float* a, size_t lda, const float* bp, float* c, size_t ldc, bool load) {
  __m256 acc[MR][2];
  for (int r = 0; r < MR; r++) {
    acc[r][0] = load ? _mm256_loadu_ps(c + r * ldc) : _mm256_setzero_ps();
    acc[r][1] = load ? _mm256_loadu_ps(c + r * ldc + 8) : _mm256_setzero_ps();
  }
  for (int k = 0; k < kc; k++) {
    const __m256 b0 = _mm256_loadu_ps(bp);
    const __m256 b1 = _mm256_loadu_ps(bp + 8);
    // Bp's line 8 k-steps ahead into L1 (the panel streams from L2; 2-4% on the training shapes)
    _mm_prefetch((const char*)(bp + 16 * 8), _MM_HINT_T0);
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) {
      const __m256 av = _mm256_set1_ps(DIRECT ? a[r * lda] : a[r]);
      acc[r][0] = _mm256_fmadd_ps(av, b0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(av, b1, acc[r][1]);
    }
    a += DIRECT ? 1 : COLS ? lda : MR;
    bp += 16;
  }
  for (int r = 0; r < MR; r++) {
    _mm256_storeu_ps(c + r * ldc, acc[r][0]);
    _mm256_storeu_ps(c + r * ldc + 8, acc[r][1]);
  }
}
