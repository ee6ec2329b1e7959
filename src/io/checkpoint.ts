// Run folders: weights in safetensors with nanoGPT tensor names (loadable from PyTorch), the config and tokenizer
// as JSON, and the whole trainer state (optimizer moments, step, RNG and data position) for an exact resume.

import * as fs from "node:fs";
import * as path from "node:path";
import { readSafetensorsFile, writeSafetensorsFile } from "./safetensors.js";
import type { SafetensorsTensor } from "./safetensors.js";
import { GPT, validateConfig } from "../nn/gpt.js";
import type { GPTConfig } from "../nn/gpt.js";
import { Rng } from "../core/random.js";
import { loadTokenizer } from "../data/tokenizer.js";
import type { Tokenizer } from "../data/tokenizer.js";
import type { Run, RunState } from "../train/run.js";
import type { RunConfig } from "../train/config.js";

export const RUN_FILES = {
  config: "config.json",
  tokenizer: "tokenizer.json",
  weights: "model.safetensors",
  state: "trainer-state.safetensors",
  metrics: "metrics.json",
  samples: "samples.txt",
} as const;

const FORMAT = "gptlab";
const VERSION = "1";

/** True when dir already holds a gptlab run (so it must not be overwritten silently). */
export function isRunFolder(dir: string): boolean {
  return [RUN_FILES.weights, RUN_FILES.metrics, RUN_FILES.config].some((f) => fs.existsSync(path.join(dir, f)));
}

/** Refuses to reuse a folder that holds a run, unless asked to replace it. */
export function prepareRunFolder(dir: string, opts: { force?: boolean; resume?: boolean } = {}): void {
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new Error(`run folder ${dir} is a file; choose another --out`);
  if (!opts.force && !opts.resume && isRunFolder(dir)) {
    throw new Error(`run folder ${dir} already holds a run; choose another --out, continue it with --resume ${dir}, or replace it with --force`);
  }
  fs.mkdirSync(dir, { recursive: true });
}

function writeJSON(file: string, value: unknown): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(value, null, 2) + "\n");
  fs.renameSync(tmp, file);
}

function readJSON<T>(file: string, what: string): T {
  if (!fs.existsSync(file)) throw new Error(`${what} not found: ${file} (is this a gptlab run folder? train one with: npx gptlab train --out DIR)`);
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
  } catch (e) {
    throw new Error(`${what} ${file} is not valid JSON: ${(e as Error).message}`);
  }
}

/** Weights of a model as safetensors entries named like nanoGPT's state_dict. */
export function weightTensors(model: GPT): SafetensorsTensor[] {
  return model.store.params.map((p) => ({ name: p.name, dtype: "F32", shape: [...p.tensor.shape], data: Float32Array.from(p.tensor.data) }));
}

/** Saves weights, config, tokenizer, trainer state, metrics and samples of a run. */
export function saveRun(run: Run, dir: string, samples: string[] = []): void {
  fs.mkdirSync(dir, { recursive: true });
  const meta = { format: FORMAT, version: VERSION, config: JSON.stringify(run.modelConfig) };
  writeSafetensorsFile(path.join(dir, RUN_FILES.weights), weightTensors(run.model), meta);
  writeJSON(path.join(dir, RUN_FILES.config), { run: run.config, model: run.modelConfig });
  writeJSON(path.join(dir, RUN_FILES.tokenizer), run.tokenizer.toJSON());
  const opt = run.optimizer.getState();
  const moments: SafetensorsTensor[] = [];
  const optMeta: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(opt)) {
    if (v instanceof Float32Array || v instanceof Float64Array) moments.push({ name: `optimizer.${k}`, dtype: v instanceof Float64Array ? "F64" : "F32", shape: [v.length], data: v });
    else optMeta[k] = v;
  }
  writeSafetensorsFile(path.join(dir, RUN_FILES.state), moments, { format: FORMAT, version: VERSION, optimizer: JSON.stringify(optMeta), run: JSON.stringify(run.getState()) });
  writeJSON(path.join(dir, RUN_FILES.metrics), run.metrics());
  if (samples.length) fs.writeFileSync(path.join(dir, RUN_FILES.samples), samples.join("\n") + "\n");
}

