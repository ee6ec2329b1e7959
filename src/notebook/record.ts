// Figures a notebook records for the regression (losses at named steps, perplexities, schedule values, parameter
// counts), each with a tolerance; and their comparison with a baseline file, reported figure by figure with its cell.

import * as fs from "fs";
import { kernels } from "../kernels/index.js";
import { currentCell } from "./runtime.js";

/** A figure passes when |value - baseline| <= max(abs, rel * |baseline|). */
export interface Tolerance {
  abs?: number;
  rel?: number;
}

/**
 * The tolerance classes notebooks use, and why. The regression runs on the wasm backend (bit-identical on every
 * engine), so a machine reproduces the baselines exactly; the tolerances leave room for rounding-level changes of the
 * kernels. Measured on the four notebooks' scripts at CI parameters against wasm baselines: fast, reference,
 * wasm-fma and wasm-native differ by at most 1e-5 relative, except runs where rounding grows (a constant LR to the
 * end: 5e-3; runs made to blow up with too high an LR: up to 15%). Give those their own tolerance, or record regime
 * figures for them (e.g. the step where the loss blows up).
 */
export const tolerances = {
  exact: { abs: 0 },
  float64: { rel: 1e-12 },
  forward: { rel: 1e-5 },
  trained: { rel: 1e-4 },
} satisfies Record<string, Tolerance>;

export type ToleranceName = keyof typeof tolerances;

export const toleranceReasons: Record<ToleranceName, string> = {
  exact: "counts and sizes (parameters, vocabulary, documents, steps): integers, any change is a real change",
  float64: "pure float64 arithmetic (schedule values, ln V, formulas): only last-bit rounding may differ",
  forward: "one float32 forward pass (untrained loss): the kernel backends differ by at most 2e-8 relative (measured)",
  trained:
    "losses and perplexities after at most a few hundred stable training steps at CI parameters, checked on the wasm " +
    "backend: the other backends differ by at most 1e-5 relative (measured: fast, reference, wasm-fma, wasm-native), " +
    "while a real change (data, init, optimizer, schedule, model) moves them by 1e-3 or more",
};

export interface RecordedFigure {
  name: string;
  value: number;
  /** The tolerance class, or "custom" when the notebook gave numbers. */
  tolerance: ToleranceName | "custom";
  abs: number;
  rel: number;
  /** Notebook cell (position among all cells, from 1) that recorded it; null in a kernel. */
  cell: number | null;
  note?: string;
}

export interface RecordFile {
  format: "gptlab-figures";
  version: 1;
  notebook: string | null;
  backend: string;
  figures: RecordedFigure[];
}

const recorded = new Map<string, RecordedFigure>();

function resolveTolerance(t: ToleranceName | Tolerance): { tolerance: ToleranceName | "custom"; abs: number; rel: number } {
  if (typeof t === "string") {
    if (!Object.prototype.hasOwnProperty.call(tolerances, t)) {
      throw new Error(`unknown tolerance "${t}"; use one of ${Object.keys(tolerances).join(", ")} or { abs, rel }`);
    }
    const c: Tolerance = tolerances[t];
    return { tolerance: t, abs: c.abs ?? 0, rel: c.rel ?? 0 };
  }
  const abs = t.abs ?? 0;
  const rel = t.rel ?? 0;
  if (!(abs >= 0 && rel >= 0 && Number.isFinite(abs) && Number.isFinite(rel))) {
    throw new Error(`tolerance abs and rel must be finite numbers >= 0 (got ${JSON.stringify(t)})`);
  }
  return { tolerance: "custom", abs, rel };
}

/**
 * Records a figure the regression compares with its baseline (npx gptlab regress): a finite number, a snake_case
 * name unique in the notebook, and how far it may move. Returns nothing, so a cell ending with it prints nothing.
 * With $GPTLAB_RECORD set, every figure so far is written to that JSON file at once (a run that fails later
 * still reports what it recorded).
 */
