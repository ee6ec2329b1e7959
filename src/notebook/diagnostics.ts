// Training diagnostics of several runs side by side (notebook 06): loss, learning rate, gradient norm and how settled
// Adam's second moment is (share of updates over lr, update RMS / lr), one panel each, one colour per run.

import type { HistoryWindow } from "../train/summary.js";
import type { Figure } from "./figure.js";
import { palette, smallMultiples } from "./plot.js";
import type { Panel, Series } from "./plot.js";

export interface DiagnosticsFigureOptions {
  title?: string;
  /** Validation losses per run, drawn as markers on the loss panel. */
  evals?: Record<string, Array<{ step: number; valLoss: number | null }>>;
  /** Steps marked with a dashed line on every panel (e.g. where a run's loss rose). */
  marks?: number[];
  /** Log y axes for the loss and gradient-norm panels (long runs: the late losses are small). */
  logY?: boolean;
  rowHeight?: number;
}

const nan = (v: number | null): number => (v === null ? NaN : v);

/** Five panels from windowed histories (summarizeHistory): loss, lr, gradient norm, updates over lr, update RMS. */
export function diagnosticsFigure(runs: Record<string, readonly HistoryWindow[]>, options: DiagnosticsFigureOptions = {}): Figure {
  const names = Object.keys(runs);
  if (names.length === 0) throw new Error("diagnosticsFigure needs at least one run");
  const line = (pick: (w: HistoryWindow) => number | null, extra: Partial<Series> = {}) =>
    names.map((n, i): Series => ({ name: n, x: runs[n].map((w) => w.step), y: runs[n].map((w) => nan(pick(w))), color: palette[i % palette.length], group: n, showLegend: false, ...extra }));
  const loss = line((w) => w.loss, { showLegend: true });
  const val = names.flatMap((n, i): Series[] => {
    const e = (options.evals?.[n] ?? []).filter((r) => r.valLoss !== null);
    return e.length ? [{ name: `${n}: val loss`, x: e.map((r) => r.step), y: e.map((r) => r.valLoss!), color: palette[i % palette.length], mode: "markers", group: n, showLegend: false }] : [];
  });
  const vlines = (options.marks ?? []).map((x) => ({ x }));
  const panels: Panel[] = [
    { title: "training loss (window mean; dots: val loss)", series: [...loss, ...val], vlines, logY: options.logY },
    { title: "learning rate", series: line((w) => w.lr), vlines },
    { title: "gradient norm before clipping (window mean)", series: line((w) => w.gradNorm), vlines, logY: options.logY },
    { title: "share of parameters whose update exceeds lr", series: line((w) => w.updateOverLr), vlines },
    { title: "update RMS / lr", series: line((w) => w.updateRms), vlines },
  ];
  return smallMultiples(panels, { title: options.title, cols: 2, shareY: false, xTitle: "step", rowHeight: options.rowHeight ?? 220 });
}
