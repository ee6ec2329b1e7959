// The GPT model: config with validation, named presets, parameter layout with nanoGPT tensor names,
// one forward pass built from autograd ops that serves training and KV-cached generation alike, and an optional
// readout of every layer's attention weights.

import { Tensor, allocArray, noGrad } from "../core/tensor.js";
import type { Arr, DType } from "../core/tensor.js";
import * as ops from "./ops.js";
import { withKernelScope } from "../kernels/index.js";
import { Rng } from "../core/random.js";
import { ParamStore } from "./params.js";
import type { ParamSpec } from "./params.js";

export interface GPTConfig {
  vocabSize: number;
  blockSize: number;
  nEmbd: number;
  nHead: number;
  nLayer: number;
  /** "rms": RMSNorm; "layer": LayerNorm. */
  norm: "rms" | "layer";
  /** Learned norm weights (and biases for LayerNorm when bias is on). The lab's RMSNorm has none. */
  normWeights: boolean;
  activation: "relu" | "gelu";
  /** Biases in linear layers (and LayerNorm). */
  bias: boolean;
  /** Output layer shares the token embedding matrix. */
  tieWeights: boolean;
  dropout: number;
  initStd: number;
  /** GPT-2: residual projections start with std initStd / sqrt(2 * nLayer). */
  scaledResidualInit: boolean;
  /** microgpt: a norm right after the embeddings. */
  embedNorm: boolean;
  /** GPT-2: a norm before the output layer. */
  finalNorm: boolean;
  mlpRatio: number;
  normEps: number;
  /** Blocks without the MLP (and its norm): attention and the residual stream only (interpretability toys). */
  attentionOnly: boolean;
}

const LAB: GPTConfig = {
  vocabSize: 597,
  blockSize: 16,
  nEmbd: 32,
  nHead: 4,
  nLayer: 2,
  norm: "rms",
  normWeights: false,
  activation: "relu",
  bias: false,
  tieWeights: false,
  dropout: 0,
  initStd: 0.08,
  scaledResidualInit: false,
  embedNorm: true,
  finalNorm: false,
  mlpRatio: 4,
  normEps: 1e-5,
  attentionOnly: false,
};

const GPT2: GPTConfig = {
  ...LAB,
  blockSize: 64,
  nEmbd: 64,
  nHead: 4,
  nLayer: 4,
  norm: "layer",
  normWeights: true,
  activation: "gelu",
  bias: true,
  tieWeights: true,
  initStd: 0.02,
  scaledResidualInit: true,
  embedNorm: false,
  finalNorm: true,
};

/**
 * Named presets. `lab` is the word-level lab's microgpt model (63,296 parameters at vocab 597).
 * The size tiers keep the lab's architecture and grow width/depth; their parameter counts depend on the
 * vocabulary (about 29K, 87K, 159K and 0.95M at vocab 597: see `describeModel`).
 */
export const presets: Record<string, GPTConfig> = {
  lab: LAB,
  gpt2: GPT2,
  micro: { ...LAB, nEmbd: 16, nHead: 4, nLayer: 3 },
  small: { ...LAB, nEmbd: 40, nHead: 4, nLayer: 2 },
  standard: { ...LAB, nEmbd: 60, nHead: 4, nLayer: 2 },
  medium: { ...LAB, nEmbd: 128, nHead: 4, nLayer: 4, blockSize: 64, initStd: 0.02 },
};

/** The architecture a config bundles, in words, from its fields (--bias, --norm, --activation, ... change each). */
export function architectureText(c: GPTConfig): string {
  const weights = !c.normWeights ? "without weights" : c.norm === "layer" && c.bias ? "with weight and bias" : "with weights";
  const parts = [`${c.norm === "rms" ? "RMSNorm" : "LayerNorm"} ${weights}`, c.activation === "gelu" ? "GELU" : "ReLU", c.bias ? "biases" : "no biases", c.tieWeights ? "tied embeddings" : "untied output", `init std ${c.initStd}`];
  if (c.scaledResidualInit) parts.push("scaled residual init");
  return parts.join(", ");
}

