// Issue 22.2: one loss spike is not a divergence; a sustained excess is, and then the best weights and the last good
// state are kept, so --resume goes on from there instead of from step 0.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Tensor } from "../../src/core/tensor.js";
import { Trainer } from "../../src/train/trainer.js";
import type { StepEvent } from "../../src/train/trainer.js";
import { SGD } from "../../src/optim/sgd.js";
import { toyStore, copyOf } from "../optim/toy-store.js";
import { trainInFolder } from "../../src/train/train-in-folder.js";
import { restoreRunState, checkpointDir } from "../../src/io/checkpoint.js";
import { Run, DIVERGE_STEPS } from "../../src/train/run.js";
import { tmpDir } from "../helpers/run-folders.js";

/** A trainer on a toy store whose step-t loss is losses[t - 1] and whose gradient is all ones. */
function scripted(losses: number[], divergeSteps: number) {
  const store = toyStore();
  let t = 0;
  const task = {
    nextBatch: () => t++,
    loss: (i: number) => ({ item: () => losses[i], backward: () => store.grad.fill(1) }) as unknown as Tensor,
    tokens: () => 1,
  };
  const events: StepEvent[] = [];
  const weights: number[][] = [];
  const trainer = new Trainer<number>({ task, store, optimizer: new SGD(store, {}), schedule: () => 0.1, totalSteps: losses.length, divergeLoss: 20, divergeSteps, callbacks: [{ onStep: (e) => { events.push(e); weights.push(copyOf(store)); } }] });
  return { end: trainer.run(), events, weights };
}

describe("22.2: divergence needs a sustained excess", () => {
  test("a single spike over the limit (37 after 3.01) is skipped, training goes on and completes", () => {
    const losses = [3, 3, 3.01, 37.1, 3, 15, 3];
    const { end, events, weights } = scripted(losses, 5);
    expect(end.reason).toBe("completed");
    expect(end.step).toBe(7);
    expect(events.map((e) => e.skipped ?? false)).toEqual([false, false, false, true, false, false, false]);
    // the spike's step did not move the weights; the steps around it did
    expect(weights[3]).toEqual(weights[2]);
    expect(weights[4]).not.toEqual(weights[3]);
  });

  test("divergeSteps steps in a row over the limit are a divergence at the first of them, with its lr; the weights stayed those before it", () => {
    const losses = [3, 3, 30, 40, 50, 60, 70, 3, 3];
    const { end, weights } = scripted(losses, 5);
    expect(end.reason).toBe("diverged");
    expect(end.divergedAtStep).toBe(3);
    expect(end.divergedLr).toBe(0.1);
    expect(end.step).toBe(7);
    for (let i = 2; i < 7; i++) expect(weights[i]).toEqual(weights[1]);
  });

  test("an excess shorter than divergeSteps that recovers is not a divergence; a non-finite loss still is, at once", () => {
    expect(scripted([3, 30, 30, 30, 30, 3, 3], 5).end.reason).toBe("completed");
    const nan = scripted([3, 3, NaN, 3], 5).end;
    expect(nan).toMatchObject({ reason: "diverged", divergedAtStep: 3, step: 3 });
  });
});

/** Trains a run whose output weights are blown up after step 40 (and its evaluation): every later loss is huge but finite. */
function trainBlownUpAt40(dir: string, base: object, ready: (r: Run) => void = () => undefined) {
  let run: Run | null = null;
  const blowUp = { onStepEnd: (e: StepEvent) => {
    if (e.step === 40) run!.model.store.params.find((p) => p.name === "lm_head.weight")!.tensor.data.forEach((v, i, a) => (a[i] = v * 1e4));
  } };
  return trainInFolder(dir, base, { log: () => undefined, callbacks: [blowUp], onReady: (r) => ready((run = r)) });
}

describe("22.2: a diverged run keeps its best weights and its last good state", () => {
  test("diverging before the first save: best/ and last/ (the state of the last evaluation) are written, and --resume continues there", async () => {
    const dir = path.join(tmpDir(), "late-divergence");
    const base = { steps: 100, evalEvery: 20, evalBatches: 4, samples: 0, saveEvery: 0, saveEverySeconds: 0 };
    const { end } = await trainBlownUpAt40(dir, base);
    expect(end).toMatchObject({ reason: "diverged", divergedAtStep: 41, step: 40 + DIVERGE_STEPS });
    expect(fs.existsSync(path.join(dir, "best", "model.safetensors"))).toBe(true);
    expect(checkpointDir(dir)).toBe(path.join(dir, "last"));
    const top = JSON.parse(fs.readFileSync(path.join(dir, "metrics.json"), "utf8"));
    expect(top.final).toMatchObject({ stopReason: "diverged", divergedAtStep: 41, step: 40 + DIVERGE_STEPS });
    expect(top.history.steps.length).toBe(40 + DIVERGE_STEPS);
    const back = new Run(base);
    restoreRunState(back, dir);
    expect(back.step).toBe(40);
    expect(back.history.steps.length).toBe(40);
    // the weights of last/ are those evaluated at step 40, before the blow-up: its evaluation is under the limit
    expect(back.evaluate("val")!.loss).toBeCloseTo(top.history.evals[1].valLoss, 10);
    // resuming goes on from step 40, not from step 0
    const resumed = await trainInFolder(dir, base, { resume: true, log: () => undefined });
    expect(resumed.resumedFrom).toBe(40);
    expect(resumed.end.reason).toBe("completed");
  }, 60_000);

  test("the rollback of a thinned history (a long run) leaves a last/ that resumes", async () => {
    const dir = path.join(tmpDir(), "thinned");
    const base = { steps: 100, evalEvery: 20, evalBatches: 2, samples: 0, saveEvery: 0, saveEverySeconds: 0 };
    const { end } = await trainBlownUpAt40(dir, base, (r) => void (r.history.maxSteps = 8));
    expect(end.reason).toBe("diverged");
    const back = new Run(base);
    restoreRunState(back, dir);
    expect(back.step).toBe(40);
    expect(back.history.stride).toBeGreaterThan(1);
  }, 60_000);
});
