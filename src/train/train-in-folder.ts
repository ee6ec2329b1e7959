// trainInFolder: the one way a run is trained into a run folder (the CLI `train` and the sweep runner use it).
// It claims the folder atomically or resumes it exactly, saves a checkpoint every saveEvery steps / seconds,
// keeps last/ and best/, refuses config changes on resume unless allowed (then records them), never saves a
// diverged state as the good checkpoint, and leaves the run's status in metrics.json (final.stopReason).

import * as fs from "node:fs";
import * as path from "node:path";
import { Run, divergeLimit, stoppedEarlyMessage } from "./run.js";
import type { Optimizer } from "../optim/optimizer.js";
import { HISTORY_TAIL } from "./callbacks.js";
import type { StepRecord } from "./callbacks.js";
import { lockFolder } from "../io/lock.js";
import type { RunMetrics, RunState } from "./run.js";
import type { Callback, EndEvent, EvalEvent, StepEvent, Trainer } from "./trainer.js";
import type { RunConfig } from "./config.js";
import { scheduleRegistry } from "../optim/schedules.js";
import type { Schema } from "../core/schema.js";
import { CHECKPOINTS, RUN_FILES, checkpointDir, claimRunFolder, completeLaggingMetrics, removeStaleTemps, restoreRunState, saveCheckpoint, savedRunConfig, savedTokenizer, verifyChecksums, writeRunMetrics } from "../io/checkpoint.js";
import { sampleLines } from "./samples.js";

export interface TrainInFolderOptions {
  /** Continue the run in dir from its latest checkpoint (dir must hold a run). */
  resume?: boolean;
  /** On resume, apply changed config keys (recorded in metrics.json configChanges) instead of refusing them. */
  allowConfigChange?: boolean;
  /** Aborting stops training after the current step; the state is saved and end.reason is "aborted". */
  signal?: AbortSignal;
  /** Progress bar on stderr. */
  progress?: boolean;
  callbacks?: Callback[];
  /** Replace a run already in dir (never implied). */
  force?: boolean;
  /** Called once the run is built (and restored), before step 1: the CLI prints its summary here. */
  onReady?: (run: Run, resumedFrom: number | null) => void;
  /** Where warnings go (a failed periodic save, a config change); default stderr. */
  log?: (line: string) => void;
  /** The caller holds dir's lock (lockFolder; a sweep trial takes it before judging the folder). */
  lockHeld?: boolean;
}

export interface SaveStats {
  /** Periodic and final checkpoint saves that succeeded, and the wall time they took. */
  count: number;
  ms: number;
  /** Messages of saves that failed (a full disk); the previous checkpoint stayed intact. */
  errors: string[];
}

export interface TrainInFolderResult {
  run: Run;
  end: EndEvent;
  /** The step the run was resumed at (null for a fresh run). */
  resumedFrom: number | null;
  saves: SaveStats;
}

/** Keys that never change a run's trajectory: they may differ on resume without being a config change. */
const FREE_KEYS: ReadonlySet<string> = new Set(["out", "threads", "backend", "samples", "temperature", "saveEvery", "saveEverySeconds", "diagnosticsEvery"]);
/** Keys that cannot change on resume at all: the saved weights, vocabulary, data split or optimizer state depend on them. */
const FIXED_KEYS: ReadonlySet<string> = new Set(["preset", "nEmbd", "nHead", "nLayer", "blockSize", "data", "tokenizer", "mode", "valFraction", "seed", "optimizer", "trainDocs"]);
/** Whether a schedule's lr at a step depends on the total step count: its schema reads a field from steps (totalSteps). */
function scheduleUsesSteps(kind: string): boolean {
  const entry = scheduleRegistry.find((e) => e.kind === kind);
  return entry !== undefined && Object.values(entry.schema as Schema).some((f) => f.from === "steps");
}

/** Changed keys of a resume, split into those that are refused outright and those that need allowConfigChange. */
export function resumeConfigChanges(saved: RunConfig, overrides: Partial<RunConfig>): { fixed: string[]; changed: Record<string, { from: unknown; to: unknown }> } {
  const fixed: string[] = [];
  const changed: Record<string, { from: unknown; to: unknown }> = {};
  for (const [k, to] of Object.entries(overrides)) {
    const from = (saved as unknown as Record<string, unknown>)[k];
    if (to === undefined || JSON.stringify(to) === JSON.stringify(from) || FREE_KEYS.has(k)) continue;
    if (k === "steps" && !scheduleUsesSteps((overrides.schedule as string | undefined) ?? saved.schedule)) continue; // the lr of done steps stays the same
    if (k === "steps" && ("scheduleSteps" in overrides ? overrides.scheduleSteps : saved.scheduleSteps) != null) continue; // the schedule's length is fixed apart
    if (FIXED_KEYS.has(k)) fixed.push(k);
    else changed[k] = { from, to };
  }
  return { fixed, changed };
}

