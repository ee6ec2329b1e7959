// A long run's history in a few hundred rows: means over windows of steps of the loss, the gradient norm (and its
// largest value) and the optimizer diagnostics, and the first window where the loss climbs back up (a blow-up
// that the trainer's NaN/explosion stop does not catch: the guide's loss going from 0.14 back to 2.0+).

import type { StepRecord } from "./callbacks.js";
import type { RunMetrics } from "./run.js";
import { defaultRunConfig } from "./config.js";
import type { RunConfig } from "./config.js";

export interface HistoryWindow {
  /** Last step of the window. */
  step: number;
  /** Mean training loss over the window. */
  loss: number;
  /** lr at the window's last step. */
  lr: number;
  gradNorm: number;
  gradNormMax: number;
  /** Means of the diagnostics measured in the window (null where none were: diagnosticsEvery 0, or longer). */
  updateOverLr: number | null;
  updateRms: number | null;
}

/** Consecutive windows of `size` steps (the last one may be shorter). */
export function summarizeHistory(steps: readonly StepRecord[], size: number): HistoryWindow[] {
  if (!(Number.isInteger(size) && size >= 1)) throw new Error(`summarizeHistory: size must be an integer >= 1 (got ${size})`);
  const out: HistoryWindow[] = [];
  for (let i = 0; i < steps.length; i += size) {
    const w = steps.slice(i, i + size);
    const mean = (xs: number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
    const measured = (key: "updateOverLr" | "updateRms"): number[] => w.flatMap((r) => (r[key] === undefined ? [] : [r[key]!]));
    out.push({
      step: w[w.length - 1].step,
      loss: mean(w.map((r) => r.loss))!,
      lr: w[w.length - 1].lr,
      gradNorm: mean(w.map((r) => r.gradNorm))!,
      gradNormMax: Math.max(...w.map((r) => r.gradNorm)),
      updateOverLr: mean(measured("updateOverLr")),
      updateRms: mean(measured("updateRms")),
    });
  }
  return out;
}

export interface LossRise {
  /** Last step of the first window whose mean loss is more than `rise` above the lowest window mean before it. */
  step: number;
  /** That lowest mean and the step of its window. */
  low: number;
  lowStep: number;
  loss: number;
  /** The highest window mean from there on, and its step. */
  peak: number;
  peakStep: number;
}

/** The first window whose mean loss exceeds the lowest earlier window mean by more than `rise` nats; null if none. */
export function firstLossRise(windows: readonly HistoryWindow[], rise: number): LossRise | null {
  if (!(rise > 0)) throw new Error(`firstLossRise: rise must be > 0 (got ${rise})`);
  let low = Infinity;
  let lowStep = 0;
  for (let i = 0; i < windows.length; i++) {
    const w = windows[i];
    if (w.loss > low + rise) {
      let peak = i;
      for (let j = i; j < windows.length; j++) if (windows[j].loss > windows[peak].loss) peak = j;
      return { step: w.step, low, lowStep, loss: w.loss, peak: windows[peak].loss, peakStep: windows[peak].step };
    }
    if (w.loss < low) [low, lowStep] = [w.loss, w.step];
  }
  return null;
}

/** What a long run's metrics.json says, in a form small enough to commit beside a notebook. */
export interface RunDigest {
  config: RunConfig;
  params: number;
  /** Steps done, and why the run stopped (null: killed or still running when the metrics were written). */
  steps: number;
  stopReason: string | null;
  divergedAtStep: number | null;
  window: number;
  windows: HistoryWindow[];
  evals: Array<{ step: number; trainLoss: number | null; valLoss: number | null }>;
  bestStep: number | null;
  bestValLoss: number | null;
}

/** A run folder's metrics.json reduced to windows of `window` steps and its evaluations. */
export function digestRun(m: RunMetrics, window: number): RunDigest {
  const f = m.final;
  return {
    config: { ...defaultRunConfig, ...m.config }, // keys added since the run was made get their defaults
    params: m.model.params,
    steps: m.history.steps.length,
    stopReason: (f.stopReason as string | null) ?? null,
    divergedAtStep: typeof f.divergedAtStep === "number" ? f.divergedAtStep : null,
    window,
    windows: summarizeHistory(m.history.steps, window),
    evals: m.history.evals.map((e) => ({ step: e.step, trainLoss: e.trainLoss, valLoss: e.valLoss })),
    bestStep: (f.bestStep as number | null) ?? null,
    bestValLoss: (f.bestValLoss as number | null) ?? null,
  };
}
