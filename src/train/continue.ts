// Continuing a trained model on new data (nanoGPT's init_from): a new Run with the source's tokenizer and model
// config, whose weights start as the source's, with a fresh optimizer, schedule and step count. The source is a
// Run in memory or a run folder written by `npx gptlab train` (then the run's config.initFrom names it, and the
// Run loads its weights itself: new Run({ initFrom: dir, ... }) alone works as well, with the model keys given).

import { savedRunConfig } from "../io/checkpoint.js";
import { resolveUserPath } from "../io/paths.js";
import { Run } from "./run.js";
import { readStateDict } from "../io/import.js";
import type { RunConfig } from "./config.js";

/** Model settings a continued run must share with its source (the weights must fit). */
const MODEL_KEYS = ["preset", "nEmbd", "nHead", "nLayer", "blockSize", "dropout", "attentionOnly"] as const;

/** The model keys and tokenizer kind of the run saved in dir: what a run starting from its weights must use. */
export function sourceModelKeys(dir: string): Partial<RunConfig> {
  const base = savedRunConfig(resolveUserPath(dir));
  const keys: Partial<RunConfig> = { tokenizer: base.tokenizer };
  for (const key of MODEL_KEYS) (keys as Record<string, unknown>)[key] = base[key];
  return keys;
}

/**
 * The run options that build the model a GPT-2-style state dict holds (src/io/import.ts): the gpt2 preset with
 * the file's sizes and architecture. nHead is the caller's (--n-head) unless the file's metadata says it.
 */
export function importedModelKeys(file: string, nHead?: number): Partial<RunConfig> {
  const c = readStateDict(resolveUserPath(file), { nHead }).config;
  return { preset: "gpt2", nEmbd: c.nEmbd, nHead: c.nHead, nLayer: c.nLayer, blockSize: c.blockSize, bias: c.bias, norm: c.norm, normWeights: c.normWeights, activation: c.activation, tieEmbeddings: c.tieWeights, attentionOnly: c.attentionOnly };
}

/**
 * A new run on `overrides` (new data, steps, LR, replay...) that starts from the source's weights. The model
 * keys (preset, sizes) come from the source; overriding one with another value is an error.
 */
export function continueFrom(source: Run | string, overrides: Partial<RunConfig> = {}): Run {
  const fromDir = typeof source === "string";
  const dir = fromDir ? resolveUserPath(source) : null;
  const base = fromDir ? savedRunConfig(dir!) : source.config;
  if (overrides.tokenizer !== undefined && overrides.tokenizer !== base.tokenizer) {
    throw new Error(`continueFrom: the source run has a ${base.tokenizer} tokenizer; a continued run keeps it (got tokenizer ${JSON.stringify(overrides.tokenizer)})`);
  }
  for (const key of MODEL_KEYS) {
    const v = overrides[key];
    if (v !== undefined && v !== base[key]) {
      throw new Error(`continueFrom: ${key} is ${JSON.stringify(base[key])} in the source run; a continued run keeps the model (got ${JSON.stringify(v)})`);
    }
  }
  const model: Partial<RunConfig> = {};
  for (const key of MODEL_KEYS) (model as Record<string, unknown>)[key] = base[key];
  if (fromDir) return new Run({ ...overrides, ...model, tokenizer: base.tokenizer, initFrom: source });
  const run = new Run({ ...overrides, ...model, tokenizer: base.tokenizer, initFrom: null }, source.tokenizer);
  if (run.model.numParams !== source.model.numParams) throw new Error(`continueFrom: the source model has ${source.model.numParams} parameters, the new one ${run.model.numParams}`);
  run.model.store.data.set(source.model.store.data);
  return run;
}
