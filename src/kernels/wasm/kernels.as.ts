// @ts-nocheck -- AssemblyScript source (f32, usize, v128 types), compiled by `npm run build:wasm`, not by tsc.
// WebAssembly SIMD kernels behind src/kernels/wasm/wasm.ts; pointers are byte offsets into the shared memory.

// FMA = 1 builds the relaxed-SIMD variant (f32x4.relaxed_madd: one fused multiply-add where the CPU has it).
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (FMA) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

@inline function hsum(v: v128): f32 {
  const s = f32x4.add(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1);
}

/** [sum(v0), sum(v1), sum(v2), sum(v3)]: four horizontal sums in one vector. */
@inline function hsum4(v0: v128, v1: v128, v2: v128, v3: v128): v128 {
  const s01 = f32x4.add(v128.shuffle<f32>(v0, v1, 0, 4, 1, 5), v128.shuffle<f32>(v0, v1, 2, 6, 3, 7));
  const s23 = f32x4.add(v128.shuffle<f32>(v2, v3, 0, 4, 1, 5), v128.shuffle<f32>(v2, v3, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(s01, s23, 0, 1, 4, 5), v128.shuffle<f32>(s01, s23, 2, 3, 6, 7));
}

@inline function ld(p: usize): f32 {
  return load<f32>(p);
}

@inline function st(p: usize, v: f32): void {
  store<f32>(p, v);
}

// Flush to zero: values below 2^-100 (8e-31) become 0 where probabilities, their gradients and Adam's moments are
// made. Without it, tiny values soon reach the subnormal range (below 1.2e-38), where every x86 multiply or add
// that touches one takes a ~100-cycle microcode assist (WebAssembly cannot set the CPU's flush-to-zero mode); a
// model that fits its data well slowed down 10x that way. Such values are far below float32 resolution of
// anything they are added to, so training is unaffected.
const TINY: f32 = 7.888609052210118e-31;

@inline function ftz(v: v128): v128 {
  // zero the lanes below TINY; a NaN compares false and stays NaN (a NaN must reach the loss on every backend)
  return v128.andnot(v, f32x4.lt(f32x4.abs(v), f32x4.splat(TINY)));
}

@inline function ftzs(x: f32): f32 {
  return Mathf.abs(x) < TINY ? 0 : x;
}

// ---------------------------------------------------------------------------------------------------------
// gemm

// Triangular modes of gemmPanel, for causal attention (entries that are known zeros or unwanted are skipped
// a 4-row block at a time, so a few computed values just past the diagonal are zeros or ignored):
const FULL = 0;
/** A is lower triangular (A(i,k) = 0 for k > i): rows stop at k = i + block height. */
const A_LOWER = 1;
/** A(i,k) = 0 for k < i (the transpose of a lower-triangular matrix): rows start at k = i. */
const A_UPPER = 2;
/** Only C's lower triangle is wanted: columns stop at j = i + block height. */
const C_LOWER = 3;

/**
 * C (M,N) (+)= A . B with B (K,N) row-major and A's element (i,k) at a + 4 (i sai + k sak):
 * sai = K, sak = 1 is A (M,K) (the NN case); sai = 1, sak = M is A stored (K,M) (the TN case).
 * Register blocks of 4 rows x 8 columns: each k adds a broadcast A value times two vectors of B's row k.
 * work (0 = none) is scratch for packing (gemmWorkBytes): A's panels (contiguous, read at fixed offsets), and
 * when packB B's 8-column panels (worth it when M is large); with kc > 0 the sums run over blocks of kc values of
 * k (K here is then min(K, kc) for the scratch sizes).
 */
export function gemmRowB(M: i32, N: i32, K: i32, a: usize, sai: i32, sak: i32, b: usize, c: usize, accumulate: i32, work: usize, packB: i32, kc: i32): void {
  if (kc <= 0 || kc >= K) {
    gemmPanel(M, N, K, a, sai, sak, b, N, c, N, accumulate, work, packB, FULL);
    return;
  }
  // blocks of kc steps of k keep the packed panels in L1 when K is long (the weight-gradient case)
  for (let k0 = 0; k0 < K; k0 += kc) {
    const a0 = a + ((<usize>k0 * <usize>sak) << 2);
    const b0 = b + ((<usize>k0 * <usize>N) << 2);
    gemmPanel(M, N, min(kc, K - k0), a0, sai, sak, b0, N, c, N, accumulate | (k0 > 0 ? 1 : 0), work, packB, FULL);
  }
}

/** gemmRowB's body for one k-block, with row strides ldb and ldc (in floats) and a triangular mode. */
function gemmPanel(M: i32, N: i32, K: i32, a: usize, sai: i32, sak: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: i32, work: usize, packB: i32, tri: i32): void {
  const rowA = <usize>sai << 2;
  const stepA = <usize>sak << 2;
  const rowB = <usize>ldb << 2;
  const rowC = <usize>ldc << 2;
  // A's row blocks are copied into (K,6) or (K,4) panels: contiguous, so the register blocks load them at fixed
  // offsets (the first 24 K bytes of work)
  const packA = work != 0 && (sai == 1 || sak == 1) && M >= 4;
  let pb = b;
  let stepB = rowB;
  let panel: usize = 32;
  if (work != 0 && packB && N >= 8) {
    // B's full 8-column panels, each stored (K, 8) contiguously
    pb = work + (packA ? <usize>K * 24 : 0);
    stepB = 32;
    panel = <usize>K << 5;
    const panels = N >> 3;
    for (let q = 0; q < panels; q++) {
      let src = b + (<usize>q << 5);
      let dst = pb + <usize>q * panel;
      for (let k = 0; k < K; k++) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        src += rowB;
        dst += 32;
      }
    }
  }
  let i = 0;
  if (tri == FULL && packA && stepB == 32 && (N & 7) == 0) {
    // blocks of 6 rows x 8 columns: 12 accumulators, 1.5x the multiply-adds per load of 4 x 8 (about 5% faster);
    // every element is still the same chain of multiply-adds over k, so results do not depend on the blocking.
    // As many 6-row blocks as leave a multiple of 4 rows (for even M), so no row takes the slow 1-row path.
    let blocks6 = M / 6;
    if ((M & 1) == 0 && ((M - 6 * blocks6) & 3) != 0) blocks6--;
    // A's (K,6) panels for up to GROUP6 blocks at a time, after B's panels. A (K,M) store (TN) is copied a row of
    // k at a time across the group: packing block by block read one row per k, each on another page, and the
    // TLB misses made the weight-gradient gemms 15% slower.
    const panels = pb + <usize>(N >> 3) * panel;
    const size6 = <usize>K * 24;
    const end6 = 6 * blocks6;
    while (i < end6) {
      const g = min(GROUP6, (end6 - i) / 6);
      if (sai == 1) packA6Group(a + (<usize>i << 2), stepA, K, g, panels);
      else for (let q = 0; q < g; q++) packA6(a + <usize>(i + 6 * q) * rowA, rowA, K, panels + <usize>q * size6);
      for (let q = 0; q < g; q++) {
        const c0 = c + <usize>(i + 6 * q) * rowC;
        for (let j = 0; j < N; j += 8) block6x8(panels + <usize>q * size6, pb + <usize>(j >> 3) * panel, K, c0 + (<usize>j << 2), rowC, accumulate);
      }
      i += 6 * g;
    }
  }
  for (; i + 4 <= M; i += 4) {
    const k0 = tri == A_UPPER ? min(i, K) : 0;
    const k1 = tri == A_LOWER ? min(i + 4, K) : K;
    const n1 = tri == C_LOWER ? min(i + 4, N) : N;
    const c0 = c + <usize>i * rowC;
    let a0 = a + <usize>i * rowA + <usize>k0 * stepA;
    let ra = rowA;
    let sa = stepA;
    if (packA) {
      let src = a0;
      let dst = work;
      if (sai == 1) {
        // A stored (K,M): columns i..i+3 of rows k0..k1 are 4 contiguous floats per k
        for (let k = k0; k < k1; k++) {
          v128.store(dst, v128.load(src));
          src += stepA;
          dst += 16;
        }
      } else {
        // A (M,K): rows i..i+3, four k at a time through 4x4 transposes
        let k = k0;
        for (; k + 4 <= k1; k += 4) {
          transpose4x4(src, rowA, dst, 16);
          src += 16;
          dst += 64;
        }
        for (; k < k1; k++) {
          for (let r: usize = 0; r < 4; r++) st(dst + (r << 2), ld(src + r * rowA));
          src += 4;
          dst += 16;
        }
      }
      a0 = work;
      ra = 4;
      sa = 16;
    }
    rows4(a0, ra, sa, pb + <usize>k0 * stepB, stepB, panel, b + <usize>k0 * rowB, rowB, c0, rowC, n1, k1 - k0, accumulate);
  }
  for (; i < M; i++) {
    const k0 = tri == A_UPPER ? min(i, K) : 0;
    const k1 = tri == A_LOWER ? min(i + 1, K) : K;
    const n1 = tri == C_LOWER ? min(i + 1, N) : N;
    rows1(a + <usize>i * rowA + <usize>k0 * stepA, stepA, pb + <usize>k0 * stepB, stepB, panel, b + <usize>k0 * rowB, rowB, c + <usize>i * rowC, n1, k1 - k0, accumulate);
  }
}

