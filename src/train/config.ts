// The run configuration (nanoGPT configurator style): typed defaults that train the lab model on the bundled
// word corpus, overridable from notebook code or `--key=value` on the command line, validated key by key.
//
// It is composed from the components' option schemas (src/core/schema.ts): the model's and data's here, the LR
// schedules' and optimizers' from their registries (each schedule or optimizer field becomes a run option of the
// same name, or is read from the one its `from` names), and the trainer's. Validation, the CLI's flags, the
// notebooks' checks and `gptlab train --help` all read these schemas.

import { optimizerEntry, optimizerRegistry } from "../optim/optimizers.js";
import type { OptimizerConfig, OptimizerKind } from "../optim/optimizers.js";
import { scheduleEntry, scheduleRegistry } from "../optim/schedules.js";
import type { ScheduleConfig } from "../optim/schedules.js";
import { autoBackendName, autoBackendOrder, backendNames } from "../kernels/index.js";
import { parseArgs } from "../io/args.js";
import type { ArgDefault } from "../io/args.js";
import { checkField, defaultsOf, describeValue } from "../core/schema.js";
import type { FieldSpec, ResolvedOf, Schema } from "../core/schema.js";
import { presets } from "../nn/gpt.js";
import { tokenizerKinds, tokenizerHelp } from "../data/tokenizers.js";
import type { TokenizerKind } from "../data/tokenizers.js";
import { dataModes, dataModeHelp } from "../data/modes.js";
import type { DataMode } from "../data/modes.js";
import type { GPTConfig } from "../nn/gpt.js";
import { readConfigFile } from "../io/config-file.js";
import { nanoGPTAliases, nanoGPTChoice, nanoGPTSchedule, nanoGPTScheduleKeys, nanoGPTUnsupported } from "./nanogpt.js";

/**
 * The run configuration's type, derived from the schemas below (and from every schedule's and optimizer's in
 * their registries), so that a component's new option is a run option, typed, without being written here too.
 */
export type RunConfig = Flat<
  ResolvedOf<typeof modelSchema> &
    Omit<ResolvedOf<typeof dataSchema>, "tokenizer" | "mode"> & { tokenizer: TokenizerKind; mode: DataMode } &
    ResolvedOf<typeof trainerSchema> & { schedule: string; optimizer: OptimizerKind } &
    ComponentRunFields &
    ResolvedOf<typeof laterSchema> &
    Omit<ResolvedOf<typeof architectureSchema>, "norm" | "activation"> & { norm: "layer" | "rms" | null; activation: "relu" | "gelu" | null }
>;
type Flat<T> = { [K in keyof T]: T[K] };
/** A component schema's fields that are run options of their own (not read from another key, not code-only). */
type RunFieldsOf<S> = S extends Schema ? { [K in keyof S as S[K] extends { from: string } | { codeOnly: true } ? never : K]: ResolvedOf<S>[K] } : never;
type Intersect<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
type ComponentRunFields = Intersect<RunFieldsOf<(typeof scheduleRegistry)[number]["schema"]> | RunFieldsOf<(typeof optimizerRegistry)[number]["schema"]>>;

/** Model: a preset and the sizes that override it (null: the preset's; vocabSize comes from the tokenizer). */
export const modelSchema = {
  preset: { type: "string", default: "lab", choices: () => Object.keys(presets), description: "model preset" },
  nEmbd: { type: "integer", default: null, nullable: true, min: 1, description: "embedding width; none = the preset's" },
  nHead: { type: "integer", default: null, nullable: true, min: 1, description: "attention heads, must divide nEmbd; none = the preset's" },
  nLayer: { type: "integer", default: null, nullable: true, min: 1, description: "transformer blocks; none = the preset's" },
  blockSize: { type: "integer", default: null, nullable: true, min: 1, description: "context length in tokens; none = the preset's" },
  dropout: { type: "number", default: null, nullable: true, min: 0, max: 1, maxExclusive: true, description: "dropout probability; none = the preset's" },
  attentionOnly: { type: "boolean", default: null, nullable: true, description: "blocks without the MLP (attention-only model); none = the preset's" },
} as const satisfies Schema;

