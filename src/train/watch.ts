// Watching a loss the trainer does not optimize: every N steps (and at the last), the model's mean loss on a
// fixed list of batches, e.g. the old data's validation split while a model goes on training on new data.

import { evaluateLoss } from "../eval/metrics.js";
import type { Batch } from "../data/batch.js";
import type { GPT } from "../nn/gpt.js";
import type { Callback, StepEvent, Trainer } from "./trainer.js";

export interface WatchedLoss {
  step: number;
  loss: number;
}

export class WatchLoss implements Callback {
  readonly history: WatchedLoss[] = [];

  constructor(
    private readonly model: GPT,
    private readonly batches: readonly Batch[],
    private readonly every: number,
  ) {
    if (!(Number.isInteger(every) && every >= 1)) throw new Error(`WatchLoss: every must be an integer >= 1 (got ${JSON.stringify(every)})`);
    if (batches.length === 0) throw new Error("WatchLoss needs at least one batch to evaluate");
  }

  /** The loss now, recorded at `step`. */
  measure(step: number): number {
    const loss = evaluateLoss(this.model, this.batches).loss;
    this.history.push({ step, loss });
    return loss;
  }

  onStart(trainer: Trainer): void {
    if (this.history.length === 0 || this.history[this.history.length - 1].step !== trainer.step) this.measure(trainer.step);
  }

  onStep(e: StepEvent): void {
    if (e.step % this.every === 0 || e.step === e.totalSteps) this.measure(e.step);
  }
}
