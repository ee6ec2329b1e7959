// Importing a GPT-2-style state dict saved as safetensors: nanoGPT's names (transformer.h.0.attn.c_attn.weight,
// Linear weights as (out, in)) or Hugging Face's GPT-2 (the same names, with or without "transformer.", Conv1D
// weights as (in, out)). The model config comes from the file's gptlab metadata, else from the tensors' shapes
// (the number of heads, which no shape shows, from the caller), and every tensor is checked against it.

import { readSafetensorsChecked, checkFinite } from "./run-files.js";
import { GPT, parameterSpecs, presets, validateConfig } from "../nn/gpt.js";
import type { GPTConfig } from "../nn/gpt.js";
import { Rng } from "../core/random.js";
import type { DecodedTensor } from "./safetensors.js";

export interface ImportedStateDict {
  /** The model the file holds (vocabSize, sizes and architecture). */
  config: GPTConfig;
  /** Tensors under gptlab's names, in gptlab's (out, in) layout. */
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
  /** "nanoGPT" (Linear, (out, in)) or "Hugging Face" (Conv1D, (in, out): transposed on import). */
  layout: "nanoGPT" | "Hugging Face";
  /** Tensors of the file that are not weights (the causal-mask buffers attn.bias, attn.masked_bias). */
  skipped: string[];
}

/** torch.compile's and DataParallel's prefixes, and Hugging Face's GPT2Model names without "transformer.". */
function gptlabName(name: string): string {
  const n = name.replace(/^(_orig_mod\.|module\.)+/, "");
  return /^(wte|wpe|h\.\d+|ln_f)\./.test(n) ? `transformer.${n}` : n;
}

/** The weights of Conv1D layers, stored (in, out) by Hugging Face's GPT-2. */
const CONV1D = /\.(attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj)\.weight$/;

