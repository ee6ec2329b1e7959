// Native gemm for the "wasm-native" kernel backend (src/kernels/native.ts), and the addon's N-API glue (attention
// in attention.cc): C (+)= op(A) op(B) on Float32Arrays in the wasm memory (zero-copy), AVX-512 or AVX2+FMA chosen
// at run time; rows split across std::threads (gemm) or across the caller's kernel worker threads (gemmRows).
//
// Determinism: every element of C is c = fma(a_k, b_k, c) for k = 0, 1, ..., K-1 in order, starting from C
// (accumulate) or 0, whatever the ISA, tile, edge, A read in place or packed, or thread split (edge tiles are
// zero-padded and computed by the same micro-kernel), so results are bit-identical for any thread count and on
// AVX2 and AVX-512 machines.

#include <node_api.h>
#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "attention.h"
#include "tile.h"

namespace {

constexpr int KC = 384;     // k-block: an A panel (KC x MR) stays in L1; one block at K = 384 (M5: 4-6% over 256)
constexpr int NC = 512;     // column block: B's packed block (KC x NC) stays in L2
constexpr int GROUP = 16;   // TN: row blocks whose A panels are packed together

struct Job {
  bool transA, transB;
  int M, N, K;
  const float* A;
  const float* B;
  float* C;
  bool accumulate;
};

/** Packs rows i0..i0+MR of op(A), k0..k0+kc, as (kc, MR), zero rows past M (edge blocks). */
template <int MR>
void packA(const Job& j, int i0, int k0, int kc, float* dst) {
  const int rows = std::min(MR, j.M - i0);
  for (int k = 0; k < kc; k++) {
    for (int r = 0; r < MR; r++) {
      dst[k * MR + r] = r < rows ? (j.transA ? j.A[(size_t)(k0 + k) * j.M + i0 + r] : j.A[(size_t)(i0 + r) * j.K + k0 + k]) : 0.0f;
    }
  }
}

/**
 * A stored (K,M) (transA): the full row blocks i0, i0+MR, ... (g of them) for k0..k0+kc, as g (kc, MR) panels one
 * after another, copied a row of k at a time across the group (block by block read one row per k, each on its
 * own page: TLB misses).
 */
template <int MR>
void packAGroup(const Job& j, int i0, int g, int k0, int kc, float* dst) {
  for (int k = 0; k < kc; k++) {
    const float* src = j.A + (size_t)(k0 + k) * j.M + i0;
    for (int q = 0; q < g; q++) std::memcpy(dst + (size_t)q * kc * MR + (size_t)k * MR, src + q * MR, sizeof(float) * MR);
  }
}

/** Packs columns j0..j0+nc of op(B), k0..k0+kc, as panels (kc, NR), zero columns past N. */
template <int NR>
void packB(const Job& j, int j0, int nc, int k0, int kc, float* dst) {
  for (int p = 0; p < nc; p += NR) {
    float* d = dst + (size_t)p * kc;
    const int cols = std::min(NR, j.N - j0 - p);
    if (!j.transB) {
      for (int k = 0; k < kc; k++) {
        const float* src = j.B + (size_t)(k0 + k) * j.N + j0 + p;
        int c = 0;
        for (; c < cols; c++) d[k * NR + c] = src[c];
        for (; c < NR; c++) d[k * NR + c] = 0;
      }
    } else {
      for (int c = 0; c < NR; c++) {
        if (c < cols) {
          const float* src = j.B + (size_t)(j0 + p + c) * j.K + k0;
          for (int k = 0; k < kc; k++) d[k * NR + c] = src[k];
        } else {
          for (int k = 0; k < kc; k++) d[k * NR + c] = 0;
        }
      }
    }
  }
}

// Micro-kernels: an MR x NR tile of C (row stride ldc) += A . Bp (kc, NR); load = start from C, else 0. A is a
// packed (kc, MR) panel (a[k MR + r]), or with DIRECT the row-major A itself (a[r lda + k]: no packing, which
// cost a quarter of the time when N is 128).

template <int MR, bool DIRECT>
__attribute__((target("avx512f"))) void kernel512(int kc, const float* a, size_t lda, const float* bp, float* c, size_t ldc, bool load) {
  __m512 acc[MR][2];
  for (int r = 0; r < MR; r++) {
    acc[r][0] = load ? _mm512_loadu_ps(c + r * ldc) : _mm512_setzero_ps();
    acc[r][1] = load ? _mm512_loadu_ps(c + r * ldc + 16) : _mm512_setzero_ps();
  }
  for (int k = 0; k < kc; k++) {
    const __m512 b0 = _mm512_loadu_ps(bp);
    const __m512 b1 = _mm512_loadu_ps(bp + 16);
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) {
      const __m512 av = _mm512_set1_ps(DIRECT ? a[r * lda] : a[r]);
      acc[r][0] = _mm512_fmadd_ps(av, b0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(av, b1, acc[r][1]);
    }
    a += DIRECT ? 1 : MR;
    bp += 32;
  }
  for (int r = 0; r < MR; r++) {
    _mm512_storeu_ps(c + r * ldc, acc[r][0]);
    _mm512_storeu_ps(c + r * ldc + 16, acc[r][1]);
  }
}

/** An ISA's tile: MR x NR, the packed-A and the direct-A micro-kernels. */
using Kernel = void (*)(int, const float*, size_t, const float*, float*, size_t, bool);
struct Isa512 {
  static constexpr int MR = 12, NR = 32;  // 24 accumulators of the 32 registers (12 rows beat 8 by about 10%)
  static constexpr Kernel packed = kernel512<12, false>, direct = kernel512<12, true>;
};
struct Isa256 {
  static constexpr int MR = 6, NR = 16;   // 12 accumulators of the 16 registers
  static constexpr Kernel packed = kernel256<6, false>, direct = kernel256<6, true>;
};

/** Floats of packing scratch gemmRows needs. */
template <class I>
size_t scratchFloats() {
  return (size_t)KC * I::MR * GROUP + (size_t)KC * (NC + I::NR) + 16;
}

/** Rows [m0, m1) of C. */
template <class I>
void gemmRows(const Job& j, int m0, int m1, float* scratch) {
  constexpr int MR = I::MR, NR = I::NR;
  float* const packedA = scratch;
  float* const packedB = scratch + (size_t)KC * MR * GROUP;
  float tile[MR * NR];
  for (int j0 = 0; j0 < j.N; j0 += NC) {
    const int nc = std::min(NC, j.N - j0);
    for (int k0 = 0; k0 < j.K; k0 += KC) {
      const int kc = std::min(KC, j.K - k0);
      const bool load = j.accumulate || k0 > 0;
      packB<NR>(j, j0, nc, k0, kc, packedB);
      // one block of MR rows against every panel of B: A from `a` (row stride lda, or a packed panel)
      auto block = [&](int i0, const float* a, size_t lda, Kernel kernel) {
        const int rows = std::min(MR, m1 - i0);
        for (int p = 0; p < nc; p += NR) {
          const int cols = std::min(NR, nc - p);
          float* c = j.C + (size_t)i0 * j.N + j0 + p;
          const float* bp = packedB + (size_t)p * kc;
          if (rows == MR && cols == NR) {
            kernel(kc, a, lda, bp, c, (size_t)j.N, load);
            continue;
          }
          // an edge tile: through a full tile of scratch, same arithmetic
          if (load) {
            for (int r = 0; r < rows; r++) std::memcpy(tile + r * NR, c + (size_t)r * j.N, sizeof(float) * cols);
          }
          kernel(kc, a, lda, bp, tile, NR, load);
          for (int r = 0; r < rows; r++) std::memcpy(c + (size_t)r * j.N, tile + r * NR, sizeof(float) * cols);
        }
      };
      int i0 = m0;
      const int full = m0 + (m1 - m0) / MR * MR;
      if (!j.transA) {
        // row-major A is read in place
        for (; i0 < full; i0 += MR) block(i0, j.A + (size_t)i0 * j.K + k0, (size_t)j.K, I::direct);
      } else {
        while (i0 < full) {
          const int g = std::min(GROUP, (full - i0) / MR);
          packAGroup<MR>(j, i0, g, k0, kc, packedA);
          for (int q = 0; q < g; q++) block(i0 + q * MR, packedA + (size_t)q * kc * MR, 0, I::packed);
          i0 += g * MR;
        }
      }
      if (i0 < m1) {
        // the last rows, zero-padded to a full block
        packA<MR>(j, i0, k0, kc, packedA);
        block(i0, packedA, 0, I::packed);
      }
    }
    if (j.K == 0 && !j.accumulate) {
      for (int i = m0; i < m1; i++) std::fill(j.C + (size_t)i * j.N + j0, j.C + (size_t)i * j.N + j0 + nc, 0.0f);
    }
  }
}

/** dst (cols, rows) (row stride ldd) = src (rows, cols) (row stride lds) transposed, in 8x8 blocks. */
__attribute__((target("avx2,fma"))) void transpose(float* dst, size_t ldd, const float* src, size_t lds, int rows, int cols) {
  const int r8 = rows & ~7, c8 = cols & ~7;
  for (int i = 0; i < r8; i += 8) {
    for (int j = 0; j < c8; j += 8) {
      const float* s = src + (size_t)i * lds + j;
      float* d = dst + (size_t)j * ldd + i;
      __m256 r[8], t[8], u[8];
      for (int q = 0; q < 8; q++) r[q] = _mm256_loadu_ps(s + q * lds);
      for (int q = 0; q < 8; q += 2) {
        t[q] = _mm256_unpacklo_ps(r[q], r[q + 1]);
        t[q + 1] = _mm256_unpackhi_ps(r[q], r[q + 1]);
      }
      for (int q = 0; q < 8; q += 4) {
        u[q] = _mm256_shuffle_ps(t[q], t[q + 2], 0x44);
        u[q + 1] = _mm256_shuffle_ps(t[q], t[q + 2], 0xEE);
        u[q + 2] = _mm256_shuffle_ps(t[q + 1], t[q + 3], 0x44);
        u[q + 3] = _mm256_shuffle_ps(t[q + 1], t[q + 3], 0xEE);
      }
      for (int q = 0; q < 4; q++) {
        _mm256_storeu_ps(d + q * ldd, _mm256_permute2f128_ps(u[q], u[q + 4], 0x20));
        _mm256_storeu_ps(d + (q + 4) * ldd, _mm256_permute2f128_ps(u[q], u[q + 4], 0x31));
      }
    }
  }
  for (int i = 0; i < rows; i++)
    for (int j = (i < r8 ? c8 : 0); j < cols; j++) dst[(size_t)j * ldd + i] = src[(size_t)i * lds + j];
}

/**
 * The one-core multiply-add peak: `iterations` rounds of CH independent fma chains on W-float vectors (enough
 * chains to cover the fma latency on every port), returning the flops done (2 per lane per fma); the caller times
 * it. The chains' sum is returned through `sink` so the loop is not optimized away.
 */
template <int CH>
__attribute__((target("avx512f"))) double peak512(int64_t iterations, float* sink) {
  __m512 acc[CH];
  for (int c = 0; c < CH; c++) acc[c] = _mm512_set1_ps((float)c);
  const __m512 m = _mm512_set1_ps(0.999999f), a = _mm512_set1_ps(1e-7f);
  for (int64_t i = 0; i < iterations; i++) {
#pragma GCC unroll 32
    for (int c = 0; c < CH; c++) acc[c] = _mm512_fmadd_ps(acc[c], m, a);
  }
  for (int c = 1; c < CH; c++) acc[0] = _mm512_add_ps(acc[0], acc[c]);
  *sink = _mm512_reduce_add_ps(acc[0]);
  return 2.0 * 16 * CH * (double)iterations;
}

template <int CH>
__attribute__((target("avx2,fma"))) double peak256(int64_t iterations, float* sink) {
  __m256 acc[CH];
  for (int c = 0; c < CH; c++) acc[c] = _mm256_set1_ps((float)c);
  const __m256 m = _mm256_set1_ps(0.999999f), a = _mm256_set1_ps(1e-7f);
  for (int64_t i = 0; i < iterations; i++) {
#pragma GCC unroll 16
    for (int c = 0; c < CH; c++) acc[c] = _mm256_fmadd_ps(acc[c], m, a);
  }
  for (int c = 1; c < CH; c++) acc[0] = _mm256_add_ps(acc[0], acc[c]);
  float out[8];
  _mm256_storeu_ps(out, acc[0]);
  *sink = out[0];
  return 2.0 * 8 * CH * (double)iterations;
}

/** 128-bit fma (what WebAssembly's relaxed-SIMD multiply-add becomes on x86): the bound of the portable kernels. */
template <int CH>
__attribute__((target("avx2,fma"))) double peak128(int64_t iterations, float* sink) {
  __m128 acc[CH];
  for (int c = 0; c < CH; c++) acc[c] = _mm_set1_ps((float)c);
  const __m128 m = _mm_set1_ps(0.999999f), a = _mm_set1_ps(1e-7f);
  for (int64_t i = 0; i < iterations; i++) {
#pragma GCC unroll 16
    for (int c = 0; c < CH; c++) acc[c] = _mm_fmadd_ps(acc[c], m, a);
  }
  for (int c = 1; c < CH; c++) acc[0] = _mm_add_ps(acc[0], acc[c]);
  *sink = _mm_cvtss_f32(acc[0]);
  return 2.0 * 4 * CH * (double)iterations;
}

bool hasAvx512() { return __builtin_cpu_supports("avx512f"); }
bool hasAvx2() { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }

/** Packing scratch per thread, kept between calls (gemm is only called from the JS main thread). */
std::vector<float> scratchPool;

/** Runs the job on `threads` threads: rows split in multiples of the tile height (each row computed identically). */
template <class I>
void gemmThreads(const Job& j, int threads) {
  constexpr int MR = I::MR;
  const int blocks = (j.M + MR - 1) / MR;
  threads = std::max(1, std::min(threads, blocks));
  const size_t per = scratchFloats<I>();
  if (scratchPool.size() < per * threads) scratchPool.resize(per * threads);
  float* scratch = scratchPool.data();
  if (threads == 1) {
    gemmRows<I>(j, 0, j.M, scratch);
    return;
  }
  std::vector<std::thread> pool;
  auto range = [&](int t) { return std::min(j.M, (int)(((int64_t)blocks * t / threads) * MR)); };
  for (int t = 1; t < threads; t++) pool.emplace_back([&j, &range, t, scratch, per] { gemmRows<I>(j, range(t), range(t + 1), scratch + per * t); });
  gemmRows<I>(j, 0, range(1), scratch);
  for (auto& th : pool) th.join();
}

/** Rows [m0, m1) of C on the calling thread (e.g. a kernel worker thread; its own scratch). */
template <class I>
void gemmPart(const Job& j, int m0, int m1) {
  thread_local std::vector<float> scratch;
  const size_t per = scratchFloats<I>();
  if (scratch.size() < per) scratch.resize(per);
  gemmRows<I>(j, m0, m1, scratch.data());
}

std::atomic<int> isa{-1};  // 2 = AVX-512, 1 = AVX2+FMA, 0 = neither (kernel worker threads call too)

int detectIsa() {
  if (isa < 0) {
    const char* force = std::getenv("GPTLAB_NATIVE_ISA");  // "avx2" forces the AVX2 kernel (for tests)
    isa = hasAvx512() && !(force && std::strcmp(force, "avx2") == 0) ? 2 : hasAvx2() ? 1 : 0;
  }
  return isa;
}

// ---------------------------------------------------------------------------------------------------------
// N-API glue

#define CHECK(call)                                                    \
  do {                                                                 \
    if ((call) != napi_ok) {                                           \
      napi_throw_error(env, nullptr, "gptlab native: " #call " failed"); \
      return nullptr;                                                  \
    }                                                                  \
  } while (0)

/** A typed array of the given type, with its data and length. */
bool typedArray(napi_env env, napi_value v, napi_typedarray_type want, void** data, size_t* length) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return false;
  napi_typedarray_type type;
  if (napi_get_typedarray_info(env, v, &type, length, data, nullptr, nullptr) != napi_ok) return false;
  return type == want;
}

bool floatArray(napi_env env, napi_value v, float** data, size_t* length) {
  void* p = nullptr;
  if (!typedArray(env, v, napi_float32_array, &p, length)) return false;
  *data = static_cast<float*>(p);
  return true;
}

// gemm(transA, transB, M, N, K, A, B, C, accumulate, threads): all of C on `threads` std::threads;
// gemmRows(transA, transB, M, N, K, A, B, C, accumulate, m0, m1): rows [m0, m1) of C on the calling thread
napi_value GemmAny(napi_env env, napi_callback_info info, bool part) {
  size_t argc = 11;
  napi_value argv[11];
  CHECK(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  if (argc != (part ? 11u : 10u)) {
    napi_throw_type_error(env, nullptr, part ? "gemmRows expects 11 arguments (transA, transB, M, N, K, A, B, C, accumulate, m0, m1)"
                                             : "gemm expects 10 arguments (transA, transB, M, N, K, A, B, C, accumulate, threads)");
    return nullptr;
  }
  bool ta, tb, acc;
  int32_t M, N, K, threads, m0 = 0, m1 = 0;
  CHECK(napi_get_value_bool(env, argv[0], &ta));
  CHECK(napi_get_value_bool(env, argv[1], &tb));
  CHECK(napi_get_value_int32(env, argv[2], &M));
  CHECK(napi_get_value_int32(env, argv[3], &N));
  CHECK(napi_get_value_int32(env, argv[4], &K));
  CHECK(napi_get_value_bool(env, argv[8], &acc));
  CHECK(napi_get_value_int32(env, argv[9], part ? &m0 : &threads));
  if (part) CHECK(napi_get_value_int32(env, argv[10], &m1));
  else m1 = M;
  float *A, *B, *C;
  size_t la, lb, lc;
  if (!floatArray(env, argv[5], &A, &la) || !floatArray(env, argv[6], &B, &lb) || !floatArray(env, argv[7], &C, &lc)) {
    napi_throw_type_error(env, nullptr, "gemm: A, B and C must be Float32Arrays");
    return nullptr;
  }
  if (M < 0 || N < 0 || K < 0 || la < (size_t)M * K || lb < (size_t)K * N || lc < (size_t)M * N) {
    napi_throw_range_error(env, nullptr, "gemm: M, N, K must be >= 0 and A, B, C hold at least M K, K N and M N values");
    return nullptr;
  }
  if (m0 < 0 || m1 > M || m0 > m1) {
    napi_throw_range_error(env, nullptr, "gemmRows: rows [m0, m1) must lie within [0, M)");
    return nullptr;
  }
  const Job job{ta, tb, M, N, K, A, B, C, acc};
  if (m1 > m0 && N > 0) {
    const int i = detectIsa();
    if (i == 0) {
      napi_throw_error(env, nullptr, "gemm: this CPU has neither AVX-512 nor AVX2+FMA");
      return nullptr;
    }
    if (part) {
      if (i == 2) gemmPart<Isa512>(job, m0, m1);
      else gemmPart<Isa256>(job, m0, m1);
    } else if (ta && !tb && M < N && M >= 8 && (i == 2 || K >= 2048)) {
      // C (M,N) (+)= A^T B as C^T (N,M) (+)= B^T A: the tiles want the long side as rows (the MLP projection's
      // 128x512 weight gradient ran 20% slower than the 512x128 one); the same fma chain per element. With the
      // AVX2 tile (6 rows) only for long reductions: at K 768-1024 the two transposes of C cost more than they
      // save (unswapped 8-12% faster on M4's and M5's shapes, 2% slower at M3's K = 2048)
      std::vector<float> ct((size_t)N * M);
      if (acc) transpose(ct.data(), (size_t)M, C, (size_t)N, M, N);
      const Job swapped{true, false, N, M, K, B, A, ct.data(), acc};
      if (i == 2) gemmThreads<Isa512>(swapped, threads);
      else gemmThreads<Isa256>(swapped, threads);
      transpose(C, (size_t)N, ct.data(), (size_t)M, N, M);
    } else {
      if (i == 2) gemmThreads<Isa512>(job, threads);
      else gemmThreads<Isa256>(job, threads);
    }
  }
  return nullptr;
}

napi_value Gemm(napi_env env, napi_callback_info info) { return GemmAny(env, info, false); }
napi_value GemmRows(napi_env env, napi_callback_info info) { return GemmAny(env, info, true); }

// attentionForward(out, att, qkv, B, T, C, NH, bh0, bh1) and
// attentionBackward(dqkv, dout, qkv, att, B, T, C, NH, bh0, bh1): heads [bh0, bh1) on the calling thread
napi_value Attention(napi_env env, napi_callback_info info, bool backward) {
  size_t argc = 11;
  napi_value argv[11];
  CHECK(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  const int arrays = backward ? 4 : 3;
  if (argc != (size_t)arrays + 6) {
    napi_throw_type_error(env, nullptr, backward ? "attentionBackward expects (dqkv, dout, qkv, att, B, T, C, NH, bh0, bh1)" : "attentionForward expects (out, att, qkv, B, T, C, NH, bh0, bh1)");
    return nullptr;
  }
  int32_t v[6];
  for (int i = 0; i < 6; i++) CHECK(napi_get_value_int32(env, argv[arrays + i], &v[i]));
  const int B = v[0], T = v[1], C = v[2], NH = v[3], bh0 = v[4], bh1 = v[5];
  if (B < 0 || T < 1 || NH < 1 || C < NH || C % NH != 0 || bh0 < 0 || bh1 > B * NH || bh0 > bh1) {
    napi_throw_range_error(env, nullptr, "attention: need T >= 1, C a multiple of NH >= 1, 0 <= bh0 <= bh1 <= B NH");
    return nullptr;
  }
  float* p[4];
  size_t len[4];
  for (int i = 0; i < arrays; i++) {
    if (!floatArray(env, argv[i], &p[i], &len[i])) {
      napi_throw_type_error(env, nullptr, "attention: the arrays must be Float32Arrays");
      return nullptr;
    }
  }
  const size_t btc = (size_t)B * T * C, att = (size_t)B * NH * T * T;
  const bool ok = backward ? len[0] >= 3 * btc && len[1] >= btc && len[2] >= 3 * btc && len[3] >= att
                           : len[0] >= btc && len[1] >= att && len[2] >= 3 * btc;
  if (!ok) {
    napi_throw_range_error(env, nullptr, "attention: an array is shorter than B, T, C, NH say");
    return nullptr;
  }
  if (!hasAvx2()) {
    napi_throw_error(env, nullptr, "attention: this CPU lacks AVX2+FMA");
    return nullptr;
  }
  if (backward) attentionBackwardHeads(p[0], p[1], p[2], p[3], B, T, C, NH, bh0, bh1);
  else attentionForwardHeads(p[0], p[1], p[2], B, T, C, NH, bh0, bh1);
  return nullptr;
}

napi_value AttentionForward(napi_env env, napi_callback_info info) { return Attention(env, info, false); }
napi_value AttentionBackward(napi_env env, napi_callback_info info) { return Attention(env, info, true); }

// crossEntropyForward(probs, logits, targets, losses, V, n0, n1): rows [n0, n1) on the calling thread; targets an
// Int32Array (each < V, checked by the caller), losses a Float64Array of one loss per row
napi_value CrossEntropyForward(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  CHECK(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  if (argc != 7) {
    napi_throw_type_error(env, nullptr, "crossEntropyForward expects (probs, logits, targets, losses, V, n0, n1)");
    return nullptr;
  }
  void *probs, *logits, *targets, *losses;
  size_t lp, ll, lt, lo;
  if (!typedArray(env, argv[0], napi_float32_array, &probs, &lp) || !typedArray(env, argv[1], napi_float32_array, &logits, &ll) ||
      !typedArray(env, argv[2], napi_int32_array, &targets, &lt) || !typedArray(env, argv[3], napi_float64_array, &losses, &lo)) {
    napi_throw_type_error(env, nullptr, "crossEntropyForward: probs and logits must be Float32Arrays, targets an Int32Array, losses a Float64Array");
    return nullptr;
  }
  int32_t V, n0, n1;
  CHECK(napi_get_value_int32(env, argv[4], &V));
  CHECK(napi_get_value_int32(env, argv[5], &n0));
  CHECK(napi_get_value_int32(env, argv[6], &n1));
  if (V < 1 || n0 < 0 || n0 > n1 || lt < (size_t)n1 || lo < (size_t)n1 || lp < (size_t)n1 * V || ll < (size_t)n1 * V) {
    napi_throw_range_error(env, nullptr, "crossEntropyForward: need V >= 1, 0 <= n0 <= n1, and arrays holding n1 rows");
    return nullptr;
  }
  if (!hasAvx2()) {
    napi_throw_error(env, nullptr, "crossEntropyForward: this CPU lacks AVX2+FMA");
    return nullptr;
  }
  crossEntropyRows(static_cast<float*>(probs), static_cast<const float*>(logits), static_cast<const int*>(targets), static_cast<double*>(losses), V, n0, n1);
  return nullptr;
}

// geluForward(out, x, i0, i1) and geluBackward(dx, dout, x, i0, i1): values [i0, i1) on the calling thread
napi_value Gelu(napi_env env, napi_callback_info info, bool backward) {
  const size_t want = backward ? 5 : 4;
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  if (argc != want) {
    napi_throw_type_error(env, nullptr, backward ? "geluBackward expects (dx, dout, x, i0, i1)" : "geluForward expects (out, x, i0, i1)");
    return nullptr;
  }
  float* p[3];
  size_t len[3];
  const size_t arrays = want - 2;
  for (size_t a = 0; a < arrays; a++) {
    if (!floatArray(env, argv[a], &p[a], &len[a])) {
      napi_throw_type_error(env, nullptr, "gelu: arrays must be Float32Arrays");
      return nullptr;
    }
  }
  int32_t i0, i1;
  CHECK(napi_get_value_int32(env, argv[arrays], &i0));
  CHECK(napi_get_value_int32(env, argv[arrays + 1], &i1));
  bool ok = i0 >= 0 && i0 <= i1;
  for (size_t a = 0; a < arrays; a++) ok = ok && len[a] >= (size_t)i1;
  if (!ok) {
    napi_throw_range_error(env, nullptr, backward ? "geluBackward: need 0 <= i0 <= i1 <= every array's length" : "geluForward: need 0 <= i0 <= i1 <= every array's length");
    return nullptr;
  }
  if (!hasAvx2()) {
    napi_throw_error(env, nullptr, backward ? "geluBackward: this CPU lacks AVX2+FMA" : "geluForward: this CPU lacks AVX2+FMA");
    return nullptr;
  }
  if (backward) geluBackwardRange(p[0], p[1], p[2], i0, i1);
  else geluForwardRange(p[0], p[1], i0, i1);
  return nullptr;
}

napi_value GeluForward(napi_env env, napi_callback_info info) { return Gelu(env, info, false); }
napi_value GeluBackward(napi_env env, napi_callback_info info) { return Gelu(env, info, true); }

// fmaPeak(bits, iterations): runs the 128-, 256- or 512-bit multiply-add loop and returns the flops it did (the
// caller times it); 0 when this CPU lacks that width
napi_value FmaPeak(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  int32_t bits = 0;
  double iterations = 0;
  if (argc != 2 || napi_get_value_int32(env, argv[0], &bits) != napi_ok || napi_get_value_double(env, argv[1], &iterations) != napi_ok ||
      (bits != 128 && bits != 256 && bits != 512) || !(iterations >= 1 && iterations <= 1e12)) {
    napi_throw_type_error(env, nullptr, "fmaPeak expects (bits: 128, 256 or 512, iterations: 1 to 1e12)");
    return nullptr;
  }
  float sink = 0;
  double flops = 0;
  if (bits == 512 && hasAvx512()) flops = peak512<24>((int64_t)iterations, &sink);
  else if (bits == 256 && hasAvx2()) flops = peak256<12>((int64_t)iterations, &sink);
  else if (bits == 128 && hasAvx2()) flops = peak128<12>((int64_t)iterations, &sink);
  napi_value out;
  CHECK(napi_create_double(env, sink == sink ? flops : flops + 1, &out));  // uses sink (never NaN here)
  return out;
}

// isa(): "avx512", "avx2" or "" (no usable kernel)
napi_value Isa(napi_env env, napi_callback_info) {
  const int i = detectIsa();
  napi_value s;
  const char* name = i == 2 ? "avx512" : i == 1 ? "avx2" : "";
  CHECK(napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &s));
  return s;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  CHECK(napi_create_function(env, "gemm", NAPI_AUTO_LENGTH, Gemm, nullptr, &fn));
  CHECK(napi_set_named_property(env, exports, "gemm", fn));
  CHECK(napi_create_function(env, "gemmRows", NAPI_AUTO_LENGTH, GemmRows, nullptr, &fn));
  CHECK(napi_set_named_property(env, exports, "gemmRows", fn));
  CHECK(napi_create_function(env, "attentionForward", NAPI_AUTO_LENGTH, AttentionForward, nullptr, &fn));
  CHECK(napi_set_named_property(env, exports, "attentionForward", fn));
  CHECK(napi_create_function(env, "attentionBackward", NAPI_AUTO_LENGTH, AttentionBackward, nullptr, &fn));
  CHECK(napi_set_named_property(env, exports, "attentionBackward", fn));
  CHECK(napi_create_function(env, "crossEntropyForward", NAPI_AUTO_LENGTH, CrossEntropyForward, nullptr, &fn));
  CHECK(napi_set_named_property(env, exports, "crossEntropyForward", fn));
  CHECK(napi_create_function(env, "geluForward", NAPI_AUTO_LENGTH, GeluForward, nullptr, &fn));
  CHECK(napi_set_named_property(env, exports, "geluForward", fn));
  CHECK(napi_create_function(env, "geluBackward", NAPI_AUTO_LENGTH, GeluBackward, nullptr, &fn));
  CHECK(napi_set_named_property(env, exports, "geluBackward", fn));
  CHECK(napi_create_function(env, "fmaPeak", NAPI_AUTO_LENGTH, FmaPeak, nullptr, &fn));
  CHECK(napi_set_named_property(env, exports, "fmaPeak", fn));
  CHECK(napi_create_function(env, "isa", NAPI_AUTO_LENGTH, Isa, nullptr, &fn));
  CHECK(napi_set_named_property(env, exports, "isa", fn));
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
