// Reading run folders: the file names, where the latest complete checkpoint is, and the checked loaders of its
// weights, config and tokenizer. Nothing here knows a Run, so the trainer can load a model to start from (initFrom)
// without an import cycle; saving and restoring a whole Run is checkpoint.ts.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createHash } from "node:crypto";
import { decodeSafetensors } from "./safetensors.js";
import type { DecodedSafetensors } from "./safetensors.js";
import { GPT, describeModel, validateConfig } from "../nn/gpt.js";
import type { GPTConfig } from "../nn/gpt.js";
import { Rng } from "../core/random.js";
import { loadTokenizer } from "../data/tokenizers.js";
import type { Tokenizer } from "../data/tokenizer.js";
import { resolveRunConfig } from "../train/config.js";
import type { RunConfig } from "../train/config.js";

export const RUN_FILES = {
  config: "config.json",
  tokenizer: "tokenizer.json",
  weights: "model.safetensors",
  state: "trainer-state.safetensors",
  metrics: "metrics.json",
  samples: "samples.txt",
  /** The SHA-256 of each other file of a checkpoint unit, as saved. */
  checksums: "checksums.json",
} as const;

/** The checkpoint units of a run folder: the latest state (for --resume) and the best by validation loss. */
export const CHECKPOINTS = { last: "last", best: "best" } as const;

export type CheckpointName = (typeof CHECKPOINTS)[keyof typeof CHECKPOINTS];

export const FORMAT = "gptlab";

export const VERSION = "1";

/** JSON files above this size are refused before parsing (a run's metrics.json is a few MB per 10^5 steps). */
const MAX_JSON_BYTES = 512 * 1024 * 1024;

/** True when dir already holds a gptlab run (so it must not be overwritten silently). */
export function isRunFolder(dir: string): boolean {
  return [RUN_FILES.weights, RUN_FILES.metrics, RUN_FILES.config, CHECKPOINTS.last, `.${CHECKPOINTS.last}.old`].some((f) => fs.existsSync(path.join(dir, f)));
}

/**
 * How loaders read a checkpoint's files. Everything read goes through here, so the fuzz test can hand the same
 * loaders mutated bytes in memory (thousands per second) instead of writing files.
 */
export const unitFiles: { read(file: string): Buffer; exists(file: string): boolean } = {
  read: (file) => {
    // a FIFO or a device would block or never end: only regular files are read
    if (!fs.statSync(file).isFile()) throw new Error(`${file} is not a regular file`);
    return fs.readFileSync(file);
  },
  exists: (file) => fs.existsSync(file),
};

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Checks a unit's files against the SHA-256 its checksums.json recorded when it was saved: a file edited by hand,
 * damaged or removed since is named. A unit saved without checksums.json (older gptlab) is not checked.
 */
export function verifyChecksums(unit: string, only?: string[]): void {
  const file = path.join(unit, RUN_FILES.checksums);
  if (!unitFiles.exists(file)) return;
  const sums = readJSON<Record<string, unknown>>(file, "checksums");
  for (const [name, sum] of Object.entries(sums)) {
    if (only && !only.includes(name)) continue;
    const f = path.join(unit, path.basename(name));
    if (!unitFiles.exists(f)) throw new Error(`${f} is missing: the checkpoint was saved with it (${RUN_FILES.checksums} lists it); restore the file, or start the run again`);
    if (sha256Hex(readBytes(f, "checkpoint file")) !== sum) {
      throw new Error(`${f} was changed after it was saved: its SHA-256 is not the one ${RUN_FILES.checksums} records (damaged, or edited by hand; to change a run's options, resume with --key value --allow-config-change instead of editing ${name})`);
    }
  }
}

export function readBytes(file: string, what: string): Buffer {
  if (!unitFiles.exists(file)) throw new Error(`${what} not found: ${file} (is this a gptlab run folder? train one with: npx gptlab train --out DIR)`);
  try {
    return unitFiles.read(file);
  } catch (e) {
    throw new Error(`could not read ${what} ${file} (${(e as Error).message})`);
  }
}