/** 6-row blocks whose A panels are packed together (96 KiB of panels at K = 256). */
const GROUP6 = 16;

/** Bytes of work gemmRowB needs per call (kc = the k-block; packB as passed to it). */
export function gemmWorkBytes(N: i32, kc: i32, packB: i32): i32 {
  return kc * 24 + (packB ? kc * N * 4 + GROUP6 * kc * 24 : 0);
}

/** Columns a .. a + 6g of a (K,M) store (row k at a + k stepA) into g (K,6) panels, one after another. */
@inline function packA6Group(a: usize, stepA: usize, K: i32, g: i32, dst: usize): void {
  const size = <usize>K * 24;
  for (let k = 0; k < K; k++) {
    let src = a;
    let d = dst;
    for (let q = 0; q < g; q++) {
      v128.store(d, v128.load(src));
      store<u64>(d, load<u64>(src, 16), 16);
      src += 24;
      d += size;
    }
    a += stepA;
    dst += 24;
  }
}

/** Rows 0..5 of A (M,K) (rowA bytes apart) for k < K into a (K,6) panel. */
@inline function packA6(a: usize, rowA: usize, K: i32, dst: usize): void {
  let k = 0;
  for (; k + 4 <= K; k += 4) {
    // rows 0-3 through a 4x4 transpose (rows of the panel 24 bytes apart); rows 4 and 5 interleaved in pairs
    transpose4x4(a, rowA, dst, 24);
    const v4 = v128.load(a + 4 * rowA);
    const v5 = v128.load(a + 5 * rowA);
    const u0 = v128.shuffle<f32>(v4, v5, 0, 4, 1, 5);
    const u1 = v128.shuffle<f32>(v4, v5, 2, 6, 3, 7);
    v128.store64_lane(dst, u0, 0, 16);
    v128.store64_lane(dst, u0, 1, 40);
    v128.store64_lane(dst, u1, 0, 64);
    v128.store64_lane(dst, u1, 1, 88);
    a += 16;
    dst += 96;
  }
  for (; k < K; k++) {
    for (let r: usize = 0; r < 6; r++) st(dst + (r << 2), ld(a + r * rowA));
    a += 4;
    dst += 24;
  }
}

// The register blocks on packed panels are written as functions of their own: marked @inline, the 6x8 block ran
// at 35 GFLOP/s (V8's register allocator spilled its accumulators inside gemmPanel), as a call at 55. Binaryen
// still inlines block4x8 (edge rows and attention's small products), which measured no slower than a call.

/** C's 4x8 block at cp (+)= the (K,4) A panel at pa times the (K,8) B panel at pb. */
function block4x8(pa: usize, pb: usize, K: i32, cp: usize, rowC: usize, accumulate: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  if (accumulate) {
    c00 = v128.load(cp); c01 = v128.load(cp, 16);
    c10 = v128.load(cp + rowC); c11 = v128.load(cp + rowC, 16);
    c20 = v128.load(cp + 2 * rowC); c21 = v128.load(cp + 2 * rowC, 16);
    c30 = v128.load(cp + 3 * rowC); c31 = v128.load(cp + 3 * rowC, 16);
  }
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let av = v128.load32_splat(pa);
    c00 = madd(av, b0, c00); c01 = madd(av, b1, c01);
    av = v128.load32_splat(pa, 4);
    c10 = madd(av, b0, c10); c11 = madd(av, b1, c11);
    av = v128.load32_splat(pa, 8);
    c20 = madd(av, b0, c20); c21 = madd(av, b1, c21);
    av = v128.load32_splat(pa, 12);
    c30 = madd(av, b0, c30); c31 = madd(av, b1, c31);
    pa += 16;
    pb += 32;
  }
  v128.store(cp, c00); v128.store(cp, c01, 16);
  v128.store(cp + rowC, c10); v128.store(cp + rowC, c11, 16);
  v128.store(cp + 2 * rowC, c20); v128.store(cp + 2 * rowC, c21, 16);
  v128.store(cp + 3 * rowC, c30); v128.store(cp + 3 * rowC, c31, 16);
}

/** C's 6x8 block at cp (+)= the (K,6) A panel at pa times the (K,8) B panel at pb. */
function block6x8(pa: usize, pb: usize, K: i32, cp: usize, rowC: usize, accumulate: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0), c50 = f32x4.splat(0), c51 = f32x4.splat(0);
  if (accumulate) {
    c00 = v128.load(cp); c01 = v128.load(cp, 16);
    c10 = v128.load(cp + rowC); c11 = v128.load(cp + rowC, 16);
    c20 = v128.load(cp + 2 * rowC); c21 = v128.load(cp + 2 * rowC, 16);
    c30 = v128.load(cp + 3 * rowC); c31 = v128.load(cp + 3 * rowC, 16);
    c40 = v128.load(cp + 4 * rowC); c41 = v128.load(cp + 4 * rowC, 16);
    c50 = v128.load(cp + 5 * rowC); c51 = v128.load(cp + 5 * rowC, 16);
  }
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let av = v128.load32_splat(pa);
    c00 = madd(av, b0, c00); c01 = madd(av, b1, c01);
    av = v128.load32_splat(pa, 4);
    c10 = madd(av, b0, c10); c11 = madd(av, b1, c11);
    av = v128.load32_splat(pa, 8);
    c20 = madd(av, b0, c20); c21 = madd(av, b1, c21);
    av = v128.load32_splat(pa, 12);
    c30 = madd(av, b0, c30); c31 = madd(av, b1, c31);
    av = v128.load32_splat(pa, 16);
    c40 = madd(av, b0, c40); c41 = madd(av, b1, c41);
    av = v128.load32_splat(pa, 20);
    c50 = madd(av, b0, c50); c51 = madd(av, b1, c51);
    pa += 24;
    pb += 32;
  }
  v128.store(cp, c00); v128.store(cp, c01, 16);
  v128.store(cp + rowC, c10); v128.store(cp + rowC, c11, 16);
  v128.store(cp + 2 * rowC, c20); v128.store(cp + 2 * rowC, c21, 16);
  v128.store(cp + 3 * rowC, c30); v128.store(cp + 3 * rowC, c31, 16);
  v128.store(cp + 4 * rowC, c40); v128.store(cp + 4 * rowC, c41, 16);
  v128.store(cp + 5 * rowC, c50); v128.store(cp + 5 * rowC, c51, 16);
}

