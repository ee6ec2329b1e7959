// A training run: the one object the CLI and the notebooks use. It wires a RunConfig to data, tokenizer, GPT,
// optimizer, schedule and trainer, records history, evaluates, samples, and saves or resumes a run folder.

import { Rng } from "../core/random.js";
import type { RngState } from "../core/random.js";
import { setBackend, setThreads, withKernelScope } from "../kernels/index.js";
import { dataModeEntry, dataModeRegistry, loadDataset } from "../data/dataset.js";
import type { Batch, LoadedDataset, DataSourceState } from "../data/dataset.js";
import type { Tokenizer } from "../data/tokenizer.js";
import { GPT, presetConfig } from "../nn/gpt.js";
import type { GPTConfig } from "../nn/gpt.js";
import { createOptimizer } from "../optim/optimizers.js";
import type { Optimizer } from "../optim/optimizer.js";
import { makeSchedule } from "../optim/schedules.js";
import type { Schedule } from "../optim/schedules.js";
import { countTargets, evaluateLoss, lossStats } from "../eval/metrics.js";
import type { LossStats } from "../eval/metrics.js";
import { Trainer } from "./trainer.js";
import { resolveUserPath } from "../io/paths.js";
import { inspectTextFile } from "../data/files.js";
import { checkRunFits, checkThreads } from "./limits.js";
import { loadWeights, savedTokenizer, checkpointDir, RUN_FILES } from "../io/run-files.js";
import * as path from "node:path";
import type { Callback, EndEvent, TrainTask } from "./trainer.js";
import { EarlyStopping, HISTORY_TAIL, History, Progress } from "./callbacks.js";
import { SampleEvery, parsePrompts, sampleInMode } from "./samples.js";
import type { TrainingSample } from "./samples.js";
import { withReplay } from "../data/mixture.js";
import { dataCacheDir } from "../data/cache.js";
import { readStateDict, setWeights } from "../io/import.js";
import { resolveRunConfig, runComponents } from "./config.js";
import type { RunConfig } from "./config.js";

/** Steps in a row whose loss is over the divergence limit before a run counts as diverged (fewer: a skipped spike). */
export const DIVERGE_STEPS = 5;

/** The loss over which a step is skipped (and DIVERGE_STEPS in a row diverge): far above any loss a learning model has. */
export function divergeLimit(vocabSize: number): number {
  return Math.max(20, 4 * Math.log(vocabSize));
}

export interface RunOptions {
  callbacks?: Callback[];
  signal?: AbortSignal;
  /** Print a progress bar to stderr (the CLI does; notebooks show their own). */
  progress?: boolean;
  /** Train with this optimizer or schedule instead of the config's (the exercises' student Adam and schedule). */
  optimizer?: Optimizer;
  schedule?: Schedule;
}

/** Everything needed to continue a run exactly where it stopped. */
export interface RunState {
  step: number;
  bestStep: number | null;
  bestLoss: number | null;
  dropoutRng: RngState;
  sampleRng: RngState;
  trainData: DataSourceState;
}

/** A config change applied when resuming (allowed explicitly): recorded in metrics.json. */
export interface ConfigChange {
  /** Steps done when the change was applied. */
  atStep: number;
  changes: Record<string, { from: unknown; to: unknown }>;
}

export class Run {
  readonly config: RunConfig;
  readonly modelConfig: GPTConfig;
  readonly data: LoadedDataset;
  /** The replayed dataset (config.replayData), whose validation split shows what is forgotten; null without replay. */
  readonly replay: LoadedDataset | null = null;
  /** Samples drawn during training (config.sampleEvery), in metrics.json's history.samples. */
  trainingSamples: TrainingSample[] = [];
  readonly tokenizer: Tokenizer;
  readonly model: GPT;
  readonly optimizer: Optimizer;
  readonly schedule: Schedule;
  readonly history = new History();
  readonly dropoutRng: Rng;
  readonly sampleRng: Rng;
  readonly startedAt = new Date();
  step = 0;
  bestStep: number | null = null;
  bestLoss: number | null = null;
  lastEnd: EndEvent | null = null;
  /** Config changes applied on resume (metrics.json records them). */
  configChanges: ConfigChange[] = [];
  /** Things about the data or config the user should know (long lines cut, ...); the CLI prints them. */
  readonly warnings: string[] = [];
  private trainEval: Batch[] | null = null;
  private valEval: Batch[] | null = null;