export const presetDescriptions: Record<string, string> = {
  lab: `the word-level lab's microgpt: ${architectureText(LAB)}`,
  gpt2: `GPT-2 style, nanoGPT's model: ${architectureText(GPT2)}`,
  micro: "size tier ~30K parameters at vocab 597 (n_embd 16, 3 layers)",
  small: "size tier ~90K parameters at vocab 597 (n_embd 40, 2 layers)",
  standard: "size tier ~160K parameters at vocab 597 (n_embd 60, 2 layers)",
  medium: "size tier ~1M parameters at vocab 597 (n_embd 128, 4 layers, block 64)",
};

/** A preset by name, with overrides; errors list the known presets. */
export function presetConfig(name: string, overrides: Partial<GPTConfig> = {}): GPTConfig {
  const base = presets[name];
  if (!base) throw new Error(`unknown preset "${name}" (known: ${Object.keys(presets).join(", ")})`);
  return validateConfig({ ...base, ...overrides });
}

/** Checks every field; errors name the field, the value and the allowed range. */
export function validateConfig(config: Partial<GPTConfig>): GPTConfig {
  const known = new Set(Object.keys(LAB));
  for (const key of Object.keys(config)) {
    if (!known.has(key)) throw new Error(`model config: unknown key "${key}" (known: ${[...known].join(", ")})`);
  }
  const c = { ...LAB, ...config } as GPTConfig;
  const posInt = (key: keyof GPTConfig): void => {
    const v = c[key];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1) {
      throw new Error(`model config: ${key} must be a positive integer (got ${JSON.stringify(v)})`);
    }
  };
  (["vocabSize", "blockSize", "nEmbd", "nHead", "nLayer", "mlpRatio"] as const).forEach(posInt);
  if (c.nEmbd % c.nHead !== 0) {
    throw new Error(`model config: nEmbd (${c.nEmbd}) must be divisible by nHead (${c.nHead}); try nHead = ${divisorNear(c.nEmbd, c.nHead)}`);
  }
  const oneOf = (key: keyof GPTConfig, allowed: readonly string[]): void => {
    if (!allowed.includes(c[key] as string)) throw new Error(`model config: ${key} must be one of ${allowed.join(" | ")} (got ${JSON.stringify(c[key])})`);
  };
  oneOf("norm", ["rms", "layer"]);
  oneOf("activation", ["relu", "gelu"]);
  for (const key of ["normWeights", "bias", "tieWeights", "scaledResidualInit", "embedNorm", "finalNorm", "attentionOnly"] as const) {
    if (typeof c[key] !== "boolean") throw new Error(`model config: ${key} must be true or false (got ${JSON.stringify(c[key])})`);
  }
  if (typeof c.dropout !== "number" || !(c.dropout >= 0 && c.dropout < 1)) throw new Error(`model config: dropout must be in [0, 1) (got ${JSON.stringify(c.dropout)})`);
  if (typeof c.initStd !== "number" || !(c.initStd > 0 && Number.isFinite(c.initStd))) throw new Error(`model config: initStd must be a finite number > 0 (got ${JSON.stringify(c.initStd)})`);
  if (typeof c.normEps !== "number" || !(c.normEps > 0)) throw new Error(`model config: normEps must be > 0 (got ${JSON.stringify(c.normEps)})`);
  return c;
}

function divisorNear(n: number, h: number): number {
  for (let d = 0; d < n; d++) {
    if (h - d >= 1 && n % (h - d) === 0) return h - d;
    if (n % (h + d) === 0) return h + d;
  }
  return 1;
}

