// The learning-rate range test (Smith 2017, "Cyclical Learning Rates"): train once with the LR raised exponentially
// from minLr to maxLr, watch the smoothed loss fall, flatten and blow up, and suggest an LR below the blow-up.

import { Run } from "../train/run.js";
import { Trainer } from "../train/trainer.js";
import type { RunConfig } from "../train/config.js";
import { withKernelScope } from "../kernels/index.js";
import { countTargets } from "../eval/metrics.js";
import type { Batch } from "../data/dataset.js";

export const lrRangeDefaults = { minLr: 1e-5, maxLr: 1, steps: 200, smoothing: 0.9, divergeFactor: 4 };

export interface LrRangeOptions {
  minLr?: number;
  maxLr?: number;
  /** Steps from minLr to maxLr (the test stops earlier when the loss diverges). */
  steps?: number;
  /** Exponential smoothing of the loss (with bias correction), in [0, 1). */
  smoothing?: number;
  /** Stop when the smoothed loss exceeds this multiple of its minimum. */
  divergeFactor?: number;
}

export interface LrRangePoint {
  step: number;
  lr: number;
  loss: number;
  smoothed: number;
}

export interface LrRangeResult {
  points: LrRangePoint[];
  /** diverged: the smoothed loss passed divergeFactor x its minimum (or became NaN); completed: maxLr was reached. */
  stopReason: "diverged" | "completed";
  minLoss: number;
  lrAtMin: number;
  /** lrAtMin / 10: a decade below the minimum, where the loss still falls steadily. */
  suggestedLr: number;
  options: Required<LrRangeOptions>;
  params: number;
}

function check(name: string, v: number, ok: boolean, rule: string): void {
  if (!ok) throw new Error(`lr range test: ${name} must be ${rule} (got ${v})`);
}

/** LR at step s (0-based) of the test: minLr * (maxLr / minLr)^(s / (steps - 1)). */
export function rangeLr(s: number, o: Pick<Required<LrRangeOptions>, "minLr" | "maxLr" | "steps">): number {
  return o.minLr * Math.pow(o.maxLr / o.minLr, s / Math.max(1, o.steps - 1));
}

/** Runs the test on a fresh run built from the config overrides (its own lr and schedule are not used). */
export function lrRangeTest(overrides: Partial<RunConfig> = {}, options: LrRangeOptions = {}): LrRangeResult {
  const o = { ...lrRangeDefaults, ...options };
  check("minLr (--min-lr)", o.minLr, o.minLr > 0, "> 0");
  check("maxLr (--max-lr)", o.maxLr, o.maxLr > o.minLr, `> minLr (${o.minLr})`);
  check("steps (--range-steps)", o.steps, Number.isInteger(o.steps) && o.steps >= 10, "an integer >= 10");
  check("smoothing (--smoothing)", o.smoothing, o.smoothing >= 0 && o.smoothing < 1, "in [0, 1)");
  check("divergeFactor", o.divergeFactor, o.divergeFactor > 1, "> 1");
  const run = new Run({ ...overrides, steps: o.steps, lr: o.maxLr, schedule: "constant", warmupSteps: 0, out: null });
  const points: LrRangePoint[] = [];
  let avg = 0;
  let min = Infinity;
  let stopReason: LrRangeResult["stopReason"] = "completed";
  const training = run.modelConfig.dropout > 0;
  const trainer = new Trainer<Batch>({
    task: {
      nextBatch: () => run.data.train.nextBatch(),
      loss: (b) => run.model.forward(b.inputs, b.B, b.T, b.targets, { training, rng: run.dropoutRng }).loss!,
      tokens: countTargets,
    },
    store: run.model.store,
    optimizer: run.optimizer,
    schedule: (s) => rangeLr(s, o),
    totalSteps: o.steps,
    gradAccum: run.config.gradAccum,
    clipNorm: run.config.clipNorm,
    scope: withKernelScope,
    callbacks: [
      {
        onStep: (e, t) => {
          avg = o.smoothing * avg + (1 - o.smoothing) * e.loss;
          const smoothed = avg / (1 - Math.pow(o.smoothing, e.step));
          points.push({ step: e.step, lr: e.lr, loss: e.loss, smoothed });
          if (Number.isFinite(smoothed) && smoothed < min) min = smoothed;
          if (!Number.isFinite(smoothed) || smoothed > o.divergeFactor * min) {
            stopReason = "diverged";
            t.requestStop("stopped");
          }
        },
      },
    ],
  });
  trainer.run();
  const at = points.find((p) => p.smoothed === min) ?? points[0];
  return { points, stopReason, minLoss: min, lrAtMin: at.lr, suggestedLr: at.lr / 10, options: o, params: run.numParams };
}
