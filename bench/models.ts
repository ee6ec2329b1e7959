// The benchmark models: M1-M3 from the speed targets (same shapes as bench/torch_ref.py) and the model presets,
// each with the batch it trains on.

import { presets, validateConfig } from "../src/nn/gpt.js";
import type { GPTConfig } from "../src/nn/gpt.js";

export interface BenchModel {
  config: GPTConfig;
  /** Rows per step and tokens per row. */
  batch: number;
  seq: number;
  vocab: number;
  nEmbd: number;
  nHead: number;
  nLayer: number;
}

function model(config: Partial<GPTConfig>, batch: number, seq: number): BenchModel {
  const c = validateConfig({ ...presets.lab, ...config });
  return { config: c, batch, seq, vocab: c.vocabSize, nEmbd: c.nEmbd, nHead: c.nHead, nLayer: c.nLayer };
}

/** The lab model and two larger shapes with the lab's architecture (RMSNorm without weights, ReLU, no biases), and M4 and M5, GPT-2 style. */
export const BENCH_MODELS: Record<string, BenchModel> = {
  M1: model({ vocabSize: 597, nEmbd: 32, nHead: 4, nLayer: 2, blockSize: 16 }, 1, 7),
  M2: model({ vocabSize: 27, nEmbd: 64, nHead: 4, nLayer: 4, blockSize: 32 }, 32, 32),
  M3: model({ vocabSize: 2048, nEmbd: 128, nHead: 4, nLayer: 4, blockSize: 128 }, 16, 128),
  // GPT-2 style (LayerNorm with weight and bias, GELU, biases, tied embeddings) at the size nanoGPT recommends for CPUs
  M4: model({ ...presets.gpt2, vocabSize: 65, nEmbd: 128, nHead: 4, nLayer: 4, blockSize: 64 }, 12, 64),
  // nanoGPT's shakespeare-char model (6 layers, 6 heads, n_embd 384, block 256, no biases: 10.7M parameters), GPT-2
  // style as M4 otherwise (its dropout 0.2 is left out on both sides), at batch 4 instead of 64 so that a step
  // takes about a second on one core (64 would take 15-20 s)
  M5: model({ ...presets.gpt2, bias: false, vocabSize: 65, nEmbd: 384, nHead: 6, nLayer: 6, blockSize: 256 }, 4, 256),
};

/** Every preset at the lab's vocabulary (597 words), batch 8 of full blocks. */
export function presetModels(): Record<string, BenchModel> {
  const out: Record<string, BenchModel> = {};
  for (const [name, p] of Object.entries(presets)) {
    out[`preset:${name}`] = { ...model({}, 8, p.blockSize), config: validateConfig({ ...p, vocabSize: 597 }), vocab: 597, nEmbd: p.nEmbd, nHead: p.nHead, nLayer: p.nLayer };
  }
  return out;
}
