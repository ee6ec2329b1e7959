// Tensor: a flat typed array with a shape, an optional gradient and the backward closure of the op that made it.
// Autograd works at the level of whole ops (matmul, attention, norms, cross-entropy), micrograd-style.

export type DType = "f32" | "f64";
export type Arr = Float32Array | Float64Array;

/** Supplies float32 arrays from elsewhere than the JS heap (e.g. wasm memory, where kernels need no copies). */
export type F32Allocator = (n: number, zero: boolean) => Float32Array;
let scopedF32: F32Allocator | null = null;
let scopedRelease: ((a: Float32Array) => void) | null = null;
let longLivedF32: ((n: number) => Float32Array) | null = null;

/** A new array; zero = false allows uninitialized memory (for outputs a kernel overwrites entirely). */
export function allocArray(dtype: DType, n: number, zero = true): Arr {
  if (dtype === "f64") return new Float64Array(n);
  return scopedF32 !== null ? scopedF32(n, zero) : new Float32Array(n);
}

/** A zeroed array that lives as long as the model: parameters, their gradients, optimizer moments. */
export function allocLongLived(dtype: DType, n: number): Arr {
  if (dtype === "f64" || longLivedF32 === null) return allocArray(dtype, n);
  return longLivedF32(n);
}

/** Where allocLongLived takes float32 arrays from (null: the JS heap). */
export function setLongLivedAllocator(alloc: ((n: number) => Float32Array) | null): void {
  longLivedF32 = alloc;
}

/**
 * Runs fn with every float32 array allocArray makes (activations, their gradients) taken from alloc. The
 * allocator may reclaim them all when fn returns, so nothing allocated inside may be used afterwards.
 */
export function withF32Allocator<T>(alloc: F32Allocator, fn: () => T, release: ((a: Float32Array) => void) | null = null): T {
  const prev = scopedF32;
  const prevRelease = scopedRelease;
  scopedF32 = alloc;
  scopedRelease = release;
  try {
    return fn();
  } finally {
    scopedF32 = prev;
    scopedRelease = prevRelease;
  }
}

export function dtypeOf(a: Arr): DType {
  return a instanceof Float64Array ? "f64" : "f32";
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`tensor shape must hold non-negative integers (got [${shape.join(", ")}])`);
    n *= d;
  }
  return n;
}

let gradEnabled = true;

/** Runs fn with gradient recording off (evaluation, sampling). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

export function isGradEnabled(): boolean {
  return gradEnabled;
}

export class Tensor {
  readonly data: Arr;
  readonly shape: readonly number[];
  grad: Arr | null = null;
  requiresGrad: boolean;
  /** Inputs of the op that made this tensor (empty for leaves). */
  parents: Tensor[] = [];
  /** Adds this tensor's gradient into its parents' gradients. */
  backwardFn: (() => void) | null = null;
  name: string;

  constructor(data: Arr, shape: readonly number[], requiresGrad = false, name = "") {
    const n = sizeOf(shape);
    if (data.length !== n) throw new Error(`tensor data has ${data.length} values but shape [${shape.join(", ")}] needs ${n}`);
    this.data = data;
    this.shape = shape;
    this.requiresGrad = requiresGrad;
    this.name = name;
  }

  static zeros(shape: readonly number[], dtype: DType = "f32", requiresGrad = false): Tensor {
    return new Tensor(allocArray(dtype, sizeOf(shape)), shape, requiresGrad);
  }

  static from(values: ArrayLike<number>, shape?: readonly number[], dtype: DType = "f32", requiresGrad = false): Tensor {
    const data = allocArray(dtype, values.length);
    data.set(values);
    return new Tensor(data, shape ?? [values.length], requiresGrad);
  }

  get size(): number {
    return this.data.length;
  }

  get dtype(): DType {
    return dtypeOf(this.data);
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.data.length !== 1) throw new Error(`item() needs a one-element tensor (shape [${this.shape.join(", ")}])`);
    return this.data[0];
  }

  /** The gradient buffer, allocated (zeroed) on first use. */
  ensureGrad(): Arr {
    if (this.grad === null) this.grad = allocArray(this.dtype, this.data.length);
    return this.grad;
  }

  /**
   * Where an op's backward puts its part of this gradient. When there is none yet, a new buffer is made without
   * zeroing and accumulate is false: the op must then write every element rather than add (this saves filling
   * every activation gradient with zeros and reading the zeros back).
   */
  gradSink(): { grad: Arr; accumulate: boolean } {
    if (this.grad !== null) return { grad: this.grad, accumulate: true };
    this.grad = allocArray(this.dtype, this.data.length, false);
    return { grad: this.grad, accumulate: false };
  }

  zeroGrad(): void {
    if (this.grad !== null) this.grad.fill(0);
  }

  /**
   * Reverse-mode autodiff from this scalar: fills .grad of every tensor that requires it.
   * `seed` is d(objective)/d(this): 1 normally, 1/n when averaging n accumulated micro-batches.
   */
  backward(seed = 1): void {
    if (this.data.length !== 1) throw new Error(`backward() starts from a scalar loss (shape [${this.shape.join(", ")}])`);
    const order = topoSort(this);
    this.ensureGrad()[0] += seed;
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      if (t.backwardFn !== null) {
        t.backwardFn();
        // an op result's gradient has reached its parents: in a scope, its memory serves later gradients
        if (scopedRelease !== null && t.grad instanceof Float32Array && t !== this) {
          scopedRelease(t.grad);
          t.grad = null;
        }
      }
    }
    // free the graph: intermediate tensors and closures become garbage now
    for (const t of order) {
      t.backwardFn = null;
      t.parents = [];
    }
  }
}

/** Post-order of the graph under root (parents before children). */
function topoSort(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  // iterative DFS: deep graphs must not overflow the call stack
  const stack: Array<[Tensor, number]> = [[root, 0]];
  seen.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    if (i < t.parents.length) {
      top[1] = i + 1;
      const p = t.parents[i];
      if (!seen.has(p) && p.requiresGrad) {
        seen.add(p);
        stack.push([p, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order;
}

/** Makes the output of an op: records parents and the backward closure when any input needs a gradient. */
export function opResult(data: Arr, shape: readonly number[], parents: Tensor[], backward: (out: Tensor) => void): Tensor {
  const needs = gradEnabled && parents.some((p) => p.requiresGrad);
  const out = new Tensor(data, shape, needs);
  if (needs) {
    out.parents = parents;
    out.backwardFn = () => {
      if (out.grad !== null) backward(out);
    };
  }
  return out;
}
