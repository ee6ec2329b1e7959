// Sweeps in a notebook: `await sweep(definition, { jobs })` runs the trials on the local worker pool under one live
// progress line (Interrupt stops it; running the cell again continues), and figures of the collected table: a heatmap
// over two axes, overlaid loss curves coloured by an axis, and one figure that steps through an axis with a slider.

import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { planSweep } from "../sweep/definition.js";
import type { Plan, SweepDefinition } from "../sweep/definition.js";
import { readSweepFolder, trialDir, trialState, writeSweepFolder } from "../sweep/folder.js";
import { bestRow, collectSweep } from "../sweep/collect.js";
import type { Cell, Row } from "../sweep/collect.js";
import { meanOver } from "../sweep/analysis.js";
import { defaultJobs, runPool } from "../sweep/pool.js";
import { History } from "../train/callbacks.js";
import { projectPath } from "../io/paths.js";
import { Progress, show } from "./display.js";
import type { Figure, Trace } from "./figure.js";
import { InterruptSignal } from "./training.js";
import { inKernel } from "./kernel.js";
import { palette, smallMultiples, thin } from "./plot.js";

export interface SweepRunOptions {
  /** Worker processes. Default one per core. */
  jobs?: number;
  /**
   * Sweep folder. Default runs/sweeps/<name>-<hash of the plan> under the project root: running the cell again reuses
   * the finished trials, and other parameters get a folder of their own.
   */
  dir?: string;
  /** Train every trial anew, in a new temporary folder (the regression's CI runs: nothing cached counts). */
  fresh?: boolean;
  /** Stop on Interrupt (SIGINT). Default: in a kernel. */
  interrupt?: boolean;
  intervalMs?: number;
}

/** The collected table of a sweep, with its folder and plan. */
export interface SweepResult {
  dir: string;
  plan: Plan;
  rows: Row[];
  metric: string;
  best: Row | null;
  /** True when Interrupt stopped it before every trial finished. */
  stopped: boolean;
}

/** Runs (or continues) a sweep on the local worker pool and returns the collected table. */
export async function sweep(definition: SweepDefinition, options: SweepRunOptions = {}): Promise<SweepResult> {
  const plan = planSweep(definition);
  const planHash = createHash("sha256").update(plan.trials.map((t) => t.id).join(",")).digest("hex").slice(0, 8);
  const dir = options.fresh ? fs.mkdtempSync(path.join(os.tmpdir(), `gptlab-sweep-${plan.name}-`)) : options.dir ?? projectPath(path.join("runs", "sweeps", `${plan.name}-${planHash}`));
  writeSweepFolder(dir, plan, definition);
  const bar = new Progress(plan.trials.length, { label: `sweep ${plan.name}`, intervalMs: options.intervalMs ?? 500 });
  const interrupt = new InterruptSignal();
  const interruptible = options.interrupt ?? inKernel();
  if (interruptible) interrupt.listen();
  let result;
  try {
    result = await runPool(dir, {
      jobs: options.jobs ?? defaultJobs(),
      signal: interrupt.signal,
      intervalMs: options.intervalMs ?? 500,
      onStatus: (s) => {
        const info: Record<string, number | string> = { running: s.running, failed: s.failed };
        if (s.diverged) info.diverged = s.diverged;
        if (s.best) info[`best ${plan.metric}`] = s.best.value;
        bar.set(s.done, info);
      },
    });
  } finally {
    interrupt.dispose();
    bar.finish();
  }
  for (const e of result.errors) show.text(`trial ${e.index} failed: ${e.error}`);
  if (result.stopped) show.text(`sweep stopped: ${result.status.done} of ${result.status.total} trials finished; running the cell again continues it`);
  return sweepResult(dir, result.stopped);
}

/** The collected table of a sweep folder (no training). */
export function sweepResult(dir: string, stopped = false): SweepResult {
  const plan = readSweepFolder(dir);
  const { rows } = collectSweep(dir);
  return { dir, plan, rows, metric: plan.metric, best: bestRow(rows, plan.metric), stopped };
}

// ---------------------------------------------------------------------------------------------------------------
// Figures

function uniqueSorted(values: Cell[]): Cell[] {
  const u = [...new Set(values.filter((v) => v !== null))];
  return u.every((v) => typeof v === "number") ? (u as number[]).sort((a, b) => a - b) : u;
}

