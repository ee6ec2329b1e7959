// Training from a notebook: a live view (loss curve + progress line) fed by the trainer's events, Interrupt that
// stops an awaited loop, sweeps over run configs, the best checkpoint kept in memory, and plots/rows of finished runs.

import type { Callback, EndEvent, EvalEvent, StepEvent } from "../train/trainer.js";
import { Run } from "../train/run.js";
import { resolveRunConfig } from "../train/config.js";
import type { RunConfig } from "../train/config.js";
import type { Tokenizer } from "../data/tokenizer.js";
import type { Arr } from "../core/tensor.js";
import { Progress, show } from "./display.js";
import type { Figure } from "./figure.js";
import { inKernel } from "./kernel.js";
import { LiveLossCurve, bestPoint, linePlot, palette, thin } from "./plot.js";
import type { GapMark, HLineMark, PointMark, Series } from "./plot.js";

// ---------------------------------------------------------------------------------------------------------------
// Interrupts

/**
 * An AbortSignal that Jupyter's Interrupt (SIGINT to the kernel) aborts. An awaited training loop is not stopped by
 * the kernel itself: it must check a signal between steps. listen() installs the handler, dispose() removes it.
 *
 * The handler is added on the next turn of the event loop, not at once: tslab runs a cell's synchronous part under
 * vm's breakOnSigint, whose watchdog, when the part ends, puts back the SIGINT disposition it found. A listener added
 * during that part is left without an OS handler, and the next Interrupt kills the kernel (checked with tslab 1.0.22).
 */
export class InterruptSignal {
  private controller = new AbortController();
  private readonly handler = (): void => this.controller.abort();
  private state: "idle" | "pending" | "listening" = "idle";
  private timer: ReturnType<typeof setImmediate> | null = null;

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get aborted(): boolean {
    return this.controller.signal.aborted;
  }

  listen(): void {
    if (this.state !== "idle") return;
    if (this.controller.signal.aborted) this.controller = new AbortController();
    this.state = "pending";
    this.timer = setImmediate(() => {
      this.timer = null;
      process.once("SIGINT", this.handler);
      this.state = "listening";
    });
  }

  dispose(): void {
    if (this.timer) clearImmediate(this.timer);
    this.timer = null;
    if (this.state === "listening") process.removeListener("SIGINT", this.handler);
    this.state = "idle";
  }
}

function stopMessage(e: EndEvent, total: number, interrupt: boolean): string | null {
  if (e.reason === "completed") return null;
  const why = {
    aborted: interrupt ? "stopped by Interrupt" : "aborted",
    stopped: "stopped early",
    diverged: "stopped: the loss or the gradient became NaN or infinite (the weights were not updated with it)",
  }[e.reason];
  const next = e.reason === "aborted" ? "; the model keeps what it learned, and running the cell again continues from here" : "";
  return `training ${why} at step ${e.step} of ${total}${next}`;
}

// ---------------------------------------------------------------------------------------------------------------
// The live view of one run

export interface TrainViewOptions {
  title?: string;
  /** Steps in the trailing mean drawn over the single-step losses. Default round(steps / 50), within [10, 200]. */
  smooth?: number;
  /** Draw every step's loss too (light, behind the mean). Default true. */
  raw?: boolean;
  /** Evaluated losses to draw. Default ["val"]. */
  evals?: Array<"train" | "val">;
  /** The learning rate on a right axis. Default false. */
  lr?: boolean;
  logY?: boolean;
  /** Mark the lowest validation loss on the final figure. Default true when evals include "val". */
  markBest?: boolean;
  hlines?: HLineMark[];
  /** Least time between two updates of the figure in a notebook. Default 500 ms. */
  intervalMs?: number;
  /** Most points per series sent to the page. Default 1000. */
  maxPoints?: number;
  /** Label of the progress line. Default "train". */
  label?: string;
  /** Stop on Interrupt (SIGINT). Default: in a kernel (in a script Ctrl-C ends the script). */
  interrupt?: boolean;
}