  /** Builds data, tokenizer and an untrained model from config overrides (nothing is trained yet). */
  constructor(overrides: Partial<RunConfig> = {}, tokenizer?: Tokenizer) {
    const c = resolveRunConfig(overrides);
    this.config = c;
    checkThreads(c.threads);
    setBackend(c.backend);
    setThreads(c.threads);
    const blockSize = c.blockSize ?? presetConfig(c.preset).blockSize;
    // initFrom (nanoGPT's init_from): the saved run's tokenizer here, its weights once the model is built
    const initDir = c.initFrom === null ? null : resolveUserPath(c.initFrom);
    // a .safetensors file is a state dict from elsewhere (nanoGPT, PyTorch): weights only, the tokenizer is the data's
    const initFile = initDir !== null && initDir.endsWith(".safetensors") ? initDir : null;
    if (initDir !== null && !initFile && tokenizer === undefined) tokenizer = savedTokenizer(initDir);
    if (initDir !== null && !initFile && tokenizer!.kind !== c.tokenizer) throw new Error(`config.tokenizer is "${c.tokenizer}" but the run in ${c.initFrom} has a ${tokenizer!.kind} tokenizer: a continued run keeps its tokenizer (pass --tokenizer ${tokenizer!.kind} or leave it out)`);
    const dataPath = resolveUserPath(c.data);
    const text = inspectTextFile(dataPath);
    const dataOpts = { mode: c.mode, blockSize, batchSize: c.batchSize, valFraction: c.valFraction, seed: c.seed };
    try {
      this.data = loadDataset({ path: dataPath, tokenizer: tokenizer ?? c.tokenizer, vocabSize: tokenizer ? undefined : c.vocabSize ?? undefined, trainDocs: c.trainDocs ?? undefined, cache: dataCacheDir(), ...dataOpts });
    } catch (e) {
      // the tokenizer of --init-from is fixed: the library's hint (build it with { unk: true }) is no option here
      const unknown = /^.*unknown (word|character) .*? vocabulary\./.exec((e as Error).message);
      if (initDir === null || initFile !== null || !unknown) throw e;
      throw new Error(`${unknown[0]} The tokenizer is the one of ${c.initFrom}, which --init-from keeps: replace the symbol in ${c.data}, or train without --init-from`);
    }
    if (c.replayData !== null) ({ data: this.data, replay: this.replay } = withReplay(this.data, { path: resolveUserPath(c.replayData), fraction: c.replayFraction, ...dataOpts }));
    this.tokenizer = this.data.tokenizer;
    warnIfMostlyHeldOut(c, this.data);
    const parts = runComponents(c);
    this.modelConfig = presetConfig(c.preset, { ...parts.model, vocabSize: this.tokenizer.vocabSize });
    checkRunFits(this.modelConfig, c.batchSize);
    if (dataModeEntry(c.mode).rows === "padded") this.warnCutLines(text.lineOf, blockSize);
    this.model = new GPT(this.modelConfig, new Rng(c.seed));
    if (initFile !== null) setWeights(this.model, readStateDict(initFile, { nHead: this.modelConfig.nHead }).tensors, initFile);
    else if (initDir !== null) loadWeights(this.model, path.join(checkpointDir(initDir) ?? initDir, RUN_FILES.weights));
    this.optimizer = createOptimizer(this.model.store, parts.optimizer);
    this.schedule = makeSchedule(parts.schedule);
    this.dropoutRng = new Rng(c.seed + 3);
    this.sampleRng = new Rng(c.seed + 4);
  }