export function record(name: string, value: number, tolerance: ToleranceName | Tolerance, note?: string): void {
  if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`figure name must be snake_case like "val_loss_step_100" (got "${name}")`);
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new Error(`figure ${name} must be a finite number (got ${String(value)}): a NaN or infinite loss means the run diverged`);
  }
  const cell = currentCell()?.index ?? null;
  const previous = recorded.get(name);
  if (previous && cell !== null && previous.cell !== cell) {
    throw new Error(`figure ${name} is recorded in cell ${previous.cell} and again in cell ${cell}: give each figure its own name`);
  }
  recorded.set(name, { name, value, ...resolveTolerance(tolerance), cell, ...(note ? { note } : {}) });
  const file = process.env.GPTLAB_RECORD;
  if (file) fs.writeFileSync(file, JSON.stringify(recordFile(), null, 1) + "\n");
}

/** The figures recorded so far, in the order they were first recorded. */
export function recordedFigures(): RecordedFigure[] {
  return [...recorded.values()];
}

/** Forgets every recorded figure (tests). */
export function clearRecordedFigures(): void {
  recorded.clear();
}

export function recordFile(): RecordFile {
  return { format: "gptlab-figures", version: 1, notebook: currentCell()?.notebook ?? null, backend: kernels().name, figures: recordedFigures() };
}

// ---------------------------------------------------------------------------------------------------------------
// Baselines and the comparison

/** A figure as a baseline stores it (keyed by its name). */
export type BaselineFigure = Omit<RecordedFigure, "name">;

/** tests/regression/baselines/NAME.json */
export interface Baseline {
  "//": string;
  notebook: string;
  /** The parameters the script ran with (the notebook's CI parameters). */
  params: Record<string, unknown>;
  /** Kernel backend of the run that made the baseline (for the record: comparisons do not require the same). */
  backend: string;
  tolerances: Record<string, Tolerance & { why: string }>;
  figures: Record<string, BaselineFigure>;
}

export function makeBaseline(notebook: string, params: Record<string, unknown>, run: RecordFile): Baseline {
  const figures: Record<string, BaselineFigure> = {};
  for (const f of run.figures) {
    figures[f.name] = { value: f.value, tolerance: f.tolerance, abs: f.abs, rel: f.rel, cell: f.cell, ...(f.note ? { note: f.note } : {}) };
  }
  const used = new Set(run.figures.map((f) => f.tolerance));
  const documented: Baseline["tolerances"] = {};
  for (const [name, t] of Object.entries(tolerances) as [ToleranceName, Tolerance][]) {
    if (used.has(name)) documented[name] = { ...t, why: toleranceReasons[name] };
  }
  return {
    "//":
      `Figures recorded by notebooks/${notebook}.ipynb (its exported script at the parameters below). A figure passes ` +
      "when |value - baseline| <= max(abs, rel * |baseline|). Made by `npx gptlab regress --update " + notebook + "`; never edit by hand.",
    notebook,
    params,
    backend: run.backend,
    tolerances: documented,
    figures,
  };
}

/** The baseline as a file: indented, one line per figure (diffs of an update read figure by figure). */
export function formatBaseline(b: Baseline): string {
  const { figures, ...rest } = b;
  const head = JSON.stringify(rest, null, 2).replace(/\n}$/, "");
  const lines = Object.entries(figures).map(([name, f]) => `    ${JSON.stringify(name)}: ${JSON.stringify(f)}`);
  return `${head},\n  "figures": {\n${lines.join(",\n")}\n  }\n}\n`;
}

export type FigureStatus = "ok" | "moved" | "missing" | "new" | "retolerated";

export interface FigureDiff {
  name: string;
  status: FigureStatus;
  cell: number | null;
  baseline?: number;
  value?: number;
  /** value - baseline */
  diff?: number;
  /** The largest |diff| the baseline's tolerance allows. */
  allowed?: number;
  tolerance?: string;
  /** The tolerance the notebook asks for now, when it differs from the baseline's. */
  newTolerance?: string;
}

function describeTolerance(t: { tolerance: string; abs: number; rel: number }): string {
  const short = (v: number): string => (v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential() : String(v));
  const parts = [...(t.abs > 0 || t.rel === 0 ? [`abs ${short(t.abs)}`] : []), ...(t.rel > 0 ? [`rel ${short(t.rel)}`] : [])];
  return `${t.tolerance === "custom" ? "" : `${t.tolerance}: `}${parts.join(", ")}`;
}

