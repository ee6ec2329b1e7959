// Run folders (reading their files: run-files.ts). A checkpoint is one unit: a folder (last/, best/) holding the weights in safetensors with nanoGPT
// tensor names (loadable from PyTorch), the config and tokenizer as JSON, the whole trainer state (optimizer
// moments, step, RNG and data position) and the metrics up to its step. It is written complete into a temporary
// folder, fsynced, and switched in by a rename, so a crash leaves the old unit or the new one, never a mix.
// Everything read back is checked: a damaged or hand-edited file gives an error naming the file and the field.

import * as fs from "node:fs";
import * as path from "node:path";
import { encodeSafetensors } from "./safetensors.js";
import type { SafetensorsTensor } from "./safetensors.js";
import { IoCrash, fsyncDir, ioStep, writeErrorMessage, writeFileAtomic, writeFileDurable } from "./atomic.js";
import type { GPT, GPTConfig } from "../nn/gpt.js";
import type { Run, RunMetrics, RunState } from "../train/run.js";
import { HISTORY_TAIL } from "../train/callbacks.js";
import { CHECKPOINTS, FORMAT, RUN_FILES, VERSION, checkFinite, sha256Hex, verifyChecksums, checkpointDir, checkpointProblem, differingKeys, isRunFolder, loadWeights, readJSON, readSafetensorsChecked, requireCheckpoint, savedConfig, unitFiles } from "./run-files.js";
import type { CheckpointName } from "./run-files.js";
import { makeOutputFolder } from "./paths.js";
export { CHECKPOINTS, RUN_FILES, checkpointDir, checkpointProblem, verifyChecksums, differingKeys, isRunFolder, loadModel, loadWeights, savedRunConfig, savedTokenizer, unitFiles } from "./run-files.js";
export type { CheckpointName } from "./run-files.js";

/** The folder is already claimed by another run (the CLI then picks the next free runs/<preset>-N). */
export class RunFolderTakenError extends Error {}

/**
 * A claim whose process was killed before it trained a step (metrics.json empty, cut, or at step 0, and no
 * checkpoint) holds nothing: it is removed, so the folder can be claimed again without --force. Called under the
 * folder's lock (no claim is in flight).
 */
function removeAbandonedClaim(dir: string): void {
  const file = path.join(dir, RUN_FILES.metrics);
  if (!fs.existsSync(file) || checkpointDir(dir) !== null) return;
  let step: unknown = 0;
  try {
    step = (JSON.parse(fs.readFileSync(file, "utf8")) as { final?: { step?: unknown } })?.final?.step ?? 0;
  } catch {
    /* empty or cut: abandoned */
  }
  if (step === 0) fs.rmSync(file, { force: true });
}

/**
 * Claims a run folder for one process, atomically: the folder is created if missing, then metrics.json is created
 * with O_EXCL, so of two runs started at once on the same folder exactly one gets it. With force an existing run
 * in it is removed first; locked (the caller holds lockFolder(dir)): an abandoned claim is removed first. Throws when
 * the folder holds a run.
 */
export function claimRunFolder(dir: string, opts: { force?: boolean; locked?: boolean } = {}): void {
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new Error(`run folder ${dir} is a file; choose another --out`);
  if (opts.force && isRunFolder(dir)) {
    for (const f of [...Object.values(RUN_FILES), CHECKPOINTS.last, CHECKPOINTS.best, `.${CHECKPOINTS.last}.old`, `.${CHECKPOINTS.best}.old`]) {
      fs.rmSync(path.join(dir, f), { recursive: true, force: true });
    }
  }
  makeOutputFolder(dir, "--out");
  if (opts.locked) removeAbandonedClaim(dir);
  const claim = JSON.stringify({ format: "gptlab-metrics", version: 1, final: { step: 0, stopReason: null } }, null, 2) + "\n";
  let fd: number;
  try {
    fd = fs.openSync(path.join(dir, RUN_FILES.metrics), "wx");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") {
      throw new RunFolderTakenError(`run folder ${dir} already holds a run; choose another --out, continue it with --resume ${dir}, or replace it with --force`);
    }
    throw e;
  }
  try {
    fs.writeSync(fd, claim);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fsyncDir(dir);
}