/** A log axis when the values are positive numbers spanning at least a factor of 5 (an lr grid, model sizes). */
function isLogAxis(values: Cell[]): boolean {
  const nums = values.filter((v): v is number => typeof v === "number");
  return nums.length === values.length && nums.length > 1 && nums.every((v) => v > 0) && Math.max(...nums) / Math.min(...nums) >= 5;
}

function label(v: Cell): string {
  if (typeof v !== "number") return String(v);
  return Number.isInteger(v) ? v.toLocaleString("en-US") : String(Number(v.toPrecision(3)));
}

/** Axis positions of values: log10 on a log axis (labelled with the values themselves), else the values or indexes. */
function axisOf(values: Cell[], title: string): { pos: (v: Cell) => number; layout: Record<string, unknown> } {
  const log = isLogAxis(values);
  const numeric = values.every((v) => typeof v === "number");
  const pos = (v: Cell): number => (log ? Math.log10(v as number) : numeric ? (v as number) : values.indexOf(v));
  return {
    pos,
    layout: { title: { text: `${title}${log ? " (log scale)" : ""}` }, tickvals: values.map(pos), ticktext: values.map(label), zeroline: false },
  };
}

export interface HeatmapOptions {
  x: string;
  y: string;
  metric?: string;
  title?: string;
  /** Digits of the value written in each cell. Default 3. */
  digits?: number;
}

/** The metric over two axes (mean over the other axes, e.g. seeds), each cell labelled, the best cell starred. */
export function sweepHeatmap(result: SweepResult, options: HeatmapOptions): Figure {
  const metric = options.metric ?? result.metric;
  for (const a of [options.x, options.y]) if (!result.plan.axes.includes(a)) throw new Error(`sweepHeatmap: "${a}" is not an axis of sweep ${result.plan.name} (axes: ${result.plan.axes.join(", ")})`);
  const cells = meanOver(result.rows, [options.x, options.y], metric);
  const xs = uniqueSorted(cells.map((c) => c[options.x]));
  const ys = uniqueSorted(cells.map((c) => c[options.y]));
  const xAxis = axisOf(xs, options.x);
  const yAxis = axisOf(ys, options.y);
  const z = ys.map((yv) => xs.map((xv) => (cells.find((c) => c[options.x] === xv && c[options.y] === yv)?.[metric] as number | null) ?? null));
  const digits = options.digits ?? 3;
  const text = z.map((row) => row.map((v) => (v === null ? "n/a" : v.toFixed(digits))));
  const best = bestRow(cells, metric);
  const data: Trace[] = [
    { type: "heatmap", x: xs.map(xAxis.pos), y: ys.map(yAxis.pos), z, text, texttemplate: "%{text}", colorscale: "Viridis", reversescale: true, colorbar: { title: { text: metric } }, hovertemplate: `${options.x} %{x}<br>${options.y} %{y}<br>${metric} %{z:.4f}<extra></extra>`, name: metric },
  ];
  if (best) {
    // in the best cell's upper-left corner, so the value written in the cell stays readable
    const corner = (values: Cell[], pos: (v: Cell) => number, v: Cell, side: number): number => {
      const i = values.indexOf(v);
      const step = values.length > 1 ? Math.abs(pos(values[i === 0 ? 1 : i]) - pos(values[i === 0 ? 0 : i - 1])) : 1;
      return pos(v) + side * 0.33 * step;
    };
    const at = { x: corner(xs, xAxis.pos, best[options.x], -1), y: corner(ys, yAxis.pos, best[options.y], 1) };
    data.push({ type: "scatter", mode: "markers", x: [at.x], y: [at.y], marker: { symbol: "star", size: 18, color: "#d62728", line: { width: 1, color: "white" } }, name: `best: ${(best[metric] as number).toFixed(digits)}`, showlegend: true });
  }
  return {
    data,
    layout: {
      title: { text: options.title ?? `${metric} over ${options.x} × ${options.y}` },
      xaxis: xAxis.layout,
      yaxis: yAxis.layout,
      legend: { orientation: "h", yanchor: "top", y: -0.18, x: 0 },
    },
  };
}

/** Each trial's training loss (means over windows of steps), read from its run folder. */
export function trialCurves(result: SweepResult, smooth?: number): Array<{ row: Row; x: number[]; y: number[] }> {
  return result.plan.trials.flatMap((trial, i) => {
    const { metrics } = trialState(trialDir(result.dir, trial));
    if (!metrics) return [];
    const history = new History();
    history.steps = metrics.history.steps.map((s) => ({ step: s.step, loss: s.loss ?? NaN, lr: s.lr, gradNorm: 0 }));
    const window = smooth ?? Math.max(10, Math.round(trial.config.steps / 50));
    const pts = history.smoothed(Math.min(window, Math.max(1, history.steps.length)));
    const t = thin(pts.map((p) => p.step), pts.map((p) => p.loss), 200);
    return [{ row: result.rows[i], x: t.x, y: t.y }];
  });
}

