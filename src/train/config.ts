// The run configuration (nanoGPT configurator style): typed defaults that train the lab model on the bundled
// word corpus, overridable from notebook code or `--key=value` on the command line, validated key by key.

import { optimizerKinds } from "../optim/optimizer.js";
import { parseArgs } from "../io/args.js";
import type { ArgDefault } from "../io/args.js";
import { presets } from "../nn/gpt.js";
import type { GPTConfig } from "../nn/gpt.js";

export interface RunConfig {
  /** Model preset (lab, gpt2, micro, small, standard, medium). */
  preset: string;
  /** Model overrides on top of the preset (vocabSize comes from the tokenizer). */
  nEmbd: number | null;
  nHead: number | null;
  nLayer: number | null;
  blockSize: number | null;
  dropout: number | null;
  /** Blocks without the MLP: attention and the residual stream only (the induction-head toy). */
  attentionOnly: boolean;
  /** Text file, one document per line. */
  data: string;
  tokenizer: "word" | "char";
  /** documents: one line per row (batch 1 = the lab's one sentence per step); stream: random windows. */
  mode: "documents" | "stream";
  batchSize: number;
  valFraction: number;
  steps: number;
  lr: number;
  /** constant | linear | warmup_cosine | warmup_cosine_floor | step | exponential | cosine_epoch */
  schedule: string;
  warmupSteps: number;
  minLr: number;
  /** step decay every stepSize steps by gamma; exponential decays by gamma per step. */
  stepSize: number;
  gamma: number;
  stepsPerEpoch: number;
  optimizer: "adam" | "adamw" | "sgd";
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  /** Global-norm gradient clipping (0 = off). */
  clipNorm: number;
  gradAccum: number;
  /** Evaluate train/val loss every N steps (0 = only at the end). */
  evalEvery: number;
  /** Batches per split in each evaluation. */
  evalBatches: number;
  seed: number;
  /** Kernel backend: "auto" (the fastest available), or a name: wasm-fma, wasm, fast, reference. */
  backend: string;
  /** Kernel threads for the wasm backends (0 = one per core, at most 4); results do not depend on it. */
  threads: number;
  /** Run folder for metrics.json, checkpoint and samples (null: keep in memory). */
  out: string | null;
  /** Samples written after training. */
  samples: number;
  temperature: number;
  /** Sample from fixed prompts every N steps during training (0 = off); printed by the CLI, kept in metrics.json. */
  sampleEvery: number;
  /** Prompts of those samples, separated by "|" ("" = one sample from BOS). */
  samplePrompts: string;
  /** Run folder whose weights and tokenizer a new run starts from (continueFrom / --init-from; null = fresh init). */
  initFrom: string | null;
  /** Text file mixed into the training batches (replay of earlier data; null = none). */
  replayData: string | null;
  /** Share of training batches drawn from replayData, in [0, 1). */
  replayFraction: number;
}

export const defaultRunConfig: RunConfig = {
  preset: "lab",
  nEmbd: null,
  nHead: null,
  nLayer: null,
  blockSize: null,
  dropout: null,
  attentionOnly: false,
  data: "datasets/simple-sentences/sentences.txt",
  tokenizer: "word",
  mode: "documents",
  batchSize: 1,
  valFraction: 0.1,
  steps: 5000,
  lr: 0.01,
  schedule: "linear",
  warmupSteps: 0,
  minLr: 0,
  stepSize: 1000,
  gamma: 0.5,
  stepsPerEpoch: 1000,
  optimizer: "adam",
  beta1: 0.85,
  beta2: 0.99,
  eps: 1e-8,
  weightDecay: 0,
  momentum: 0.9,
  clipNorm: 0,
  gradAccum: 1,
  evalEvery: 500,
  evalBatches: 100,
  seed: 42,
  backend: "auto",
  threads: 0,
  out: null,
  samples: 10,
  temperature: 0.8,
  sampleEvery: 0,
  samplePrompts: "",
  initFrom: null,
  replayData: null,
  replayFraction: 0,
};