export const seriesNames = {
  raw: "train loss (each step)",
  smoothed: (n: number) => `train loss (mean of ${n} steps)`,
  evalTrain: "train loss (evaluated)",
  val: "val loss (evaluated)",
  lr: "learning rate",
};

/**
 * A live loss curve (each step's loss, its trailing mean, evaluated losses) and a progress line (step, loss, lr,
 * tokens/s, time left), updated in place while a run trains:
 *
 *   const view = trainView(run);
 *   await run.trainAsync({ callbacks: [view], signal: view.signal });
 */
export class TrainView implements Callback {
  private readonly interrupt: InterruptSignal;
  private readonly options: TrainViewOptions;
  private readonly window: number;
  private curve: LiveLossCurve | null = null;
  private bar: Progress | null = null;
  private recent: number[] = [];
  private recentSum = 0;
  private firstStep = 0;
  private lastInfo: Record<string, number | string> = {};
  private lastFigure: Figure | null = null;

  constructor(private readonly run: Run, options: TrainViewOptions = {}) {
    this.options = options;
    // a window of at most 200 steps, so that a long run that is interrupted early still shows its mean
    this.window = options.smooth ?? Math.min(200, Math.max(10, Math.round(run.config.steps / 50)));
    if (!(Number.isInteger(this.window) && this.window >= 1)) throw new Error(`smooth must be an integer >= 1 (got ${options.smooth})`);
    this.interrupt = new InterruptSignal();
  }

  /** Pass it to trainAsync: Interrupt aborts it (in a kernel). */
  get signal(): AbortSignal {
    return this.interrupt.signal;
  }

  /** The last figure drawn (the final one once training ended). */
  figure(): Figure | null {
    return this.curve ? this.curve.figure(true) : this.lastFigure;
  }

  private get interruptible(): boolean {
    return this.options.interrupt ?? inKernel();
  }

  onStart(): void {
    if (this.interruptible) this.interrupt.listen();
    const o = this.options;
    const evals = o.evals ?? ["val"];
    const color = palette[0];
    const styles: Record<string, Partial<Series>> = {
      [seriesNames.raw]: { color, opacity: 0.3, width: 1 },
      [seriesNames.smoothed(this.window)]: { color, width: 2.5 },
      [seriesNames.evalTrain]: { color: palette[2], mode: "lines+markers" },
      [seriesNames.val]: { color: palette[1], mode: "lines+markers", width: 2.5 },
      [seriesNames.lr]: { color: "#7f7f7f", dash: "dot", yaxis: "y2", width: 1.5 },
    };
    this.curve = new LiveLossCurve({
      title: o.title ?? `training ${this.run.config.preset} (${this.run.numParams.toLocaleString("en-US")} parameters)`,
      yTitle: "loss (nats per token)",
      y2Title: o.lr ? "learning rate" : undefined,
      logY: o.logY,
      intervalMs: o.intervalMs ?? 500,
      maxPoints: o.maxPoints ?? 1000,
      markBest: (o.markBest ?? evals.includes("val")) ? seriesNames.val : undefined,
      bestLabel: "val loss",
      styles,
      order: Object.keys(styles),
      hlines: o.hlines,
    });
    this.bar = null;
    this.recent = [];
    this.recentSum = 0;
    this.firstStep = this.run.step;
  }