export interface CurvesOptions {
  /** Axis whose values give the colours. */
  color: string;
  title?: string;
  smooth?: number;
  logY?: boolean;
}

function colours(values: Cell[]): Map<string, string> {
  return new Map(values.map((v, i) => [JSON.stringify(v), palette[i % palette.length]]));
}

function curveName(row: Row, axes: string[]): string {
  return axes.map((a) => `${a}=${label(row[a])}`).join(" ");
}

/** Every trial's training loss on one plot, coloured by one axis (one legend entry per value). */
export function sweepCurves(result: SweepResult, options: CurvesOptions): Figure {
  const curves = trialCurves(result, options.smooth);
  const values = uniqueSorted(curves.map((c) => c.row[options.color]));
  const colour = colours(values);
  const seen = new Set<string>();
  const data: Trace[] = curves.map((c) => {
    const key = JSON.stringify(c.row[options.color]);
    const first = !seen.has(key);
    seen.add(key);
    return { type: "scatter", mode: "lines", x: c.x, y: c.y, name: `${options.color}=${label(c.row[options.color])}`, legendgroup: key, showlegend: first, line: { color: colour.get(key), width: 1.5 }, opacity: 0.85, hovertext: curveName(c.row, result.plan.axes), hoverinfo: "text+y" };
  });
  return {
    data,
    layout: {
      title: { text: options.title ?? `training loss of every trial, coloured by ${options.color}` },
      xaxis: { title: { text: "step" } },
      yaxis: { title: { text: "training loss (nats per token)" }, ...(options.logY ? { type: "log" } : {}) },
      legend: { orientation: "h", yanchor: "top", y: -0.22, x: 0 },
    },
  };
}

export interface PanelsOptions {
  /** Axis with one panel per value. */
  panel: string;
  /** Axis whose values give the colours within a panel. */
  color: string;
  title?: string;
  smooth?: number;
  cols?: number;
}

/**
 * The training loss of every trial, one panel per value of one axis and one colour per value of another, so that
 * dozens of curves stay readable. The y axis is cut 1.5 nats above the lowest starting loss (about ln V): a trial
 * that spikes or diverges leaves the panel there, and a diverged one is named in its panel's title.
 */
export function sweepPanels(result: SweepResult, o: PanelsOptions): Figure {
  const curves = trialCurves(result, o.smooth);
  const colour = colours(uniqueSorted(curves.map((c) => c.row[o.color])));
  const finite = (ys: number[]) => ys.filter((v) => Number.isFinite(v));
  // 1.5 nats above the lowest starting point (about ln V): a trial's early spike or blow-up leaves the panel
  const top = Math.min(...curves.map((c) => finite(c.y)[0] ?? Infinity)) + 1.5;
  const low = Math.min(...curves.flatMap((c) => finite(c.y)));
  const panels = uniqueSorted(curves.map((c) => c.row[o.panel])).map((v, i) => {
    const own = curves.filter((c) => c.row[o.panel] === v);
    const diverged = own.filter((c) => c.row.status === "diverged").map((c) => `${o.color} ${label(c.row[o.color])} diverged${typeof c.row.diverged_step === "number" ? ` (step ${c.row.diverged_step})` : ""}`);
    const params = typeof own[0].row.params === "number" ? ` (${own[0].row.params.toLocaleString("en-US")} params)` : "";
    return {
      title: `${o.panel} ${label(v)}${params}${diverged.length ? `: ${diverged.join(", ")}` : ""}`,
      series: own.map((c) => ({ name: `${o.color} ${label(c.row[o.color])}`, x: c.x, y: c.y, color: colour.get(JSON.stringify(c.row[o.color])), group: JSON.stringify(c.row[o.color]), showLegend: i === 0, dash: c.row.status === "diverged" ? ("dot" as const) : undefined })),
    };
  });
  return smallMultiples(panels, { title: o.title ?? `training loss of every trial, one panel per ${o.panel}`, cols: o.cols ?? 2, xTitle: "step", yTitle: "training loss", yRange: Number.isFinite(low) && Number.isFinite(top) ? [low - 0.1, top] : undefined });
}

export interface SliderOptions {
  /** Axis the slider steps through. */
  slider: string;
  /** Axis whose values are the curves shown at each slider position (coloured). */
  color: string;
  title?: string;
  smooth?: number;
}