export const runConfigHelp: Record<keyof RunConfig, string> = {
  preset: `model preset: ${Object.keys(presets).join(", ")}`,
  nEmbd: "embedding width (overrides the preset)",
  nHead: "attention heads (must divide nEmbd)",
  nLayer: "transformer blocks",
  blockSize: "context length in tokens",
  dropout: "dropout probability in [0, 1)",
  attentionOnly: "blocks without the MLP (attention-only model)",
  data: "text file, one document (sentence, name, line) per line",
  tokenizer: "word | char",
  mode: "documents (one line per row) | stream (random windows)",
  batchSize: "rows per batch (documents mode with 1 = one sentence per step)",
  valFraction: "share of lines held out for validation, in [0, 1)",
  steps: "optimizer steps",
  lr: "peak learning rate",
  schedule: "constant | linear | warmup_cosine | warmup_cosine_floor | step | exponential | cosine_epoch",
  warmupSteps: "linear warmup steps (warmup_* schedules; optional for step/exponential/cosine_epoch)",
  minLr: "floor of warmup_cosine_floor and cosine_epoch",
  stepSize: "steps between decays (schedule step)",
  gamma: "decay factor (schedules step, exponential)",
  stepsPerEpoch: "period of cosine_epoch",
  optimizer: optimizerKinds.join(" | "),
  beta1: "Adam beta1",
  beta2: "Adam beta2",
  eps: "Adam epsilon",
  weightDecay: "weight decay on matrices (AdamW: decoupled)",
  momentum: "SGD momentum",
  clipNorm: "clip the global gradient norm to this (0 = off)",
  gradAccum: "micro-batches per optimizer step",
  evalEvery: "evaluate train/val loss every N steps (0 = only at the end)",
  evalBatches: "batches per split in each evaluation",
  seed: "seed of every random choice (init, data order, dropout, sampling)",
  backend: "kernel backend: auto (the fastest available: wasm-fma, wasm, then fast) | wasm-fma | wasm | fast | reference",
  threads: "kernel threads of the wasm backends: 0 = one per core (at most 4); losses are identical for any count",
  out: "run folder (metrics.json, model.safetensors, samples.txt)",
  samples: "samples generated after training",
  temperature: "sampling temperature for those samples",
  sampleEvery: "sample from fixed prompts every N steps during training (0 = off)",
  samplePrompts: 'prompts of those samples, separated by "|" ("" = one sample from BOS)',
  initFrom: "run folder to start from: its weights and tokenizer (fine-tuning on new data; fresh optimizer and schedule)",
  replayData: "text file mixed into the training batches (replay of earlier data)",
  replayFraction: "share of training batches drawn from replayData, in [0, 1)",
};

const choices: Partial<Record<keyof RunConfig, readonly string[]>> = {
  tokenizer: ["word", "char"],
  mode: ["documents", "stream"],
  optimizer: optimizerKinds,
  schedule: ["constant", "linear", "warmup_cosine", "warmup_cosine_floor", "step", "exponential", "cosine_epoch"],
  preset: Object.keys(presets),
};

const nullableNumbers = new Set<keyof RunConfig>(["nEmbd", "nHead", "nLayer", "blockSize", "dropout"]);
const nullableStrings = new Set<keyof RunConfig>(["out", "initFrom", "replayData"]);

function describe(v: unknown): string {
  return typeof v === "string" ? `${JSON.stringify(v)}, a string` : JSON.stringify(v);
}