  /** A mode of padded rows (documents) cuts each [BOS] doc [BOS] to blockSize + 1 tokens: say so, naming the longest line. */
  private warnCutLines(lineOf: number[], blockSize: number): void {
    let cut = 0;
    let longest = -1;
    let longestTokens = 0;
    this.data.docs.forEach((d, i) => {
      if (d.length + 1 <= blockSize) return; // a document has at most as many tokens as characters
      const n = this.tokenizer.encode(d).length;
      if (n + 1 > blockSize) {
        cut++;
        if (n > longestTokens) [longest, longestTokens] = [i, n];
      }
    });
    if (cut === 0) return;
    const where = lineOf.length === this.data.docs.length ? `line ${lineOf[longest]}` : `document ${longest + 1}`;
    this.warnings.push(
      `${cut} of ${this.data.docs.length} lines of ${this.data.path} are longer than the block size (${blockSize} tokens) and are cut; the longest, ${where}, has ${longestTokens} tokens. ` +
        `Raise --block-size, split the lines, or use ${dataModeRegistry.filter((m) => m.documents && m.rows === "windows").map((m) => `--mode ${m.kind}`).join(" or ")}; ` +
        `a plain text (a book, a play, code) is read whole with ${dataModeRegistry.filter((m) => !m.documents).map((m) => `--mode ${m.kind}`).join(" or ")}, as nanoGPT reads it`,
    );
  }

  get numParams(): number {
    return this.model.numParams;
  }

  /** The fixed evaluation batches of each split (built once, so every evaluation sees the same tokens). */
  evalBatches(split: "train" | "val"): Batch[] | null {
    if (split === "train") return (this.trainEval ??= this.data.train.evalBatches(this.config.evalBatches));
    if (!this.data.val) return null;
    return (this.valEval ??= this.data.val.evalBatches(this.config.evalBatches));
  }

  /** Mean loss, perplexity and bits per token on a split (null when the run has no validation split). */
  evaluate(split: "train" | "val" = "val"): LossStats | null {
    const batches = this.evalBatches(split);
    return batches ? evaluateLoss(this.model, batches) : null;
  }

  /** The loss a uniform guess over the vocabulary gets: ln V (perplexity V). */
  uniformBaseline(): LossStats {
    return lossStats(Math.log(this.tokenizer.vocabSize), 0);
  }

  private task(): TrainTask<Batch> {
    const training = this.modelConfig.dropout > 0;
    return {
      nextBatch: () => this.data.train.nextBatch(),
      loss: (b) => this.model.forward(b.inputs, b.B, b.T, b.targets, { training, rng: this.dropoutRng }).loss!,
      tokens: countTargets,
      evaluate: () => ({ train: this.evaluate("train")!.loss, val: this.evaluate("val")?.loss ?? null }),
    };
  }

  /** A trainer that goes on from the current step to config.steps. */
  makeTrainer(opts: RunOptions = {}): Trainer<Batch> {
    const c = this.config;
    const callbacks: Callback[] = [this.history, ...(opts.progress ? [new Progress()] : []), ...(opts.callbacks ?? [])];
    if (c.sampleEvery > 0) {
      const prompts = parsePrompts(c.samplePrompts);
      callbacks.splice(1, 0, new SampleEvery(this.model, this.tokenizer, { every: c.sampleEvery, prompts, temperature: c.temperature, seed: c.seed + 5, into: this.trainingSamples, stream: opts.progress ? process.stderr : undefined }));
    }
    if (c.patience > 0) {
      const early = this.earlyStopping();
      if (early.state.stoppedAtStep !== null) throw new Error(stoppedEarlyMessage(this, early.state.stoppedAtStep));
      callbacks.push(early);
    }
    const trainer = new Trainer<Batch>({
      task: this.task(),
      store: this.model.store,
      optimizer: opts.optimizer ?? this.optimizer,
      schedule: opts.schedule ?? this.schedule,
      totalSteps: c.steps,
      gradAccum: c.gradAccum,
      clipNorm: c.clipNorm,
      evalEvery: c.evalEvery > 0 ? c.evalEvery : c.steps,
      callbacks,
      signal: opts.signal,
      startStep: this.step,
      // far above any loss a learning model has (ln V is the uniform guess): such a step is skipped, and
      // DIVERGE_STEPS of them in a row (the weights unchanged meanwhile, so it is the weights, not one batch) diverge
      divergeLoss: divergeLimit(this.tokenizer.vocabSize),
      divergeSteps: DIVERGE_STEPS,
      diagnosticsEvery: c.diagnosticsEvery,
      scope: withKernelScope,
    });
    trainer.bestLoss = this.bestLoss;
    trainer.bestStep = this.bestStep;
    return trainer;
  }

