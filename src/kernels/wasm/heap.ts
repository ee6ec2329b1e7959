// The WebAssembly memory the wasm kernels work in: one shared (so growable without detaching views) memory.
// From the bottom: the module's static data, long-lived resident arrays (never freed), an arena for one
// training step's activations (freed all at once; arrays given back early are reused by length), then scratch
// for the copies of one kernel call.

import type { WasmApi, WasmMemory } from "./webassembly.js";

const PAGE = 65536;
/** Resident arrays start 64-byte aligned (a cache line). */
const ALIGN = 64;

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

export class WasmHeap {
  readonly memory: WasmMemory;
  f32: Float32Array;
  i32: Int32Array;
  /**
   * Long-lived arrays are never freed, so they stop at this many bytes (later requests get JS arrays):
   * a notebook that builds model after model cannot grow the memory without bound.
   */
  residentBudget = 1 << 30;
  /** Every buffer object this memory has had: views on any of them are resident. */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  private readonly base: number;
  private readonly maxPages: number;
  /** End of the long-lived arrays. */
  private top: number;
  /** End of the arena (>= top). */
  private arenaTop: number;
  /** Bump pointer of the current kernel call's scratch (>= arenaTop). */
  private scratch: number;
  /** Arena blocks given back before the reset, by length in floats: reused first. */
  private readonly freeBlocks = new Map<number, number[]>();

  constructor(api: WasmApi, base: number, maxPages: number) {
    this.base = alignUp(Math.max(base, PAGE), ALIGN);
    this.maxPages = maxPages;
    this.top = this.base;
    this.arenaTop = this.top;
    this.scratch = this.top;
    this.memory = new api.Memory({ initial: Math.ceil((this.top + PAGE) / PAGE), maximum: maxPages, shared: true });
    this.f32 = new Float32Array(this.memory.buffer);
    this.i32 = new Int32Array(this.memory.buffer);
    this.buffers.add(this.memory.buffer);
  }

  /** Bytes held by long-lived arrays. */
  get residentBytes(): number {
    return this.top - this.base;
  }

  /** Bytes held by the arena now. */
  get arenaBytes(): number {
    return this.arenaTop - this.top;
  }

  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    // grow by at least half again, so a growing model does not grow page by page
    const pages = Math.min(Math.ceil(Math.max(end - have, have / 2) / PAGE), this.maxPages - have / PAGE);
    if (have + pages * PAGE < end) {
      throw new Error(
        `wasm kernel memory is full: ${Math.ceil(end / 2 ** 20)} MiB needed, ${this.maxPages / 16} MiB at most; ` +
          `train a smaller model or batch, or use setBackend("fast")`,
      );
    }
    this.memory.grow(pages);
    const buf = this.memory.buffer;
    this.buffers.add(buf);
    this.f32 = new Float32Array(buf);
    this.i32 = new Int32Array(buf);
  }

  private view(p: number, n: number, zero: boolean): Float32Array {
    const v = new Float32Array(this.f32.buffer, p, n); // the buffer object recorded as resident
    if (zero) v.fill(0); // the memory may hold an earlier arena's or call's data
    return v;
  }

  /**
   * A zeroed Float32Array that lives in wasm memory, so kernels read and write it without copies. Never freed;
   * an ordinary Float32Array once residentBudget is used up.
   */
  allocF32(n: number): Float32Array {
    if (!Number.isInteger(n) || n < 0) throw new Error(`allocF32: length must be a non-negative integer (got ${n})`);
    if (this.residentBytes + n * 4 > this.residentBudget) return new Float32Array(n);
    // placed above the arena in use, which then restarts above it
    const p = alignUp(Math.max(this.top, this.arenaTop), ALIGN);
    this.ensure(p + n * 4);
    this.top = p + n * 4;
    this.arenaTop = Math.max(this.arenaTop, this.top);
    this.scratch = this.arenaTop;
    return this.view(p, n, true);
  }

  /** A Float32Array from the arena (zeroed unless zero is false): valid until resetArena(). */
  arenaF32(n: number, zero = true): Float32Array {
    const reuse = this.freeBlocks.get(n);
    if (reuse !== undefined && reuse.length > 0) return this.view(reuse.pop()!, n, zero);
    const p = alignUp(this.arenaTop, ALIGN);
    this.ensure(p + n * 4);
    this.arenaTop = p + n * 4;
    this.scratch = this.arenaTop;
    return this.view(p, n, zero);
  }

  /** Frees every arena array at once: their views then alias whatever the arena hands out next. */
  /** Gives an arena array back before the reset (its memory may be handed out again at once). */
  releaseArenaF32(a: Float32Array): void {
    if (!this.isResident(a) || a.byteOffset < this.top || a.byteOffset >= this.arenaTop) return;
    const list = this.freeBlocks.get(a.length);
    if (list === undefined) this.freeBlocks.set(a.length, [a.byteOffset]);
    else list.push(a.byteOffset);
  }

  resetArena(): void {
    this.freeBlocks.clear();
    this.arenaTop = this.top;
    this.scratch = this.top;
  }

  isResident(a: ArrayBufferView): boolean {
    return this.buffers.has(a.buffer);
  }

  /** Starts a kernel call: scratch from the previous call is free again. */
  begin(): void {
    this.scratch = this.arenaTop;
  }

  /** Uninitialized scratch bytes for the current call (16-byte aligned). */
  alloc(bytes: number): number {
    const p = alignUp(this.scratch, 16);
    this.ensure(p + bytes);
    this.scratch = p + bytes;
    return p;
  }

  /** The address of a's first n floats in wasm memory: a itself when resident, else a scratch copy (or room, when !copy). */
  place(a: Float32Array, n: number, copy: boolean): number {
    if (this.isResident(a)) return a.byteOffset;
    const p = this.alloc(n * 4);
    if (copy) this.f32.set(n === a.length ? a : a.subarray(0, n), p >> 2);
    return p;
  }

  /** A read-only placement of a (null stays 0, the kernels' "absent"). */
  placeIn(a: Float32Array | null, n: number): number {
    return a === null ? 0 : this.place(a, n, true);
  }

  /** Copies n floats back from p into a, unless a is resident (then the kernel wrote it in place). */
  writeBack(a: Float32Array, p: number, n: number): void {
    if (this.isResident(a)) return;
    a.set(this.f32.subarray(p >> 2, (p >> 2) + n));
  }

  placeI32(a: Int32Array, n: number): number {
    if (this.isResident(a)) return a.byteOffset;
    const p = this.alloc(n * 4);
    this.i32.set(n === a.length ? a : a.subarray(0, n), p >> 2);
    return p;
  }
}
