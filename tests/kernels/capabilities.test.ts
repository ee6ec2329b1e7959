// Backends are told apart by what they declare (their kernel memory), not by their names: the training scope
// takes activations from the active backend's arena exactly when it declares one.

import { allocArray } from "../../src/core/tensor.js";
import { fast } from "../../src/kernels/fast.js";
import { reference } from "../../src/kernels/reference.js";
import { backendNames, kernels, setBackend, withKernelScope } from "../../src/kernels/index.js";
import type { Backend, KernelMemory } from "../../src/kernels/index.js";
import { wasmRuntime } from "../../src/kernels/wasm/wasm.js";

const runtime = wasmRuntime();
const before = kernels();
afterEach(() => setBackend(before));

/** A JS backend declaring a memory of its own that records what the scope asks of its arena. */
function countingBackend(name: string): { backend: Backend; handedOut: Set<Float32Array>; calls: { alloc: number; reset: number } } {
  const calls = { alloc: 0, reset: 0 };
  const handedOut = new Set<Float32Array>();
  const memory: KernelMemory = {
    allocLongLived: (n) => new Float32Array(n),
    arena: {
      alloc: (n) => {
        calls.alloc++;
        const a = new Float32Array(n);
        handedOut.add(a);
        return a;
      },
      release: () => {},
      reset: () => void calls.reset++,
    },
  };
  return { backend: { ...fast, name, memory }, handedOut, calls };
}

test("the JS backends declare no kernel memory; the wasm ones (WebAssembly SIMD: every Node >= 20) declare the heap they share", () => {
  expect(reference.memory).toBeNull();
  expect(fast.memory).toBeNull();
  expect(runtime).not.toBeNull();
  expect(runtime!.backends.length).toBeGreaterThan(0);
  for (const b of runtime!.backends) {
    expect(b.memory).not.toBeNull();
    expect(runtime!.heap.isResident(b.memory!.allocLongLived(8))).toBe(true);
    expect(b.memory).toBe(runtime!.backends[0].memory);
  }
});

test("a backend whose name does not start with wasm still gets its arena used, and reset", () => {
  const { backend, handedOut, calls } = countingBackend("my-kernels");
  setBackend(backend);
  expect(backendNames()).toContain("my-kernels");
  const a = withKernelScope(() => allocArray("f32", 16) as Float32Array);
  expect(handedOut.has(a)).toBe(true);
  expect(calls).toEqual({ alloc: 1, reset: 1 });
});

test("a backend that declares no memory runs the scope on the JS heap, even when named like a wasm backend", () => {
  setBackend({ ...fast, name: "wasm-lookalike" });
  const a = withKernelScope(() => allocArray("f32", 16) as Float32Array);
  expect(runtime!.heap.isResident(a)).toBe(false);
  // and under a wasm backend the same scope does hand out wasm memory (so the check above can fail)
  setBackend(runtime!.backends[0]);
  expect(withKernelScope(() => runtime!.heap.isResident(allocArray("f32", 16) as Float32Array))).toBe(true);
});