  onStep(e: StepEvent): void {
    this.recent.push(e.loss);
    this.recentSum += e.loss;
    if (this.recent.length > this.window) this.recentSum -= this.recent.shift()!;
    const mean = this.recentSum / this.recent.length;
    const values: Record<string, number | undefined> = {};
    if (this.options.raw !== false) values[seriesNames.raw] = e.loss;
    if (this.recent.length === this.window || e.step === e.totalSteps) values[seriesNames.smoothed(this.window)] = mean;
    if (this.options.lr) values[seriesNames.lr] = e.lr;
    this.bar ??= new Progress(e.totalSteps - this.firstStep, { label: this.options.label ?? "train", intervalMs: this.options.intervalMs ?? 500 });
    this.lastInfo = { ...this.lastInfo, loss: mean, lr: e.lr, "tok/s": Math.round(e.tokensPerSec) };
    // the progress line goes first, so that it sits above the figure
    this.bar.set(e.step - this.firstStep, this.lastInfo);
    this.curve!.add(e.step, values);
  }

  onEval(e: EvalEvent): void {
    const evals = this.options.evals ?? ["val"];
    const values: Record<string, number | undefined> = {};
    if (evals.includes("train") && e.trainLoss !== null) values[seriesNames.evalTrain] = e.trainLoss;
    if (evals.includes("val") && e.valLoss !== null) values[seriesNames.val] = e.valLoss;
    if (e.valLoss !== null) this.lastInfo = { ...this.lastInfo, "val loss": e.valLoss };
    if (Object.keys(values).length) this.curve!.add(e.step, values);
  }

  onEnd(e: EndEvent): void {
    this.interrupt.dispose();
    this.bar?.finish(this.lastInfo);
    if (this.curve) {
      this.lastFigure = this.curve.close();
      this.curve = null;
    }
    const message = stopMessage(e, this.run.config.steps, this.interruptible);
    if (message) show.text(message);
  }
}

export function trainView(run: Run, options?: TrainViewOptions): TrainView {
  return new TrainView(run, options);
}

// ---------------------------------------------------------------------------------------------------------------
// Several runs

export interface SweepOptions {
  /** Label of the progress line. Default "sweep". */
  label?: string;
  /** One tokenizer for every run (same vocabulary, comparable losses). */
  tokenizer?: Tokenizer;
  /** A tokenizer per run, by run name (runs not named here use `tokenizer`, or build their own). */
  tokenizers?: Partial<Record<string, Tokenizer>>;
  /** Extra callbacks for every run. */
  callbacks?: (name: string, run: Run) => Callback[];
  interrupt?: boolean;
  intervalMs?: number;
}

/**
 * Builds and trains one run per config, in order, with one progress line for the whole sweep (Interrupt stops it;
 * runs not started by then are left out). Returns the runs by name.
 */
export async function trainSweep<K extends string>(configs: Record<K, Partial<RunConfig>>, options: SweepOptions = {}): Promise<Record<K, Run>> {
  const names = Object.keys(configs) as K[];
  if (names.length === 0) throw new Error("trainSweep needs at least one run config");
  const runs = {} as Record<K, Run>;
  const built = names.map((name) => ({ name, config: configs[name] }));
  const total = built.reduce((n, b) => n + resolveRunConfig(b.config).steps, 0);
  const bar = new Progress(total, { label: options.label ?? "sweep", intervalMs: options.intervalMs ?? 500 });
  const interrupt = new InterruptSignal();
  const interruptible = options.interrupt ?? inKernel();
  if (interruptible) interrupt.listen();
  let done = 0;
  let info: Record<string, number | string> = {};
  try {
    for (const { name, config } of built) {
      if (interrupt.aborted) break;
      const run = new Run(config, options.tokenizers?.[name] ?? options.tokenizer);
      runs[name] = run;
      const before = done;
      const follow: Callback = {
        onStep: (e) => {
          done = before + e.step;
          info = { run: name, loss: e.loss, lr: e.lr, "tok/s": Math.round(e.tokensPerSec) };
          bar.set(done, info);
        },
      };
      const end = await run.trainAsync({ callbacks: [follow, ...(options.callbacks?.(name, run) ?? [])], signal: interrupt.signal });
      const message = stopMessage(end, run.config.steps, interruptible);
      if (message) show.text(`${name}: ${message}`);
    }
  } finally {
    interrupt.dispose();
    bar.finish(info);
  }
  return runs;
}