function describeChanges(changed: Record<string, { from: unknown; to: unknown }>): string {
  return Object.entries(changed).map(([k, { from, to }]) => `${k} ${JSON.stringify(from)} -> ${JSON.stringify(to)}`).join(", ");
}

/** The config of a run folder that has no checkpoint yet (killed before its first save): from its metrics.json. */
function claimedConfig(dir: string): RunConfig | null {
  let m: { config?: RunConfig; final?: { step?: unknown } };
  try {
    m = JSON.parse(fs.readFileSync(path.join(dir, RUN_FILES.metrics), "utf8")) as typeof m;
  } catch {
    return null;
  }
  const steps = m?.final?.step;
  if (typeof steps === "number" && steps > 0) {
    throw new Error(`${dir} has no checkpoint (${CHECKPOINTS.last}/ is missing) but its ${RUN_FILES.metrics} records ${steps} steps: resuming would start again at step 0 over that history; restore ${CHECKPOINTS.last}/, or start the run again with --out ${dir} --force`);
  }
  return m && typeof m.config === "object" && m.config !== null ? m.config : null;
}

/** The run of dir restored from its latest checkpoint; finished: it had completed, and its lagging metrics.json was completed. */
function buildResumed(dir: string, overrides: Partial<RunConfig>, opts: TrainInFolderOptions): { run: Run; resumedFrom: number; finished?: boolean } {
  const unit = checkpointDir(dir);
  const saved = unit ? savedRunConfig(dir) : claimedConfig(dir);
  if (!saved) throw new Error(`${dir} is not a gptlab run folder (no ${CHECKPOINTS.last}/ checkpoint and no ${RUN_FILES.metrics} with a config)${fs.existsSync(path.join(dir, RUN_FILES.metrics)) ? `; its ${RUN_FILES.metrics} is a claim killed before step 1, nothing was trained: start it again with --out ${dir}` : ""}`);
  const { fixed, changed } = resumeConfigChanges(saved, overrides);
  if (fixed.length) {
    throw new Error(`cannot resume ${dir} with another ${fixed.map((k) => `${k} (${JSON.stringify((saved as unknown as Record<string, unknown>)[k])} saved, ${JSON.stringify((overrides as Record<string, unknown>)[k])} given)`).join(", ")}: the saved weights, vocabulary or data split depend on it; start a new run instead`);
  }
  if (Object.keys(changed).length && !opts.allowConfigChange) {
    const why = "steps" in changed ? ` (with schedule ${saved.schedule} the lr of every step depends on steps, so the run would not be the one it was)` : "";
    throw new Error(`resuming ${dir} with a changed config: ${describeChanges(changed)}${why}; pass --allow-config-change to apply it (recorded in metrics.json), or leave those options out`);
  }
  // a damaged tokenizer would fail on the data, naming the data file: check it first (the rest after the fields)
  if (unit) verifyChecksums(unit, [RUN_FILES.tokenizer]);
  const run = new Run({ ...saved, ...overrides, out: dir }, unit ? savedTokenizer(dir) : undefined);
  if (unit) restoreRunState(run, dir);
  if (Object.keys(changed).length) {
    run.configChanges.push({ atStep: run.step, changes: changed });
    run.applyOptimizerConfig();
  }
  if (run.step >= run.config.steps) {
    if (completeLaggingMetrics(dir)) return { run, resumedFrom: run.step, finished: true };
    throw new Error(`run ${dir} already has ${run.step} steps; pass --steps N with N > ${run.step} to train further`);
  }
  const early = run.stoppedEarlyAtStep();
  if (early !== null) throw new Error(`cannot resume ${dir}: ${stoppedEarlyMessage(run, early)}`);
  return { run, resumedFrom: run.step };
}

function allFinite(data: ArrayLike<number>): boolean {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return false;
  return true;
}

