// The sweep folder: sweep.json (name, metric, axes, the definition), plan.jsonl (one trial per line) and one ordinary
// run folder per trial under trials/<id>/. A folder is bound to one plan: a different plan is refused, never mixed in.

import * as fs from "node:fs";
import * as path from "node:path";
import { RUN_FILES, checkpointDir, checkpointProblem } from "../io/checkpoint.js";
import { writeFileAtomic } from "../io/atomic.js";
import { makeOutputFolder } from "../io/paths.js";
import type { Plan, SweepDefinition, Trial } from "./definition.js";

export const SWEEP_FILES = { sweep: "sweep.json", plan: "plan.jsonl", trials: "trials", results: "results.jsonl", csv: "results.csv" } as const;

/** The plan as JSON lines: one trial per line, in plan order. */
export function planLines(plan: Plan): string {
  return plan.trials.map((t) => JSON.stringify(t)).join("\n") + "\n";
}

export function trialDir(dir: string, trial: Trial): string {
  return path.join(dir, SWEEP_FILES.trials, trial.id);
}

/** Writes sweep.json and plan.jsonl into dir, or checks that the plan already there is the same one. */
export function writeSweepFolder(dir: string, plan: Plan, definition: SweepDefinition): void {
  const planFile = path.join(dir, SWEEP_FILES.plan);
  const lines = planLines(plan);
  if (fs.existsSync(planFile)) {
    if (fs.readFileSync(planFile, "utf8") === lines) return;
    throw new Error(`sweep folder ${dir} holds a different sweep (its plan.jsonl differs from this definition's plan); choose another --dir, or run the saved one with: npx gptlab sweep run --dir ${dir}`);
  }
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0 && !fs.existsSync(path.join(dir, SWEEP_FILES.sweep))) {
    throw new Error(`folder ${dir} is not empty and holds no sweep; choose another --dir`);
  }
  makeOutputFolder(path.join(dir, SWEEP_FILES.trials), "--dir");
  const meta = { format: "gptlab-sweep", version: 1, name: plan.name, metric: plan.metric, axes: plan.axes, trials: plan.trials.length, definition };
  writeFileAtomic(path.join(dir, SWEEP_FILES.sweep), JSON.stringify(meta, null, 2) + "\n");
  writeFileAtomic(planFile, lines);
}

/** The plan saved in a sweep folder. */
export function readSweepFolder(dir: string): Plan {
  const metaFile = path.join(dir, SWEEP_FILES.sweep);
  const planFile = path.join(dir, SWEEP_FILES.plan);
  if (!fs.existsSync(metaFile) || !fs.existsSync(planFile)) {
    throw new Error(`${dir} is not a sweep folder (no ${SWEEP_FILES.sweep} / ${SWEEP_FILES.plan}); make one with: npx gptlab sweep plan DEFINITION.json --dir ${dir}`);
  }
  const meta = JSON.parse(fs.readFileSync(metaFile, "utf8")) as { name: string; metric: string; axes: string[] };
  const trials = fs.readFileSync(planFile, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as Trial);
  return { name: meta.name, metric: meta.metric, axes: meta.axes, trials };
}

export type TrialState = "pending" | "stopped" | "completed" | "diverged" | "failed";

function readMetrics(file: string): TrialMetrics | null {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as TrialMetrics;
  } catch {
    return null;
  }
}

/**
 * What a trial folder holds: nothing finished (pending), a run saved part-way (stopped), or a finished run. A
 * completed trial counts only when its checkpoint verifies (weights deleted or damaged: pending, trained again);
 * when the folder's metrics.json lags behind a checkpoint that completed the run (a kill between the final save's
 * two writes, a truncated file), the checkpoint's metrics are used and `lagging` is set (runTrial completes it).
 */
export function trialState(dir: string): { state: TrialState; metrics: TrialMetrics | null; lagging?: boolean } {
  const file = path.join(dir, RUN_FILES.metrics);
  if (!fs.existsSync(file)) return { state: "pending", metrics: null };
  const metrics = readMetrics(file);
  const reason = metrics?.final?.stopReason;
  if (reason === "diverged") return { state: reason, metrics };
  const unit = checkpointDir(dir);
  if (reason === "completed") return checkpointProblem(dir) === null ? { state: reason, metrics } : { state: "pending", metrics: null };
  const saved = unit && unit !== dir ? readMetrics(path.join(unit, RUN_FILES.metrics)) : null;
  if (saved?.final?.stopReason === "completed" && checkpointProblem(dir) === null) return { state: "completed", metrics: saved, lagging: true };
  // a claim caught between its create and its write (or cut by a kill there): nothing trained is lost unless a
  // checkpoint exists, and then the trial resumes from it
  if (metrics === null) return { state: unit ? "stopped" : "pending", metrics: null };
  return { state: "stopped", metrics };
}

/** The part of metrics.json a sweep reads. */
export interface TrialMetrics {
  config: Record<string, unknown>;
  model: { params: number };
  final: Record<string, number | string | null>;
  timing: { tokensPerSec: number; elapsedMs: number };
  history: { steps: Array<{ step: number; loss: number | null; lr: number }>; evals: Array<{ step: number; trainLoss: number | null; valLoss: number | null }> };
}