// ---------------------------------------------------------------------------------------------------------------
// The best checkpoint

/**
 * Keeps a copy of the weights at the evaluation with the lowest validation loss (the checkpoint early stopping
 * would keep); restore() puts them back into the model.
 */
export class KeepBest implements Callback {
  step: number | null = null;
  loss: number | null = null;
  private weights: Arr | null = null;

  constructor(private readonly run: Run) {}

  onEval(e: EvalEvent): void {
    if (!e.isBest) return;
    this.step = e.step;
    this.loss = e.valLoss ?? e.trainLoss;
    this.weights = this.run.model.store.data.slice();
  }

  /** Copies the best weights back into the model; returns the step they are from. */
  restore(): number {
    if (!this.weights || this.step === null) throw new Error("no evaluation has run yet: there is no best checkpoint to restore");
    this.run.model.store.data.set(this.weights);
    return this.step;
  }
}

export function keepBest(run: Run): KeepBest {
  return new KeepBest(run);
}

// ---------------------------------------------------------------------------------------------------------------
// Finished runs: curves and summary rows

function asRuns(runs: Run | Record<string, Run>): Array<[string, Run]> {
  return runs instanceof Run ? [["", runs]] : Object.entries(runs);
}

function joinName(run: string, what: string): string {
  return run ? `${run}: ${what}` : what;
}

export interface LossCurvesOptions {
  title?: string;
  /** Steps per mean of the training loss. Default max(10, round(steps / 50)). */
  smooth?: number;
  /** Each run's learning rate on a right axis, dotted, in the run's colour. */
  lr?: boolean;
  /** Each run's evaluated validation loss as markers. */
  val?: boolean;
  logY?: boolean;
  yRange?: [number, number];
  hlines?: HLineMark[];
  /** Most points per learning-rate curve (the figure is sent whole to the page). Default 500. */
  maxPoints?: number;
}

/** Training loss (means over windows of steps) of one or several runs, optionally with their learning rates. */
export function lossCurves(runs: Run | Record<string, Run>, options: LossCurvesOptions = {}): Figure {
  const series: Series[] = [];
  asRuns(runs).forEach(([name, run], i) => {
    const color = palette[i % palette.length];
    const window = options.smooth ?? Math.max(10, Math.round(run.config.steps / 50));
    const smoothed = run.history.smoothed(window);
    series.push({ name: joinName(name, `train loss (mean of ${window})`), x: smoothed.map((p) => p.step), y: smoothed.map((p) => p.loss), color, width: 2, group: name });
    if (options.val) {
      const evals = run.history.evals.filter((e) => e.valLoss !== null);
      series.push({ name: joinName(name, "val loss"), x: evals.map((e) => e.step), y: evals.map((e) => e.valLoss!), color, mode: "markers", group: name });
    }
    if (options.lr) {
      const steps = run.history.steps;
      const lr = thin(steps.map((s) => s.step), steps.map((s) => s.lr), options.maxPoints ?? 500);
      series.push({ name: joinName(name, "lr"), x: lr.x, y: lr.y, color, dash: "dot", width: 1.5, yaxis: "y2", showLegend: false, group: name });
    }
  });
  return linePlot({
    title: options.title,
    series,
    xTitle: "step",
    yTitle: "training loss (nats per token)",
    y2Title: options.lr ? "learning rate (dotted)" : undefined,
    logY: options.logY,
    yRange: options.yRange,
    hlines: options.hlines,
  });
}

export interface EvalCurvesOptions {
  title?: string;
  /** "perplexity" (exp of the loss, default) or "loss". */
  metric?: "perplexity" | "loss";
  splits?: Array<"train" | "val">;
  logY?: boolean;
  /** Mark each run's lowest validation value. */
  markBest?: boolean;
  /** Mark the train/validation gap at the last evaluation. */
  gap?: boolean;
  /** Losses measured before training, drawn at step 0 (the history starts at the first evaluation). */
  initial?: { train?: number; val?: number };
  hlines?: HLineMark[];
}