/**
 * Four rows of C: A's rows start at a0 (rowA bytes apart, stepA per k); B's 8-column panel q starts at
 * pb + q panel (stepB per k); the remaining columns read the unpacked B (rowB per k).
 */
@inline function rows4(a0: usize, rowA: usize, stepA: usize, pb: usize, stepB: usize, panel: usize, b: usize, rowB: usize, c0: usize, rowC: usize, N: i32, K: i32, accumulate: i32): void {
  let j = 0;
  const packed = rowA == 4 && stepA == 16 && stepB == 32;
  for (; j + 8 <= N; j += 8) {
    const cp = c0 + (<usize>j << 2);
    if (packed) {
      block4x8(a0, pb + <usize>(j >> 3) * panel, K, cp, rowC, accumulate);
      continue;
    }
    let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
    let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
    if (accumulate) {
      c00 = v128.load(cp); c01 = v128.load(cp, 16);
      c10 = v128.load(cp + rowC); c11 = v128.load(cp + rowC, 16);
      c20 = v128.load(cp + 2 * rowC); c21 = v128.load(cp + 2 * rowC, 16);
      c30 = v128.load(cp + 3 * rowC); c31 = v128.load(cp + 3 * rowC, 16);
    }
    let pa = a0;
    let pbk = pb + <usize>(j >> 3) * panel;
    for (let k = 0; k < K; k++) {
      const b0 = v128.load(pbk);
      const b1 = v128.load(pbk, 16);
      let av = v128.load32_splat(pa);
      c00 = madd(av, b0, c00); c01 = madd(av, b1, c01);
      av = v128.load32_splat(pa + rowA);
      c10 = madd(av, b0, c10); c11 = madd(av, b1, c11);
      av = v128.load32_splat(pa + 2 * rowA);
      c20 = madd(av, b0, c20); c21 = madd(av, b1, c21);
      av = v128.load32_splat(pa + 3 * rowA);
      c30 = madd(av, b0, c30); c31 = madd(av, b1, c31);
      pa += stepA;
      pbk += stepB;
    }
    v128.store(cp, c00); v128.store(cp, c01, 16);
    v128.store(cp + rowC, c10); v128.store(cp + rowC, c11, 16);
    v128.store(cp + 2 * rowC, c20); v128.store(cp + 2 * rowC, c21, 16);
    v128.store(cp + 3 * rowC, c30); v128.store(cp + 3 * rowC, c31, 16);
  }
  for (; j + 4 <= N; j += 4) {
    const cp = c0 + (<usize>j << 2);
    let c00 = f32x4.splat(0), c10 = f32x4.splat(0), c20 = f32x4.splat(0), c30 = f32x4.splat(0);
    if (accumulate) {
      c00 = v128.load(cp); c10 = v128.load(cp + rowC);
      c20 = v128.load(cp + 2 * rowC); c30 = v128.load(cp + 3 * rowC);
    }
    let pa = a0;
    let pbk = b + (<usize>j << 2);
    for (let k = 0; k < K; k++) {
      const b0 = v128.load(pbk);
      c00 = madd(v128.load32_splat(pa), b0, c00);
      c10 = madd(v128.load32_splat(pa + rowA), b0, c10);
      c20 = madd(v128.load32_splat(pa + 2 * rowA), b0, c20);
      c30 = madd(v128.load32_splat(pa + 3 * rowA), b0, c30);
      pa += stepA;
      pbk += rowB;
    }
    v128.store(cp, c00); v128.store(cp + rowC, c10);
    v128.store(cp + 2 * rowC, c20); v128.store(cp + 3 * rowC, c30);
  }
  for (; j < N; j++) {
    for (let r: usize = 0; r < 4; r++) gemmDot(a0 + r * rowA, stepA, b + (<usize>j << 2), rowB, K, c0 + r * rowC + (<usize>j << 2), accumulate);
  }
}

/** One row of C (the rows left over by rows4). */
@inline function rows1(a0: usize, stepA: usize, pb: usize, stepB: usize, panel: usize, b: usize, rowB: usize, c0: usize, N: i32, K: i32, accumulate: i32): void {
  let j = 0;
  for (; j + 8 <= N; j += 8) {
    const cp = c0 + (<usize>j << 2);
    let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
    if (accumulate) {
      c00 = v128.load(cp); c01 = v128.load(cp, 16);
    }
    let pa = a0;
    let pbk = pb + <usize>(j >> 3) * panel;
    for (let k = 0; k < K; k++) {
      const av = v128.load32_splat(pa);
      c00 = madd(av, v128.load(pbk), c00);
      c01 = madd(av, v128.load(pbk, 16), c01);
      pa += stepA;
      pbk += stepB;
    }
    v128.store(cp, c00); v128.store(cp, c01, 16);
  }
  for (; j + 4 <= N; j += 4) {
    const cp = c0 + (<usize>j << 2);
    let c00 = accumulate ? v128.load(cp) : f32x4.splat(0);
    let pa = a0;
    let pbk = b + (<usize>j << 2);
    for (let k = 0; k < K; k++) {
      c00 = madd(v128.load32_splat(pa), v128.load(pbk), c00);
      pa += stepA;
      pbk += rowB;
    }
    v128.store(cp, c00);
  }
  for (; j < N; j++) gemmDot(a0, stepA, b + (<usize>j << 2), rowB, K, c0 + (<usize>j << 2), accumulate);
}

/** One element of C: a strided dot product (the ragged edges of the blocked loops). */
function gemmDot(pa: usize, stepA: usize, pb: usize, stepB: usize, K: i32, cp: usize, accumulate: i32): void {
  let s: f32 = 0;
  for (let k = 0; k < K; k++) {
    s += ld(pa) * ld(pb);
    pa += stepA;
    pb += stepB;
  }
  st(cp, accumulate ? ld(cp) + s : s);
}

/**
 * C (M,N) (+)= A (M,K) . B^T with B (N,K): dot products of contiguous rows, in blocks of 2 rows x 4 columns
 * with vector accumulators over k, summed horizontally at the end. Best when M is small (no packing).
 */