  /** Early stopping as config.patience and minDelta set it, with the state the run's evaluations so far give. */
  earlyStopping(): EarlyStopping {
    return new EarlyStopping({ patience: Math.max(1, this.config.patience), minDelta: this.config.minDelta }).resume(this.history.evals);
  }

  /** The step at which early stopping ended the run before its last step (null: it did not, or patience is 0). */
  stoppedEarlyAtStep(): number | null {
    const at = this.config.patience > 0 ? this.earlyStopping().state.stoppedAtStep : null;
    return at !== null && at < this.config.steps ? at : null;
  }

  private absorb(trainer: Trainer<Batch>, end: EndEvent): EndEvent {
    this.step = trainer.step;
    this.bestLoss = trainer.bestLoss;
    this.bestStep = trainer.bestStep;
    this.lastEnd = end;
    return end;
  }

  /** Trains synchronously up to config.steps. */
  train(opts: RunOptions = {}): EndEvent {
    const trainer = this.makeTrainer(opts);
    return this.absorb(trainer, trainer.run());
  }

  /** Trains while yielding to the event loop (live notebook displays; stops on opts.signal). */
  async trainAsync(opts: RunOptions = {}, yieldEveryMs = 100): Promise<EndEvent> {
    const trainer = this.makeTrainer(opts);
    return this.absorb(trainer, await trainer.runAsync(yieldEveryMs));
  }

  /** Text samples from the model, seeded by the run's sampling generator (or `rng`). */
  sample(n = this.config.samples, temperature = this.config.temperature, maxNewTokens = this.modelConfig.blockSize, rng: Rng = this.sampleRng): string[] {
    return sampleInMode(this.model, this.tokenizer, this.config.mode, { n, temperature, maxNewTokens, rng });
  }

  /** The run-folder samples: drawn from a copy of the sampling generator, so the saved state does not depend on them. */
  finalSamples(): string[] {
    return this.sample(this.config.samples, this.config.temperature, this.modelConfig.blockSize, new Rng(1).setState(this.sampleRng.getState()));
  }

  /** Puts the config's optimizer hyperparameters into the optimizer (after a resume restored the saved ones). */
  applyOptimizerConfig(): void {
    const state = this.optimizer.getState() as unknown as { hyper: Record<string, unknown> };
    const { kind: _kind, ...hyper } = runComponents(this.config).optimizer;
    this.optimizer.setState({ ...state, hyper: { ...state.hyper, ...hyper } } as never);
  }

  getState(): RunState {
    return {
      step: this.step,
      bestStep: this.bestStep,
      bestLoss: this.bestLoss,
      dropoutRng: this.dropoutRng.getState(),
      sampleRng: this.sampleRng.getState(),
      trainData: this.data.train.getState(),
    };
  }

  setState(s: RunState): void {
    this.step = s.step;
    this.bestStep = s.bestStep;
    this.bestLoss = s.bestLoss;
    this.dropoutRng.setState(s.dropoutRng);
    this.sampleRng.setState(s.sampleRng);
    this.data.train.setState(s.trainData);
  }

