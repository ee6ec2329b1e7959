// Worker threads that run the wasm kernels on the same shared memory: a kernel call is split into disjoint
// parts (rows of C, attention heads, rows of logits), the calling thread runs part 0 and waits for the rest.
// Parts are split so that every output value is computed by the same arithmetic whatever the thread count.

import { Worker } from "node:worker_threads";
import type { WasmMemory } from "./webassembly.js";

/** Per worker: 16 int32 of control (seq, done, variant, name, argc) then 24 float64 arguments. */
const SLOT_BYTES = 256;
const MAX_ARGS = 24;

/** How long an idle worker spins before it sleeps. */
const SPIN_MS = 0.2;

// Runs in each worker: wait for a new seq, call the named export with the float64 arguments, report done.
const WORKER_SOURCE = `
const SPIN_MS = ${SPIN_MS};
const { workerData } = require("node:worker_threads");
const { modules, memory, control, index, names, nativeFile } = workerData;
const exports = modules.map((m) => new WebAssembly.Instance(m, { env: { memory } }).exports);
if (nativeFile) {
  // the native addon as one more variant (gemm rows, attention heads) on Float32Arrays over the shared memory
  const addon = require(nativeFile);
  const f32 = (p, n) => new Float32Array(memory.buffer, p, n);
  exports.push({
    nativeGemm: (ta, tb, M, N, K, a, b, c, acc, m0, m1) =>
      addon.gemmRows(ta === 1, tb === 1, M, N, K, f32(a, M * K), f32(b, K * N), f32(c, M * N), acc === 1, m0, m1),
    nativeAttentionForward: (o, att, qkv, B, T, C, NH, bh0, bh1) =>
      addon.attentionForward(f32(o, B * T * C), f32(att, B * NH * T * T), f32(qkv, 3 * B * T * C), B, T, C, NH, bh0, bh1),
    nativeAttentionBackward: (dqkv, dout, qkv, att, B, T, C, NH, bh0, bh1) =>
      addon.attentionBackward(f32(dqkv, 3 * B * T * C), f32(dout, B * T * C), f32(qkv, 3 * B * T * C), f32(att, B * NH * T * T), B, T, C, NH, bh0, bh1),
    nativeCrossEntropyForward: (probs, logits, targets, losses, N, V, n0, n1) =>
      addon.crossEntropyForward(f32(probs, N * V), f32(logits, N * V), new Int32Array(memory.buffer, targets, N), new Float64Array(memory.buffer, losses, N), V, n0, n1),
    nativeGeluForward: (out, x, n, i0, i1) => addon.geluForward(f32(out, n), f32(x, n), i0, i1),
    nativeGeluBackward: (dx, dout, x, n, i0, i1) => addon.geluBackward(f32(dx, n), f32(dout, n), f32(x, n), i0, i1),
  });
}
const i32 = new Int32Array(control, index * ${SLOT_BYTES}, 16);
const f64 = new Float64Array(control, index * ${SLOT_BYTES} + 64, ${MAX_ARGS});
let seen = 0;
for (;;) {
  // kernel calls come in bursts: spin a little before sleeping, since waking a sleeping thread (an idle vCPU
  // in a VM) takes tens of microseconds
  const spinUntil = performance.now() + SPIN_MS;
  while (Atomics.load(i32, 0) === seen && performance.now() < spinUntil);
  Atomics.wait(i32, 0, seen);
  const seq = Atomics.load(i32, 0);
  if (seq === seen) continue;
  seen = seq;
  if (i32[3] < 0) break;
  const fn = exports[i32[2]][names[i32[3]]];
  const args = Array.from(f64.subarray(0, i32[4]));
  fn(...args);
  Atomics.store(i32, 1, seq);
  Atomics.notify(i32, 1);
}
`;

export class KernelThreads {
  /** Threads in all, the calling one included. */
  readonly size: number;
  private readonly workers: Worker[] = [];
  private readonly i32: Int32Array[] = [];
  private readonly f64: Float64Array[] = [];
  private readonly nameIndex = new Map<string, number>();
  private seq = 0;

  /**
   * modules: the compiled kernel variants (a job names one by index); names: the exports jobs may call;
   * nativeFile: the native gemm addon, variant modules.length, whose export nativeGemm takes byte offsets.
   */
  constructor(size: number, modules: object[], memory: WasmMemory, names: readonly string[], nativeFile: string | null = null) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`kernel threads must be an integer >= 1 (got ${size})`);
    this.size = size;
    names.forEach((n, i) => this.nameIndex.set(n, i));
    const control = new SharedArrayBuffer(SLOT_BYTES * Math.max(1, size - 1));
    for (let w = 0; w < size - 1; w++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { modules, memory, control, index: w, names, nativeFile } });
      worker.unref();
      this.workers.push(worker);
      this.i32.push(new Int32Array(control, w * SLOT_BYTES, 16));
      this.f64.push(new Float64Array(control, w * SLOT_BYTES + 64, MAX_ARGS));
    }
  }

  /**
   * Calls exports[name] of kernel variant `variant` once per entry of parts: parts[0] on this thread, the others
   * on workers (parts.length <= size). Returns when all are done.
   */
  run(variant: number, name: string, local: (...args: number[]) => void, parts: number[][]): void {
    const n = parts.length - 1;
    if (n > this.workers.length) throw new Error(`${parts.length} parts for ${this.size} kernel threads`);
    const fn = this.nameIndex.get(name);
    if (fn === undefined) throw new Error(`kernel "${name}" is not callable from worker threads`);
    const seq = ++this.seq;
    for (let w = 0; w < n; w++) {
      const args = parts[w + 1];
      const i32 = this.i32[w];
      this.f64[w].set(args);
      i32[2] = variant;
      i32[3] = fn;
      i32[4] = args.length;
      Atomics.store(i32, 0, seq);
      Atomics.notify(i32, 0);
    }
    local(...parts[0]);
    for (let w = 0; w < n; w++) {
      const i32 = this.i32[w];
      while (Atomics.load(i32, 1) !== seq) Atomics.wait(i32, 1, Atomics.load(i32, 1), 1);
    }
  }

  /** Stops the workers. */
  close(): void {
    const seq = ++this.seq;
    this.workers.forEach((w, i) => {
      const i32 = this.i32[i];
      i32[3] = -1;
      Atomics.store(i32, 0, seq);
      Atomics.notify(i32, 0);
      void w.terminate();
    });
    this.workers.length = 0;
  }
}

/** Splits [0, n) into at most `parts` ranges whose interior bounds are multiples of `align`; empty ranges dropped. */
export function splitRange(n: number, parts: number, align: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let start = 0;
  for (let p = 0; p < parts && start < n; p++) {
    const left = parts - p;
    let end = p === parts - 1 ? n : start + Math.ceil((n - start) / left / align) * align;
    end = Math.min(n, end);
    if (end > start) out.push([start, end]);
    start = end;
  }
  return out;
}
