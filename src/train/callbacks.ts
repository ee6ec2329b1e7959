// Callbacks the trainer fires events into: the history behind metrics.json, a terminal progress bar,
// early stopping on the validation loss.

import type { Callback, EndEvent, EvalEvent, StepEvent, Trainer } from "./trainer.js";

export interface StepRecord {
  step: number;
  loss: number;
  lr: number;
  gradNorm: number;
  /** At the steps the trainer measured them (diagnosticsEvery): share of updates over lr, update RMS / lr. */
  updateOverLr?: number;
  updateRms?: number;
  /** The update was skipped: the loss was over the divergence limit (a spike). */
  skipped?: boolean;
}

export interface EvalRecord {
  step: number;
  trainLoss: number | null;
  valLoss: number | null;
  trainPerplexity: number | null;
  valPerplexity: number | null;
}

/** Step records kept at most (history.steps); a longer run keeps every stride-th step, the stride doubling as needed. */
export const HISTORY_MAX_STEPS = 10_000;
/** The latest steps always kept at full resolution (history.tail once thinned): the mean of the last 500 steps. */
export const HISTORY_TAIL = 500;

/**
 * Records the steps and evaluations; deterministic content (no times) so two runs compare byte for byte. Memory
 * and metrics.json stay bounded at any step count: up to HISTORY_MAX_STEPS steps every step is kept; beyond, step
 * 1 and every stride-th step (stride 2, 4, 8, ... whenever the records would pass the bound), plus the last
 * HISTORY_TAIL steps in `tail`. The thinning is a function of the steps alone, so a resumed run keeps the same
 * records as an uninterrupted one.
 */
export class History implements Callback {
  steps: StepRecord[] = [];
  evals: EvalRecord[] = [];
  /** Every stride-th step is in steps (1: every step). */
  stride = 1;
  /** The latest steps at full resolution (at least HISTORY_TAIL of them when there are, at most twice that). */
  tail: StepRecord[] = [];
  /** The bound on steps' length (HISTORY_MAX_STEPS; tests lower it to thin short runs). */
  maxSteps = HISTORY_MAX_STEPS;
  /** The mean loss of steps 1-500, fixed when the thinning drops them (null before). */
  meanFirst500: number | null = null;
  end: EndEvent | null = null;
  /** Throughput summary (wall-clock dependent, kept apart from the deterministic records). */
  timing = { tokens: 0, elapsedMs: 0, tokensPerSec: 0, stepsPerSec: 0 };

  onStep(e: StepEvent): void {
    const r: StepRecord = { step: e.step, loss: e.loss, lr: e.lr, gradNorm: e.gradNorm, ...e.diagnostics, ...(e.skipped ? { skipped: true } : {}) };
    this.tail.push(r);
    if (this.tail.length > 2 * HISTORY_TAIL) this.tail.splice(0, this.tail.length - HISTORY_TAIL);
    if (r.step === 1 || r.step % this.stride === 0) this.steps.push(r);
    if (this.steps.length > this.maxSteps) {
      if (this.stride === 1) this.meanFirst500 = this.meanLoss(0, Math.min(HISTORY_TAIL, r.step));
      this.stride *= 2;
      this.steps = this.steps.filter((x) => x.step === 1 || x.step % this.stride === 0);
    }
    this.timing.tokens += e.tokens;
    this.timing.elapsedMs = e.elapsedMs;
  }

  /** The last n steps at full resolution (n at most HISTORY_TAIL once the history is thinned). */
  lastSteps(n: number): StepRecord[] {
    return (this.stride === 1 ? this.steps : this.tail).slice(-n);
  }

  onEval(e: EvalEvent): void {
    const { step, trainLoss, valLoss, trainPerplexity, valPerplexity } = e;
    this.evals.push({ step, trainLoss, valLoss, trainPerplexity, valPerplexity });
  }

