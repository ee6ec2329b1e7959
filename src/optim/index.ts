// The optimization layer: optimizers over a ParamStore, gradient clipping and learning-rate schedules (re-exports only).

export * from "./optimizer.js";
export * from "./optimizers.js";
export * from "./adam.js";
export * from "./sgd.js";
export * from "./clip.js";
export * from "./schedules.js";