/** The parameter layout, in a fixed order, with nanoGPT names and each tensor's initializer. */
export function parameterSpecs(config: GPTConfig, rng: Rng): ParamSpec[] {
  const { vocabSize: V, blockSize: T, nEmbd: C, nLayer: L, mlpRatio } = config;
  const normal = (std: number) => (a: Arr) => {
    for (let i = 0; i < a.length; i++) a[i] = rng.normal(0, std);
  };
  const fill = (v: number) => (a: Arr) => a.fill(v);
  const residualStd = config.scaledResidualInit ? config.initStd / Math.sqrt(2 * L) : config.initStd;
  const specs: ParamSpec[] = [];
  const linear = (name: string, out: number, inp: number, std = config.initStd): void => {
    specs.push({ name: `${name}.weight`, shape: [out, inp], decay: true, matmul: true, init: normal(std) });
    if (config.bias) specs.push({ name: `${name}.bias`, shape: [out], decay: false, init: fill(0) });
  };
  const norm = (name: string): void => {
    if (!config.normWeights) return;
    specs.push({ name: `${name}.weight`, shape: [C], decay: false, init: fill(1) });
    if (config.norm === "layer" && config.bias) specs.push({ name: `${name}.bias`, shape: [C], decay: false, init: fill(0) });
  };
  specs.push({ name: "transformer.wte.weight", shape: [V, C], decay: false, matmul: config.tieWeights, init: normal(config.initStd) });
  specs.push({ name: "transformer.wpe.weight", shape: [T, C], decay: false, init: normal(config.initStd) });
  if (config.embedNorm) norm("transformer.ln_e");
  for (let l = 0; l < L; l++) {
    const p = `transformer.h.${l}`;
    norm(`${p}.ln_1`);
    linear(`${p}.attn.c_attn`, 3 * C, C);
    linear(`${p}.attn.c_proj`, C, C, residualStd);
    if (config.attentionOnly) continue;
    norm(`${p}.ln_2`);
    linear(`${p}.mlp.c_fc`, mlpRatio * C, C);
    linear(`${p}.mlp.c_proj`, C, mlpRatio * C, residualStd);
  }
  if (config.finalNorm) norm("transformer.ln_f");
  if (!config.tieWeights) specs.push({ name: "lm_head.weight", shape: [V, C], decay: true, matmul: true, init: normal(config.initStd) });
  return specs;
}

export interface ModelSummary {
  params: number;
  /** Bytes of float32 weights. */
  weightBytes: number;
  /** Weights + gradients + two Adam moments, float32. */
  trainingStateBytes: number;
  /** Rough activation memory kept for backward per sequence of blockSize tokens, float32. */
  activationBytesPerSequence: number;
  /** Forward+backward FLOPs per token (6 * matmul params + attention), for throughput figures. */
  flopsPerToken: number;
}

/** Parameter count and memory of any config, without allocating the model. */
export function describeModel(config: GPTConfig): ModelSummary {
  const c = validateConfig(config);
  const specs = parameterSpecs(c, new Rng(0));
  const size = (s: ParamSpec): number => s.shape.reduce((a, b) => a * b, 1);
  const params = specs.reduce((n, s) => n + size(s), 0);
  const matmulParams = specs.reduce((n, s) => n + (s.matmul ? size(s) : 0), 0);
  const { nEmbd: C, nLayer: L, blockSize: T, vocabSize: V, nHead: H, mlpRatio: R } = c;
  const mlp = c.attentionOnly ? 0 : R;
  const perTokenActs = L * (C * (6 + 2 * mlp) + 3 * C + H * T) + V * 2 + C * 2;
  return {
    params,
    weightBytes: params * 4,
    trainingStateBytes: params * 16,
    activationBytesPerSequence: perTokenActs * T * 4,
    flopsPerToken: 6 * matmulParams + L * 6 * T * C,
  };
}

export interface ForwardOptions {
  /** Enables dropout (needs rng). */
  training?: boolean;
  rng?: Rng;
  /**
   * Receives each layer's attention probabilities, (B, nHead, T, T) row-major, as they are computed (only the
   * causal part t' <= t of row t is meaningful; copy what you keep). See src/eval/attention.ts.
   */
  onAttention?: (layer: number, weights: Arr) => void;
  /**
   * Inference with a KV cache (B = 1, no gradients): the inputs continue the sequence held in the cache, at
   * positions cache.length.., and the cache grows by T.
   */
  cache?: KVCache;
}

export interface ForwardResult {
  /** (B, T, V) */
  logits: Tensor;
  /** Mean cross-entropy over non-ignored targets, when targets were given. */
  loss: Tensor | null;
}

/** A linear layer's weights; a norm's (either may be absent: the lab's RMSNorm has no weight). */
export interface LinearWeights {
  weight: Tensor;
  bias: Tensor | null;
}
export interface NormWeights {
  weight: Tensor | null;
  bias: Tensor | null;
}
export interface BlockWeights {
  ln1: NormWeights;
  attn: LinearWeights;
  attnProj: LinearWeights;
  /** null in an attention-only model */
  mlp: { ln2: NormWeights; fc: LinearWeights; proj: LinearWeights } | null;
}
/** The model's weights as typed views into its ParamStore, looked up by name once, when the model is built. */
export interface GPTWeights {
  wte: Tensor;
  wpe: Tensor;
  lnE: NormWeights;
  blocks: BlockWeights[];
  lnF: NormWeights;
  /** the output head: wte itself when the weights are tied */
  head: Tensor;
}