  onEnd(e: EndEvent): void {
    this.end = e;
    const s = e.elapsedMs / 1000;
    this.timing.elapsedMs = e.elapsedMs;
    this.timing.tokensPerSec = s > 0 ? this.timing.tokens / s : 0;
    this.timing.stepsPerSec = s > 0 ? (this.tail.length ? this.tail[this.tail.length - 1].step : 0) / s : 0;
  }

  /** Mean loss over steps (from, to], counted from 1. */
  meanLoss(from: number, to: number): number {
    const window = this.steps.filter((r) => r.step > from && r.step <= to);
    if (window.length === 0) throw new Error(`no steps recorded in (${from}, ${to}]`);
    return window.reduce((s, r) => s + r.loss, 0) / window.length;
  }

  /**
   * The first step whose mean loss over the last `window` steps is above `threshold` (e.g. ln V + 1: worse than a
   * uniform guess), with the LR of that step; or a non-finite loss; null when the run never got there.
   */
  blowUp(threshold: number, window = 20): { step: number; lr: number; meanLoss: number } | null {
    for (let i = 0; i < this.steps.length; i++) {
      const s = this.steps[i];
      if (!Number.isFinite(s.loss)) return { step: s.step, lr: s.lr, meanLoss: s.loss };
      if (i + 1 < window) continue;
      const mean = this.steps.slice(i + 1 - window, i + 1).reduce((sum, r) => sum + r.loss, 0) / window;
      if (mean > threshold) return { step: s.step, lr: s.lr, meanLoss: mean };
    }
    return null;
  }

  /** Means over consecutive windows of `size` steps: the smoothed curve next to the noisy single-step one. */
  smoothed(size: number): Array<{ step: number; loss: number }> {
    const out: Array<{ step: number; loss: number }> = [];
    for (let i = 0; i + size <= this.steps.length; i += size) {
      const w = this.steps.slice(i, i + size);
      out.push({ step: w[w.length - 1].step, loss: w.reduce((s, r) => s + r.loss, 0) / size });
    }
    return out;
  }
}

export interface ProgressOptions {
  /** Where lines go (default process.stderr). */
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** In a terminal the bar redraws at most this often; elsewhere a line is printed every `everySteps`. */
  minIntervalMs?: number;
  everySteps?: number;
}

