// One trial: an ordinary run folder, trained by trainInFolder (periodic last/ checkpoints, best/, exact resume).
// A finished folder (completed or diverged) is left alone; one stopped or killed part-way resumes from its last
// checkpoint (from step 0 if it was killed before the first save), which gives the same result as an uninterrupted
// run because a run is deterministic and its checkpoints are exact.

import { trainInFolder } from "../train/train-in-folder.js";
import type { Callback, StopReason } from "../train/trainer.js";
import type { RunConfig } from "../train/config.js";
import { trialState } from "./folder.js";
import { lockFolder } from "../io/lock.js";
import { completeLaggingMetrics } from "../io/checkpoint.js";
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
  // the lock first: the folder is judged and trained by one process (another sweep run on the same folder, a
  // requeued Slurm task whose first attempt still runs); FolderLockedError names the holder
  const release = lockFolder(dir, "trial folder");
  try {
    const { state, lagging } = trialState(dir);
    if (lagging) completeLaggingMetrics(dir);
    if (state === "completed" || state === "diverged") return { reason: state, skipped: true, resumedAt: 0 };
    // pending: nothing of value in dir (no metrics.json, so no checkpoint either), so a half-made folder is replaced
    const how = state === "stopped" ? { resume: true } : { force: true };
    const { end, resumedFrom } = await trainInFolder(dir, config, { ...how, lockHeld: true, signal: opts.signal, callbacks: opts.callbacks });
    return { reason: end.reason, skipped: false, resumedAt: resumedFrom ?? 0 };
  } finally {
    release();
  }
}