function weightsOf(config: GPTConfig, store: ParamStore): GPTWeights {
  const byName = new Map(store.params.map((p) => [p.name, p.tensor]));
  const opt = (name: string): Tensor | null => byName.get(name) ?? null;
  const req = (name: string): Tensor => {
    const t = byName.get(name);
    if (!t) throw new Error(`model has no parameter ${name}`);
    return t;
  };
  const norm = (prefix: string): NormWeights => ({ weight: opt(`${prefix}.weight`), bias: opt(`${prefix}.bias`) });
  const linear = (prefix: string): LinearWeights => ({ weight: req(`${prefix}.weight`), bias: opt(`${prefix}.bias`) });
  const blocks = Array.from({ length: config.nLayer }, (_, l): BlockWeights => {
    const p = `transformer.h.${l}`;
    return {
      ln1: norm(`${p}.ln_1`),
      attn: linear(`${p}.attn.c_attn`),
      attnProj: linear(`${p}.attn.c_proj`),
      mlp: config.attentionOnly ? null : { ln2: norm(`${p}.ln_2`), fc: linear(`${p}.mlp.c_fc`), proj: linear(`${p}.mlp.c_proj`) },
    };
  });
  const wte = req("transformer.wte.weight");
  return { wte, wpe: req("transformer.wpe.weight"), lnE: norm("transformer.ln_e"), blocks, lnF: norm("transformer.ln_f"), head: config.tieWeights ? wte : req("lm_head.weight") };
}

export class GPT {
  readonly config: GPTConfig;
  readonly store: ParamStore;
  readonly weights: GPTWeights;

  constructor(config: GPTConfig, rng: Rng, dtype: DType = "f32") {
    this.config = validateConfig(config);
    this.store = new ParamStore(parameterSpecs(this.config, rng), dtype);
    this.weights = weightsOf(this.config, this.store);
  }

  get numParams(): number {
    return this.store.size;
  }

  private normOp(x: Tensor, w: NormWeights): Tensor {
    const { norm, normEps } = this.config;
    return norm === "rms" ? ops.rmsnorm(x, w.weight, normEps) : ops.layernorm(x, w.weight, w.bias, normEps);
  }

  /** Token ids (B*T, row-major) -> logits (B, T, V) and, with targets, the mean cross-entropy. */
  forward(inputs: Int32Array, B: number, T: number, targets?: Int32Array, opts: ForwardOptions = {}): ForwardResult {
    const cfg = this.config;
    const { cache, onAttention } = opts;
    if (inputs.length !== B * T) throw new Error(`forward: ${inputs.length} input ids for B=${B} x T=${T}`);
    const start = cache ? cache.length : 0;
    if (cache && B !== 1) throw new Error(`forward: a KV cache holds one sequence (got B=${B})`);
    if (cache && start + T > cfg.blockSize) throw new Error(`KV cache is full (blockSize ${cfg.blockSize}); crop the context and start a new cache`);
    if (T > cfg.blockSize) throw new Error(`forward: sequence length T=${T} exceeds blockSize ${cfg.blockSize}`);
    const drop = (x: Tensor): Tensor => (opts.training && cfg.dropout > 0 ? ops.dropout(x, cfg.dropout, needRng(opts)) : x);
    const positions = new Int32Array(T);
    for (let t = 0; t < T; t++) positions[t] = start + t;
    const W = this.weights;
    const linear = (x: Tensor, w: LinearWeights): Tensor => ops.linear(x, w.weight, w.bias);
    let x = ops.add(ops.embedding(W.wte, inputs, [B, T]), ops.embedding(W.wpe, positions, [T])); // (B, T, C)
    x = drop(x);
    if (cfg.embedNorm) x = this.normOp(x, W.lnE);
    W.blocks.forEach((b, l) => {
      const qkv = linear(this.normOp(x, b.ln1), b.attn); // (B, T, 3C)
      const att = cache
        ? cachedAttention(qkv, cache, l, cfg.nHead) // (1, T, C)
        : ops.causalSelfAttention(qkv, cfg.nHead, onAttention && ((w: Arr) => onAttention(l, w))); // (B, T, C)
      x = ops.add(x, drop(linear(att, b.attnProj)));
      if (!b.mlp) return;
      const h = linear(this.normOp(x, b.mlp.ln2), b.mlp.fc); // (B, T, 4C)
      const a = cfg.activation === "relu" ? ops.relu(h) : ops.gelu(h);
      x = ops.add(x, drop(linear(a, b.mlp.proj))); // (B, T, C)
    });
    if (cache) cache.length = start + T;
    if (cfg.finalNorm) x = this.normOp(x, W.lnF);
    const logits = ops.linear(x, W.head); // (B, T, V)
    const loss = targets ? ops.crossEntropy(logits, targets) : null;
    return { logits, loss };
  }