function fmt(n: number | null, digits = 4): string {
  return n === null || !Number.isFinite(n) ? String(n) : n.toFixed(digits);
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

/**
 * One progress line: bar, step, loss, lr, tokens/s and time left. elapsedMs counts from startStep (a resumed run's
 * first step), so the time per step, and the time left, come from the steps done since then.
 */
export function progressLine(e: StepEvent, width = 20, startStep = 0): string {
  const done = Math.round((width * e.step) / e.totalSteps);
  const bar = "#".repeat(done) + "-".repeat(width - done);
  const left = e.step > startStep ? (e.elapsedMs / (e.step - startStep)) * (e.totalSteps - e.step) : 0;
  return `[${bar}] step ${e.step}/${e.totalSteps} loss ${fmt(e.loss)} lr ${e.lr.toExponential(2)} ${Math.round(e.tokensPerSec)} tok/s ${duration(e.elapsedMs)} elapsed, ${duration(left)} left`;
}

/** Terminal progress: a redrawn bar on a TTY, periodic plain lines otherwise (CI logs stay readable). */
export class Progress implements Callback {
  private last = 0;
  private readonly stream: NonNullable<ProgressOptions["stream"]>;
  private readonly minIntervalMs: number;
  private readonly everySteps: number;

  constructor(opts: ProgressOptions = {}) {
    this.stream = opts.stream ?? process.stderr;
    this.minIntervalMs = opts.minIntervalMs ?? 100;
    this.everySteps = opts.everySteps ?? 500;
  }

  /** The step before the first one this trainer ran (not 0 after a resume). */
  private startStep: number | null = null;

  onStep(e: StepEvent): void {
    const start = (this.startStep ??= e.step - 1);
    if (this.stream.isTTY) {
      const now = Date.now();
      if (now - this.last < this.minIntervalMs && e.step !== e.totalSteps) return;
      this.last = now;
      this.stream.write(`\r${progressLine(e, 20, start).slice(0, (this.stream.columns ?? 160) - 1)}\x1b[K`);
    } else if (e.step === start + 1 || e.step % this.everySteps === 0 || e.step === e.totalSteps) {
      this.stream.write(progressLine(e, 20, start) + "\n");
    }
  }

  onEval(e: EvalEvent): void {
    const parts = [`eval @ step ${e.step}:`];
    if (e.trainLoss !== null) parts.push(`train loss ${fmt(e.trainLoss)} (ppl ${fmt(e.trainPerplexity, 2)})`);
    if (e.valLoss !== null) parts.push(`val loss ${fmt(e.valLoss)} (ppl ${fmt(e.valPerplexity, 2)})`);
    if (e.isBest) parts.push("* best");
    this.stream.write(`${this.stream.isTTY ? "\r\x1b[K" : ""}${parts.join("  ")}\n`);
  }

  onEnd(e: EndEvent): void {
    if (this.stream.isTTY) this.stream.write("\n");
    if (e.reason !== "completed") this.stream.write(`training ${e.reason} at step ${e.step}\n`);
  }
}

export interface EarlyStoppingOptions {
  /** Evaluations in a row without an improvement before training stops (>= 1). */
  patience: number;
  /** An improvement must lower the best loss so far by more than this (default 0). */
  minDelta?: number;
}

/** Where early stopping stands after a sequence of evaluations (what a resumed run starts from). */
export interface EarlyStoppingState {
  /** The loss an improvement must beat (by more than minDelta); null before the first evaluation. */
  best: number | null;
  /** Evaluations since the last improvement. */
  wait: number;
  /** The step of the evaluation that used up the patience, once one has. */
  stoppedAtStep: number | null;
}

/**
 * Stops training when the watched loss (validation, else training) has not improved by more than minDelta for
 * `patience` evaluations in a row (Keras' and Lightning's rule: the best moves only on an improvement). The run
 * ends as completed, with stoppedAtStep set. The state is a function of the evaluations alone, so a resumed run
 * rebuilds it from its history (`resume`) and stops where an uninterrupted one would.
 */
export class EarlyStopping implements Callback {
  readonly patience: number;
  readonly minDelta: number;
  state: EarlyStoppingState = { best: null, wait: 0, stoppedAtStep: null };

  constructor(options: number | EarlyStoppingOptions) {
    const o = typeof options === "number" ? { patience: options } : options;
    if (!Number.isInteger(o.patience) || o.patience < 1) throw new Error(`earlyStopping patience must be an integer >= 1 (got ${o.patience})`);
    const minDelta = o.minDelta ?? 0;
    if (!(Number.isFinite(minDelta) && minDelta >= 0)) throw new Error(`earlyStopping minDelta must be a finite number >= 0 (got ${minDelta})`);
    this.patience = o.patience;
    this.minDelta = minDelta;
  }

  /** Replays earlier evaluations (a resumed run's history) without stopping anything. */
  resume(evals: ReadonlyArray<Pick<EvalRecord, "step" | "trainLoss" | "valLoss">>): this {
    for (const e of evals) this.observe(e);
    return this;
  }

  /** Counts one evaluation; true when it used up the patience. */
  private observe(e: Pick<EvalRecord, "step" | "trainLoss" | "valLoss">): boolean {
    const watched = e.valLoss ?? e.trainLoss;
    if (watched === null || this.state.stoppedAtStep !== null) return false;
    const s = this.state;
    if (s.best === null || watched < s.best - this.minDelta) {
      s.best = watched;
      s.wait = 0;
      return false;
    }
    s.wait++;
    if (s.wait < this.patience) return false;
    s.stoppedAtStep = e.step;
    return true;
  }

  onEval(e: EvalEvent, trainer: Trainer): void {
    if (this.observe(e)) trainer.requestStop("completed");
  }
}