/** Data: the file, its tokenizer and how it is cut into batches and split. */
export const dataSchema = {
  data: { type: "string", default: "datasets/simple-sentences/sentences.txt", description: "text file, one document (sentence, name, line) per line" },
  tokenizer: { type: "string", default: "word", choices: () => [...tokenizerKinds], description: `tokenizer built from the data (default word; char with --mode text): ${tokenizerHelp()}` },
  mode: { type: "string", default: "documents", choices: () => [...dataModes], description: `how the file is read: ${dataModeHelp()}` },
  batchSize: { type: "integer", default: 1, min: 1, description: "rows per batch (documents mode with 1 = one sentence per step)" },
  valFraction: { type: "number", default: 0.1, min: 0, max: 1, maxExclusive: true, description: "share of lines held out for validation" },
  replayData: { type: "string", default: null, nullable: true, description: "text file mixed into the training batches (replay of earlier data); none = no replay" },
  replayFraction: { type: "number", default: 0, min: 0, max: 1, maxExclusive: true, description: "share of training batches drawn from replayData" },
} as const satisfies Schema;

/** Trainer: length, peak LR, clipping, accumulation, evaluation, seed, kernels, output and samples. */
export const trainerSchema = {
  steps: { type: "integer", default: 5000, min: 1, description: "optimizer steps" },
  lr: { type: "number", default: 0.01, min: 0, minExclusive: true, description: "peak learning rate (what the schedule starts from or warms up to)" },
  clipNorm: { type: "number", default: 0, min: 0, description: "clip the global gradient norm to this (0 = off)", hint: "0 turns clipping off" },
  gradAccum: { type: "integer", default: 1, min: 1, description: "micro-batches per optimizer step" },
  evalEvery: { type: "integer", default: 500, min: 0, description: "evaluate train/val loss every N steps (0 = only at the end)" },
  evalBatches: { type: "integer", default: 100, min: 1, description: "batches per split in each evaluation" },
  seed: {
    type: "integer", default: 42, min: 0, max: 2 ** 32 - 1,
    description: "seed of every random choice (init, data order, dropout, sampling)",
    hint: "the generator takes a 32-bit seed, so a larger one would give the same run as a smaller one",
  },
  backend: { type: "string", default: "auto", choices: () => ["auto", ...backendNames()], description: backendDescription() },
  threads: { type: "integer", default: 0, min: 0, description: "kernel threads of the wasm backends: 0 = one per core (at most 4); losses are identical for any count" },
  out: { type: "string", default: null, nullable: true, description: "run folder (metrics.json, last/ and best/ checkpoints); none = runs/PRESET, or runs/PRESET-2, ... when that holds a run" },
  saveEvery: { type: "integer", default: 0, min: 0, description: "save a checkpoint (last/) every N steps (0 = by time only)" },
  saveEverySeconds: { type: "integer", default: 60, min: 0, description: "save a checkpoint at least every N seconds of training (0 = by steps only)" },
  samples: { type: "integer", default: 10, min: 0, max: 10000, description: "samples generated after training" },
  temperature: { type: "number", default: 0.8, min: 0, description: "sampling temperature for those samples", hint: "0 means greedy" },
  sampleEvery: { type: "integer", default: 0, min: 0, description: "sample from fixed prompts every N steps during training (0 = off)" },
  samplePrompts: { type: "string", default: "", description: 'prompts of those samples, separated by "|" ("" = one sample from BOS)' },
  initFrom: { type: "string", default: null, nullable: true, description: "run folder to start from: its weights and tokenizer (fine-tuning on new data; fresh optimizer and schedule); or a GPT-2-style state dict FILE.safetensors (nanoGPT or Hugging Face names; give --n-head), whose vocabulary must be the tokenizer's" },
} as const satisfies Schema;

