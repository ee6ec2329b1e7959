// Sweeps: definitions and plans, the trial runner, the local worker pool, collecting results, batch-engine jobs,
// and the learning-rate range test.

export { planSweep, parseDefinition, trialId, describeParams } from "./definition.js";
export type { SweepDefinition, RandomAxis, Trial, Plan } from "./definition.js";
export { SWEEP_FILES, planLines, readSweepFolder, writeSweepFolder, trialDir, trialState } from "./folder.js";
export type { TrialState, TrialMetrics } from "./folder.js";
export { runTrial } from "./trial.js";
export type { TrialOptions, TrialOutcome } from "./trial.js";
export { runPool, statusLine, defaultJobs, gptlabBin } from "./pool.js";
export type { PoolOptions, PoolResult, SweepStatus } from "./pool.js";
export { collectRows, collectSweep, bestRow, toCSV, toJSONLines, RESULT_COLUMNS, TIMING_COLUMNS } from "./collect.js";
export type { Row, Cell, CollectOptions } from "./collect.js";
export { emitSweep, EMIT_KINDS, GITHUB_MATRIX_MAX } from "./emit.js";
export type { EmitKind, EmitOptions } from "./emit.js";
export { lrRangeTest, lrRangeDefaults, rangeLr } from "./lr-range.js";
export type { LrRangeOptions, LrRangePoint, LrRangeResult } from "./lr-range.js";
export { meanOver, bestPerGroup, fitPowerLaw } from "./analysis.js";
export type { PowerLawFit } from "./analysis.js";