function transpose(t: { shape: number[]; data: Float32Array }): { shape: number[]; data: Float32Array } {
  const [rows, cols] = t.shape;
  const out = new Float32Array(t.data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = t.data[r * cols + c];
  return { shape: [cols, rows], data: out };
}

function float32(file: string, name: string, t: DecodedTensor): Float32Array {
  if (t.dtype === "F32") return t.data as Float32Array;
  if (t.dtype === "F64") return Float32Array.from(t.data);
  throw new Error(`${file}: tensor "${name}" has dtype ${t.dtype}; weights must be F32 or F64 (save them with tensor.float())`);
}

/** The model config of the file: its gptlab metadata, or the shapes (GPT-2's architecture: LayerNorm, GELU). */
function configOf(file: string, tensors: Map<string, { shape: number[] }>, metadata: Record<string, string>, nHead: number | undefined): GPTConfig {
  if (metadata.config !== undefined) return validateConfig({ ...(JSON.parse(metadata.config) as Partial<GPTConfig>), ...(nHead !== undefined ? { nHead } : {}) });
  const need = (name: string): number[] => {
    const t = tensors.get(name);
    if (!t) throw new Error(`${file}: no tensor "${name}"; a GPT-2-style state dict (nanoGPT or Hugging Face names) has it (the file holds: ${[...tensors.keys()].slice(0, 6).join(", ")}...)`);
    return t.shape;
  };
  const [vocabSize, nEmbd] = need("transformer.wte.weight");
  const [blockSize] = need("transformer.wpe.weight");
  const nLayer = new Set([...tensors.keys()].map((k) => /^transformer\.h\.(\d+)\./.exec(k)?.[1]).filter((x) => x !== undefined)).size;
  if (nLayer === 0) throw new Error(`${file}: no transformer.h.N blocks; is this a GPT-2-style state dict?`);
  if (nHead === undefined) throw new Error(`${file} does not say how many attention heads the model has (no shape shows it): pass --n-head N (nanoGPT's n_head; GPT-2 small has 12)`);
  const fc = tensors.get("transformer.h.0.mlp.c_fc.weight")?.shape;
  const hidden = fc ? (fc[0] === nEmbd ? fc[1] : fc[0]) : 4 * nEmbd;
  return validateConfig({
    ...presets.gpt2,
    vocabSize, nEmbd, blockSize, nLayer, nHead,
    bias: tensors.has("transformer.h.0.attn.c_attn.bias"),
    norm: "layer",
    normWeights: tensors.has("transformer.h.0.ln_1.weight"),
    tieWeights: !tensors.has("lm_head.weight"),
    finalNorm: tensors.has("transformer.ln_f.weight"),
    embedNorm: false,
    attentionOnly: !fc,
    mlpRatio: hidden / nEmbd,
    dropout: 0,
  });
}

/** Reads a GPT-2-style state dict into gptlab's names, layout and config; shapes are checked against the config. */
export function readStateDict(file: string, opts: { nHead?: number } = {}): ImportedStateDict {
  const { tensors: raw, metadata } = readSafetensorsChecked(file);
  const skipped: string[] = [];
  let tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, t] of raw) {
    const n = gptlabName(name);
    if (/\.attn\.(bias|masked_bias)$/.test(n) && t.shape.length !== 1) {
      skipped.push(name); // the causal mask, a buffer
      continue;
    }
    tensors.set(n, { shape: t.shape, data: float32(file, name, t) });
  }
  const attn = tensors.get("transformer.h.0.attn.c_attn.weight");
  const layout = attn && attn.shape[1] === 3 * attn.shape[0] ? "Hugging Face" : "nanoGPT";
  if (layout === "Hugging Face") tensors = new Map([...tensors].map(([n, t]) => [n, CONV1D.test(n) && t.shape.length === 2 ? transpose(t) : t]));
  // a head stored apart but equal to the embedding is the tied one (nanoGPT's state dict holds both)
  const head = tensors.get("lm_head.weight");
  const wte = tensors.get("transformer.wte.weight");
  if (head && wte && head.data.length === wte.data.length && head.data.every((v, i) => v === wte.data[i])) tensors.delete("lm_head.weight");
  const config = configOf(file, tensors, metadata, opts.nHead);
  const expected = parameterSpecs(config, new Rng(0));
  for (const spec of expected) {
    const t = tensors.get(spec.name);
    if (!t) throw new Error(`${file}: tensor "${spec.name}" is missing for a model with ${describe(config)}`);
    if (t.shape.join() !== spec.shape.join()) throw new Error(`${file}: tensor "${spec.name}" has shape [${t.shape.join(", ")}]; a model with ${describe(config)} needs [${spec.shape.join(", ")}]`);
    checkFinite(file, spec.name, t.data);
  }
  const extra = [...tensors.keys()].filter((k) => !expected.some((s) => s.name === k));
  if (extra.length) throw new Error(`${file}: tensors ${extra.join(", ")} have no place in a model with ${describe(config)}`);
  return { config, tensors, layout, skipped };
}

function describe(c: GPTConfig): string {
  return `vocab ${c.vocabSize}, n_embd ${c.nEmbd}, n_head ${c.nHead}, n_layer ${c.nLayer}, block_size ${c.blockSize}, bias ${c.bias}, ${c.tieWeights ? "tied" : "untied"} embeddings`;
}

/** A GPT with the weights of a GPT-2-style state dict (see readStateDict). */
export function importGPT(file: string, opts: { nHead?: number } = {}): { model: GPT } & Omit<ImportedStateDict, "tensors"> {
  const { tensors, ...rest } = readStateDict(file, opts);
  const model = new GPT(rest.config, new Rng(0));
  setWeights(model, tensors);
  return { model, ...rest };
}

/** Copies imported tensors into a model whose config matches them (checked by shape, with the model's vocabulary named). */
export function setWeights(model: GPT, tensors: ImportedStateDict["tensors"], file = "the imported weights"): void {
  for (const p of model.store.params) {
    const t = tensors.get(p.name);
    if (!t) throw new Error(`${file}: tensor "${p.name}" is missing`);
    if (t.shape.join() !== p.tensor.shape.join()) {
      const vocab = p.name === "transformer.wte.weight" || p.name === "lm_head.weight" ? ` (the weights' vocabulary has ${t.shape[0]} tokens, the tokenizer ${model.config.vocabSize})` : "";
      throw new Error(`${file}: tensor "${p.name}" has shape [${t.shape.join(", ")}], the model expects [${p.tensor.shape.join(", ")}]${vocab}`);
    }
    p.tensor.data.set(t.data);
  }
}