/** Options added after the keys runs always had: last, so that older runs' config.json key order stays. */
export const laterSchema = {
  vocabSize: { type: "integer", default: null, nullable: true, min: 257, description: "vocabulary size of bpe and unigram; none = 2000" },
  trainDocs: { type: "integer", default: null, nullable: true, min: 1, description: "train on only the first N documents of the (shuffled) training split, for data-size experiments; validation and vocabulary stay the whole file's; none = all" },
  patience: { type: "integer", default: 0, min: 0, description: "early stopping: stop after this many evaluations in a row without a new best validation loss (0 = off)", hint: "0 turns early stopping off" },
  minDelta: { type: "number", default: 0, min: 0, description: "early stopping: a new best must be lower than the best so far by more than this" },
  diagnosticsEvery: { type: "integer", default: 0, min: 0, description: "record the optimizer's update diagnostics (share of parameters whose update exceeds lr, update RMS / lr) in history.steps every N steps (0 = off)" },
  scheduleSteps: { type: "integer", default: null, nullable: true, min: 1, description: "length of the LR schedule, >= steps, when it is longer than the steps trained (train the first --steps of a longer run; resume with --steps up to it); none = steps" },
} as const satisfies Schema;

/**
 * The architecture on top of the preset (null: the preset's; a preset is a named bundle of these and the sizes,
 * see --help's Presets). Last in the key order, after the keys older runs' config.json has.
 */
export const architectureSchema = {
  bias: { type: "boolean", default: null, nullable: true, description: "biases in the linear layers and LayerNorm (nanoGPT's bias); none = the preset's" },
  norm: { type: "string", default: null, nullable: true, choices: ["layer", "rms"], description: "normalization: layer = LayerNorm, rms = RMSNorm; none = the preset's" },
  normWeights: { type: "boolean", default: null, nullable: true, description: "learned norm weights (and LayerNorm biases when bias is on); none = the preset's" },
  activation: { type: "string", default: null, nullable: true, choices: ["gelu", "relu"], description: "MLP activation (gelu: tanh approximation, as GPT-2); none = the preset's" },
  tieEmbeddings: { type: "boolean", default: null, nullable: true, description: "the output layer shares the token embedding matrix (GPT-2, nanoGPT); none = the preset's" },
} as const satisfies Schema;

/** Run options named otherwise in the model config. */
const modelKeyOf: Record<string, string> = { tieEmbeddings: "tieWeights" };

function backendDescription(): string {
  return `kernel backend: auto = the first available of ${autoBackendOrder.join(", ")} (here: ${autoBackendName()}; GPTLAB_BACKEND pins it)`;
}

interface Registry {
  readonly noun: "schedule" | "optimizer";
  readonly entries: ReadonlyArray<{ readonly kind: string; readonly description: string; readonly schema: Schema }>;
}
const registries: readonly Registry[] = [
  { noun: "schedule", entries: scheduleRegistry },
  { noun: "optimizer", entries: optimizerRegistry },
];

/** For each schedule or optimizer option of the run config: which component and kinds read it. */
export const componentFieldOwners: Record<string, { noun: "schedule" | "optimizer"; kinds: string[] }> = {};

/**
 * The run options of a registry: each field not read from another run key (`from`) and not code-only, once,
 * with the spec of the first kind that declares it; a bound on another field names that field's run key.
 */
function componentFields(reg: Registry): Record<string, FieldSpec> {
  const out: Record<string, FieldSpec> = {};
  for (const entry of reg.entries) {
    for (const [key, spec] of Object.entries(entry.schema)) {
      if (spec.from || spec.codeOnly) continue;
      (componentFieldOwners[key] ??= { noun: reg.noun, kinds: [] }).kinds.push(entry.kind);
      if (out[key]) continue;
      const bound = spec.maxField ? (entry.schema[spec.maxField].from ?? spec.maxField) : undefined;
      out[key] = { ...spec, required: false, maxField: bound };
    }
  }
  for (const [key, owner] of Object.entries(componentFieldOwners)) {
    if (!out[key] || owner.noun !== reg.noun) continue;
    const parts = [out[key].description];
    if (owner.kinds.length < reg.entries.length) parts.push(`for ${owner.noun}${owner.kinds.length > 1 ? "s" : ""} ${owner.kinds.join(", ")}`);
    // kinds whose own default differs from the one shown (takeKindDefaults gives them theirs)
    const differing = reg.entries.filter((e) => e.schema[key] && e.schema[key].default !== out[key].default);
    if (differing.length) parts.push(differing.map((e) => `${e.kind}'s default is ${e.schema[key].default}`).join(", "));
    out[key] = { ...out[key], description: parts.join("; ") };
  }
  return out;
}