/** Evaluated train/validation loss or perplexity over training, per run (train dashed, validation solid). */
export function evalCurves(runs: Run | Record<string, Run>, options: EvalCurvesOptions = {}): Figure {
  const metric = options.metric ?? "perplexity";
  const value = (loss: number): number => (metric === "perplexity" ? Math.exp(loss) : loss);
  const splits = options.splits ?? ["train", "val"];
  const series: Series[] = [];
  const points: PointMark[] = [];
  const gaps: GapMark[] = [];
  asRuns(runs).forEach(([name, run], i) => {
    const color = palette[i % palette.length];
    const evals = run.history.evals;
    const pick = (split: "train" | "val") => evals.filter((e) => (split === "train" ? e.trainLoss : e.valLoss) !== null);
    const ys = { train: pick("train").map((e) => value(e.trainLoss!)), val: pick("val").map((e) => value(e.valLoss!)) };
    const xs = { train: pick("train").map((e) => e.step), val: pick("val").map((e) => e.step) };
    for (const split of ["train", "val"] as const) {
      const start = options.initial?.[split];
      if (start === undefined) continue;
      ys[split].unshift(value(start));
      xs[split].unshift(0);
    }
    for (const split of splits) {
      series.push({ name: joinName(name, `${split} ${metric}`), x: xs[split], y: ys[split], color, dash: split === "train" ? "dash" : "solid", mode: xs[split].length < 30 ? "lines+markers" : "lines", group: name });
    }
    if (options.markBest && ys.val.length) {
      const best = bestPoint({ name: "val", x: xs.val, y: ys.val })!;
      points.push({ x: best.x, y: best.y, text: `${name ? name + ": " : ""}best val ${fmt(best.y)} @ step ${best.x}`, color });
    }
    if (options.gap && ys.val.length && ys.train.length) {
      const x = xs.val[xs.val.length - 1];
      const t = ys.train[ys.train.length - 1];
      const v = ys.val[ys.val.length - 1];
      const text = metric === "perplexity" ? `gap: val/train = ${fmt(v / t)}×` : `gap: ${fmt(v - t)} nats`;
      gaps.push({ x, y0: t, y1: v, text, color });
    }
  });
  return linePlot({
    title: options.title,
    series,
    points,
    gaps,
    hlines: options.hlines,
    xTitle: "step",
    yTitle: metric === "perplexity" ? `perplexity${options.logY ? " (log scale)" : ""}` : "loss (nats per token)",
    logY: options.logY,
  });
}

function fmt(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
}

export interface RunSummary {
  params: number;
  steps: number;
  train_loss: number | null;
  val_loss: number | null;
  train_ppl: number | null;
  val_ppl: number | null;
  val_bits_per_token: number | null;
  best_step: number | null;
  best_val_ppl: number | null;
  steps_per_s: number;
}

/** The figures of a finished run for a table row: last evaluation, best validation point, throughput. */
export function runSummary(run: Run): RunSummary {
  const evals = run.history.evals;
  const last = evals.length ? evals[evals.length - 1] : null;
  const seconds = run.history.timing.elapsedMs / 1000;
  return {
    params: run.numParams,
    steps: run.step,
    train_loss: last?.trainLoss ?? null,
    val_loss: last?.valLoss ?? null,
    train_ppl: last?.trainPerplexity ?? null,
    val_ppl: last?.valPerplexity ?? null,
    val_bits_per_token: last?.valLoss == null ? null : last.valLoss / Math.LN2,
    best_step: run.bestStep,
    best_val_ppl: run.bestLoss === null ? null : Math.exp(run.bestLoss),
    steps_per_s: seconds > 0 ? Math.round(run.history.steps.length / seconds) : 0,
  };
}
