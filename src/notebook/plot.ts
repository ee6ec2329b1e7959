// Figure builders for the lab's plots (loss curves, LR schedules, sweeps) and a live loss curve that updates in place.
// Builders are pure functions returning plotly figures; showing them goes through display.ts.

import type { Figure, Layout, Trace } from "./figure.js";
import { LiveDisplay } from "./display.js";
import type { LiveDisplayOptions } from "./display.js";

export interface Series {
  name: string;
  y: ArrayLike<number>;
  /** Default 0, 1, 2, ... */
  x?: ArrayLike<number>;
  /** "y2" draws the series against the right axis (e.g. the learning rate beside the loss). */
  yaxis?: "y" | "y2";
  mode?: "lines" | "markers" | "lines+markers";
  dash?: "solid" | "dot" | "dash" | "dashdot";
  color?: string;
  /** Line width in px (plotly's default is 2). */
  width?: number;
  /** 0..1, e.g. 0.35 for a noisy raw curve behind its smoothed version. */
  opacity?: number;
  /** false hides the series from the legend (e.g. a learning rate drawn in its run's colour). */
  showLegend?: boolean;
  /** Series with the same group toggle together in the legend. */
  group?: string;
}

/** plotly's default colours, to give related series (a run's loss and its learning rate) the same one. */
export const palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

/** A labelled point, e.g. the best checkpoint. */
export interface PointMark {
  x: number;
  y: number;
  text: string;
  yaxis?: "y" | "y2";
  color?: string;
}

/** A vertical segment between two values at one x, e.g. the gap between train and validation loss. */
export interface GapMark {
  x: number;
  y0: number;
  y1: number;
  text: string;
  color?: string;
}

/** A horizontal reference line across the plot (drawn as a dashed trace with a legend entry), e.g. ln V. */
export interface HLineMark {
  y: number;
  text: string;
  yaxis?: "y" | "y2";
  color?: string;
}

/** A vertical line across the plot, e.g. the end of warmup. */
export interface VLineMark {
  x: number;
  text?: string;
  color?: string;
}

export interface LinePlotOptions {
  series: Series[];
  title?: string;
  xTitle?: string;
  yTitle?: string;
  y2Title?: string;
  logX?: boolean;
  logY?: boolean;
  points?: PointMark[];
  gaps?: GapMark[];
  vlines?: VLineMark[];
  hlines?: HLineMark[];
  height?: number;
  /** Fixed range of the left axis ([min, max]; on a log axis give the values, not their logs). */
  yRange?: [number, number];
}

function toArray(a: ArrayLike<number>): number[] {
  return Array.from(a, (v) => (Number.isFinite(v) ? v : NaN));
}