function kindField(reg: Registry, def: string): FieldSpec {
  const what = reg.noun === "schedule" ? "learning-rate schedule (Schedules below)" : "optimizer (Optimizers below)";
  return { type: "string", default: def, choices: reg.entries.map((e) => e.kind), description: what };
}

const { steps, lr, ...trainerRest } = trainerSchema;
/**
 * Every run option. The key order is the order of config.json and of metrics.json's config (and of the run id's
 * hash): model, data, steps, lr, schedule and its options, optimizer and its options, the rest of the trainer's.
 */
export const runConfigSchema: Readonly<Record<keyof RunConfig, FieldSpec>> = {
  ...modelSchema,
  ...dataSchema,
  steps,
  lr,
  schedule: kindField(registries[0], "linear"),
  ...componentFields(registries[0]),
  optimizer: kindField(registries[1], "adam"),
  ...componentFields(registries[1]),
  ...trainerRest,
  ...laterSchema,
  ...architectureSchema,
} as unknown as Record<keyof RunConfig, FieldSpec>;

export const defaultRunConfig: RunConfig = defaultsOf(runConfigSchema) as unknown as RunConfig;

/** One help line per option, from the schema: `description (what it takes; default X)`. */
export const runConfigHelp: Record<keyof RunConfig, string> = Object.fromEntries(
  Object.entries(runConfigSchema).map(([k, spec]) => [k, spec.description]),
) as Record<keyof RunConfig, string>;

/** Merges overrides onto the defaults and checks every key: unknown keys, types and ranges are named. */
export function resolveRunConfig(overrides: Partial<RunConfig> = {}, base: RunConfig = defaultRunConfig): RunConfig {
  const known = Object.keys(runConfigSchema);
  for (const key of Object.keys(overrides)) {
    if (!known.includes(key)) {
      const near = known.filter((k) => k.toLowerCase() === key.toLowerCase().replace(/[-_]/g, ""));
      throw new Error(`config: unknown key "${key}"${near.length ? ` (did you mean "${near[0]}"?)` : ""}; known keys: ${known.join(", ")}`);
    }
  }
  const given = stripUndefined(overrides);
  const c = { ...base, ...given } as RunConfig;
  const values = c as unknown as Record<string, unknown>;
  if (base === defaultRunConfig) takeKindDefaults(values, given);
  // a plain text reads best character by character (nanoGPT's shakespeare_char); lines of words, word by word
  if (base === defaultRunConfig && given.tokenizer === undefined && c.mode === "text") c.tokenizer = "char";
  for (const [key, spec] of Object.entries(runConfigSchema)) {
    const bound = spec.maxField === "steps" ? scheduleLength(c) : spec.maxField ? (values[spec.maxField] as number) : undefined;
    checkField(`config.${key}`, spec, values[key], bound);
  }
  if (c.replayFraction > 0 && c.replayData === null) throw new Error(`config.replayFraction is ${c.replayFraction} but config.replayData is not set: name the file to replay`);
  if (c.replayData !== null && c.replayFraction === 0) throw new Error(`config.replayData is ${c.replayData} but config.replayFraction is 0, so nothing would be replayed: give the share of batches, e.g. config.replayFraction 0.1`);
  return c;
}

/**
 * A schedule or optimizer option left unset takes the chosen kind's own default (adamw's weightDecay 0.1), not
 * the run config's, which is the first declaring kind's (adam's 0). An unknown kind is left for the checks.
 */
