// One trial: an ordinary run folder, trained to the end. A finished folder is left alone; one saved part-way (stopped
// by a signal) is resumed exactly; anything else (killed before a save) starts over, which gives the same result
// because a run is deterministic. Saves go to a sibling folder that replaces the trial's in one rename, so a kill
// during a save never leaves a folder that mixes two saves.

import * as fs from "node:fs";
import * as path from "node:path";
import { Run } from "../train/run.js";
import type { Callback, StopReason } from "../train/trainer.js";
import type { RunConfig } from "../train/config.js";
import { restoreRunState, saveRun } from "../io/checkpoint.js";
import { trialState } from "./folder.js";

export interface TrialOptions {
  signal?: AbortSignal;
  callbacks?: Callback[];
}

export interface TrialOutcome {
  /** completed | diverged (finished), aborted (saved part-way: run it again to continue). */
  reason: StopReason;
  /** True when the folder already held the finished trial (nothing was trained). */
  skipped: boolean;
  /** Step the run started from (0 for a fresh start). */
  resumedAt: number;
}

/** Runs (or resumes, or skips) the trial whose run folder is dir. */
export async function runTrial(dir: string, config: RunConfig, opts: TrialOptions = {}): Promise<TrialOutcome> {
  const { state } = trialState(dir);
  if (state === "completed" || state === "diverged") return { reason: state, skipped: true, resumedAt: 0 };
  const run = new Run({ ...config, out: dir });
  if (state === "stopped") restoreRunState(run, dir);
  const resumedAt = run.step;
  const end = await run.trainAsync({ signal: opts.signal, callbacks: opts.callbacks }, 200);
  const tmp = `${dir}.saving-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  saveRun(run, tmp, end.reason === "completed" ? run.sample() : []);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  fs.renameSync(tmp, dir);
  return { reason: end.reason, skipped: false, resumedAt };
}