export function gemmNT(M: i32, N: i32, K: i32, a: usize, b: usize, c: usize, accumulate: i32): void {
  const rowK = <usize>K << 2;
  const K4 = K & ~3;
  let i = 0;
  for (; i + 2 <= M; i += 2) {
    const a0 = a + <usize>i * rowK;
    const a1 = a0 + rowK;
    const c0 = c + <usize>(i * N) * 4;
    const c1 = c0 + (<usize>N << 2);
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      const b0 = b + <usize>j * rowK;
      const b1 = b0 + rowK;
      const b2 = b1 + rowK;
      const b3 = b2 + rowK;
      let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s02 = f32x4.splat(0), s03 = f32x4.splat(0);
      let s10 = f32x4.splat(0), s11 = f32x4.splat(0), s12 = f32x4.splat(0), s13 = f32x4.splat(0);
      for (let o: usize = 0; o < <usize>K4 << 2; o += 16) {
        const x0 = v128.load(a0 + o);
        const x1 = v128.load(a1 + o);
        let y = v128.load(b0 + o);
        s00 = madd(x0, y, s00); s10 = madd(x1, y, s10);
        y = v128.load(b1 + o);
        s01 = madd(x0, y, s01); s11 = madd(x1, y, s11);
        y = v128.load(b2 + o);
        s02 = madd(x0, y, s02); s12 = madd(x1, y, s12);
        y = v128.load(b3 + o);
        s03 = madd(x0, y, s03); s13 = madd(x1, y, s13);
      }
      let r0 = hsum4(s00, s01, s02, s03);
      let r1 = hsum4(s10, s11, s12, s13);
      for (let k = K4; k < K; k++) {
        const o = <usize>k << 2;
        const y = f32x4.replace_lane(f32x4.replace_lane(f32x4.replace_lane(f32x4.splat(ld(b0 + o)), 1, ld(b1 + o)), 2, ld(b2 + o)), 3, ld(b3 + o));
        r0 = f32x4.add(r0, f32x4.mul(v128.load32_splat(a0 + o), y));
        r1 = f32x4.add(r1, f32x4.mul(v128.load32_splat(a1 + o), y));
      }
      const cp0 = c0 + (<usize>j << 2);
      const cp1 = c1 + (<usize>j << 2);
      if (accumulate) {
        r0 = f32x4.add(v128.load(cp0), r0);
        r1 = f32x4.add(v128.load(cp1), r1);
      }
      v128.store(cp0, r0);
      v128.store(cp1, r1);
    }
    for (; j < N; j++) {
      const bj = b + <usize>j * rowK;
      st(c0 + (<usize>j << 2), dotRows(a0, bj, K) + (accumulate ? ld(c0 + (<usize>j << 2)) : 0));
      st(c1 + (<usize>j << 2), dotRows(a1, bj, K) + (accumulate ? ld(c1 + (<usize>j << 2)) : 0));
    }
  }
  for (; i < M; i++) {
    const a0 = a + <usize>i * rowK;
    const c0 = c + <usize>(i * N) * 4;
    for (let j = 0; j < N; j++) {
      const cp = c0 + (<usize>j << 2);
      st(cp, dotRows(a0, b + <usize>j * rowK, K) + (accumulate ? ld(cp) : 0));
    }
  }
}

/** Dot product of two contiguous rows of length K. */
function dotRows(x: usize, y: usize, K: i32): f32 {
  const K4 = K & ~3;
  let s = f32x4.splat(0);
  for (let o: usize = 0; o < <usize>K4 << 2; o += 16) s = madd(v128.load(x + o), v128.load(y + o), s);
  let r = hsum(s);
  for (let k = K4; k < K; k++) r += ld(x + (<usize>k << 2)) * ld(y + (<usize>k << 2));
  return r;
}

