// The active kernel backend. Ops call kernels() on every use, so switching backends takes effect at once.

import type { Backend } from "./backend.js";
import { reference } from "./reference.js";
import { fast } from "./fast.js";
import { setKernelThreads, wasmRuntime } from "./wasm/wasm.js";
import * as os from "node:os";
import { setLongLivedAllocator, withF32Allocator } from "../core/tensor.js";

const registry = new Map<string, Backend>([
  [reference.name, reference],
  [fast.name, fast],
]);
// WebAssembly SIMD backends when the engine has them ("wasm-native", wasm-fma with the native gemm addon where
// `npm install` built it, is the fastest, then "wasm-fma"; "wasm" reproduces bit for bit on every engine)
const wasm = wasmRuntime();
for (const b of wasm?.backends ?? []) registry.set(b.name, b);
// parameters and optimizer state live in the memory a backend here declares (wasm memory: its kernels use them
// without copies, and the JS kernels read them as any Float32Array), whichever backend is active
const resident = [...registry.values()].find((b) => b.memory !== null)?.memory;
if (resident) setLongLivedAllocator(resident.allocLongLived);
/** What "auto" takes: the first of these that is registered here (the --backend help is generated from it). */
export const autoBackendOrder: readonly string[] = ["wasm-native", "wasm-fma", "wasm", "fast"];
const fastest: Backend = autoBackendOrder.map((n) => registry.get(n)).find((b) => b !== undefined) ?? fast;
// GPTLAB_BACKEND pins what "auto" means, e.g. "wasm" (bit-identical on every engine) for regression baselines
const pinned = process.env.GPTLAB_BACKEND || null;
const best: Backend = (pinned && registry.get(pinned)) || fastest;
let active: Backend = best;

export function kernels(): Backend {
  return active;
}

/** Adds a backend (e.g. a WebAssembly one) so that setBackend can choose it by name. */
export function registerBackend(backend: Backend): void {
  registry.set(backend.name, backend);
}

export function setBackend(nameOrBackend: string | Backend): Backend {
  if (typeof nameOrBackend !== "string") {
    registerBackend(nameOrBackend);
    active = nameOrBackend;
    return active;
  }
  if (nameOrBackend === "auto" && pinned && !registry.has(pinned)) {
    throw new Error(`GPTLAB_BACKEND=${pinned} is not a kernel backend here (known: ${backendNames().join(", ")}); unset it to use the fastest`);
  }
  const found = nameOrBackend === "auto" ? best : registry.get(nameOrBackend);
  if (!found) throw new Error(`unknown kernel backend "${nameOrBackend}" (known: auto, ${backendNames().join(", ")})`);
  active = found;
  return active;
}

/** The backend "auto" stands for in this process (GPTLAB_BACKEND, when set, pins it). */
export function autoBackendName(): string {
  return best.name;
}

export function backendNames(): string[] {
  return [...registry.keys()];
}

export type { Backend, KernelArena, KernelMemory } from "./backend.js";

/**
 * Runs one training micro-step (forward + backward) with its activations in the active backend's arena when it
 * has one (the wasm backends: no copies, no garbage), all freed when fn returns. Only numbers may leave fn.
 */
export function withKernelScope<T>(fn: () => T): T {
  const arena = active.memory?.arena;
  if (!arena) return fn();
  try {
    return withF32Allocator(arena.alloc, fn, arena.release);
  } finally {
    arena.reset();
  }
}

/** Kernel threads of the wasm backends (results are identical for any count); 0 = one per core, at most 4. */
export function setThreads(n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new Error(`threads must be an integer >= 0 (got ${n}); 0 means one per core`);
  const count = n === 0 ? Math.min(4, os.cpus().length || 1) : n;
  if (wasm) setKernelThreads(count);
  return count;
}