function indexArray(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Plotly drops NaN points from lines; JSON turns NaN into null, which plotly also treats as a gap. */
export function linePlot(options: LinePlotOptions): Figure {
  const usesY2 = options.series.some((s) => s.yaxis === "y2") || (options.points ?? []).some((p) => p.yaxis === "y2");
  const data: Trace[] = options.series.map((s) => {
    if (s.x && s.x.length !== s.y.length) {
      throw new Error(`series "${s.name}" has ${s.x.length} x values and ${s.y.length} y values: give one x per y`);
    }
    const trace: Trace = {
      type: "scatter",
      mode: s.mode ?? "lines",
      name: s.name,
      x: s.x ? toArray(s.x) : indexArray(s.y.length),
      y: toArray(s.y),
    };
    styleTrace(trace, s);
    return trace;
  });
  const xs = data.flatMap((t) => (t.x as number[]).filter((v) => Number.isFinite(v)));
  for (const h of options.hlines ?? []) {
    if (xs.length === 0) break;
    const x0 = Math.min(...xs);
    const x1 = Math.max(...xs);
    data.push({
      type: "scatter",
      mode: "lines",
      name: h.text,
      x: [x0, x1],
      y: [h.y, h.y],
      line: { color: h.color ?? "#7f7f7f", dash: "dash", width: 1.5 },
      hoverinfo: "name+y",
      ...(h.yaxis === "y2" ? { yaxis: "y2" } : {}),
    });
  }
  const shapes: Record<string, unknown>[] = [];
  const annotations: Record<string, unknown>[] = [];
  for (const p of options.points ?? []) {
    data.push({
      type: "scatter",
      mode: "markers",
      name: p.text,
      x: [p.x],
      y: [p.y],
      marker: { size: 10, symbol: "star", color: p.color ?? "#d62728" },
      showlegend: false,
      ...(p.yaxis === "y2" ? { yaxis: "y2" } : {}),
    });
    annotations.push({ x: p.x, y: logValue(p.y, options.logY && p.yaxis !== "y2"), yref: p.yaxis ?? "y", text: p.text, showarrow: true, arrowhead: 2, ax: 0, ay: -30 });
  }
  for (const g of options.gaps ?? []) {
    const color = g.color ?? "#7f7f7f";
    shapes.push({ type: "line", xref: "x", yref: "y", x0: g.x, x1: g.x, y0: g.y0, y1: g.y1, line: { color, width: 2, dash: "dot" } });
    annotations.push({ x: g.x, y: logValue((g.y0 + g.y1) / 2, options.logY), xref: "x", yref: "y", text: g.text, showarrow: false, xanchor: "left", xshift: 6, font: { color } });
  }
  for (const v of options.vlines ?? []) {
    const color = v.color ?? "#7f7f7f";
    shapes.push({ type: "line", xref: "x", yref: "paper", x0: v.x, x1: v.x, y0: 0, y1: 1, line: { color, width: 1, dash: "dash" } });
    if (v.text) annotations.push({ x: v.x, y: 1, xref: "x", yref: "paper", text: v.text, showarrow: false, yanchor: "bottom", font: { color } });
  }
  const leftValues = data.filter((t) => t.yaxis !== "y2").flatMap((t) => t.y as number[]);
  const layout: Layout = {
    xaxis: { title: { text: options.xTitle ?? "" }, zeroline: false, ...(options.logX ? { type: "log", ...logTicks(data.flatMap((t) => t.x as number[])) } : {}) },
    yaxis: {
      title: { text: options.yTitle ?? "" },
      ...(options.logY ? { type: "log", ...logTicks(leftValues) } : {}),
      ...(options.yRange ? { range: options.logY ? options.yRange.map(Math.log10) : options.yRange } : {}),
    },
    legend: { orientation: "h", yanchor: "top", y: -0.22, x: 0 }, // top-anchored: more rows grow downwards, not into the axis title
  };
  if (options.title) layout.title = { text: options.title };
  if (options.height) layout.height = options.height;
  if (usesY2) {
    layout.yaxis2 = { title: { text: options.y2Title ?? "" }, overlaying: "y", side: "right", showgrid: false, rangemode: "tozero", exponentformat: "e", tickmode: "auto", nticks: 6 };
    layout.margin = { l: 60, r: 80, t: 50, b: 50 };
  }
  if (shapes.length) layout.shapes = shapes;
  if (annotations.length) layout.annotations = annotations;
  return { data, layout };
}

/** Applies a series' axis, line style, opacity and legend settings to its trace. */
function styleTrace(trace: Trace, s: Series): void {
  if (s.yaxis === "y2") trace.yaxis = "y2";
  if (s.dash || s.color || s.width) {
    trace.line = { ...(s.dash ? { dash: s.dash } : {}), ...(s.color ? { color: s.color } : {}), ...(s.width ? { width: s.width } : {}) };
  }
  if (s.color && s.mode && s.mode !== "lines") trace.marker = { color: s.color, size: 5 };
  if (s.opacity !== undefined) trace.opacity = s.opacity;
  if (s.showLegend === false) trace.showlegend = false;
  if (s.group) trace.legendgroup = s.group;
}

export interface Panel {
  title: string;
  series: Series[];
  vlines?: VLineMark[];
  /** A log y axis for this panel alone (options.logY sets it for all). */
  logY?: boolean;
}

export interface SmallMultiplesOptions {
  title?: string;
  /** Panels per row. Default 3. */
  cols?: number;
  xTitle?: string;
  yTitle?: string;
  logY?: boolean;
  /** Height of one row of panels in px. Default 230. */
  rowHeight?: number;
  /** The same y range in every panel (default true: panels compare at a glance). */
  shareY?: boolean;
  /** An explicit y range for every panel (values outside it are cut off by the axis). */
  yRange?: [number, number];
}

/**
 * The layout of a figure of panels: columns (at most the panel count) and rows, each panel's axis suffix ("" for
 * the first, then "2", "3", ...) and its bold title above it. Errors name the figure.
 */
export function panelGrid(what: string, count: number, requestedCols: number | undefined, defaultCols: number) {
  if (count === 0) throw new Error(`${what} needs at least one panel`);
  const cols = Math.min(requestedCols ?? defaultCols, count);
  if (!(Number.isInteger(cols) && cols >= 1)) throw new Error(`cols must be an integer >= 1 (got ${requestedCols})`);
  const axis = (i: number): string => (i === 0 ? "" : String(i + 1));
  const title = (i: number, text: string): Record<string, unknown> => ({ text: `<b>${text}</b>`, xref: `x${axis(i)} domain`, yref: `y${axis(i)} domain`, x: 0.5, y: 1, yanchor: "bottom", showarrow: false });
  return { cols, rows: Math.ceil(count / cols), axis, title };
}

/** A grid of small plots, one per panel, e.g. every LR schedule side by side. */
export function smallMultiples(panels: Panel[], options: SmallMultiplesOptions = {}): Figure {
  const { cols, rows, axis, title } = panelGrid("smallMultiples", panels.length, options.cols, 3);
  const data: Trace[] = [];
  const annotations: Record<string, unknown>[] = [];
  const shapes: Record<string, unknown>[] = [];
  const layout: Layout = {
    grid: { rows, columns: cols, pattern: "independent", xgap: 0.12, ygap: 0.35 },
    height: rows * (options.rowHeight ?? 230) + 90,
    showlegend: panels.some((p) => p.series.length > 1),
    legend: { orientation: "h", yanchor: "top", y: -0.12, x: 0 },
    margin: { l: 70, r: 30, t: options.title ? 70 : 40, b: 50 },
  };
  if (options.title) layout.title = { text: options.title };
  let yMin = Infinity;
  let yMax = -Infinity;
  for (const p of panels) for (const s of p.series) for (const v of toArray(s.y)) if (Number.isFinite(v)) [yMin, yMax] = [Math.min(yMin, v), Math.max(yMax, v)];
  const shared = options.shareY !== false && Number.isFinite(yMin) && !options.logY;
  panels.forEach((p, i) => {
    const n = axis(i);
    const row = Math.floor(i / cols);
    const col = i % cols;
    for (const s of p.series) {
      const trace: Trace = { type: "scatter", mode: s.mode ?? "lines", name: s.name, x: s.x ? toArray(s.x) : indexArray(s.y.length), y: toArray(s.y) };
      styleTrace(trace, { ...s, yaxis: undefined });
      trace.xaxis = `x${n}`;
      trace.yaxis = `y${n}`;
      data.push(trace);
    }
    layout[`xaxis${n}`] = { title: { text: row === rows - 1 || i + cols >= panels.length ? options.xTitle ?? "" : "" } };
    layout[`yaxis${n}`] = {
      title: { text: col === 0 ? options.yTitle ?? "" : "" },
      ...(options.logY || p.logY ? { type: "log", ...logTicks(p.series.flatMap((s) => toArray(s.y))) } : {}),
      ...(options.yRange ? { range: options.yRange } : shared && !p.logY ? { range: [yMin - 0.05 * (yMax - yMin), yMax + 0.08 * (yMax - yMin)] } : {}),
      exponentformat: "e",
    };
    annotations.push(title(i, p.title));
    for (const v of p.vlines ?? []) {
      shapes.push({ type: "line", xref: `x${n}`, yref: `y${n} domain`, x0: v.x, x1: v.x, y0: 0, y1: 1, line: { color: v.color ?? "#7f7f7f", width: 1, dash: "dash" } });
    }
  });
  layout.annotations = annotations;
  if (shapes.length) layout.shapes = shapes;
  return { data, layout };
}

/**
 * Ticks at 1, 2, 5, 10, 20, 50, ... within the range of the values, labelled in full (plotly's own log ticks label
 * the minor ones with a single digit, "2 5 2 5", which reads badly); nothing when fewer than two fall in the range.
 */
export function logTicks(values: ArrayLike<number>): { tickvals?: number[]; ticktext?: string[] } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v) && v > 0) [min, max] = [Math.min(min, v), Math.max(max, v)];
  }
  if (!(min < max)) return {};
  const tickvals: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * Math.pow(10, e);
      if (v >= min * 0.9 && v <= max * 1.1) tickvals.push(Number(v.toPrecision(1)));
    }
  }
  if (tickvals.length < 2) return {};
  return { tickvals, ticktext: tickvals.map((v) => (v >= 1 ? v.toLocaleString("en-US") : String(v))) };
}