/** The 4x4 tile at s (rows rs bytes apart) transposed into d (rows ds bytes apart). */
@inline function transpose4x4(s: usize, rs: usize, d: usize, ds: usize): void {
  const v0 = v128.load(s);
  const v1 = v128.load(s + rs);
  const v2 = v128.load(s + 2 * rs);
  const v3 = v128.load(s + 3 * rs);
  const t0 = v128.shuffle<f32>(v0, v1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(v0, v1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(v2, v3, 0, 4, 1, 5);
  const t3 = v128.shuffle<f32>(v2, v3, 2, 6, 3, 7);
  v128.store(d, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
  v128.store(d + ds, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
  v128.store(d + 2 * ds, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
  v128.store(d + 3 * ds, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
}

/** dst (cols,rows) = src (rows,cols)^T, in 4x4 tiles; ls and ld are the row strides of src and dst in floats. */
export function transpose(src: usize, rows: i32, cols: i32, ls: i32, dst: usize, ldd: i32): void {
  const rs = <usize>ls << 2;
  const ds = <usize>ldd << 2;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    let q = 0;
    for (; q + 4 <= cols; q += 4) transpose4x4(src + <usize>r * rs + (<usize>q << 2), rs, dst + <usize>q * ds + (<usize>r << 2), ds);
    for (; q < cols; q++) {
      for (let rr = r; rr < r + 4; rr++) st(dst + <usize>q * ds + (<usize>rr << 2), ld(src + <usize>rr * rs + (<usize>q << 2)));
    }
  }
  for (; r < rows; r++) {
    for (let q = 0; q < cols; q++) st(dst + <usize>q * ds + (<usize>r << 2), ld(src + <usize>r * rs + (<usize>q << 2)));
  }
}

// ---------------------------------------------------------------------------------------------------------
// elementwise helpers

/**
 * e^x on four lanes: 2^n e^r with n = round(x / ln 2) and a degree-6 polynomial for e^r (|r| <= ln2 / 2).
 * Rounding by adding 1.5 * 2^23 leaves n in the low mantissa bits, so 2^n is an integer shift away.
 */
@inline function expv(x: v128): v128 {
  x = f32x4.pmax(f32x4.pmin(x, f32x4.splat(88.37)), f32x4.splat(-87.33));
  const t = f32x4.add(f32x4.mul(x, f32x4.splat(1.44269504088896341)), f32x4.splat(12582912.0));
  const n = f32x4.sub(t, f32x4.splat(12582912.0));
  // r = x - n ln2, with ln2 split in two parts so r stays exact; the multiply-adds are fused in the FMA build
  // (a third fewer operations) and the same arithmetic as before in the standard one
  let r = madd(n, f32x4.splat(-0.693359375), x);
  r = madd(n, f32x4.splat(2.12194440e-4), r);
  let p = f32x4.splat(1.9875691500e-4);
  p = madd(p, r, f32x4.splat(1.3981999507e-3));
  p = madd(p, r, f32x4.splat(8.3334519073e-3));
  p = madd(p, r, f32x4.splat(4.1665795894e-2));
  p = madd(p, r, f32x4.splat(1.6666665459e-1));
  p = madd(p, r, f32x4.splat(5.0000001201e-1));
  p = madd(f32x4.mul(p, r), r, f32x4.add(r, f32x4.splat(1)));
  // t's bits are 0x4B400000 + n; shifted left by 23 the constant part drops out, leaving n in the exponent
  return f32x4.mul(p, i32x4.add(i32x4.shl(t, 23), i32x4.splat(0x3f800000)));
}

/** e^x for one value (the same arithmetic as expv, so scalar tails agree with vector bodies). */
@inline function exps(x: f32): f32 {
  return f32x4.extract_lane(expv(f32x4.splat(x)), 0);
}

/** max over n floats at p (n >= 1). */
function rowMax(p: usize, n: i32): f32 {
  const n4 = n & ~3;
  let m: f32 = -Infinity;
  if (n4 > 0) {
    let mv = v128.load(p);
    for (let o: usize = 16; o < <usize>n4 << 2; o += 16) mv = f32x4.pmax(mv, v128.load(p + o));
    m = max(max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
  }
  for (let v = n4; v < n; v++) m = max(m, ld(p + (<usize>v << 2)));
  return m;
}

/** out[v] = e^(x[v] - m) for n floats; returns their sum (float32 within blocks of 64, float64 across). */
function expShift(out: usize, x: usize, n: i32, m: f32): f64 {
  const n4 = n & ~3;
  const mv = f32x4.splat(m);
  let s: f64 = 0;
  let o: usize = 0;
  const end = <usize>n4 << 2;
  while (o < end) {
    const stop = min(end, o + 256);
    let sv = f32x4.splat(0);
    for (; o < stop; o += 16) {
      const e = expv(f32x4.sub(v128.load(x + o), mv));
      v128.store(out + o, e);
      sv = f32x4.add(sv, e);
    }
    s += <f64>hsum(sv);
  }
  for (let v = n4; v < n; v++) {
    const e = exps(ld(x + (<usize>v << 2)) - m);
    st(out + (<usize>v << 2), e);
    s += <f64>e;
  }
  return s;
}

/** p[v] *= s for n floats. */
function scaleRow(p: usize, n: i32, s: f32): void {
  const n4 = n & ~3;
  const sv = f32x4.splat(s);
  for (let o: usize = 0; o < <usize>n4 << 2; o += 16) v128.store(p + o, f32x4.mul(v128.load(p + o), sv));
  for (let v = n4; v < n; v++) st(p + (<usize>v << 2), ld(p + (<usize>v << 2)) * s);
}

/** p[v] *= s for n floats, flushing tiny results to zero (probabilities after normalization). */
function scaleRowFtz(p: usize, n: i32, s: f32): void {
  const n4 = n & ~3;
  const sv = f32x4.splat(s);
  for (let o: usize = 0; o < <usize>n4 << 2; o += 16) v128.store(p + o, ftz(f32x4.mul(v128.load(p + o), sv)));
  for (let v = n4; v < n; v++) st(p + (<usize>v << 2), ftzs(ld(p + (<usize>v << 2)) * s));
}

// ---------------------------------------------------------------------------------------------------------
// RMSNorm

/** out (N,C) = x / rms(x) (* weight when weight != 0); rstd (N) gets 1/rms. */
export function rmsnormForward(out: usize, rstd: usize, x: usize, weight: usize, N: i32, C: i32, eps: f32): void {
  const C4 = C & ~3;
  const row = <usize>C << 2;
  for (let n = 0; n < N; n++) {
    const xr = x + <usize>n * row;
    const orow = out + <usize>n * row;
    let sv = f32x4.splat(0);
    for (let o: usize = 0; o < <usize>C4 << 2; o += 16) {
      const v = v128.load(xr + o);
      sv = madd(v, v, sv);
    }
    let ms = hsum(sv);
    for (let i = C4; i < C; i++) ms += ld(xr + (<usize>i << 2)) * ld(xr + (<usize>i << 2));
    const r: f32 = 1 / Mathf.sqrt(ms / <f32>C + eps);
    st(rstd + (<usize>n << 2), r);
    const rv = f32x4.splat(r);
    for (let o: usize = 0; o < <usize>C4 << 2; o += 16) {
      let y = f32x4.mul(v128.load(xr + o), rv);
      if (weight) y = f32x4.mul(y, v128.load(weight + o));
      v128.store(orow + o, y);
    }
    for (let i = C4; i < C; i++) {
      const o = <usize>i << 2;
      st(orow + o, ld(xr + o) * r * (weight ? ld(weight + o) : 1));
    }
  }
}

/** dx += r (g - y mean(g y)) with g = dout (* weight), y = x r; dweight += dout y (when dweight != 0). */
export function rmsnormBackward(dx: usize, dweight: usize, dout: usize, x: usize, weight: usize, rstd: usize, N: i32, C: i32): void {
  const C4 = C & ~3;
  const row = <usize>C << 2;
  for (let n = 0; n < N; n++) {
    const base = <usize>n * row;
    const r = ld(rstd + (<usize>n << 2));
    const rv = f32x4.splat(r);
    let sv = f32x4.splat(0);
    for (let o: usize = 0; o < <usize>C4 << 2; o += 16) {
      let g = v128.load(dout + base + o);
      if (weight) g = f32x4.mul(g, v128.load(weight + o));
      sv = madd(g, v128.load(x + base + o), sv);
    }
    let gy = hsum(sv);
    for (let i = C4; i < C; i++) {
      const o = <usize>i << 2;
      gy += ld(dout + base + o) * (weight ? ld(weight + o) : 1) * ld(x + base + o);
    }
    const gyMean = (gy * r) / <f32>C;
    const mv = f32x4.splat(gyMean);
    for (let o: usize = 0; o < <usize>C4 << 2; o += 16) {
      const d = v128.load(dout + base + o);
      const y = f32x4.mul(v128.load(x + base + o), rv);
      const g = weight ? f32x4.mul(d, v128.load(weight + o)) : d;
      v128.store(dx + base + o, f32x4.add(v128.load(dx + base + o), f32x4.mul(rv, f32x4.sub(g, f32x4.mul(y, mv)))));
      if (dweight) v128.store(dweight + o, madd(d, y, v128.load(dweight + o)));
    }
    for (let i = C4; i < C; i++) {
      const o = <usize>i << 2;
      const d = ld(dout + base + o);
      const y = ld(x + base + o) * r;
      const g = d * (weight ? ld(weight + o) : 1);
      st(dx + base + o, ld(dx + base + o) + r * (g - y * gyMean));
      if (dweight) st(dweight + o, ld(dweight + o) + d * y);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// causal self-attention on packed qkv (B,T,3C), one (batch, head) pair at a time as small strided gemms that
// skip the masked upper triangle; pairs bh0 <= b NH + h < bh1 (threads take disjoint ranges)

/** out (B,T,C), att (B,NH,T,T) softmax probabilities (zero above the diagonal); work: 8 T hs + 24 max(T, hs) bytes. */
export function attentionForward(out: usize, att: usize, qkv: usize, B: i32, T: i32, C: i32, NH: i32, work: usize, bh0: i32, bh1: i32): void {
  const hs = C / NH;
  const scale: f32 = 1 / Mathf.sqrt(<f32>hs);
  const kt = work; // K^T (hs, T)
  const panel = kt + (<usize>(hs * T) << 2); // packed panels of the products
  for (let bh = bh0; bh < bh1; bh++) {
    const b = bh / NH;
    const h = bh % NH;
    const q = qkv + (<usize>(b * T * 3 * C + h * hs) << 2);
    const k = q + (<usize>C << 2);
    const v = q + (<usize>(2 * C) << 2);
    const p = att + (<usize>(bh * T * T) << 2);
    transpose(k, T, hs, 3 * C, kt, T);
    // scores S = Q K^T (lower triangle), then a stable softmax of each row's first t + 1 entries
    gemmPanel(T, T, hs, q, 3 * C, 1, kt, T, p, T, 0, panel, 1, C_LOWER);
    for (let t = 0; t < T; t++) {
      const row = p + (<usize>(t * T) << 2);
      const n = t + 1;
      scaleRow(row, n, scale);
      const z = expShift(row, row, n, rowMax(row, n));
      scaleRowFtz(row, n, <f32>(1 / z));
      memory.fill(row + (<usize>n << 2), 0, <usize>(T - n) << 2);
    }
    // out = P V
    gemmPanel(T, hs, T, p, T, 1, v, 3 * C, out + (<usize>(b * T * C + h * hs) << 2), C, 0, panel, 1, A_LOWER);
  }
}

/**
 * dqkv += gradient through attention (overwritten when accumulate = 0: every value of pairs bh0..bh1 is written);
 * work: 4 T (T + 2 hs) + 24 max(T, hs) bytes of scratch.
 */
export function attentionBackward(dqkv: usize, dout: usize, qkv: usize, att: usize, B: i32, T: i32, C: i32, NH: i32, work: usize, bh0: i32, bh1: i32, accumulate: i32): void {
  const hs = C / NH;
  const scale: f32 = 1 / Mathf.sqrt(<f32>hs);
  const ds = work; // dP, then dS (T, T)
  const vt = ds + (<usize>(T * T) << 2); // V^T (hs, T)
  const panel = vt + (<usize>(hs * T) << 2); // packed panels of the products
  for (let bh = bh0; bh < bh1; bh++) {
    const b = bh / NH;
    const h = bh % NH;
    const off = <usize>(b * T * 3 * C + h * hs) << 2;
    const q = qkv + off;
    const k = q + (<usize>C << 2);
    const v = q + (<usize>(2 * C) << 2);
    const dq = dqkv + off;
    const dk = dq + (<usize>C << 2);
    const dv = dq + (<usize>(2 * C) << 2);
    const dO = dout + (<usize>(b * T * C + h * hs) << 2);
    const p = att + (<usize>(bh * T * T) << 2);
    // dP = dO V^T (lower triangle)
    transpose(v, T, hs, 3 * C, vt, T);
    gemmPanel(T, T, hs, dO, C, 1, vt, T, ds, T, 0, panel, 1, C_LOWER);
    // through the softmax: dS = P (dP - rowsum(P dP)) scale, zero above the diagonal
    for (let t = 0; t < T; t++) {
      const pr = p + (<usize>(t * T) << 2);
      const dr = ds + (<usize>(t * T) << 2);
      const n = t + 1;
      const n4 = n & ~3;
      let sv = f32x4.splat(0);
      for (let o: usize = 0; o < <usize>n4 << 2; o += 16) sv = madd(v128.load(pr + o), v128.load(dr + o), sv);
      let dot = hsum(sv);
      for (let u = n4; u < n; u++) dot += ld(pr + (<usize>u << 2)) * ld(dr + (<usize>u << 2));
      const dotv = f32x4.splat(dot);
      const sc = f32x4.splat(scale);
      for (let o: usize = 0; o < <usize>n4 << 2; o += 16) {
        v128.store(dr + o, ftz(f32x4.mul(f32x4.mul(v128.load(pr + o), f32x4.sub(v128.load(dr + o), dotv)), sc)));
      }
      for (let u = n4; u < n; u++) st(dr + (<usize>u << 2), ftzs(ld(pr + (<usize>u << 2)) * (ld(dr + (<usize>u << 2)) - dot) * scale));
      memory.fill(dr + (<usize>n << 2), 0, <usize>(T - n) << 2);
    }
    // dQ += dS K ; dK += dS^T Q ; dV += P^T dO
    gemmPanel(T, hs, T, ds, T, 1, k, 3 * C, dq, 3 * C, accumulate, panel, 1, A_LOWER);
    gemmPanel(T, hs, T, ds, 1, T, q, 3 * C, dk, 3 * C, accumulate, panel, 1, A_UPPER);
    gemmPanel(T, hs, T, p, 1, T, dO, C, dv, 3 * C, accumulate, panel, 1, A_UPPER);
  }
}

// ---------------------------------------------------------------------------------------------------------
// softmax and cross-entropy

/**
 * probs (N,V) = softmax(logits); losses (N float64) = -log p(target) for rows with target >= 0, else 0.
 * The log-sum-exp is taken in float64 (like the reference). Targets are i32 at targets.
 */
export function crossEntropyForward(probs: usize, logits: usize, targets: usize, N: i32, V: i32, losses: usize): void {
  const row = <usize>V << 2;
  for (let n = 0; n < N; n++) {
    const lr = logits + <usize>n * row;
    const pr = probs + <usize>n * row;
    const m = rowMax(lr, V);
    const z = expShift(pr, lr, V, m);
    scaleRowFtz(pr, V, <f32>(1 / z));
    const target = load<i32>(targets + (<usize>n << 2));
    store<f64>(losses + (<usize>n << 3), target >= 0 ? Math.log(z) + <f64>m - <f64>ld(lr + (<usize>target << 2)) : 0);
  }
}

/**
 * dlogits += (probs - onehot(target)) scale for rows with target >= 0; with accumulate = 0, dlogits is overwritten
 * (ignored rows become 0) and may be probs itself.
 */
export function crossEntropyBackward(dlogits: usize, probs: usize, targets: usize, N: i32, V: i32, scale: f32, accumulate: i32): void {
  const row = <usize>V << 2;
  const V4 = V & ~3;
  const sv = f32x4.splat(scale);
  for (let n = 0; n < N; n++) {
    const target = load<i32>(targets + (<usize>n << 2));
    const dr = dlogits + <usize>n * row;
    if (target < 0) {
      if (!accumulate) memory.fill(dr, 0, row);
      continue;
    }
    const pr = probs + <usize>n * row;
    if (accumulate) {
      for (let o: usize = 0; o < <usize>V4 << 2; o += 16) v128.store(dr + o, ftz(madd(v128.load(pr + o), sv, v128.load(dr + o))));
      for (let v = V4; v < V; v++) st(dr + (<usize>v << 2), ftzs(ld(dr + (<usize>v << 2)) + ld(pr + (<usize>v << 2)) * scale));
    } else {
      for (let o: usize = 0; o < <usize>V4 << 2; o += 16) v128.store(dr + o, ftz(f32x4.mul(v128.load(pr + o), sv)));
      for (let v = V4; v < V; v++) st(dr + (<usize>v << 2), ftzs(ld(pr + (<usize>v << 2)) * scale));
    }
    const t = dr + (<usize>target << 2);
    st(t, ld(t) - scale);
  }
}

/** out (N,V) = row-wise softmax of x. */
export function softmaxForward(out: usize, x: usize, N: i32, V: i32): void {
  const row = <usize>V << 2;
  for (let n = 0; n < N; n++) {
    const xr = x + <usize>n * row;
    const orow = out + <usize>n * row;
    const z = expShift(orow, xr, V, rowMax(xr, V));
    scaleRowFtz(orow, V, <f32>(1 / z));
  }
}

/** The first free byte after the module's static data: the host allocates above it. */
export function heapBase(): usize {
  return __heap_base;
}

// ---------------------------------------------------------------------------------------------------------
// elementwise ops and the optimizer update

/** out = max(x, 0). */
export function reluForward(out: usize, x: usize, n: i32): void {
  const n4 = n & ~3;
  const zero = f32x4.splat(0);
  for (let o: usize = 0; o < <usize>n4 << 2; o += 16) v128.store(out + o, f32x4.pmax(v128.load(x + o), zero));
  for (let i = n4; i < n; i++) {
    const v = ld(x + (<usize>i << 2));
    st(out + (<usize>i << 2), v > 0 ? v : 0);
  }
}

/** dx += dout where x > 0; with accumulate = 0, dx = dout where x > 0, else 0 (dx may be dout itself). */
export function reluBackward(dx: usize, dout: usize, x: usize, n: i32, accumulate: i32): void {
  const n4 = n & ~3;
  const zero = f32x4.splat(0);
  for (let o: usize = 0; o < <usize>n4 << 2; o += 16) {
    const g = v128.and(v128.load(dout + o), f32x4.gt(v128.load(x + o), zero));
    v128.store(dx + o, accumulate ? f32x4.add(v128.load(dx + o), g) : g);
  }
  for (let i = n4; i < n; i++) {
    const o = <usize>i << 2;
    const g: f32 = ld(x + o) > 0 ? ld(dout + o) : 0;
    st(dx + o, accumulate ? ld(dx + o) + g : g);
  }
}

/** out = a + b. */
export function addForward(out: usize, a: usize, b: usize, n: i32): void {
  const n4 = n & ~3;
  for (let o: usize = 0; o < <usize>n4 << 2; o += 16) v128.store(out + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
  for (let i = n4; i < n; i++) st(out + (<usize>i << 2), ld(a + (<usize>i << 2)) + ld(b + (<usize>i << 2)));
}

/** dst += src. */
export function accumulate(dst: usize, src: usize, n: i32): void {
  const n4 = n & ~3;
  for (let o: usize = 0; o < <usize>n4 << 2; o += 16) v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  for (let i = n4; i < n; i++) st(dst + (<usize>i << 2), ld(dst + (<usize>i << 2)) + ld(src + (<usize>i << 2)));
}

/** out (M,N) += bias (N) on every row. */
export function addBias(out: usize, bias: usize, M: i32, N: i32): void {
  const n4 = N & ~3;
  const row = <usize>N << 2;
  for (let r = 0; r < M; r++) {
    const o = out + <usize>r * row;
    for (let j: usize = 0; j < <usize>n4 << 2; j += 16) v128.store(o + j, f32x4.add(v128.load(o + j), v128.load(bias + j)));
    for (let j = n4; j < N; j++) st(o + (<usize>j << 2), ld(o + (<usize>j << 2)) + ld(bias + (<usize>j << 2)));
  }
}

/**
 * dbias (N) += the column sums of g (M rows of N, row stride `stride` floats), each column summed row by row in order (as
 * a JS loop does): columns are independent, so a split by columns gives the same bits.
 */
export function biasGrad(dbias: usize, g: usize, M: i32, N: i32, stride: i32): void {
  const row = <usize>stride << 2;
  let j = 0;
  for (; j + 16 <= N; j += 16) {
    const p = dbias + (<usize>j << 2);
    let a0 = v128.load(p), a1 = v128.load(p + 16), a2 = v128.load(p + 32), a3 = v128.load(p + 48);
    let q = g + (<usize>j << 2);
    for (let r = 0; r < M; r++, q += row) {
      a0 = f32x4.add(a0, v128.load(q));
      a1 = f32x4.add(a1, v128.load(q + 16));
      a2 = f32x4.add(a2, v128.load(q + 32));
      a3 = f32x4.add(a3, v128.load(q + 48));
    }
    v128.store(p, a0);
    v128.store(p + 16, a1);
    v128.store(p + 32, a2);
    v128.store(p + 48, a3);
  }
  for (; j + 4 <= N; j += 4) {
    const p = dbias + (<usize>j << 2);
    let a = v128.load(p);
    let q = g + (<usize>j << 2);
    for (let r = 0; r < M; r++, q += row) a = f32x4.add(a, v128.load(q));
    v128.store(p, a);
  }
  for (; j < N; j++) {
    const p = dbias + (<usize>j << 2);
    let a = ld(p);
    for (let r = 0; r < M; r++) a += ld(g + <usize>r * row + (<usize>j << 2));
    st(p, a);
  }
}

/** Sum of x^2 (float32 within blocks of 64, float64 across). */
export function sumSquares(x: usize, n: i32): f64 {
  const n4 = n & ~3;
  const end = <usize>n4 << 2;
  let s: f64 = 0;
  let o: usize = 0;
  while (o < end) {
    const stop = min(end, o + 256);
    let sv = f32x4.splat(0);
    for (; o < stop; o += 16) {
      const v = v128.load(x + o);
      sv = madd(v, v, sv);
    }
    s += <f64>hsum(sv);
  }
  for (let i = n4; i < n; i++) {
    const v = ld(x + (<usize>i << 2));
    s += <f64>(v * v);
  }
  return s;
}

/**
 * Adam / AdamW on n values: g' = g + l2 p; m = b1 m + (1 - b1) g'; v = b2 v + (1 - b2) g'^2;
 * p = p shrink - lr (m / bc1) / (sqrt(v / bc2) + eps).
 */
export function adamStep(p: usize, g: usize, m: usize, v: usize, n: i32, lr: f32, beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, eps: f32, bc1: f32, bc2: f32, shrink: f32, l2: f32): void {
  // 1 - beta comes from the host in float64: 1 - (float32 0.99) would be off by 16 ulp
  const n4 = n & ~3;
  const b1 = f32x4.splat(beta1), c1 = f32x4.splat(oneMinusBeta1);
  const b2 = f32x4.splat(beta2), c2 = f32x4.splat(oneMinusBeta2);
  const lrv = f32x4.splat(lr / bc1), ibc2 = f32x4.splat(1 / bc2), ev = f32x4.splat(eps);
  const sh = f32x4.splat(shrink), l2v = f32x4.splat(l2);
  for (let o: usize = 0; o < <usize>n4 << 2; o += 16) {
    const pv = v128.load(p + o);
    const gv = f32x4.add(v128.load(g + o), f32x4.mul(l2v, pv));
    const mv = f32x4.add(f32x4.mul(b1, v128.load(m + o)), f32x4.mul(c1, gv));
    const vv = f32x4.add(f32x4.mul(b2, v128.load(v + o)), f32x4.mul(c2, f32x4.mul(gv, gv)));
    v128.store(m + o, ftz(mv));
    v128.store(v + o, ftz(vv));
    const step = f32x4.div(f32x4.mul(lrv, mv), f32x4.add(f32x4.sqrt(f32x4.mul(vv, ibc2)), ev));
    v128.store(p + o, f32x4.sub(f32x4.mul(pv, sh), step));
  }
  for (let i = n4; i < n; i++) {
    const o = <usize>i << 2;
    const pi = ld(p + o);
    const gi = ld(g + o) + l2 * pi;
    const mi = beta1 * ld(m + o) + oneMinusBeta1 * gi;
    const vi = beta2 * ld(v + o) + oneMinusBeta2 * (gi * gi);
    st(m + o, ftzs(mi));
    st(v + o, ftzs(vi));
    st(p + o, pi * shrink - ((lr / bc1) * mi) / (Mathf.sqrt(vi * (1 / bc2)) + eps));
  }
}

// ---------------------------------------------------------------------------------------------------------
// LayerNorm and GELU (the GPT-2 preset)

/** out (N,C) = (x - mean) rstd (* weight) (+ bias); mean and rstd (N) kept for the backward pass. */
export function layernormForward(out: usize, mean: usize, rstd: usize, x: usize, weight: usize, bias: usize, N: i32, C: i32, eps: f32): void {
  const C4 = C & ~3;
  const row = <usize>C << 2;
  for (let n = 0; n < N; n++) {
    const xr = x + <usize>n * row;
    const orow = out + <usize>n * row;
    let sv = f32x4.splat(0);
    for (let o: usize = 0; o < <usize>C4 << 2; o += 16) sv = f32x4.add(sv, v128.load(xr + o));
    let s = hsum(sv);
    for (let i = C4; i < C; i++) s += ld(xr + (<usize>i << 2));
    const m = s / <f32>C;
    const mv = f32x4.splat(m);
    let qv = f32x4.splat(0);
    for (let o: usize = 0; o < <usize>C4 << 2; o += 16) {
      const d = f32x4.sub(v128.load(xr + o), mv);
      qv = madd(d, d, qv);
    }
    let q = hsum(qv);
    for (let i = C4; i < C; i++) {
      const d = ld(xr + (<usize>i << 2)) - m;
      q += d * d;
    }
    const r: f32 = 1 / Mathf.sqrt(q / <f32>C + eps);
    st(mean + (<usize>n << 2), m);
    st(rstd + (<usize>n << 2), r);
    const rv = f32x4.splat(r);
    for (let o: usize = 0; o < <usize>C4 << 2; o += 16) {
      let y = f32x4.mul(f32x4.sub(v128.load(xr + o), mv), rv);
      if (weight) y = f32x4.mul(y, v128.load(weight + o));
      if (bias) y = f32x4.add(y, v128.load(bias + o));
      v128.store(orow + o, y);
    }
    for (let i = C4; i < C; i++) {
      const o = <usize>i << 2;
      st(orow + o, (ld(xr + o) - m) * r * (weight ? ld(weight + o) : 1) + (bias ? ld(bias + o) : 0));
    }
  }
}

/** dx += r (g - mean(g) - y mean(g y)) with g = dout (* weight); dweight += dout y; dbias += dout. */
export function layernormBackward(dx: usize, dweight: usize, dbias: usize, dout: usize, x: usize, weight: usize, mean: usize, rstd: usize, N: i32, C: i32): void {
  const C4 = C & ~3;
  const row = <usize>C << 2;
  for (let n = 0; n < N; n++) {
    const base = <usize>n * row;
    const m = ld(mean + (<usize>n << 2));
    const r = ld(rstd + (<usize>n << 2));
    const mv = f32x4.splat(m);
    const rv = f32x4.splat(r);
    let gv = f32x4.splat(0);
    let gyv = f32x4.splat(0);
    for (let o: usize = 0; o < <usize>C4 << 2; o += 16) {
      let g = v128.load(dout + base + o);
      if (weight) g = f32x4.mul(g, v128.load(weight + o));
      gv = f32x4.add(gv, g);
      gyv = madd(g, f32x4.mul(f32x4.sub(v128.load(x + base + o), mv), rv), gyv);
    }
    let gs = hsum(gv);
    let gys = hsum(gyv);
    for (let i = C4; i < C; i++) {
      const o = <usize>i << 2;
      const g = ld(dout + base + o) * (weight ? ld(weight + o) : 1);
      gs += g;
      gys += g * (ld(x + base + o) - m) * r;
    }
    const gMean = gs / <f32>C;
    const gyMean = gys / <f32>C;
    const gmv = f32x4.splat(gMean);
    const gymv = f32x4.splat(gyMean);
    for (let o: usize = 0; o < <usize>C4 << 2; o += 16) {
      const d = v128.load(dout + base + o);
      const y = f32x4.mul(f32x4.sub(v128.load(x + base + o), mv), rv);
      const g = weight ? f32x4.mul(d, v128.load(weight + o)) : d;
      v128.store(dx + base + o, f32x4.add(v128.load(dx + base + o), f32x4.mul(rv, f32x4.sub(f32x4.sub(g, gmv), f32x4.mul(y, gymv)))));
      if (dweight) v128.store(dweight + o, madd(d, y, v128.load(dweight + o)));
      if (dbias) v128.store(dbias + o, f32x4.add(v128.load(dbias + o), d));
    }
    for (let i = C4; i < C; i++) {
      const o = <usize>i << 2;
      const d = ld(dout + base + o);
      const y = (ld(x + base + o) - m) * r;
      const g = d * (weight ? ld(weight + o) : 1);
      st(dx + base + o, ld(dx + base + o) + r * (g - gMean - y * gyMean));
      if (dweight) st(dweight + o, ld(dweight + o) + d * y);
      if (dbias) st(dbias + o, ld(dbias + o) + d);
    }
  }
}

/**
 * dweight += dout y and dbias += dout (either may be 0) for columns [c0, c1) of LayerNorm's backward, every column
 * summed over the rows in order with the arithmetic of layernormBackward (vector lanes below C & ~3, scalar
 * above): a split by columns at multiples of 4 gives the bits of one call over all of them.
 */
export function layernormParamGrad(dweight: usize, dbias: usize, dout: usize, x: usize, mean: usize, rstd: usize, N: i32, C: i32, c0: i32, c1: i32): void {
  const C4 = C & ~3;
  const row = <usize>C << 2;
  const v1 = min(c1, C4);
  for (let c = c0; c < v1; c += 4) {
    const o = <usize>c << 2;
    let dw = dweight ? v128.load(dweight + o) : f32x4.splat(0);
    let db = dbias ? v128.load(dbias + o) : f32x4.splat(0);
    for (let n = 0; n < N; n++) {
      const base = <usize>n * row;
      const d = v128.load(dout + base + o);
      const y = f32x4.mul(f32x4.sub(v128.load(x + base + o), f32x4.splat(ld(mean + (<usize>n << 2)))), f32x4.splat(ld(rstd + (<usize>n << 2))));
      dw = madd(d, y, dw);
      db = f32x4.add(db, d);
    }
    if (dweight) v128.store(dweight + o, dw);
    if (dbias) v128.store(dbias + o, db);
  }
  for (let c = max(c0, C4); c < c1; c++) {
    const o = <usize>c << 2;
    let dw: f32 = dweight ? ld(dweight + o) : 0;
    let db: f32 = dbias ? ld(dbias + o) : 0;
    for (let n = 0; n < N; n++) {
      const base = <usize>n * row;
      const d = ld(dout + base + o);
      const y = (ld(x + base + o) - ld(mean + (<usize>n << 2))) * ld(rstd + (<usize>n << 2));
      dw += d * y;
      db += d;
    }
    if (dweight) st(dweight + o, dw);
    if (dbias) st(dbias + o, db);
  }
}

const GELU_SCALE: f32 = 0.7978845608028654; // sqrt(2 / pi)

/** tanh on four lanes as 1 - 2 / (e^(2u) + 1). */
@inline function tanhv(u: v128): v128 {
  return f32x4.sub(f32x4.splat(1), f32x4.div(f32x4.splat(2), f32x4.add(expv(f32x4.add(u, u)), f32x4.splat(1))));
}

/** GELU, tanh approximation, on four lanes: x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2. */
@inline function geluv(v: v128): v128 {
  const u = f32x4.mul(f32x4.splat(GELU_SCALE), madd(f32x4.mul(f32x4.splat(0.044715), v), f32x4.mul(v, v), v));
  return f32x4.mul(f32x4.mul(f32x4.splat(0.5), v), f32x4.add(f32x4.splat(1), tanhv(u)));
}

/** d gelu(x) / dx on four lanes. */
@inline function geluGradv(v: v128): v128 {
  const half = f32x4.splat(0.5), one = f32x4.splat(1), k = f32x4.splat(GELU_SCALE);
  const v2 = f32x4.mul(v, v);
  const th = tanhv(f32x4.mul(k, madd(f32x4.mul(f32x4.splat(0.044715), v), v2, v)));
  const sech2 = f32x4.sub(one, f32x4.mul(th, th));
  const du = f32x4.mul(k, madd(f32x4.splat(3 * 0.044715), v2, one));
  return f32x4.add(f32x4.mul(half, f32x4.add(one, th)), f32x4.mul(f32x4.mul(f32x4.mul(half, v), sech2), du));
}

/** out = gelu(x). */
export function geluForward(out: usize, x: usize, n: i32): void {
  const n4 = n & ~3;
  for (let o: usize = 0; o < <usize>n4 << 2; o += 16) v128.store(out + o, geluv(v128.load(x + o)));
  for (let i = n4; i < n; i++) st(out + (<usize>i << 2), f32x4.extract_lane(geluv(f32x4.splat(ld(x + (<usize>i << 2)))), 0));
}

/** dx += gelu'(x) dout. */
export function geluBackward(dx: usize, dout: usize, x: usize, n: i32): void {
  const n4 = n & ~3;
  for (let o: usize = 0; o < <usize>n4 << 2; o += 16) v128.store(dx + o, madd(geluGradv(v128.load(x + o)), v128.load(dout + o), v128.load(dx + o)));
  for (let i = n4; i < n; i++) {
    const o = <usize>i << 2;
    st(dx + o, ld(dx + o) + f32x4.extract_lane(geluGradv(f32x4.splat(ld(x + o))), 0) * ld(dout + o));
  }
}
