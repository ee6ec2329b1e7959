// Exit codes of the gptlab command, in one place: scripts, sweeps and schedulers (Slurm requeue) tell a finished
// run from a bad input, a diverged run and a stopped-but-resumable one by them.

export const EXIT = {
  /** Finished: training completed (or the command did its job). */
  ok: 0,
  /** Bad input or config: nothing was trained; the message names the option, file or value. */
  badInput: 2,
  /** Training diverged (loss or gradient not finite, or exploding): metrics.json final.stopReason "diverged", divergedAtStep, divergedLr. */
  diverged: 3,
  /** A checkpoint could not be written (a full disk): the previous checkpoint is intact. */
  ioError: 74,
  /** Stopped by SIGINT, SIGTERM or SIGHUP after a step and saved: continue with --resume (EX_TEMPFAIL). */
  stopped: 75,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
