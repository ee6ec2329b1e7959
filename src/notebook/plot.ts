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
}

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
  height?: number;
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
    if (s.yaxis === "y2") trace.yaxis = "y2";
    if (s.dash || s.color) trace.line = { ...(s.dash ? { dash: s.dash } : {}), ...(s.color ? { color: s.color } : {}) };
    return trace;
  });
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
  const layout: Layout = {
    xaxis: { title: { text: options.xTitle ?? "" }, ...(options.logX ? { type: "log" } : {}) },
    yaxis: { title: { text: options.yTitle ?? "" }, ...(options.logY ? { type: "log" } : {}) },
    legend: { orientation: "h", y: -0.2 },
  };
  if (options.title) layout.title = { text: options.title };
  if (options.height) layout.height = options.height;
  if (usesY2) {
    layout.yaxis2 = { title: { text: options.y2Title ?? "" }, overlaying: "y", side: "right", showgrid: false };
    layout.margin = { l: 60, r: 80, t: 50, b: 50 };
  }
  if (shapes.length) layout.shapes = shapes;
  if (annotations.length) layout.annotations = annotations;
  return { data, layout };
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
    for (const [name, s] of this.series) {
      const t = thin(s.x, s.y, maxPoints);
      series.push({ name, x: t.x, y: t.y, mode: s.y.length < 30 && name !== "train" ? "lines+markers" : "lines" });
    }
    const points: PointMark[] = [];
    const best = this.options.markBest ? this.series.get(this.options.markBest) : undefined;
    if (final && best) {
      const p = bestPoint({ name: this.options.markBest ?? "", x: best.x, y: best.y });
      if (p) points.push({ x: p.x, y: p.y, text: `best ${this.options.markBest} ${p.y.toFixed(4)} @ ${p.x}` });
    }
    return linePlot({
      series,
      points,
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
