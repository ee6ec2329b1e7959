// collect: the trial folders of a sweep as one table (config columns + final losses, perplexities, best step,
// status; tokens/s and seconds unless timing is off), written as JSON lines and CSV. Without timing, the same sweep
// collects to the same bytes wherever and however often its trials ran.

import * as fs from "node:fs";
import * as path from "node:path";
import { SWEEP_FILES, readSweepFolder, trialDir, trialState } from "./folder.js";
import { writeFileAtomic } from "../io/atomic.js";
import { prepareOutputFile } from "../io/paths.js";
import type { Plan } from "./definition.js";

export type Cell = number | string | null;
export type Row = Record<string, Cell>;

export interface CollectOptions {
  /** Include the wall-clock columns tokens_per_s and seconds. Default true. */
  timing?: boolean;
}

/** Result columns after the config columns, in table order. */
export const RESULT_COLUMNS = ["status", "params", "steps", "train_loss", "val_loss", "train_ppl", "val_ppl", "best_step", "best_val_loss", "diverged_step", "diverged_lr", "stopped_early_step"] as const;
export const TIMING_COLUMNS = ["tokens_per_s", "seconds"] as const;

function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** One row per planned trial, in plan order. */
export function collectRows(dir: string, plan: Plan = readSweepFolder(dir), opts: CollectOptions = {}): Row[] {
  return plan.trials.map((trial) => {
    const row: Row = { index: trial.index, id: trial.id };
    for (const axis of plan.axes) row[axis] = (trial.config as unknown as Record<string, Cell>)[axis] ?? null;
    const { state, metrics } = trialState(trialDir(dir, trial));
    const f = metrics?.final ?? {};
    const steps = metrics?.history.steps ?? [];
    const diverged = state === "diverged";
    const values: Record<(typeof RESULT_COLUMNS)[number], Cell> = {
      status: state,
      params: metrics?.model.params ?? null,
      steps: num(f.step),
      train_loss: num(f.trainLoss),
      val_loss: num(f.valLoss),
      train_ppl: num(f.trainPerplexity),
      val_ppl: num(f.valPerplexity),
      best_step: num(f.bestStep),
      best_val_loss: num(f.bestValLoss),
      diverged_step: diverged ? num(f.divergedAtStep ?? f.step) : null,
      diverged_lr: diverged ? num(f.divergedLr ?? steps[steps.length - 1]?.lr) : null,
      stopped_early_step: num(f.stoppedEarlyAtStep),
    };
    Object.assign(row, values);
    if (opts.timing !== false) {
      row.tokens_per_s = metrics ? Math.round(metrics.timing.tokensPerSec) : null;
      row.seconds = metrics ? Math.round(metrics.timing.elapsedMs) / 1000 : null;
    }
    return row;
  });
}

export function toJSONLines(rows: Row[]): string {
  return rows.map((r) => JSON.stringify(r)).join("\n") + (rows.length ? "\n" : "");
}

function csvCell(v: Cell): string {
  if (v === null) return "";
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCSV(rows: Row[]): string {
  if (!rows.length) return "";
  const columns = Object.keys(rows[0]);
  return [columns.join(","), ...rows.map((r) => columns.map((c) => csvCell(r[c] ?? null)).join(","))].join("\n") + "\n";
}

/** The row with the lowest finite value of metric among finished trials (null when there is none). */
export function bestRow(rows: Row[], metric = "val_loss"): Row | null {
  let best: Row | null = null;
  for (const r of rows) {
    const v = r[metric];
    if (typeof v === "number" && Number.isFinite(v) && (best === null || v < (best[metric] as number))) best = r;
  }
  return best;
}

/** Collects a sweep folder and writes results.jsonl and results.csv into it (or into outPrefix.jsonl / .csv). */
export function collectSweep(dir: string, opts: CollectOptions & { outPrefix?: string } = {}): { rows: Row[]; files: string[] } {
  const rows = collectRows(dir, readSweepFolder(dir), opts);
  const jsonl = opts.outPrefix ? `${opts.outPrefix}.jsonl` : path.join(dir, SWEEP_FILES.results);
  const csv = opts.outPrefix ? `${opts.outPrefix}.csv` : path.join(dir, SWEEP_FILES.csv);
  for (const f of [jsonl, csv]) prepareOutputFile(f, "--out");
  writeFileAtomic(jsonl, toJSONLines(rows));
  writeFileAtomic(csv, toCSV(rows));
  return { rows, files: [jsonl, csv] };
}
