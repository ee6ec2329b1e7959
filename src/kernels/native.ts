// The optional native kernels (native/: gemm and causal attention, built by `npm install` with node-gyp where a
// C++ compiler is present): loads the addon if it was built, else null (the wasm kernels are used then).

import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { gptlabRoot } from "../core/package-root.js";

export interface NativeGemm {
  /** C (M,N) = op(A) op(B) (+ C), on `threads` threads; bit-identical results for any thread count. */
  gemm(transA: boolean, transB: boolean, M: number, N: number, K: number, A: Float32Array, B: Float32Array, C: Float32Array, accumulate: boolean, threads: number): void;
  /** Rows [m0, m1) of that C only, on the calling thread (each row is computed the same way as in gemm). */
  gemmRows(transA: boolean, transB: boolean, M: number, N: number, K: number, A: Float32Array, B: Float32Array, C: Float32Array, accumulate: boolean, m0: number, m1: number): void;
  /** Causal attention forward (the Backend's attentionForward) for heads bh in [bh0, bh1) of B NH. */
  attentionForward(out: Float32Array, att: Float32Array, qkv: Float32Array, B: number, T: number, C: number, NH: number, bh0: number, bh1: number): void;
  /** Its backward (dqkv +=) for heads [bh0, bh1). */
  attentionBackward(dqkv: Float32Array, dout: Float32Array, qkv: Float32Array, att: Float32Array, B: number, T: number, C: number, NH: number, bh0: number, bh1: number): void;
  /**
   * Cross-entropy forward for rows [n0, n1) (the Backend's, with one float64 loss per row into losses); absent
   * from addons built before it existed.
   */
  crossEntropyForward?(probs: Float32Array, logits: Float32Array, targets: Int32Array, losses: Float64Array, V: number, n0: number, n1: number): void;
  /** GELU forward (out = gelu(x)) on values [i0, i1); absent from addons built before it existed. */
  geluForward?(out: Float32Array, x: Float32Array, i0: number, i1: number): void;
  /** Its backward (dx += gelu'(x) dout) on values [i0, i1). */
  geluBackward?(dx: Float32Array, dout: Float32Array, x: Float32Array, i0: number, i1: number): void;
  /**
   * The one-core multiply-add loop at 128, 256 or 512 bits (independent fma chains): the flops it did, for the
   * caller to time (0 when the CPU lacks the width); the bench's roofline peak. Absent from older addons.
   */
  fmaPeak?(bits: number, iterations: number): number;
  /** The instruction set the kernel runs with: "avx512", "avx2" or "" (none usable). */
  isa(): string;
}

/** Where node-gyp puts the addon, relative to the package root. */
const ADDON = path.join("build", "Release", "gptlab_native.node");

/** The package root: the first directory above `from` holding build/Release/gptlab_native.node, or null. */
function findAddon(from: string): string | null {
  let dir = path.resolve(from);
  for (;;) {
    const file = path.join(dir, ADDON);
    if (existsSync(file)) return file;
    const up = path.dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

let loaded: NativeGemm | null | undefined;
let loadedFile: string | null = null;

/**
 * The native gemm, or null when it was not built, cannot load, or the CPU lacks AVX2+FMA. Searched in the gptlab
 * package itself (where npm install built it, also inside a user's node_modules), then above the working directory and
 * the entry script; GPTLAB_NATIVE=0 turns it off, GPTLAB_NATIVE=/path/file.node picks a file.
 */
export function nativeGemm(): NativeGemm | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  const env = process.env.GPTLAB_NATIVE;
  if (env === "0") return loaded;
  const starts = [gptlabRoot(), process.cwd(), process.argv[1] ? path.dirname(process.argv[1]) : ""].filter((s) => s !== "");
  let file: string | null = env && env !== "1" ? env : null;
  for (const s of starts) file = file ?? findAddon(s);
  if (!file) return loaded;
  try {
    const addon = createRequire(path.join(process.cwd(), "noop.js"))(file) as NativeGemm;
    if (typeof addon.gemm === "function" && typeof addon.gemmRows === "function" && typeof addon.attentionBackward === "function" && typeof addon.isa === "function" && addon.isa() !== "") {
      loaded = addon;
      loadedFile = path.resolve(file);
    }
  } catch {
    loaded = null; // built for another node or CPU: the wasm kernels do the work
  }
  return loaded;
}

/** The addon's file when nativeGemm() loaded it (kernel worker threads load the same file), else null. */
export function nativeGemmFile(): string | null {
  return nativeGemm() ? loadedFile : null;
}