export function readJSON<T>(file: string, what: string): T {
  const bytes = readBytes(file, what);
  if (bytes.length > MAX_JSON_BYTES) throw new Error(`${what} ${file} is ${bytes.length} bytes, over the ${MAX_JSON_BYTES}-byte limit: not a gptlab file`);
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch (e) {
    throw new Error(`${what} ${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`${what} ${file} must hold a JSON object`);
  return value as T;
}

/** Throws naming the tensor and the count when an array holds NaN or Inf. */
export function checkFinite(file: string, name: string, data: ArrayLike<number>): void {
  let bad = 0;
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) bad++;
  if (bad > 0) throw new Error(`${file}: tensor "${name}" has ${bad} non-finite value${bad === 1 ? "" : "s"} (NaN or Inf) of ${data.length}: the run diverged or the file is damaged`);
}

/**
 * The folder holding the latest complete checkpoint of a run folder: dir/last, else dir/.last.old (a save
 * interrupted between its two renames), else dir itself when the files are there (a unit given directly, such
 * as runs/x/best, or a folder written before checkpoints were units); null when there is none.
 */
export function checkpointDir(dir: string): string | null {
  for (const d of [path.join(dir, CHECKPOINTS.last), path.join(dir, `.${CHECKPOINTS.last}.old`), dir]) {
    if (unitFiles.exists(path.join(d, RUN_FILES.weights)) && unitFiles.exists(path.join(d, RUN_FILES.config))) return d;
  }
  return null;
}

export function requireCheckpoint(dir: string): string {
  if (!unitFiles.exists(dir)) throw new Error(`run folder not found: ${dir} (train one with: npx gptlab train --out DIR)`);
  const d = checkpointDir(dir);
  if (d) return d;
  if (fs.existsSync(path.join(dir, RUN_FILES.metrics))) throw new Error(`run folder ${dir} has no checkpoint yet (the run stopped before its first save)`);
  throw new Error(`run config not found: ${path.join(dir, RUN_FILES.config)} (is this a gptlab run folder? train one with: npx gptlab train --out DIR)`);
}

/** A trained model and its tokenizer from a run folder or a checkpoint unit (for sampling and evaluation). */
export function loadModel(dir: string): { model: GPT; tokenizer: Tokenizer; config: GPTConfig; runConfig: RunConfig } {
  const unit = requireCheckpoint(dir);
  const saved = savedConfig(unit);
  const tokenizer = savedTokenizer(unit);
  if (tokenizer.vocabSize !== saved.model.vocabSize) throw new Error(`${unit}: tokenizer has ${tokenizer.vocabSize} tokens but the model expects ${saved.model.vocabSize}`);
  const weightBytes = describeModel(saved.model).weightBytes;
  if (!(weightBytes <= 0.8 * os.totalmem())) throw new Error(`${path.join(unit, RUN_FILES.config)}: the model it describes needs ${weightBytes} bytes of weights, more than this machine's memory: the file is damaged`);
  const model = new GPT(saved.model, new Rng(0));
  loadWeights(model, path.join(unit, RUN_FILES.weights));
  verifyChecksums(unit);
  return { model, tokenizer, config: saved.model, runConfig: saved.run };
}

export function readSafetensorsChecked(file: string): DecodedSafetensors {
  const bytes = readBytes(file, "safetensors file");
  let decoded: DecodedSafetensors;
  try {
    decoded = decodeSafetensors(bytes);
  } catch (e) {
    throw new Error(`${file} is not a valid safetensors file: ${(e as Error).message}`);
  }
  if (decoded.metadata.format !== undefined && decoded.metadata.format !== FORMAT) {
    throw new Error(`${file} is not a gptlab file (metadata format ${JSON.stringify(decoded.metadata.format)})`);
  }
  return decoded;
}

/** Copies weights from a safetensors file into a model, checking every name, shape, dtype and value. */
export function loadWeights(model: GPT, file: string): void {
  const { tensors, metadata } = readSafetensorsChecked(file);
  if (metadata.config !== undefined) {
    let meta: unknown;
    try {
      meta = JSON.parse(metadata.config);
    } catch {
      throw new Error(`${file}: metadata "config" is not valid JSON`);
    }
    const diff = differingKeys(model.config as unknown as Record<string, unknown>, (meta ?? {}) as Record<string, unknown>);
    if (diff.length) throw new Error(`${file}: the weights were saved with another model config than the one given (config.json): ${diff.map((k) => `${k} ${JSON.stringify((meta as Record<string, unknown>)[k])} in the weights, ${JSON.stringify((model.config as unknown as Record<string, unknown>)[k])} given`).join("; ")}`);
  }
  for (const p of model.store.params) {
    const t = tensors.get(p.name);
    if (!t) throw new Error(`${file}: tensor "${p.name}" is missing (the file holds: ${[...tensors.keys()].slice(0, 8).join(", ")}...)`);
    if (t.dtype !== "F32") throw new Error(`${file}: tensor "${p.name}" has dtype ${t.dtype}, the model needs F32`);
    if (t.shape.join() !== p.tensor.shape.join()) throw new Error(`${file}: tensor "${p.name}" has shape [${t.shape.join(", ")}], the model expects [${p.tensor.shape.join(", ")}]`);
    checkFinite(file, p.name, t.data);
  }
  const extra = [...tensors.keys()].filter((k) => !model.store.params.some((p) => p.name === k));
  if (extra.length) throw new Error(`${file}: unexpected tensors ${extra.join(", ")} (a different model config?)`);
  for (const p of model.store.params) p.tensor.data.set(tensors.get(p.name)!.data);
}

/** Keys whose values differ between two flat configs (both directions), sorted. */
export function differingKeys(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).sort();
}

/** config.json of a unit, validated: the run config key by key, the model config, and the two against each other. */
export function savedConfig(unit: string): { run: RunConfig; model: GPTConfig } {
  const file = path.join(unit, RUN_FILES.config);
  const saved = readJSON<{ run?: unknown; model?: unknown }>(file, "run config");
  for (const k of ["run", "model"] as const) {
    if (typeof saved[k] !== "object" || saved[k] === null || Array.isArray(saved[k])) throw new Error(`${file}: "${k}" must be a JSON object`);
  }
  try {
    return { run: resolveRunConfig(saved.run as Partial<RunConfig>), model: validateConfig(saved.model as Partial<GPTConfig>) };
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
}

/** The run config saved in a run folder's latest checkpoint. */
export function savedRunConfig(dir: string): RunConfig {
  return savedConfig(requireCheckpoint(dir)).run;
}

/** The tokenizer saved in a run folder's latest checkpoint. */
export function savedTokenizer(dir: string): Tokenizer {
  const file = path.join(requireCheckpoint(dir), RUN_FILES.tokenizer);
  try {
    return loadTokenizer(readJSON(file, "tokenizer"));
  } catch (e) {
    const msg = (e as Error).message;
    throw new Error(msg.includes(file) ? msg : `${file}: ${msg}`);
  }
}

/** Why the latest checkpoint of dir cannot be used (the loader's message, naming the file), or null when it verifies. */
export function checkpointProblem(dir: string): string | null {
  try {
    const unit = requireCheckpoint(dir);
    savedConfig(unit);
    savedTokenizer(unit);
    readSafetensorsChecked(path.join(unit, RUN_FILES.weights));
    if (unitFiles.exists(path.join(unit, RUN_FILES.state))) readSafetensorsChecked(path.join(unit, RUN_FILES.state));
    verifyChecksums(unit);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}