  /** metrics.json content: run id, times, configuration, final metrics, per-step and per-eval history. */
  metrics(): RunMetrics {
    const h = this.history;
    const steps = h.steps;
    const recent = h.lastSteps(HISTORY_TAIL);
    const last = recent.length;
    const lastStep = last ? recent[last - 1].step : 0;
    const window = Math.min(HISTORY_TAIL, lastStep);
    const finalTrain = this.history.evals.length ? this.history.evals[this.history.evals.length - 1] : null;
    return {
      format: "gptlab-metrics",
      version: 1,
      runId: runId(this.config),
      startedAt: this.startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      config: this.config,
      model: { ...this.modelConfig, params: this.numParams },
      data: { path: this.data.path, docs: this.data.docs.length, trainDocs: this.data.trainDocs.length, valDocs: this.data.valDocs.length, vocabSize: this.tokenizer.vocabSize },
      final: {
        step: this.step,
        stopReason: this.lastEnd?.reason ?? null,
        lnV: Math.log(this.tokenizer.vocabSize),
        firstLoss: last ? steps[0].loss : null,
        lastLoss: last ? recent[last - 1].loss : null,
        meanLossFirst500: last ? h.meanFirst500 ?? h.meanLoss(0, window) : null,
        meanLossLast500: last ? mean(recent.slice(-window).map((r) => r.loss)) : null,
        trainLoss: finalTrain?.trainLoss ?? null,
        valLoss: finalTrain?.valLoss ?? null,
        trainPerplexity: finalTrain?.trainPerplexity ?? null,
        valPerplexity: finalTrain?.valPerplexity ?? null,
        bestStep: this.bestStep,
        bestValLoss: this.bestLoss,
        ...(this.config.patience > 0 ? { stoppedEarlyAtStep: this.stoppedEarlyAtStep() } : {}),
        ...(this.lastEnd?.divergedAtStep !== undefined ? { divergedAtStep: this.lastEnd.divergedAtStep, divergedLr: this.lastEnd.divergedLr ?? null } : {}),
      },
      ...(this.configChanges.length ? { configChanges: this.configChanges } : {}),
      timing: this.history.timing,
      history: { steps, evals: h.evals, samples: this.trainingSamples, ...(h.stride > 1 ? { stride: h.stride, tail: recent } : {}) },
    };
  }
}

export interface RunMetrics {
  format: "gptlab-metrics";
  version: number;
  runId: string;
  startedAt: string;
  finishedAt: string;
  config: RunConfig;
  model: GPTConfig & { params: number };
  data: { path: string; docs: number; trainDocs: number; valDocs: number; vocabSize: number };
  final: Record<string, number | string | null>;
  timing: History["timing"];
  /** steps: every step, or (a run past HISTORY_MAX_STEPS) step 1 and every stride-th step, with the last HISTORY_TAIL steps in tail. */
  history: { steps: History["steps"]; evals: History["evals"]; samples?: TrainingSample[]; stride?: number; tail?: History["steps"] };
  configChanges?: ConfigChange[];
}

/** The mean of values added in order (the same sum, bit for bit, as History.meanLoss over the same steps). */
function mean(values: number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

/** Why a run that early stopping ended does not train on, and how to make it. */
export function stoppedEarlyMessage(run: Run, step: number): string {
  const c = run.config;
  return `the run stopped early at step ${step}: the validation loss did not improve${c.minDelta > 0 ? ` by more than ${c.minDelta}` : ""} for ${c.patience} evaluations (best ${run.bestLoss} at step ${run.bestStep}); to train on, raise patience (--patience N; on resume with --allow-config-change) or set it to 0`;
}

/** A validation split larger than the training split is allowed (a tiny training set is a lesson) but said. */
function warnIfMostlyHeldOut(c: RunConfig, data: LoadedDataset): void {
  const train = data.trainDocs.length;
  const val = data.valDocs.length;
  if (val <= train || c.trainDocs !== null) return; // with trainDocs the small training set is what was asked for
  console.warn(`gptlab: warning: valFraction ${c.valFraction} holds out ${val} of ${train + val} lines for validation, so training uses ${train} line${train === 1 ? "" : "s"}`);
}

/** A readable, deterministic run id: preset, size, steps, seed and a short hash of the config (where it is saved aside). */
export function runId(c: RunConfig): string {
  const text = JSON.stringify({ ...c, out: null });
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return `${c.preset}-s${c.steps}-seed${c.seed}-${h.toString(16).padStart(8, "0")}`;
}
