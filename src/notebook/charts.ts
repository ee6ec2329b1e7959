// Two figure kinds the guides' notebooks need beside line plots: a bar chart (a next-token distribution) and a
// grid of heatmaps (attention weights per layer and head). Plain plotly JSON, like plot.ts.

import type { Figure, Layout, Trace } from "./figure.js";
import { panelGrid } from "./plot.js";

export interface BarChartOptions {
  title?: string;
  xTitle?: string;
  yTitle?: string;
  /** Bars in the same order, one group per series name. */
  series: Array<{ name: string; x: string[]; y: number[]; color?: string }>;
  height?: number;
}

/** Grouped vertical bars. */
export function barChart(options: BarChartOptions): Figure {
  if (options.series.length === 0) throw new Error("barChart needs at least one series");
  for (const s of options.series) if (s.x.length !== s.y.length) throw new Error(`barChart series "${s.name}": ${s.x.length} labels for ${s.y.length} values`);
  const data: Trace[] = options.series.map((s) => ({ type: "bar", name: s.name, x: s.x, y: s.y, ...(s.color ? { marker: { color: s.color } } : {}) }));
  const layout: Layout = {
    barmode: "group",
    height: options.height ?? 360,
    showlegend: options.series.length > 1,
    xaxis: { title: { text: options.xTitle ?? "" }, type: "category" },
    yaxis: { title: { text: options.yTitle ?? "" } },
    margin: { l: 70, r: 30, t: options.title ? 60 : 30, b: 70 },
  };
  if (options.title) layout.title = { text: options.title };
  return { data, layout };
}

export interface HeatmapPanel {
  title: string;
  /** Rows of values: z[row][col]. */
  z: number[][];
}

export interface HeatmapGridOptions {
  title?: string;
  /** Labels of the columns and rows (e.g. the tokens), shared by every panel. */
  x?: string[];
  y?: string[];
  xTitle?: string;
  yTitle?: string;
  cols?: number;
  /** Color scale range (default 0..1, attention weights). */
  zmin?: number;
  zmax?: number;
  panelHeight?: number;
}

/** A grid of heatmaps with one shared color scale; row 0 at the top (as a matrix is read). */
export function heatmapGrid(panels: HeatmapPanel[], options: HeatmapGridOptions = {}): Figure {
  const { cols, rows, axis, title } = panelGrid("heatmapGrid", panels.length, options.cols, 4);
  // category labels must be unique: a repeated token gets its position appended
  const unique = (labels: string[] | undefined, n: number): string[] =>
    Array.from({ length: n }, (_, i) => (labels ? `${labels[i]} ·${i}` : String(i)));
  const data: Trace[] = [];
  const annotations: Record<string, unknown>[] = [];
  const layout: Layout = {
    grid: { rows, columns: cols, pattern: "independent", xgap: 0.08, ygap: 0.22 },
    height: rows * (options.panelHeight ?? 260) + 100,
    margin: { l: 90, r: 40, t: options.title ? 70 : 40, b: 80 },
  };
  if (options.title) layout.title = { text: options.title };
  panels.forEach((p, i) => {
    const n = axis(i);
    const x = unique(options.x, p.z[0]?.length ?? 0);
    const y = unique(options.y ?? options.x, p.z.length);
    data.push({
      type: "heatmap",
      z: p.z,
      x,
      y,
      xaxis: `x${n}`,
      yaxis: `y${n}`,
      zmin: options.zmin ?? 0,
      zmax: options.zmax ?? 1,
      colorscale: [[0, "#ffffff"], [0.25, "#9ecae1"], [1, "#08306b"]], // white at 0: the empty upper triangle reads as blank
      showscale: i === 0,
      hovertemplate: "query %{y}<br>key %{x}<br>weight %{z:.3f}<extra></extra>",
    });
    const col = i % cols;
    // every position labelled (plotly thins crowded category ticks to every other one), smaller type when there are many
    const ticks = (labels: string[]) => ({ tickmode: "array", tickvals: labels, ticktext: labels, tickfont: { size: labels.length > 20 ? 7 : 9 } });
    layout[`xaxis${n}`] = { type: "category", tickangle: -60, ...ticks(x), title: { text: Math.floor(i / cols) === rows - 1 ? options.xTitle ?? "" : "" } };
    layout[`yaxis${n}`] = { type: "category", autorange: "reversed", ...ticks(y), showticklabels: col === 0, title: { text: col === 0 ? options.yTitle ?? "" : "" } };
    annotations.push(title(i, p.title));
  });
  layout.annotations = annotations;
  return { data, layout };
}

export interface TableHeatmapOptions {
  title?: string;
  /** Column and row labels (row 0 at the top). */
  x: string[];
  y: string[];
  /** Values that set the color, z[row][col]; null leaves a cell gray. */
  z: Array<Array<number | null>>;
  /** What each cell says (default: the value with 3 significant digits). */
  text?: string[][];
  xTitle?: string;
  yTitle?: string;
  colorbarTitle?: string;
  /** Colors from the log10 of z (perplexities spanning decades); the color bar is labelled with the values. */
  logColor?: boolean;
  /** Low values dark (default: low values light). */
  reverse?: boolean;
}

/** A table of numbers as a heatmap: categorical axes, each cell labelled (a size × data grid, LR × warmup). */
export function tableHeatmap(o: TableHeatmapOptions): Figure {
  if (o.z.length !== o.y.length || o.z.some((row) => row.length !== o.x.length)) throw new Error(`tableHeatmap: z must have ${o.y.length} rows of ${o.x.length} values`);
  const color = (v: number | null): number | null => (v === null || !Number.isFinite(v) ? null : o.logColor ? Math.log10(Math.max(v, 1e-12)) : v);
  const z = o.z.map((row) => row.map(color));
  const text = o.text ?? o.z.map((row) => row.map((v) => (v === null ? "" : String(Number(v.toPrecision(3))))));
  const finite = z.flat().filter((v): v is number => v !== null);
  const colorbar: Record<string, unknown> = { title: { text: o.colorbarTitle ?? "" } };
  if (o.logColor && finite.length) {
    // 1-2-5 ticks inside the data's range (a range within one decade still gets labels), else its two ends
    const [lo, hi] = [Math.min(...finite), Math.max(...finite)];
    let ticks: number[] = [];
    for (let d = Math.floor(lo); d <= Math.ceil(hi); d++) for (const m of [1, 2, 5]) ticks.push(d + Math.log10(m));
    ticks = ticks.filter((t) => t >= lo - 1e-9 && t <= hi + 1e-9);
    if (ticks.length < 2) ticks = lo === hi ? [lo] : [lo, hi];
    colorbar.tickvals = ticks;
    colorbar.ticktext = ticks.map((t) => String(Number(Math.pow(10, t).toPrecision(2))));
  }
  return {
    data: [{ type: "heatmap", x: o.x, y: o.y, z, text, texttemplate: "%{text}", colorscale: "Viridis", reversescale: !o.reverse, colorbar, hovertemplate: "%{y}, %{x}: %{text}<extra></extra>" }],
    layout: {
      title: { text: o.title ?? "" },
      xaxis: { type: "category", title: { text: o.xTitle ?? "" } },
      yaxis: { type: "category", autorange: "reversed", title: { text: o.yTitle ?? "" } },
      margin: { l: Math.max(80, 8 * Math.max(...o.y.map((label) => label.length))), r: 40, t: o.title ? 70 : 30, b: 70 },
      height: 120 + 70 * o.y.length,
    },
  };
}