function takeKindDefaults(values: Record<string, unknown>, given: Record<string, unknown>): void {
  for (const reg of registries) {
    const entry = reg.entries.find((e) => e.kind === values[reg.noun]);
    for (const [key, spec] of Object.entries(entry?.schema ?? {})) {
      if (!spec.from && !spec.codeOnly && !(key in given)) values[key] = spec.default;
    }
  }
}

/** The steps the LR schedule spans: scheduleSteps when set, else steps. */
export function scheduleLength(c: RunConfig): number {
  return c.scheduleSteps ?? c.steps;
}

/** A schedule shorter than the steps trained would leave steps without an lr of their own: refused. */
function checkScheduleLength(c: RunConfig): void {
  if (c.scheduleSteps !== null && c.scheduleSteps < c.steps) throw new Error(`config.scheduleSteps must be >= steps (${c.steps}) (got ${c.scheduleSteps}); leave it out to end the schedule at steps`);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The options of one component read from a run config through its schema (`from` renames: peakLr <- lr). */
function pick(schema: Schema, c: RunConfig): Record<string, unknown> {
  const values = c as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(schema)) if (!spec.codeOnly) out[key] = values[spec.from ?? key];
  return out;
}

/** What a run config asks of each component: model overrides on the preset, the schedule, the optimizer. */
export function runComponents(c: RunConfig): { model: Partial<GPTConfig>; schedule: ScheduleConfig; optimizer: OptimizerConfig } {
  checkScheduleLength(c);
  const model: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(pick({ ...modelSchema, ...architectureSchema }, c))) if (key !== "preset" && v !== null) model[modelKeyOf[key] ?? key] = v;
  return {
    model: model as Partial<GPTConfig>,
    schedule: { kind: c.schedule, ...pick(scheduleEntry(c.schedule).schema, { ...c, steps: scheduleLength(c) }) } as ScheduleConfig,
    optimizer: { kind: c.optimizer, ...pick(optimizerEntry(c.optimizer).schema, c) } as OptimizerConfig,
  };
}

/**
 * Refuses options given (on the command line) that the chosen schedule or optimizer would ignore, e.g. --momentum
 * with --optimizer adam: `--momentum applies to optimizer sgd, not adam`.
 */
export function checkGivenOptionsApply(c: RunConfig, given: readonly string[]): void {
  for (const key of given) {
    const owner = componentFieldOwners[key];
    if (!owner) continue;
    const chosen = owner.noun === "schedule" ? c.schedule : c.optimizer;
    if (owner.kinds.includes(chosen)) continue;
    throw new Error(
      `--${kebab(key)} applies to ${owner.noun}${owner.kinds.length > 1 ? "s" : ""} ${owner.kinds.join(", ")}, not ${chosen}, and would be ignored (got ${describeValue(values(c)[key])}); drop it or pass --${owner.noun} ${owner.kinds[0]}`,
    );
  }
  if (given.includes("patience") && c.patience > 0 && c.evalEvery === 0) {
    throw new Error(`--patience ${c.patience} needs evaluations during training, but --eval-every 0 evaluates only at the end, so early stopping would never act; pass --eval-every N`);
  }
}

function values(c: RunConfig): Record<string, unknown> {
  return c as unknown as Record<string, unknown>;
}

/** The `npx gptlab train` command that makes this config: one --option per key that differs from the defaults. */
export function trainCommand(c: RunConfig): string {
  const args = Object.keys(runConfigSchema).flatMap((key) => {
    const v = (c as unknown as Record<string, unknown>)[key];
    if (JSON.stringify(v) === JSON.stringify((defaultRunConfig as unknown as Record<string, unknown>)[key])) return [];
    const text = v === null ? "none" : String(v);
    return [`--${kebab(key)} ${/^[\w./:-]+$/.test(text) ? text : JSON.stringify(text)}`];
  });
  return ["npx gptlab train", ...args].join(" ");
}

/** camelCase -> kebab-case, the spelling of the CLI's flags. */
export function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (ch) => `-${ch.toLowerCase()}`);
}