/** Annotations on a log axis take log10 of the value (plotly's convention). */
function logValue(y: number, log: boolean | undefined): number {
  return log ? Math.log10(y) : y;
}

/** The point of a series with the lowest (or highest) finite y, e.g. to mark the best validation loss. */
export function bestPoint(series: Series, mode: "min" | "max" = "min"): { x: number; y: number; index: number } | null {
  let best = -1;
  for (let i = 0; i < series.y.length; i++) {
    const v = series.y[i];
    if (!Number.isFinite(v)) continue;
    if (best < 0 || (mode === "min" ? v < series.y[best] : v > series.y[best])) best = i;
  }
  if (best < 0) return null;
  return { x: series.x ? series.x[best] : best, y: series.y[best], index: best };
}

/** Keeps at most maxPoints points, evenly spaced by index, always with the first and last (for display only). */
export function thin(x: number[], y: number[], maxPoints: number): { x: number[]; y: number[] } {
  if (!(Number.isInteger(maxPoints) && maxPoints >= 2)) throw new Error(`maxPoints must be an integer >= 2 (got ${maxPoints})`);
  const n = y.length;
  if (n <= maxPoints) return { x, y };
  const xs: number[] = [];
  const ys: number[] = [];
  for (let k = 0; k < maxPoints; k++) {
    const i = Math.round((k * (n - 1)) / (maxPoints - 1));
    xs.push(x[i]);
    ys.push(y[i]);
  }
  return { x: xs, y: ys };
}

