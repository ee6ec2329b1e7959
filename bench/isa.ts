// The instruction set of a speed comparison (npm run bench -- --isa avx2): both sides pinned to the same vector
// width, and the one-core multiply-add peak of each width that the roofline divides by.
//
// PyTorch 1.13 (Debian) runs its matrix products in OpenBLAS, the rest in ATen's vectorized kernels and oneDNN;
// each has its own switch, and bench/torch_ref.py reports what each then ran with (ATen's "CPU capability usage",
// openblas_get_corename(), dnnl_get_effective_cpu_isa()). gptlab's addon takes GPTLAB_NATIVE_ISA=avx2.

import { nativeGemm } from "../src/kernels/native.js";

export const ISA_CHOICES = ["native", "avx2", "avx512"] as const;
export type IsaChoice = (typeof ISA_CHOICES)[number];

/** The environment each side runs under for an --isa choice (native: as detected, nothing set). */
const PINS: Record<IsaChoice, { ours: Record<string, string | undefined>; torch: Record<string, string> }> = {
  native: { ours: {}, torch: {} },
  avx2: { ours: { GPTLAB_NATIVE_ISA: "avx2" }, torch: { ATEN_CPU_CAPABILITY: "avx2", OPENBLAS_CORETYPE: "Haswell", ONEDNN_MAX_CPU_ISA: "AVX2" } },
  avx512: { ours: { GPTLAB_NATIVE_ISA: undefined }, torch: { ATEN_CPU_CAPABILITY: "avx512", OPENBLAS_CORETYPE: "SkylakeX", ONEDNN_MAX_CPU_ISA: "AVX512_CORE" } },
};

/**
 * Sets this process's environment for the choice (the child processes of both sides inherit it); throws with
 * the reason when this CPU cannot run it.
 */
export function pinIsa(choice: string): IsaChoice {
  if (!(ISA_CHOICES as readonly string[]).includes(choice)) throw new Error(`--isa must be one of ${ISA_CHOICES.join(", ")} (got "${choice}")`);
  const isa = choice as IsaChoice;
  const pins = PINS[isa];
  for (const [k, v] of Object.entries({ ...pins.ours, ...pins.torch })) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  if (isa === "avx512" && !cpuHasAvx512()) throw new Error("--isa avx512: this CPU has no AVX-512 (lscpu shows no avx512f); use --isa avx2 or native");
  return isa;
}

function cpuHasAvx512(): boolean {
  const addon = nativeGemm();
  // the addon's detection (GPTLAB_NATIVE_ISA is unset for avx512 above); without the addon, the peak loop is absent too
  return addon !== null && addon.isa() === "avx512";
}

/** The vector width a backend's matrix products run at: the addon's ISA, else WebAssembly's 128 bits. */
export function backendBits(backend: string, addonIsa: string): 128 | 256 | 512 {
  if (backend !== "wasm-native") return 128;
  return addonIsa === "avx512" ? 512 : 256;
}

export interface Peak {
  bits: 128 | 256 | 512;
  /** GFLOP/s of the multiply-add loop by wall time and by this process's CPU time (the latter is what a quiet core does). */
  wall: number;
  cpu: number;
}

/**
 * The one-core multiply-add peak at each width this CPU has (the addon's fmaPeak loop: independent fma chains,
 * nothing else), the best of `reps` runs of about `seconds` each; empty without the addon.
 */
export function measurePeaks(reps = 3, seconds = 0.2): Peak[] {
  const addon = nativeGemm();
  if (!addon?.fmaPeak) return [];
  const out: Peak[] = [];
  for (const bits of [128, 256, 512] as const) {
    if (addon.fmaPeak(bits, 1) === 0) continue; // this CPU lacks the width
    // size the loop to about `seconds`
    let iterations = 1e5;
    for (;;) {
      const t0 = performance.now();
      addon.fmaPeak(bits, iterations);
      const dt = (performance.now() - t0) / 1000;
      if (dt > seconds / 4) {
        iterations = Math.ceil((iterations * seconds) / dt);
        break;
      }
      iterations *= 4;
    }
    let wall = 0;
    let cpu = 0;
    for (let r = 0; r < reps; r++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const flops = addon.fmaPeak(bits, iterations);
      const dt = (performance.now() - t0) / 1000;
      const c = process.cpuUsage(c0);
      wall = Math.max(wall, flops / dt / 1e9);
      cpu = Math.max(cpu, flops / ((c.user + c.system) / 1e6) / 1e9);
    }
    out.push({ bits, wall, cpu });
  }
  return out;
}
