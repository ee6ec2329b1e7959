// The active kernel backend. Ops call kernels() on every use, so switching backends takes effect at once.

import type { Backend } from "./backend.js";
import { reference } from "./reference.js";
import { fast } from "./fast.js";
import { allocKernelF32, kernelArena, setKernelThreads, wasmRuntime } from "./wasm/wasm.js";
import * as os from "node:os";
import { setLongLivedAllocator, withF32Allocator } from "../core/tensor.js";

const registry = new Map<string, Backend>([
  [reference.name, reference],
  [fast.name, fast],
]);
// WebAssembly SIMD backends when the engine has them ("wasm-fma" is the fastest; "wasm" reproduces bit for bit
// on every engine); parameters and optimizer state then live in wasm memory, where its kernels need no copies
const wasm = wasmRuntime();
for (const b of wasm?.backends ?? []) registry.set(b.name, b);
if (wasm) setLongLivedAllocator(allocKernelF32);
const best: Backend = registry.get("wasm-fma") ?? registry.get("wasm") ?? fast;
let active: Backend = best;

/** The fastest backend this engine can run ("auto" in configs). */
export function defaultBackend(): Backend {
  return best;
}

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
  const found = nameOrBackend === "auto" ? best : registry.get(nameOrBackend);
  if (!found) throw new Error(`unknown kernel backend "${nameOrBackend}" (known: auto, ${backendNames().join(", ")})`);
  active = found;
  return active;
}

export function backendNames(): string[] {
  return [...registry.keys()];
}

export type { Backend };

/**
 * Runs one training micro-step (forward + backward) with its activations in the active backend's arena when it
 * has one (the wasm backends: no copies, no garbage), all freed when fn returns. Only numbers may leave fn.
 */
export function withKernelScope<T>(fn: () => T): T {
  const arena = active.name.startsWith("wasm") ? kernelArena() : null;
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
