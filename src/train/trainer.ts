// A training loop that knows nothing about GPT (minGPT's Trainer idea): it draws batches, asks the task for a
// loss, steps the optimizer with the schedule's LR, evaluates every N steps and tells callbacks what happened.

import type { Tensor } from "../core/tensor.js";
import type { ParamStore } from "../nn/params.js";
import type { Optimizer, OptimizerDiagnostics } from "../optim/optimizer.js";
import { clipGradNorm, gradNorm } from "../optim/clip.js";

export interface StepEvent {
  /** Optimizer steps done, counted from 1. */
  step: number;
  totalSteps: number;
  /** Mean training loss of this step's batch (over micro-batches when accumulating). */
  loss: number;
  lr: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** How settled the optimizer's second moment is after this step (every diagnosticsEvery steps, when it has one). */
  diagnostics?: OptimizerDiagnostics;
  /** True when the update was not applied: the loss was over divergeLoss (a spike, or the start of a divergence). */
  skipped?: boolean;
  /** Tokens (non-padding targets) in this step. */
  tokens: number;
  tokensPerSec: number;
  elapsedMs: number;
}

export interface EvalEvent {
  step: number;
  trainLoss: number | null;
  valLoss: number | null;
  trainPerplexity: number | null;
  valPerplexity: number | null;
  /** True when this evaluation has the lowest validation (or, without one, training) loss so far. */
  isBest: boolean;
}

export type StopReason = "completed" | "aborted" | "stopped" | "diverged";

export interface EndEvent {
  step: number;
  reason: StopReason;
  elapsedMs: number;
  bestStep: number | null;
  bestLoss: number | null;
  /** When reason is "diverged": the step whose loss or gradient was not finite (or over divergeLoss), and its lr. */
  divergedAtStep?: number;
  divergedLr?: number;
}

/** Callbacks may call trainer.requestStop(reason) (early stopping) from any event. */
export interface Callback {
  onStart?(trainer: Trainer): void;
  onStep?(e: StepEvent, trainer: Trainer): void;
  onEval?(e: EvalEvent, trainer: Trainer): void;
  /** After a step and its evaluation, if any: the state is consistent here (checkpoints are taken here). */
  onStepEnd?(e: StepEvent, trainer: Trainer): void;
  onEnd?(e: EndEvent, trainer: Trainer): void;
}

/** What the trainer needs from a model + data pair. */
export interface TrainTask<B> {
  nextBatch(): B;
  /** Loss of a batch with gradients recorded. */
  loss(batch: B): Tensor;
  /** Number of tokens the batch trains on (for throughput). */
  tokens(batch: B): number;
  /** Mean losses on the splits it has (null where a split is missing). */
  evaluate?(): { train: number | null; val: number | null };
}

export interface TrainerOptions<B> {
  task: TrainTask<B>;
  store: ParamStore;
  optimizer: Optimizer;
  /** LR as a pure function of the step (0-based optimizer step). */
  schedule: (step: number) => number;
  totalSteps: number;
  /** Micro-batches per optimizer step (gradient accumulation); the loss is averaged over them. */
  gradAccum?: number;
  /** Global-norm clipping threshold; 0 or undefined turns clipping off. */
  clipNorm?: number;
  /** Evaluate every N steps (and at the last step); 0 turns evaluation off. */
  evalEvery?: number;
  callbacks?: Callback[];
  signal?: AbortSignal;
  /**
   * A step whose loss is above this is skipped (the optimizer does not step: one bad batch must not wreck the
   * weights); divergeSteps such steps in a row are a divergence, like one non-finite loss or gradient, and training
   * stops (0 or undefined: only non-finite values count).
   */
  divergeLoss?: number;
  /** Steps in a row over divergeLoss that make a divergence (default 1); a shorter excess is a spike, and training goes on. */
  divergeSteps?: number;
  /** Measure the optimizer's update (optimizer.diagnostics) every N steps and at step 1; 0 or undefined: never. */
  diagnosticsEvery?: number;
  /** Step to start from when resuming (steps already done). */
  startStep?: number;
  /**
   * Wraps each micro-batch's forward and backward, e.g. withKernelScope (activations in an arena that is freed
   * when it returns): only numbers leave it.
   */
  scope?: <T>(fn: () => T) => T;
}

export class Trainer<B = unknown> {
  step: number;
  bestLoss: number | null = null;
  bestStep: number | null = null;
  private stopReason: StopReason | null = null;
  /** The step and lr at which training diverged, once it has. */
  divergence: { step: number; lr: number; loss: number } | null = null;
  private readonly opts: Required<Omit<TrainerOptions<B>, "signal" | "startStep" | "scope" | "divergeLoss" | "divergeSteps" | "diagnosticsEvery">> & Pick<TrainerOptions<B>, "signal" | "scope" | "divergeLoss" | "divergeSteps" | "diagnosticsEvery">;
  private startTime = 0;
  private tokensSeen = 0;
  /** The steps over divergeLoss in a row so far, with the first one's step and lr. */
  private excess: { count: number; step: number; lr: number } | null = null;

  constructor(options: TrainerOptions<B>) {
    const o = { gradAccum: 1, clipNorm: 0, evalEvery: 0, callbacks: [], ...options };
    positiveInt("totalSteps", o.totalSteps);
    positiveInt("gradAccum", o.gradAccum);
    if (!(o.clipNorm >= 0)) throw new Error(`clipNorm must be >= 0 (got ${o.clipNorm}); use 0 to turn clipping off`);
    if (!(Number.isInteger(o.evalEvery) && o.evalEvery >= 0)) throw new Error(`evalEvery must be an integer >= 0 (got ${o.evalEvery})`);
    if (o.divergeSteps !== undefined) positiveInt("divergeSteps", o.divergeSteps);
    this.opts = o;
    this.step = options.startStep ?? 0;
  }