/** Periodic checkpoints (last/) and the best weights by validation loss (best/), from the trainer's events. */
class Checkpointer implements Callback {
  private lastSave = Date.now();
  private best: { weights: Float32Array | Float64Array; step: number } | null = null;
  private bestSaved = true;
  /** The whole state at the latest evaluation under the divergence limit: what a divergence rolls last/ back to. */
  private good: { weights: Float32Array | Float64Array; optimizer: ReturnType<Optimizer["getState"]>; state: RunState; tail: StepRecord[] } | null = null;
  /** The step last/ holds (a resumed run starts from its last/). */
  private savedStep: number | null;
  readonly stats: SaveStats = { count: 0, ms: 0, errors: [] };

  constructor(
    private readonly run: Run,
    private readonly dir: string,
    private readonly log: (line: string) => void,
  ) {
    this.savedStep = run.step > 0 ? run.step : null;
  }

  onStart(): void {
    this.lastSave = Date.now();
  }

  onEval(e: EvalEvent, trainer: Trainer): void {
    const store = this.run.model.store;
    const watched = e.valLoss ?? e.trainLoss;
    if (watched !== null && watched <= divergeLimit(this.run.tokenizer.vocabSize) && allFinite(store.data)) {
      const state = { ...this.run.getState(), step: trainer.step, bestStep: trainer.bestStep, bestLoss: trainer.bestLoss };
      this.good = { weights: store.data.slice(), optimizer: this.run.optimizer.getState(), state, tail: this.run.history.lastSteps(HISTORY_TAIL) };
    }
    if (!e.isBest) return;
    this.best = { weights: store.data.slice(), step: trainer.step };
    this.bestSaved = false;
  }

  onStepEnd(e: StepEvent, trainer: Trainer): void {
    // a diverged or skipped step is never the good checkpoint; the end saves the last one
    if (trainer.divergence || e.skipped || e.step >= e.totalSteps) return;
    const c = this.run.config;
    const bySteps = c.saveEvery > 0 && e.step % c.saveEvery === 0;
    const byTime = c.saveEverySeconds > 0 && Date.now() - this.lastSave >= c.saveEverySeconds * 1000;
    if (!bySteps && !byTime) return;
    if (!allFinite(this.run.model.store.data)) {
      // a NaN can sit in weights whose path to the loss drops it (relu): never save it, stop as diverged
      trainer.divergence = { step: e.step, lr: e.lr, loss: e.loss };
      trainer.requestStop("diverged");
      return;
    }
    this.run.step = trainer.step;
    this.run.bestStep = trainer.bestStep;
    this.run.bestLoss = trainer.bestLoss;
    this.save();
  }

  /**
   * After a divergence: best/ (the best weights in memory) and last/ rolled back to the latest good state (the
   * last evaluation under the limit) when it is later than the last save, so --resume (with a lower lr) goes on
   * from there, not from step 0. metrics.json keeps the whole history with the divergence.
   */
  saveDiverged(): boolean {
    const run = this.run;
    const full = run.metrics();
    const good = this.good;
    if (!good || (this.savedStep !== null && this.savedStep >= good.state.step)) return this.save(undefined, { last: false, metrics: full });
    const { steps, evals, tail } = run.history;
    const samples = run.trainingSamples;
    const at = good.state.step;
    run.model.store.data.set(good.weights);
    run.optimizer.setState(good.optimizer as never);
    run.setState(good.state);
    // the records up to the good step (under the current stride, every kept step up to it) and its tail
    run.history.steps = steps.filter((r) => r.step <= at);
    run.history.tail = good.tail;
    run.history.evals = evals.filter((r) => r.step <= at);
    run.trainingSamples = samples.filter((r) => r.step <= at);
    try {
      return this.save(undefined, { last: true, metrics: full });
    } finally {
      // the caller reports the divergence from the whole history
      run.history.steps = steps;
      run.history.tail = tail;
      run.history.evals = evals;
      run.trainingSamples = samples;
    }
  }