const nullableKeys = new Set(Object.entries(runConfigSchema).filter(([, s]) => s.nullable).map(([k]) => k));
const nullableNumbers = new Set(Object.entries(runConfigSchema).filter(([, s]) => s.nullable && (s.type === "number" || s.type === "integer")).map(([k]) => k));
const nullableBooleans = new Set(Object.entries(runConfigSchema).filter(([, s]) => s.nullable && s.type === "boolean").map(([k]) => k));

/**
 * Parses `--key=value` / `--key value` arguments (kebab-case or snake_case accepted for camelCase keys) into
 * typed overrides, using the default's type; `--out none` gives null. Returns the overrides and leftover
 * positional arguments.
 */
export function parseConfigArgs(
  args: readonly string[],
  known: Readonly<Record<string, ArgDefault>> = defaultRunConfig as unknown as Record<string, ArgDefault>,
  nullable: ReadonlySet<string> = nullableKeys,
): { overrides: Record<string, unknown>; positional: string[] } {
  const { values, positional } = parseArgs(known, args, { noun: "option", nullable, numeric: nullableNumbers, booleans: nullableBooleans, positional: true, camelCase: true, aliases: known === defaultRunConfig ? nanoGPTAliases : undefined });
  return { overrides: values, positional };
}

/** The run option a name stands for: itself, its kebab-case or snake_case spelling, or a nanoGPT alias; null if none. */
export function runOptionKey(name: string): string | null {
  const camel = name.replace(/[-_]([a-z])/g, (_, ch: string) => ch.toUpperCase());
  if (camel in runConfigSchema) return camel;
  return nanoGPTAliases[name.replace(/-/g, "_")] ?? null;
}

/**
 * The run options of a config file (JSON, or nanoGPT's key = value lines): names as on the command line (steps,
 * warmup-steps, warmup_steps) or nanoGPT's (max_iters), each value checked against its option with the file and
 * key named. nanoGPT's options with no equivalent are skipped and listed in `notes` with the reason; a nanoGPT
 * schedule key (warmup_iters, min_lr, lr_decay_iters) without a schedule chooses nanoGPT's schedule.
 */
export function runConfigFromFile(file: string): { overrides: Record<string, unknown>; notes: string[] } {
  const raw = readConfigFile(file);
  const overrides: Record<string, unknown> = {};
  const notes: string[] = [];
  const source: Record<string, string> = {};
  const set = (key: string, value: unknown, name: string): void => {
    if (key in overrides) throw new Error(`config file ${file}: ${name} and ${source[key]} both set ${key}; keep one`);
    overrides[key] = value;
    source[key] = name;
  };
  for (const [name, value] of Object.entries(raw)) {
    const where = `config file ${file}: ${name}`;
    const choice = nanoGPTChoice(name, value, `config file ${file}`);
    if (choice) {
      for (const [k, v] of Object.entries(choice)) set(k, v, name);
      continue;
    }
    const key = runOptionKey(name);
    if (name in nanoGPTUnsupported && (key === null || (name === "backend" && /^(nccl|gloo|mpi)$/.test(String(value))))) {
      notes.push(`${name} skipped: ${nanoGPTUnsupported[name]}`);
      continue;
    }
    if (key === null) {
      const near = Object.keys(runConfigSchema).filter((k) => k.toLowerCase() === name.toLowerCase().replace(/[-_]/g, ""));
      throw new Error(`${where} is not an option${near.length ? ` (did you mean ${near[0]}?)` : ""}; the options are those of npx gptlab train --help (nanoGPT's names are listed there too)`);
    }
    checkField(where, runConfigSchema[key as keyof RunConfig], value);
    set(key, value, name);
  }
  if (!("schedule" in overrides) && nanoGPTScheduleKeys.some((k) => k in raw)) {
    overrides.schedule = nanoGPTSchedule;
    notes.push(`schedule ${nanoGPTSchedule}: ${nanoGPTScheduleKeys.filter((k) => k in raw).join(", ")} set nanoGPT's schedule (decay_lr = True): linear warmup, then cosine down to min_lr`);
  }
  return { overrides, notes };
}