/** Merges overrides onto the defaults and checks every key: unknown keys, types and ranges are named. */
export function resolveRunConfig(overrides: Partial<RunConfig> = {}, base: RunConfig = defaultRunConfig): RunConfig {
  const known = Object.keys(defaultRunConfig);
  for (const key of Object.keys(overrides)) {
    if (!known.includes(key)) {
      const near = known.filter((k) => k.toLowerCase() === key.toLowerCase().replace(/[-_]/g, ""));
      throw new Error(`config: unknown key "${key}"${near.length ? ` (did you mean "${near[0]}"?)` : ""}; known keys: ${known.join(", ")}`);
    }
  }
  const c = { ...base, ...stripUndefined(overrides) } as RunConfig;
  for (const key of known as Array<keyof RunConfig>) {
    const v = c[key];
    const d = defaultRunConfig[key];
    if (v === null && (nullableNumbers.has(key) || nullableStrings.has(key))) continue;
    const type = nullableNumbers.has(key) ? "number" : nullableStrings.has(key) ? "string" : typeof d;
    if (typeof v !== type || (type === "number" && !Number.isFinite(v as number))) {
      throw new Error(`config.${key} must be a${type === "number" ? " finite number" : ` ${type}`} (got ${describe(v)})`);
    }
    const allowed = choices[key];
    if (allowed && !allowed.includes(v as string)) throw new Error(`config.${key} must be one of ${allowed.join(", ")} (got ${describe(v)})`);
  }
  const positiveInt = ["steps", "batchSize", "gradAccum", "evalBatches", "stepSize", "stepsPerEpoch", "nEmbd", "nHead", "nLayer", "blockSize"] as const;
  for (const key of positiveInt) {
    const v = c[key];
    if (v !== null && !(Number.isInteger(v) && (v as number) >= 1)) throw new Error(`config.${key} must be an integer >= 1 (got ${describe(v)})`);
  }
  for (const key of ["warmupSteps", "evalEvery", "seed", "samples", "threads", "sampleEvery"] as const) {
    if (!(Number.isInteger(c[key]) && c[key] >= 0)) throw new Error(`config.${key} must be an integer >= 0 (got ${describe(c[key])})`);
  }
  if (!(c.lr > 0)) throw new Error(`config.lr must be a finite number > 0 (got ${describe(c.lr)})`);
  if (!(c.valFraction >= 0 && c.valFraction < 1)) throw new Error(`config.valFraction must be in [0, 1) (got ${describe(c.valFraction)})`);
  if (!(c.clipNorm >= 0)) throw new Error(`config.clipNorm must be >= 0 (got ${describe(c.clipNorm)}); 0 turns clipping off`);
  if (!(c.temperature >= 0)) throw new Error(`config.temperature must be >= 0 (got ${describe(c.temperature)}); 0 means greedy`);
  if (!(c.replayFraction >= 0 && c.replayFraction < 1)) throw new Error(`config.replayFraction must be in [0, 1) (got ${describe(c.replayFraction)})`);
  if (c.replayFraction > 0 && c.replayData === null) throw new Error(`config.replayFraction is ${c.replayFraction} but config.replayData is not set: name the file to replay`);
  if (c.warmupSteps > c.steps) throw new Error(`config.warmupSteps (${c.warmupSteps}) must not exceed config.steps (${c.steps})`);
  return c;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The model config overrides a run config asks for. */
export function modelOverrides(c: RunConfig): Partial<GPTConfig> {
  const o: Partial<GPTConfig> = {};
  if (c.nEmbd !== null) o.nEmbd = c.nEmbd;
  if (c.nHead !== null) o.nHead = c.nHead;
  if (c.nLayer !== null) o.nLayer = c.nLayer;
  if (c.blockSize !== null) o.blockSize = c.blockSize;
  if (c.dropout !== null) o.dropout = c.dropout;
  if (c.attentionOnly) o.attentionOnly = true;
  return o;
}

/**
 * Parses `--key=value` / `--key value` arguments (kebab-case or snake_case accepted for camelCase keys) into
 * typed overrides, using the default's type; `--out none` gives null. Returns the overrides and leftover
 * positional arguments.
 */
export function parseConfigArgs(
  args: readonly string[],
  known: Readonly<Record<string, ArgDefault>> = defaultRunConfig as unknown as Record<string, ArgDefault>,
  nullable: ReadonlySet<string> = new Set<string>([...nullableNumbers, ...nullableStrings]),
): { overrides: Record<string, unknown>; positional: string[] } {
  const { values, positional } = parseArgs(known, args, { noun: "option", nullable, numeric: nullableNumbers as ReadonlySet<string>, positional: true, camelCase: true });
  return { overrides: values, positional };
}