  /** Asks the loop to stop after the current step (early stopping, a UI button, ...). */
  requestStop(reason: StopReason = "stopped"): void {
    this.stopReason = reason;
  }

  /** Runs all remaining steps synchronously (fastest; a kernel interrupt stops it). */
  run(): EndEvent {
    this.begin();
    while (this.step < this.opts.totalSteps && !this.shouldStop()) this.trainStep();
    return this.finish();
  }

  /**
   * Runs the steps, yielding to the event loop every `yieldEveryMs` so that displays (live plots) update and
   * an AbortSignal can stop it between steps.
   */
  async runAsync(yieldEveryMs = 100): Promise<EndEvent> {
    this.begin();
    let last = Date.now();
    while (this.step < this.opts.totalSteps && !this.shouldStop()) {
      this.trainStep();
      if (Date.now() - last >= yieldEveryMs) {
        await new Promise((resolve) => setImmediate(resolve));
        last = Date.now();
      }
    }
    return this.finish();
  }

  private begin(): void {
    this.startTime = Date.now();
    this.tokensSeen = 0;
    this.stopReason = null;
    this.divergence = null;
    this.excess = null;
    for (const cb of this.opts.callbacks) cb.onStart?.(this);
  }

  private shouldStop(): boolean {
    if (this.opts.signal?.aborted) this.stopReason = "aborted";
    return this.stopReason !== null;
  }

  /** One optimizer step: gradAccum micro-batches, clipping, LR from the schedule, update, events. */
  trainStep(): StepEvent {
    const { task, store, optimizer, gradAccum, clipNorm } = this.opts;
    store.zeroGrad();
    let lossSum = 0;
    let tokens = 0;
    for (let i = 0; i < gradAccum; i++) {
      const batch = task.nextBatch();
      const micro = (): void => {
        const loss = task.loss(batch);
        lossSum += loss.item();
        loss.backward(1 / gradAccum);
      };
      if (this.opts.scope) this.opts.scope(micro);
      else micro();
      tokens += task.tokens(batch);
    }
    const loss = lossSum / gradAccum;
    const norm = clipNorm > 0 ? clipGradNorm(store, clipNorm) : gradNorm(store);
    const lr = this.opts.schedule(this.step);
    // a non-finite loss or gradient would poison the weights: stop instead of stepping. A loss over the limit is
    // skipped; only a sustained excess (divergeSteps in a row, the weights unchanged meanwhile) is a divergence.
    const limit = this.opts.divergeLoss ?? 0;
    const over = limit > 0 && loss > limit;
    if (over) this.excess = this.excess ? { ...this.excess, count: this.excess.count + 1 } : { count: 1, step: this.step + 1, lr };
    else this.excess = null;
    const diverged = !Number.isFinite(loss) || !Number.isFinite(norm) || (over && this.excess!.count >= (this.opts.divergeSteps ?? 1));
    if (diverged) {
      this.stopReason = "diverged";
      this.divergence = over ? { step: this.excess!.step, lr: this.excess!.lr, loss } : { step: this.step + 1, lr, loss };
    } else if (!over) optimizer.step(lr);
    this.step++;
    this.tokensSeen += tokens;
    const every = this.opts.diagnosticsEvery ?? 0;
    const diagnostics = !diverged && !over && every > 0 && (this.step % every === 0 || this.step === 1) ? optimizer.diagnostics?.() : undefined;
    const elapsedMs = Date.now() - this.startTime;
    const event: StepEvent = {
      step: this.step,
      totalSteps: this.opts.totalSteps,
      loss,
      lr,
      gradNorm: norm,
      ...(diagnostics ? { diagnostics } : {}),
      ...(over && !diverged ? { skipped: true } : {}),
      tokens,
      tokensPerSec: elapsedMs > 0 ? (this.tokensSeen * 1000) / elapsedMs : 0,
      elapsedMs,
    };
    for (const cb of this.opts.callbacks) cb.onStep?.(event, this);
    const { evalEvery } = this.opts;
    if (!diverged && evalEvery > 0 && task.evaluate && (this.step % evalEvery === 0 || this.step === this.opts.totalSteps)) this.evaluate();
    for (const cb of this.opts.callbacks) cb.onStepEnd?.(event, this);
    return event;
  }

  /** Evaluates now and fires onEval. */
  evaluate(): EvalEvent | null {
    const { task } = this.opts;
    if (!task.evaluate) return null;
    const { train, val } = task.evaluate();
    const watched = val ?? train;
    const isBest = watched !== null && (this.bestLoss === null || watched < this.bestLoss);
    if (isBest) {
      this.bestLoss = watched;
      this.bestStep = this.step;
    }
    const event: EvalEvent = {
      step: this.step,
      trainLoss: train,
      valLoss: val,
      trainPerplexity: train === null ? null : Math.exp(train),
      valPerplexity: val === null ? null : Math.exp(val),
      isBest,
    };
    for (const cb of this.opts.callbacks) cb.onEval?.(event, this);
    return event;
  }

  private finish(): EndEvent {
    const reason: StopReason = this.stopReason ?? "completed";
    const event: EndEvent = { step: this.step, reason, elapsedMs: Date.now() - this.startTime, bestStep: this.bestStep, bestLoss: this.bestLoss };
    if (reason === "diverged" && this.divergence) {
      event.divergedAtStep = this.divergence.step;
      event.divergedLr = this.divergence.lr;
    }
    for (const cb of this.opts.callbacks) cb.onEnd?.(event, this);
    return event;
  }
}

function positiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer (got ${v})`);
}