/**
 * Removes what saves killed part-way left in a run folder (temporary files of atomic writes, temporary units):
 * nothing reads them. Only safe under the folder's lock (no save is in flight).
 */
export function removeStaleTemps(dir: string): void {
  for (const f of fs.readdirSync(dir)) if (/^\..+\.tmp-\d+-\d+$/.test(f)) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
}

/** Refuses to reuse a folder that holds a run, unless asked to replace it (kept for callers that save by hand). */
export function prepareRunFolder(dir: string, opts: { force?: boolean; resume?: boolean } = {}): void {
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new Error(`run folder ${dir} is a file; choose another --out`);
  if (!opts.force && !opts.resume && isRunFolder(dir)) {
    throw new Error(`run folder ${dir} already holds a run; choose another --out, continue it with --resume ${dir}, or replace it with --force`);
  }
  fs.mkdirSync(dir, { recursive: true });
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + "\n";
}

/** Weights of a model as safetensors entries named like nanoGPT's state_dict (from `data`, a copy of store.data, if given). */
export function weightTensors(model: GPT, data?: Float32Array | Float64Array): SafetensorsTensor[] {
  return model.store.params.map((p) => {
    const src = data ? data.subarray(p.offset, p.offset + p.tensor.size) : p.tensor.data;
    return { name: p.name, dtype: "F32", shape: [...p.tensor.shape], data: Float32Array.from(src) };
  });
}

export interface CheckpointOptions {
  /** Weights to save instead of the model's current ones (best/ saves a snapshot taken at the best evaluation). */
  weights?: Float32Array | Float64Array;
  /** Samples to write as samples.txt. */
  samples?: string[];
  /** Leave the trainer state out (best/ holds a model, not a resumable state). */
  stateless?: boolean;
}

/** The files of a checkpoint unit, as bytes (weights first, so a non-finite weight stops the save before any write). */
function checkpointFiles(run: Run, opts: CheckpointOptions): Array<[string, Uint8Array | string]> {
  const where = `checkpoint of step ${run.step}`;
  const weights = weightTensors(run.model, opts.weights);
  for (const t of weights) checkFinite(where, t.name, t.data);
  const files: Array<[string, Uint8Array | string]> = [];
  if (!opts.stateless) {
    const opt = run.optimizer.getState();
    const moments: SafetensorsTensor[] = [];
    const optMeta: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(opt)) {
      if (v instanceof Float32Array || v instanceof Float64Array) {
        checkFinite(where, `optimizer.${k}`, v);
        moments.push({ name: `optimizer.${k}`, dtype: v instanceof Float64Array ? "F64" : "F32", shape: [v.length], data: v });
      } else optMeta[k] = v;
    }
    const stateMeta = { format: FORMAT, version: VERSION, optimizer: JSON.stringify(optMeta), run: JSON.stringify(run.getState()) };
    files.push([RUN_FILES.state, encodeSafetensors(moments, stateMeta, { hash: true })]);
  }
  files.push([RUN_FILES.config, json({ run: run.config, model: run.modelConfig })]);
  files.push([RUN_FILES.tokenizer, json(run.tokenizer.toJSON())]);
  files.push([RUN_FILES.metrics, json(run.metrics())]);
  if (opts.samples?.length) files.push([RUN_FILES.samples, opts.samples.join("\n") + "\n"]);
  const meta = { format: FORMAT, version: VERSION, config: JSON.stringify(run.modelConfig) };
  files.unshift([RUN_FILES.weights, encodeSafetensors(weights, meta, { hash: true })]);
  // the SHA-256 of every file of the unit: an edited config, tokenizer, trainer state or history is refused on
  // load, naming the file (verifyChecksums)
  files.push([RUN_FILES.checksums, json(Object.fromEntries(files.map(([name, data]) => [name, sha256Hex(data)])))]);
  return files;
}

let unitCounter = 0;

