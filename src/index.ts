// gptlab's public API (re-exports only): the engine for notebooks, scripts and the CLI.
// The notebook layer (display, plots, tables) is imported separately from "./notebook/index.js".

export { Tensor, noGrad } from "./core/tensor.js";
export type { Arr, DType } from "./core/tensor.js";
export * as ops from "./nn/ops.js";
export { Rng } from "./core/random.js";
export type { RngState } from "./core/random.js";
export { kernels, setBackend, registerBackend, backendNames } from "./kernels/index.js";
export type { Backend } from "./kernels/backend.js";
export { GPT, presets, presetDescriptions, presetConfig, validateConfig, describeModel, parameterSpecs } from "./nn/gpt.js";
export type { GPTConfig, ModelSummary, KVCache } from "./nn/gpt.js";
export { ParamStore } from "./nn/params.js";
export type { Param } from "./nn/params.js";
export * from "./data/index.js";
export * from "./optim/index.js";
export { Trainer } from "./train/trainer.js";
export type { Callback, StepEvent, EvalEvent, EndEvent, StopReason, TrainTask } from "./train/trainer.js";
export { History, Progress, EarlyStopping, progressLine } from "./train/callbacks.js";
export { defaultRunConfig, resolveRunConfig, parseConfigArgs, runConfigHelp, runConfigSchema, runComponents } from "./train/config.js";
export type { RunConfig } from "./train/config.js";
export { Run, runId } from "./train/run.js";
export type { RunMetrics, RunOptions, RunState } from "./train/run.js";
export { evaluateLoss, perplexity, bitsPerToken, lossStats, countTargets } from "./eval/metrics.js";
export type { LossStats } from "./eval/metrics.js";
export * from "./eval/sample.js";
export * from "./eval/attention.js";
export * from "./eval/tokenizers.js";
export { SampleEvery, parsePrompts } from "./train/samples.js";
export type { TrainingSample, SampleEveryOptions } from "./train/samples.js";
export { WatchLoss } from "./train/watch.js";
export type { WatchedLoss } from "./train/watch.js";
export { continueFrom } from "./train/continue.js";
export { encodeSafetensors, decodeSafetensors, readSafetensorsFile, writeSafetensorsFile } from "./io/safetensors.js";
export { saveRun, loadModel, loadWeights, restoreRunState, prepareRunFolder, isRunFolder, RUN_FILES, CHECKPOINTS, saveCheckpoint, checkpointDir, claimRunFolder, writeRunMetrics } from "./io/checkpoint.js";
export { trainInFolder, resumeConfigChanges } from "./train/train-in-folder.js";
export type { TrainInFolderOptions, TrainInFolderResult, SaveStats } from "./train/train-in-folder.js";
export { EXIT } from "./cli/exit-codes.js";
export * from "./sweep/index.js";
