// All parameters of a model live in one flat array (and their gradients in another), llm.c style:
// each parameter tensor is a view into it, so optimizers, zeroing, clipping and saving are one loop each.

import { Tensor, allocLongLived, sizeOf } from "../core/tensor.js";
import type { Arr, DType } from "../core/tensor.js";

export interface Param {
  /** nanoGPT-style name, e.g. "transformer.h.0.attn.c_attn.weight". */
  readonly name: string;
  readonly tensor: Tensor;
  /** Offset of this parameter in the flat arrays. */
  readonly offset: number;
  /** Whether AdamW's weight decay applies (matrices yes; norms, biases and embeddings no by default). */
  readonly decay: boolean;
}

export interface ParamSpec {
  name: string;
  shape: number[];
  decay: boolean;
  /** A weight matrix multiplied by every token's activations (linear layers; the output head): FLOPs count these. */
  matmul?: boolean;
  /** Fills the fresh values (called once, in declaration order, so initialization is deterministic). */
  init: (values: Arr) => void;
}

export class ParamStore {
  readonly data: Arr;
  readonly grad: Arr;
  readonly params: Param[];
  private readonly byName = new Map<string, Param>();

  constructor(specs: ParamSpec[], dtype: DType = "f32") {
    const total = specs.reduce((n, s) => n + sizeOf(s.shape), 0);
    this.data = allocLongLived(dtype, total);
    this.grad = allocLongLived(dtype, total);
    let offset = 0;
    this.params = specs.map((s) => {
      const n = sizeOf(s.shape);
      if (this.byName.has(s.name)) throw new Error(`parameter name "${s.name}" is declared twice`);
      const tensor = new Tensor(this.data.subarray(offset, offset + n), s.shape, true, s.name);
      tensor.grad = this.grad.subarray(offset, offset + n);
      s.init(tensor.data);
      const p: Param = { name: s.name, tensor, offset, decay: s.decay };
      this.byName.set(s.name, p);
      offset += n;
      return p;
    });
  }

  get size(): number {
    return this.data.length;
  }

  get(name: string): Param {
    const p = this.byName.get(name);
    if (!p) throw new Error(`no parameter named "${name}"`);
    return p;
  }

  zeroGrad(): void {
    this.grad.fill(0);
  }
}