export interface LossCurveOptions extends LiveDisplayOptions {
  title?: string;
  xTitle?: string;
  yTitle?: string;
  logY?: boolean;
  /** Also update whenever this many steps passed since the last update, even within intervalMs. */
  everySteps?: number;
  /** Most points per series sent to the page (the full history stays in `series`). Default 2000. */
  maxPoints?: number;
  /** Series whose minimum is marked as "best" on the final figure, e.g. "val". */
  markBest?: string;
  /** How the mark is labelled (default the series name): "best <label> 3.7157 @ 300". */
  bestLabel?: string;
  /** Legend order of the series (names not listed follow, in the order they first got values). */
  order?: string[];
  /** Style per series name (colour, dash, opacity, width, mode, yaxis "y2"). */
  styles?: Record<string, Partial<Omit<Series, "name" | "x" | "y">>>;
  y2Title?: string;
  /** Horizontal reference lines, e.g. ln V. */
  hlines?: HLineMark[];
}

/**
 * A loss curve that grows as training runs: `add(step, { train, val })` records values and updates one output
 * (throttled); `close()` draws the final figure. Series may be sparse (validation every N steps).
 */
export class LiveLossCurve {
  readonly series = new Map<string, { x: number[]; y: number[] }>();
  private readonly live: LiveDisplay;
  private lastUpdateStep = -Infinity;

  constructor(private readonly options: LossCurveOptions = {}) {
    this.live = new LiveDisplay(options);
  }

  add(step: number, values: Record<string, number | undefined>): void {
    if (!Number.isFinite(step)) throw new Error(`step must be a finite number (got ${step})`);
    for (const [name, v] of Object.entries(values)) {
      if (v === undefined) continue;
      let s = this.series.get(name);
      if (!s) this.series.set(name, (s = { x: [], y: [] }));
      s.x.push(step);
      s.y.push(v);
    }
    this.live.update(() => this.figure(false));
    const every = this.options.everySteps;
    if (every !== undefined && step - this.lastUpdateStep >= every) {
      this.lastUpdateStep = step;
      this.live.flush();
    }
  }

  /** The current figure; the final one marks the best point of options.markBest. */
  figure(final = true): Figure {
    const maxPoints = this.options.maxPoints ?? 2000;
    const series: Series[] = [];
    const order = this.options.order ?? [];
    const rank = (name: string): number => (order.includes(name) ? order.indexOf(name) : order.length);
    const entries = [...this.series].sort((a, b) => rank(a[0]) - rank(b[0])); // a stable sort keeps first-seen order
    for (const [name, s] of entries) {
      const t = thin(s.x, s.y, maxPoints);
      series.push({ name, x: t.x, y: t.y, mode: s.y.length < 30 && name !== "train" ? "lines+markers" : "lines", ...this.options.styles?.[name] });
    }
    const points: PointMark[] = [];
    const best = this.options.markBest ? this.series.get(this.options.markBest) : undefined;
    if (final && best) {
      const p = bestPoint({ name: this.options.markBest ?? "", x: best.x, y: best.y });
      if (p) points.push({ x: p.x, y: p.y, text: `best ${this.options.bestLabel ?? this.options.markBest} ${p.y.toFixed(4)} @ ${p.x}` });
    }
    return linePlot({
      series,
      points,
      hlines: this.options.hlines,
      y2Title: this.options.y2Title,
      title: this.options.title ?? "loss",
      xTitle: this.options.xTitle ?? "step",
      yTitle: this.options.yTitle ?? "loss",
      logY: this.options.logY,
    });
  }

  close(): Figure {
    const fig = this.figure(true);
    this.live.update(fig);
    this.live.close();
    return fig;
  }
}

export function liveLossCurve(options?: LossCurveOptions): LiveLossCurve {
  return new LiveLossCurve(options);
}