/** A trained model and its tokenizer from a run folder (for sampling and evaluation). */
export function loadModel(dir: string): { model: GPT; tokenizer: Tokenizer; config: GPTConfig; runConfig: RunConfig } {
  const saved = savedConfig(dir);
  const config = validateConfig(saved.model);
  const tokenizer = savedTokenizer(dir);
  if (tokenizer.vocabSize !== config.vocabSize) throw new Error(`${dir}: tokenizer has ${tokenizer.vocabSize} tokens but the model expects ${config.vocabSize}`);
  const model = new GPT(config, new Rng(0));
  loadWeights(model, path.join(dir, RUN_FILES.weights));
  return { model, tokenizer, config, runConfig: saved.run };
}

/** Copies weights from a safetensors file into a model, checking every name and shape. */
export function loadWeights(model: GPT, file: string): void {
  const { tensors } = readSafetensorsFile(file);
  for (const p of model.store.params) {
    const t = tensors.get(p.name);
    if (!t) throw new Error(`${file}: tensor "${p.name}" is missing (the file holds: ${[...tensors.keys()].slice(0, 8).join(", ")}...)`);
    if (t.shape.join() !== p.tensor.shape.join()) throw new Error(`${file}: tensor "${p.name}" has shape [${t.shape.join(", ")}], the model expects [${p.tensor.shape.join(", ")}]`);
    p.tensor.data.set(t.data);
  }
  const extra = [...tensors.keys()].filter((k) => !model.store.params.some((p) => p.name === k));
  if (extra.length) throw new Error(`${file}: unexpected tensors ${extra.join(", ")} (a different model config?)`);
}

/** Restores weights, optimizer and run state saved by saveRun into a freshly built run with the same config. */
export function restoreRunState(run: Run, dir: string): void {
  loadWeights(run.model, path.join(dir, RUN_FILES.weights));
  const file = path.join(dir, RUN_FILES.state);
  const { tensors, metadata } = readSafetensorsFile(file);
  if (metadata.format !== FORMAT) throw new Error(`${file} is not a gptlab trainer state (format ${JSON.stringify(metadata.format)})`);
  const opt: Record<string, unknown> = JSON.parse(metadata.optimizer);
  for (const [name, t] of tensors) opt[name.replace(/^optimizer\./, "")] = t.data;
  run.optimizer.setState(opt as never);
  run.setState(JSON.parse(metadata.run) as RunState);
  // carry the earlier history over, so metrics.json of the resumed run covers every step
  const metricsFile = path.join(dir, RUN_FILES.metrics);
  if (fs.existsSync(metricsFile)) {
    const saved = readJSON<{ history?: { steps: Run["history"]["steps"]; evals: Run["history"]["evals"]; samples?: Run["trainingSamples"] } }>(metricsFile, "metrics");
    run.history.steps = (saved.history?.steps ?? []).filter((r) => r.step <= run.step);
    run.history.evals = (saved.history?.evals ?? []).filter((r) => r.step <= run.step);
    run.trainingSamples = (saved.history?.samples ?? []).filter((r) => r.step <= run.step);
  }
}

function savedConfig(dir: string): { run: RunConfig; model: GPTConfig } {
  return readJSON<{ run: RunConfig; model: GPTConfig }>(path.join(dir, RUN_FILES.config), "run config");
}

/** The run config saved in a run folder. */
export function savedRunConfig(dir: string): RunConfig {
  return savedConfig(dir).run;
}

/** The tokenizer saved in a run folder. */
export function savedTokenizer(dir: string): Tokenizer {
  return loadTokenizer(readJSON(path.join(dir, RUN_FILES.tokenizer), "tokenizer"));
}
