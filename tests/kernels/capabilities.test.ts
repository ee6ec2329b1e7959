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

/** A backend that records what the scope asks of its arena. */
function countingBackend(name: string, base: Backend): { backend: Backend; calls: { alloc: number; reset: number } } {
  const calls = { alloc: 0, reset: 0 };
  const inner = base.memory!.arena;
  const memory: KernelMemory = {
    allocLongLived: base.memory!.allocLongLived,
    arena: {
      alloc: (n, zero) => (calls.alloc++, inner.alloc(n, zero)),
      release: (a) => inner.release(a),
      reset: () => (calls.reset++, inner.reset()),
    },
  };
  return { backend: { ...base, name, memory }, calls };
}

test("the JS backends declare no kernel memory; the wasm ones declare the heap they share", () => {
  expect(reference.memory).toBeNull();
  expect(fast.memory).toBeNull();
  for (const b of runtime?.backends ?? []) {
    expect(b.memory).not.toBeNull();
    expect(runtime!.heap.isResident(b.memory!.allocLongLived(8))).toBe(true);
    expect(b.memory).toBe(runtime!.backends[0].memory);
  }
});

(runtime ? test : test.skip)("a backend whose name does not start with wasm still gets its arena used, and gives it back", () => {
  const { backend, calls } = countingBackend("my-kernels", runtime!.backends[0]);
  setBackend(backend);
  expect(backendNames()).toContain("my-kernels");
  const resident = withKernelScope(() => runtime!.heap.isResident(allocArray("f32", 16) as Float32Array));
  expect(resident).toBe(true);
  expect(calls).toEqual({ alloc: 1, reset: 1 });
});

test("a backend that declares no memory runs the scope on the JS heap, even when named like a wasm backend", () => {
  setBackend({ ...fast, name: "wasm-lookalike" });
  const a = withKernelScope(() => allocArray("f32", 16) as Float32Array);
  expect(runtime ? runtime.heap.isResident(a) : false).toBe(false);
});