/**
 * Writes a checkpoint unit dir/<name>/ atomically: every file into a fresh temporary folder (checked writes,
 * fsync), the folder fsynced, the old unit moved aside to .<name>.old, the new one renamed in, the run folder
 * fsynced, the old one removed. A crash at any point leaves <name>/ (old or new, complete) or, in the instant
 * between the two renames, .<name>.old, which checkpointDir() falls back to. On an error (a full disk) the
 * temporary folder is removed, the previous unit is untouched and the error says what happened.
 */
export function saveCheckpoint(run: Run, dir: string, name: CheckpointName = CHECKPOINTS.last, opts: CheckpointOptions = {}): string {
  const files = checkpointFiles(run, opts);
  const target = path.join(dir, name);
  const old = path.join(dir, `.${name}.old`);
  const tmp = path.join(dir, `.${name}.tmp-${process.pid}-${unitCounter++}`);
  // temporary units of saves that crashed (the folder belongs to this run, so none is in flight)
  for (const f of fs.readdirSync(dir)) if (f.startsWith(`.${name}.tmp-`)) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
  try {
    ioStep("mkdir", tmp);
    fs.mkdirSync(tmp);
    for (const [file, data] of files) writeFileDurable(path.join(tmp, file), data);
    fsyncDir(tmp);
  } catch (e) {
    if (e instanceof IoCrash) throw e;
    fs.rmSync(tmp, { recursive: true, force: true });
    const before = fs.existsSync(target) ? "the previous checkpoint is untouched" : `no ${name}/ checkpoint exists yet`;
    throw new Error(`could not save the ${name} checkpoint of step ${run.step} in ${dir}: ${writeErrorMessage(e)}; ${before}`);
  }
  if (fs.existsSync(target)) {
    // target is complete here, so a leftover .old from an earlier crash is stale
    ioStep("remove", old);
    fs.rmSync(old, { recursive: true, force: true });
    ioStep("rename", target);
    fs.renameSync(target, old);
  }
  ioStep("rename", tmp);
  fs.renameSync(tmp, target);
  fsyncDir(dir);
  ioStep("remove", old);
  fs.rmSync(old, { recursive: true, force: true });
  return target;
}

/** Writes the run folder's top-level metrics.json (the run's status: final.stopReason, history), atomically. */
export function writeRunMetrics(run: Run, dir: string, metrics: RunMetrics = run.metrics()): void {
  try {
    writeFileAtomic(path.join(dir, RUN_FILES.metrics), json(metrics));
  } catch (e) {
    if (e instanceof IoCrash) throw e;
    throw new Error(`could not write ${path.join(dir, RUN_FILES.metrics)}: ${writeErrorMessage(e)}`);
  }
}

function readJSONOrNull<T>(file: string): T | null {
  try {
    return readJSON<T>(file, "metrics");
  } catch {
    return null;
  }
}

/**
 * A finished run whose metrics.json lags behind its checkpoint (killed between the final save's two writes, or
 * the file truncated): when last/ verifies and its metrics.json says completed at a step the folder's does not,
 * that metrics.json is copied up. Returns the completed metrics, or null when nothing lagged.
 */
export function completeLaggingMetrics(dir: string): RunMetrics | null {
  const unit = checkpointDir(dir);
  if (!unit || unit === dir) return null;
  const done = readJSONOrNull<RunMetrics>(path.join(unit, RUN_FILES.metrics));
  if (done?.final?.stopReason !== "completed") return null;
  const top = readJSONOrNull<RunMetrics>(path.join(dir, RUN_FILES.metrics));
  if (top?.final?.stopReason === "completed" && top.final.step === done.final.step) return null;
  if (checkpointProblem(dir) !== null) return null;
  writeFileAtomic(path.join(dir, RUN_FILES.metrics), unitFiles.read(path.join(unit, RUN_FILES.metrics)));
  return done;
}

/**
 * Saves weights, config, tokenizer, trainer state, metrics and samples of a run: the last/ unit and the
 * top-level metrics.json.
 */
export function saveRun(run: Run, dir: string, samples: string[] = []): void {
  fs.mkdirSync(dir, { recursive: true });
  saveCheckpoint(run, dir, CHECKPOINTS.last, { samples });
  writeRunMetrics(run, dir);
}

function isInt(v: unknown, min = 0): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= min;
}