/** Compares a run's figures with a baseline: every baseline figure must be there and within its tolerance. */
export function compareFigures(baseline: Baseline, figures: readonly RecordedFigure[]): FigureDiff[] {
  const out: FigureDiff[] = [];
  const seen = new Set<string>();
  for (const f of figures) {
    seen.add(f.name);
    const b = baseline.figures[f.name];
    if (!b) {
      out.push({ name: f.name, status: "new", cell: f.cell, value: f.value, tolerance: describeTolerance(f) });
      continue;
    }
    const diff = f.value - b.value;
    const allowed = Math.max(b.abs, b.rel * Math.abs(b.value));
    const tolerance = describeTolerance(b);
    const now = describeTolerance(f);
    let status: FigureStatus = Math.abs(diff) <= allowed ? "ok" : "moved";
    if (status === "ok" && now !== tolerance) status = "retolerated";
    out.push({ name: f.name, status, cell: f.cell ?? b.cell, baseline: b.value, value: f.value, diff, allowed, tolerance, ...(now !== tolerance ? { newTolerance: now } : {}) });
  }
  for (const [name, b] of Object.entries(baseline.figures)) {
    if (!seen.has(name)) out.push({ name, status: "missing", cell: b.cell, baseline: b.value, tolerance: describeTolerance(b) });
  }
  return out;
}

/** Differences in the parameters a baseline was made with (a baseline only holds for the same parameters). */
export function paramsMismatch(baseline: Baseline, params: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(baseline.params), ...Object.keys(params)])].sort();
  return keys
    .filter((k) => JSON.stringify(baseline.params[k]) !== JSON.stringify(params[k]))
    .map((k) => `${k}: baseline ${JSON.stringify(baseline.params[k]) ?? "(unset)"}, now ${JSON.stringify(params[k]) ?? "(unset)"}`);
}

function num(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  return a >= 1e5 || a < 1e-4 ? v.toExponential(4) : String(Number(v.toPrecision(7)));
}

function signed(v: number): string {
  return `${v >= 0 ? "+" : ""}${num(v)}`;
}

/** One line per figure that failed (all figures with verbose), each naming the cell. */
export function formatDiffs(diffs: readonly FigureDiff[], verbose = false): string[] {
  const lines: string[] = [];
  for (const d of diffs) {
    if (d.status === "ok" && !verbose) continue;
    const where = `cell ${d.cell ?? "?"}`.padEnd(8);
    const mark = d.status === "ok" ? "✓" : "✗";
    let text: string;
    switch (d.status) {
      case "ok":
      case "moved": {
        const pct = d.baseline !== 0 ? ` (${signed((100 * d.diff!) / Math.abs(d.baseline!))}%)` : "";
        text = `${num(d.baseline!)} -> ${num(d.value!)}: ${signed(d.diff!)}${pct}, allowed ±${num(d.allowed!)} (${d.tolerance})`;
        if (d.status === "ok" && !d.diff) text = `${num(d.value!)} (${d.tolerance})`;
        break;
      }
      case "retolerated":
        text = `${num(d.value!)} is within the baseline's tolerance, but the notebook now asks for ${d.newTolerance} instead of ${d.tolerance}`;
        break;
      case "missing":
        text = `missing: the baseline has ${num(d.baseline!)}, this run did not record it`;
        break;
      case "new":
        text = `new figure ${num(d.value!)} (${d.tolerance}) is not in the baseline`;
        break;
    }
    lines.push(`    ${mark} ${where} ${d.name}: ${text}`);
  }
  return lines;
}

export function readRecordFile(file: string): RecordFile {
  const data = JSON.parse(fs.readFileSync(file, "utf8")) as RecordFile;
  if (data.format !== "gptlab-figures" || !Array.isArray(data.figures)) throw new Error(`${file} is not a gptlab figures file`);
  return data;
}

export function readBaseline(file: string): Baseline {
  const data = JSON.parse(fs.readFileSync(file, "utf8")) as Baseline;
  if (typeof data.notebook !== "string" || typeof data.figures !== "object" || data.figures === null) {
    throw new Error(`${file} is not a regression baseline (no "notebook" or "figures"): rebuild it with npx gptlab regress --update`);
  }
  return data;
}