/**
 * One interactive figure: a slider (plotly's own, so it works offline, in Jupyter, VS Code and the HTML export) steps
 * through the values of one axis and shows the loss curves of those trials, one colour per value of another axis.
 */
export function sweepSlider(result: SweepResult, options: SliderOptions): Figure {
  const curves = trialCurves(result, options.smooth);
  const steps = uniqueSorted(curves.map((c) => c.row[options.slider]));
  const colour = colours(uniqueSorted(curves.map((c) => c.row[options.color])));
  const data: Trace[] = curves.map((c) => ({
    type: "scatter",
    mode: "lines",
    x: c.x,
    y: c.y,
    name: `${options.color}=${label(c.row[options.color])}${c.row.seed !== undefined && result.plan.axes.includes("seed") ? ` seed ${c.row.seed}` : ""}`,
    visible: c.row[options.slider] === steps[0],
    line: { color: colour.get(JSON.stringify(c.row[options.color])), width: 2 },
  }));
  const ys = curves.flatMap((c) => c.y.filter((v) => Number.isFinite(v)));
  const sliderSteps = steps.map((v) => ({
    label: label(v),
    method: "update",
    args: [{ visible: curves.map((c) => c.row[options.slider] === v) }, { "title.text": `${options.title ?? "training loss"}: ${options.slider} = ${label(v)}` }],
  }));
  return {
    data,
    layout: {
      title: { text: `${options.title ?? "training loss"}: ${options.slider} = ${label(steps[0])}` },
      xaxis: { title: { text: "step" } },
      // one fixed range, so that moving the slider compares like with like
      yaxis: { title: { text: "training loss (nats per token)" }, range: ys.length ? [Math.min(...ys) - 0.05, Math.max(...ys) + 0.05] : undefined },
      sliders: [{ active: 0, currentvalue: { prefix: `${options.slider} = ` }, pad: { t: 50 }, steps: sliderSteps }],
      legend: { orientation: "v", x: 1.02, y: 1 },
      height: 480,
      margin: { l: 60, r: 30, t: 50, b: 90 },
    },
  };
}

/** The LR range test's curve (loss and smoothed loss against lr, log axis) with the suggestion and a reference lr. */
export function lrRangeFigure(result: { points: Array<{ lr: number; loss: number; smoothed: number }>; suggestedLr: number; lrAtMin: number; minLoss: number }, reference?: { lr: number; text: string }): Figure {
  const finite = result.points.filter((p) => Number.isFinite(p.smoothed));
  const top = Math.min(Math.max(...finite.map((p) => p.smoothed)), result.minLoss * 2.5);
  // on a log axis, shapes take data values and annotations take their log10 (plotly's convention)
  const lines = [
    { lr: result.suggestedLr, text: `suggested ${label(result.suggestedLr)}`, color: "#2ca02c" },
    { lr: result.lrAtMin, text: `lowest loss ${label(result.lrAtMin)}`, color: "#7f7f7f" },
    ...(reference ? [{ lr: reference.lr, text: reference.text, color: "#d62728" }] : []),
  ];
  const shapes = lines.map((l) => ({ type: "line", xref: "x", yref: "paper", x0: l.lr, x1: l.lr, y0: 0, y1: 1, line: { color: l.color, dash: "dash", width: 1.5 } }));
  const annotations = lines.map((l, i) => ({ x: Math.log10(l.lr), y: 1 - 0.07 * i, xref: "x", yref: "paper", text: l.text, showarrow: false, xanchor: "left", xshift: 4, font: { color: l.color } }));
  return {
    data: [
      { type: "scatter", mode: "lines", name: "loss (each step)", x: result.points.map((p) => p.lr), y: result.points.map((p) => p.loss), line: { color: palette[0], width: 1 }, opacity: 0.35 },
      { type: "scatter", mode: "lines", name: "smoothed loss", x: result.points.map((p) => p.lr), y: result.points.map((p) => p.smoothed), line: { color: palette[0], width: 2.5 } },
    ],
    layout: {
      title: { text: "learning-rate range test" },
      xaxis: { title: { text: "learning rate (log scale)" }, type: "log" },
      yaxis: { title: { text: "training loss (nats per token)" }, range: [Math.min(...finite.map((p) => p.smoothed)) - 0.3, top] },
      shapes,
      annotations,
      legend: { orientation: "h", yanchor: "top", y: -0.22, x: 0 },
    },
  };
}