/** Checks every field of a saved RunState (values from a file are not trusted); errors name the field. */
export function validateRunState(s: unknown, file: string, totalSteps: number): RunState {
  const bad = (field: string, want: string, v: unknown): never => {
    throw new Error(`${file}: trainer state "${field}" must be ${want} (got ${JSON.stringify(v) ?? String(v)})`);
  };
  if (typeof s !== "object" || s === null || Array.isArray(s)) return bad("run", "an object", s);
  const r = s as Record<string, unknown>;
  if (!isInt(r.step)) bad("step", "an integer >= 0", r.step);
  const step = r.step as number;
  if (step > totalSteps) bad("step", `at most the run's ${totalSteps} steps`, step);
  if (r.bestStep !== null && !(isInt(r.bestStep, 1) && r.bestStep <= step)) bad("bestStep", `null or an integer in [1, ${step}]`, r.bestStep);
  if (r.bestLoss !== null && !(typeof r.bestLoss === "number" && Number.isFinite(r.bestLoss) && r.bestLoss >= 0)) bad("bestLoss", "null or a finite number >= 0 (a cross-entropy)", r.bestLoss);
  if ((r.bestStep === null) !== (r.bestLoss === null)) bad("bestLoss", "null exactly when bestStep is null", r.bestLoss);
  for (const k of ["dropoutRng", "sampleRng"]) {
    const w = r[k];
    if (!(Array.isArray(w) && w.length === 4 && w.every((x) => isInt(x) && x <= 0xffffffff) && w.some((x) => x !== 0))) bad(k, "four uint32 words, not all zero", w);
  }
  if (typeof r.trainData !== "object" || r.trainData === null || Array.isArray(r.trainData)) bad("trainData", "an object", r.trainData);
  return r as unknown as RunState;
}

function parseMeta(file: string, metadata: Record<string, string>, key: string): unknown {
  if (metadata[key] === undefined) throw new Error(`${file}: metadata "${key}" is missing (not a gptlab trainer state)`);
  try {
    return JSON.parse(metadata[key]);
  } catch {
    throw new Error(`${file}: metadata "${key}" is not valid JSON`);
  }
}

function checkStepRecord(file: string, where: string, r: unknown, step: number): void {
  const x = r as { step?: unknown; lr?: unknown; loss?: unknown } | null;
  if (typeof x !== "object" || x === null || x.step !== step || !(typeof x.lr === "number") || !(typeof x.loss === "number" || x.loss === null)) {
    throw new Error(`${file}: "${where}" must be { step: ${step}, loss, lr, gradNorm } (got ${JSON.stringify(r)})`);
  }
}

/** The steps a history thinned to `stride` keeps after `step` steps: 1, then every stride-th. */
function keptSteps(step: number, stride: number): number[] {
  const out = step > 0 ? [1] : [];
  for (let k = stride; k <= step; k += stride) if (k > 1) out.push(k);
  return out;
}

function checkHistory(file: string, metrics: Partial<RunMetrics>, step: number): RunMetrics["history"] {
  const h = metrics.history;
  if (typeof h !== "object" || h === null || !Array.isArray(h.steps) || !Array.isArray(h.evals)) throw new Error(`${file}: "history" must hold the arrays "steps" and "evals"`);
  const stride = h.stride ?? 1;
  if (!(isInt(stride, 1) && (stride & (stride - 1)) === 0 && stride <= 2 ** 30)) throw new Error(`${file}: "history.stride" must be a power of 2 (got ${JSON.stringify(h.stride)})`);
  const kept = keptSteps(step, stride);
  if (h.steps.length !== kept.length) throw new Error(`${file}: "history.steps" has ${h.steps.length} records, the trainer state is at step ${step}${stride > 1 ? ` with stride ${stride} (${kept.length} records)` : ""}: the files are from different saves`);
  h.steps.forEach((r, i) => checkStepRecord(file, `history.steps[${i}]`, r, kept[i]));
  if (stride > 1) {
    if (!Array.isArray(h.tail) || h.tail.length !== Math.min(HISTORY_TAIL, step)) throw new Error(`${file}: "history.tail" must hold the last ${Math.min(HISTORY_TAIL, step)} steps`);
    h.tail.forEach((r, i) => checkStepRecord(file, `history.tail[${i}]`, r, step - h.tail!.length + 1 + i));
    if (!(typeof metrics.final?.meanLossFirst500 === "number")) throw new Error(`${file}: "final.meanLossFirst500" must be a number in a thinned history`);
  }
  h.evals.forEach((r, i) => {
    if (typeof r !== "object" || r === null || !isInt(r.step, 1) || r.step > step) throw new Error(`${file}: "history.evals[${i}]" must have a step in [1, ${step}] (got ${JSON.stringify(r)})`);
  });
  return h;
}