  /** Saves best/ (when it changed), then last/ and metrics.json; a failure is logged and training goes on. */
  save(samples?: string[], o: { last: boolean; metrics?: RunMetrics } = { last: true }): boolean {
    const t0 = Date.now();
    try {
      if (this.best && !this.bestSaved) {
        saveCheckpoint(this.run, this.dir, CHECKPOINTS.best, { weights: this.best.weights, stateless: true });
        this.bestSaved = true;
      }
      if (o.last) {
        saveCheckpoint(this.run, this.dir, CHECKPOINTS.last, { samples });
        this.savedStep = this.run.step;
      }
      writeRunMetrics(this.run, this.dir, o.metrics);
    } catch (e) {
      const msg = (e as Error).message;
      this.stats.errors.push(msg);
      this.log(`warning: ${msg}`);
      return false;
    } finally {
      this.lastSave = Date.now();
    }
    this.stats.count++;
    this.stats.ms += Date.now() - t0;
    return true;
  }
}

/**
 * Trains a run in a run folder: claims dir (or, with resume, continues its latest checkpoint exactly), saves
 * periodic checkpoints, and at the end the final state (last/, best/, samples, metrics.json). Resolves when
 * training has ended: completed, aborted by opts.signal (saved, resumable), stopped by a callback, or diverged
 * (metrics.json records divergedAtStep and divergedLr; last/ keeps the last good checkpoint). The loop yields
 * to the event loop about every 100 ms, so signal handlers run. Throws when the final save fails.
 */
export async function trainInFolder(dir: string, overrides: Partial<RunConfig> = {}, opts: TrainInFolderOptions = {}): Promise<TrainInFolderResult> {
  const log = opts.log ?? ((line: string) => void process.stderr.write(line + "\n"));
  let run: Run;
  let resumedFrom: number | null = null;
  let release: () => void;
  let finished = false;
  if (opts.resume) {
    if (!fs.existsSync(dir)) throw new Error(`run folder not found: ${dir} (nothing to resume; start it without --resume)`);
    release = opts.lockHeld ? () => undefined : lockFolder(dir);
    try {
      ({ run, resumedFrom, finished = false } = buildResumed(dir, overrides, opts));
    } catch (e) {
      release();
      throw e;
    }
    if (run.configChanges.length) log(`config changed on resume: ${describeChanges(run.configChanges[run.configChanges.length - 1].changes)} (recorded in metrics.json)`);
  } else {
    run = new Run({ ...overrides, out: dir });
    if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new Error(`run folder ${dir} is a file; choose another --out`);
    release = opts.lockHeld ? () => undefined : lockFolder(dir);
    try {
      claimRunFolder(dir, { force: opts.force, locked: true });
      writeRunMetrics(run, dir); // the claim now says what runs here (resumable from step 0 if killed before a save)
    } catch (e) {
      release();
      throw e;
    }
  }
  try {
    removeStaleTemps(dir);
    if (finished) {
      log(`run ${dir} had finished at step ${run.step} (its ${CHECKPOINTS.last}/ says so); its ${RUN_FILES.metrics} lagged behind and was completed from ${CHECKPOINTS.last}/`);
      run.lastEnd = { step: run.step, reason: "completed", elapsedMs: 0, bestStep: run.bestStep, bestLoss: run.bestLoss };
      return { run, end: run.lastEnd, resumedFrom, saves: { count: 0, ms: 0, errors: [] } };
    }
    return await trainLocked(run, dir, resumedFrom, opts, log);
  } finally {
    release();
  }
}

async function trainLocked(run: Run, dir: string, resumedFrom: number | null, opts: TrainInFolderOptions, log: (line: string) => void): Promise<TrainInFolderResult> {
  opts.onReady?.(run, resumedFrom);
  const checkpointer = new Checkpointer(run, dir, log);
  const end = await run.trainAsync({ progress: opts.progress, signal: opts.signal, callbacks: [checkpointer, ...(opts.callbacks ?? [])] });
  if (end.reason !== "diverged" && !allFinite(run.model.store.data)) Object.assign(end, { reason: "diverged", divergedAtStep: end.step, divergedLr: run.history.lastSteps(1)[0]?.lr });
  if (end.reason === "diverged") {
    if (!checkpointer.saveDiverged()) throw new Error(checkpointer.stats.errors[checkpointer.stats.errors.length - 1]);
    return { run, end, resumedFrom, saves: checkpointer.stats };
  }
  // an interrupted run saves at once (a preemption's grace period is short); samples only when it ended on its own
  const samples = end.reason === "aborted" ? undefined : sampleLines(run.finalSamples(), run.config.mode);
  if (!checkpointer.save(samples)) throw new Error(checkpointer.stats.errors[checkpointer.stats.errors.length - 1]);
  return { run, end, resumedFrom, saves: checkpointer.stats };
}
