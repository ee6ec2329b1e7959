// Sizes checked before anything large is allocated: a run whose weights, optimizer state and activations cannot
// fit in this machine's memory is refused before step 1 with the figure, instead of dying in a V8 fatal error.

import * as os from "node:os";
import { describeModel } from "../nn/gpt.js";
import type { GPTConfig } from "../nn/gpt.js";

/** More kernel threads than this is a mistake, not a setting (the kernels use at most one per core anyway). */
export const MAX_THREADS = 64;

function gb(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${(bytes / 1e6).toFixed(0)} MB`;
}

/** Bytes one training step needs at most: weights, gradients and Adam moments, activations of a batch and their gradients. */
export function estimateTrainingBytes(model: GPTConfig, batchSize: number): { total: number; state: number; activations: number } {
  const d = describeModel(model);
  const state = d.trainingStateBytes;
  const activations = 2 * d.activationBytesPerSequence * batchSize; // forward values and their gradients
  return { total: state + activations, state, activations };
}

/** Throws for an absurd thread count (before any thread is started). */
export function checkThreads(threads: number): void {
  if (threads > MAX_THREADS) throw new Error(`config.threads must be at most ${MAX_THREADS} (got ${threads}; this machine has ${os.cpus().length} cores, and 0 means one per core)`);
}

/** Throws, naming the figures, when a run cannot fit in memory. */
export function checkRunFits(model: GPTConfig, batchSize: number, memoryBytes = os.totalmem()): void {
  const e = estimateTrainingBytes(model, batchSize);
  if (e.total > 0.8 * memoryBytes) {
    throw new Error(
      `this run needs about ${gb(e.total)} of memory (weights, gradients and Adam moments ${gb(e.state)}, activations ${gb(e.activations)} for batch ${batchSize} x block ${model.blockSize}), ` +
        `more than 80% of this machine's ${gb(memoryBytes)}: lower --batch-size, --block-size, --n-layer or --n-embd`,
    );
  }
}