/**
 * Restores weights, optimizer, run state and history saved by saveCheckpoint into a freshly built run with the
 * same config. `dir` is a run folder or a unit. Every field is checked before anything is applied.
 */
export function restoreRunState(run: Run, dir: string): void {
  const unit = requireCheckpoint(dir);
  const savedModel = savedConfig(unit).model;
  const modelDiff = differingKeys(savedModel as unknown as Record<string, unknown>, run.modelConfig as unknown as Record<string, unknown>);
  if (modelDiff.length) {
    const show = (c: GPTConfig, k: string): string => JSON.stringify((c as unknown as Record<string, unknown>)[k]);
    throw new Error(`${path.join(unit, RUN_FILES.config)}: the model section differs from the model this run builds: ${modelDiff.map((k) => `${k} ${show(savedModel, k)} saved, ${show(run.modelConfig, k)} built`).join("; ")}`);
  }
  const file = path.join(unit, RUN_FILES.state);
  const { tensors, metadata } = readSafetensorsChecked(file);
  if (metadata.format !== FORMAT) throw new Error(`${file} is not a gptlab trainer state (format ${JSON.stringify(metadata.format)})`);
  const opt = parseMeta(file, metadata, "optimizer");
  if (typeof opt !== "object" || opt === null || Array.isArray(opt)) throw new Error(`${file}: metadata "optimizer" must be a JSON object`);
  const state = validateRunState(parseMeta(file, metadata, "run"), file, run.config.steps);
  const optState: Record<string, unknown> = { ...(opt as Record<string, unknown>) };
  const t = optState.t;
  if (t !== undefined && !(isInt(t) && t <= state.step)) throw new Error(`${file}: optimizer step "t" must be an integer in [0, ${state.step}], the run's step (got ${JSON.stringify(t)})`);
  for (const [name, t] of tensors) {
    if (!name.startsWith("optimizer.")) throw new Error(`${file}: unexpected tensor "${name}"`);
    checkFinite(file, name, t.data);
    optState[name.slice("optimizer.".length)] = t.data;
  }
  const metricsFile = path.join(unit, RUN_FILES.metrics);
  const saved = unitFiles.exists(metricsFile) ? readJSON<Partial<RunMetrics>>(metricsFile, "metrics") : null;
  const history = saved ? checkHistory(metricsFile, saved, state.step) : null;
  loadWeights(run.model, path.join(unit, RUN_FILES.weights));
  // every field is valid; the checksums say whether a valid-looking value was edited (an edited seed, lr, history)
  verifyChecksums(unit);
  const fail = (what: string, e: unknown): never => {
    throw new Error(`${file}: ${what}: ${(e as Error).message}`);
  };
  try {
    run.optimizer.setState(optState as never);
  } catch (e) {
    fail("optimizer state", e);
  }
  try {
    run.setState(state);
  } catch (e) {
    fail("run state", e);
  }
  if (history) {
    run.history.steps = history.steps;
    run.history.stride = history.stride ?? 1;
    run.history.tail = history.tail ?? history.steps.slice(-HISTORY_TAIL);
    run.history.meanFirst500 = run.history.stride > 1 ? (saved!.final!.meanLossFirst500 as number) : null;
    run.history.evals = history.evals;
    run.trainingSamples = (history.samples ?? []).filter((r) => r.step <= state.step);
  }
  if (saved && Array.isArray(saved.configChanges)) run.configChanges = saved.configChanges;
}