  /** Mean loss of a batch without recording gradients. */
  evalLoss(inputs: Int32Array, B: number, T: number, targets: Int32Array): number {
    return noGrad(() => this.forward(inputs, B, T, targets).loss!.item());
  }

  /** A fresh KV cache for one sequence of up to blockSize tokens. */
  newCache(): KVCache {
    const { nLayer: L, blockSize: T, nEmbd: C } = this.config;
    return { keys: Array.from({ length: L }, () => new Float32Array(T * C)), values: Array.from({ length: L }, () => new Float32Array(T * C)), length: 0 };
  }

  /**
   * Inference step with a KV cache: feeds one token at position cache.length and returns its logits (V). It runs
   * forward() itself (the same block code as training), so it matches forward() on the whole prefix
   * (tests/nn/gpt.test.ts checks it).
   */
  step(token: number, cache: KVCache): Float32Array {
    const V = this.config.vocabSize;
    if (!(Number.isInteger(token) && token >= 0 && token < V)) throw new Error(`token id ${token} is outside 0..${V - 1}`);
    // activations in the backend's arena (no copies into kernel memory, no garbage); the logits are copied out
    // before the scope frees them
    return withKernelScope(() => {
      const logits = noGrad(() => this.forward(Int32Array.of(token), 1, 1, undefined, { cache }).logits.data); // (1, 1, V)
      return Float32Array.from(logits);
    });
  }
}

export interface KVCache {
  keys: Float32Array[];
  values: Float32Array[];
  length: number;
}

/**
 * Attention of T new positions (packed qkv (1, T, 3C)) over everything in the cache: their keys and values are
 * appended to layer l's cache, then each position attends to every cached position up to itself. No gradient.
 */
function cachedAttention(qkv: Tensor, cache: KVCache, l: number, H: number): Tensor {
  const T = qkv.shape[1];
  const C = qkv.shape[2] / 3;
  const hs = C / H;
  const scale = 1 / Math.sqrt(hs);
  const q = qkv.data;
  const keys = cache.keys[l];
  const values = cache.values[l];
  const out = allocArray(qkv.dtype, T * C); // (1, T, C)
  for (let t = 0; t < T; t++) {
    const pos = cache.length + t;
    keys.set(q.subarray(t * 3 * C + C, t * 3 * C + 2 * C), pos * C);
    values.set(q.subarray(t * 3 * C + 2 * C, t * 3 * C + 3 * C), pos * C);
  }
  const scores = new Float64Array(cache.length + T);
  const acc = new Float64Array(hs);
  for (let t = 0; t < T; t++) {
    const pos = cache.length + t;
    const qo = t * 3 * C;
    for (let h = 0; h < H; h++) {
      let max = -Infinity;
      for (let s = 0; s <= pos; s++) {
        let dot = 0;
        for (let i = 0; i < hs; i++) dot += q[qo + h * hs + i] * keys[s * C + h * hs + i];
        scores[s] = dot * scale;
        if (scores[s] > max) max = scores[s];
      }
      let z = 0;
      for (let s = 0; s <= pos; s++) z += scores[s] = Math.exp(scores[s] - max);
      // the weighted sum of the cached values row by row (contiguous), each output summed over s in order
      acc.fill(0);
      for (let s = 0; s <= pos; s++) {
        const p = scores[s];
        const v0 = s * C + h * hs;
        for (let i = 0; i < hs; i++) acc[i] += p * values[v0 + i];
      }
      for (let i = 0; i < hs; i++) out[t * C + h * hs + i] = acc[i] / z;
    }
  }
  return new Tensor(out, [1, T, C]);
}

function needRng(opts: ForwardOptions): Rng {
  if (!opts.rng) throw new Error("forward: training with dropout > 0 needs opts.rng");
  return opts.rng;
}
