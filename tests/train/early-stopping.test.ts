import * as fs from "node:fs";
import * as path from "node:path";
import { EarlyStopping } from "../../src/train/callbacks.js";
import type { Trainer } from "../../src/train/trainer.js";
import { Run } from "../../src/train/run.js";
import { defaultRunConfig } from "../../src/train/config.js";
import { trainInFolder } from "../../src/train/train-in-folder.js";
import { bytes, comparableMetrics, tmpDir } from "../helpers/run-folders.js";
import { planSweep } from "../../src/sweep/definition.js";
import { writeSweepFolder, trialDir } from "../../src/sweep/folder.js";
import { runPool } from "../../src/sweep/pool.js";
import { collectRows } from "../../src/sweep/collect.js";

const quiet = { log: () => undefined };
const sentences = path.join(__dirname, "..", "..", "datasets", "simple-sentences", "sentences.txt");

/** 40 sentences, 10 of them for validation: the lab model overfits them within a few dozen steps. */
function tinyCorpus(): string {
  const file = path.join(tmpDir(), "forty.txt");
  fs.writeFileSync(file, fs.readFileSync(sentences, "utf8").split("\n").slice(0, 40).join("\n") + "\n");
  return file;
}
const overfit = { valFraction: 0.25, steps: 400, lr: 0.01, schedule: "constant", evalEvery: 10, evalBatches: 5, samples: 0, saveEverySeconds: 0 };

/** The step at which the rule stops: the patience-th evaluation in a row that is not below best - minDelta. */
function expectedStop(losses: Array<{ step: number; valLoss: number | null }>, patience: number, minDelta: number): number | null {
  let best = Infinity;
  let wait = 0;
  for (const e of losses) {
    if (e.valLoss! < best - minDelta) [best, wait] = [e.valLoss!, 0];
    else if (++wait === patience) return e.step;
  }
  return null;
}

/** Feeds validation losses at steps 10, 20, ... to the callback; the step at which it asked to stop, or null. */
function feed(early: EarlyStopping, losses: number[]): number | null {
  let stoppedAt: number | null = null;
  losses.forEach((valLoss, i) => {
    if (stoppedAt !== null) return;
    const trainer = { requestStop: (reason: string) => { expect(reason).toBe("completed"); stoppedAt = (i + 1) * 10; } } as unknown as Trainer;
    early.onEval({ step: (i + 1) * 10, trainLoss: 1, valLoss, trainPerplexity: null, valPerplexity: null, isBest: false }, trainer);
  });
  return stoppedAt;
}

describe("early stopping", () => {
  test("stops at the patience-th evaluation in a row without a new best, and only then", () => {
    // best 3.0 at step 10; 3.1, 3.2 do not improve; 2.9 resets; then three without improvement
    expect(feed(new EarlyStopping(3), [3.0, 3.1, 3.2, 2.9, 2.95, 2.9, 3.5, 2.0])).toBe(70);
    expect(feed(new EarlyStopping(4), [3.0, 3.1, 3.2, 2.9, 2.95, 2.9, 3.5, 2.0])).toBeNull();
    expect(feed(new EarlyStopping(1), [3.0, 2.9, 2.9])).toBe(30); // an equal loss is no improvement
  });

  test("minDelta: an improvement must beat the best by more than minDelta, and only such an improvement moves the best", () => {
    // with minDelta 0.05: 2.97, 2.96 and 2.951 are not below 3.0 - 0.05, so the wait goes on (without minDelta each is a new best)
    expect(feed(new EarlyStopping({ patience: 3, minDelta: 0.05 }), [3.0, 2.97, 2.96, 2.951, 2.0])).toBe(40);
    expect(feed(new EarlyStopping({ patience: 3, minDelta: 0 }), [3.0, 2.97, 2.96, 2.951, 2.0])).toBeNull();
    expect(feed(new EarlyStopping({ patience: 3, minDelta: 0.05 }), [3.0, 2.97, 2.96, 2.94, 2.0])).toBeNull(); // 2.94 is below 2.95
    // 2.9 beats 3.0 - 0.05: the best becomes 2.9 and the wait starts again
    expect(feed(new EarlyStopping({ patience: 2, minDelta: 0.05 }), [3.0, 2.9, 2.86, 2.87])).toBe(40);
    expect(() => new EarlyStopping({ patience: 0 })).toThrow(/patience must be an integer >= 1 \(got 0\)/);
    expect(() => new EarlyStopping({ patience: 2, minDelta: -1 })).toThrow(/minDelta must be a finite number >= 0 \(got -1\)/);
  });

  test("is off by default: patience 0 trains every step of an overfitting run and records no stop", () => {
    expect(defaultRunConfig.patience).toBe(0);
    expect(defaultRunConfig.minDelta).toBe(0);
    const run = new Run({ ...overfit, steps: 150, data: tinyCorpus() });
    const end = run.train();
    expect(end).toMatchObject({ reason: "completed", step: 150 });
    // the validation loss did rise (so patience 2 would have stopped it), and nothing stopped the run
    expect(expectedStop(run.history.evals, 2, 0)).not.toBeNull();
    expect("stoppedEarlyAtStep" in run.metrics().final).toBe(false);
  });

  test("config patience ends the run as completed at the expected evaluation, recorded in metrics.json and best/", async () => {
    const data = tinyCorpus();
    const dir = path.join(tmpDir(), "early");
    const { end, run } = await trainInFolder(dir, { ...overfit, data, patience: 3, minDelta: 0.01 }, quiet);
    const expected = expectedStop(run.history.evals, 3, 0.01);
    expect(expected).not.toBeNull();
    expect(expected!).toBeLessThan(overfit.steps);
    expect(end).toMatchObject({ reason: "completed", step: expected });
    const final = JSON.parse(fs.readFileSync(path.join(dir, "metrics.json"), "utf8")).final;
    expect(final).toMatchObject({ stopReason: "completed", step: expected, stoppedEarlyAtStep: expected });
    // the best evaluation is before the stop
    const best = run.history.evals.reduce((a, b) => (b.valLoss! < a.valLoss! ? b : a));
    expect(final.bestStep).toBe(best.step);
    expect(final.bestValLoss).toBe(best.valLoss);
    expect(best.step).toBeLessThan(expected!);
  }, 60_000);

  test("a run killed while waiting resumes with its counter and stops at the same step with the same metrics", async () => {
    const config = { ...overfit, data: tinyCorpus(), patience: 4 };
    const straight = path.join(tmpDir(), "straight");
    const s = await trainInFolder(straight, config, quiet);
    const stop = s.run.stoppedEarlyAtStep()!;
    expect(stop).not.toBeNull();
    // abort after the second evaluation without improvement: the resumed run must count it, or it stops 2 evaluations late
    const dir = path.join(tmpDir(), "killed");
    const controller = new AbortController();
    let wait = 0;
    let best = Infinity;
    const abortWhileWaiting = { onEval: (e: { valLoss: number | null }) => {
      if (e.valLoss! < best) [best, wait] = [e.valLoss!, 0];
      else if (++wait === 2) controller.abort();
    } };
    const first = await trainInFolder(dir, config, { ...quiet, signal: controller.signal, callbacks: [abortWhileWaiting] });
    expect(first.end.reason).toBe("aborted");
    expect(first.end.step).toBeLessThan(stop);
    const second = await trainInFolder(dir, {}, { ...quiet, resume: true });
    expect(second.end).toMatchObject({ reason: "completed", step: stop });
    expect(comparableMetrics(path.join(dir, "metrics.json"))).toBe(comparableMetrics(path.join(straight, "metrics.json")));
    expect(bytes(path.join(dir, "best", "model.safetensors")).equals(bytes(path.join(straight, "best", "model.safetensors")))).toBe(true);

    // the finished run does not train on by accident; a larger patience (allowed explicitly) goes on past the stop
    await expect(trainInFolder(dir, {}, { ...quiet, resume: true })).rejects.toThrow(new RegExp(`stopped early at step ${stop}: the validation loss did not improve for 4 evaluations .*raise patience`));
    const more = await trainInFolder(dir, { patience: 100 }, { ...quiet, resume: true, allowConfigChange: true });
    expect(more.resumedFrom).toBe(stop);
    expect(more.end).toMatchObject({ reason: "completed", step: overfit.steps });
  }, 120_000);
});

describe("early stopping in a sweep", () => {
  test("an early-stopped trial is finished (a second run skips it) and the table has its stop step", async () => {
    const plan = planSweep({ name: "early", base: { ...overfit, data: tinyCorpus(), patience: 2, backend: "wasm" }, grid: { trainDocs: [10, 30] } });
    const dir = path.join(tmpDir(), "sweep");
    writeSweepFolder(dir, plan, {});
    const first = await runPool(dir, { jobs: 1 });
    expect(first.errors).toEqual([]);
    const rows = collectRows(dir, plan, { timing: false });
    for (const [i, trial] of plan.trials.entries()) {
      const final = JSON.parse(fs.readFileSync(path.join(trialDir(dir, trial), "metrics.json"), "utf8")).final;
      expect(typeof final.stoppedEarlyAtStep).toBe("number");
      expect(rows[i]).toMatchObject({ trainDocs: trial.config.trainDocs, status: "completed", steps: final.stoppedEarlyAtStep, stopped_early_step: final.stoppedEarlyAtStep });
      expect(rows[i].stopped_early_step as number).toBeLessThan(overfit.steps);
    }
    const again = await runPool(dir, { jobs: 1 });
    expect(again.status).toMatchObject({ done: 2, skipped: 2 });
  }, 120_000);
});

describe("trainDocs", () => {
  test("keeps the first N documents of the training split; validation, vocabulary and the N documents are the full run's", () => {
    const full = new Run({ steps: 1, evalEvery: 0, samples: 0 });
    const part = new Run({ steps: 1, evalEvery: 0, samples: 0, trainDocs: 200 });
    expect(part.data.trainDocs).toEqual(full.data.trainDocs.slice(0, 200));
    expect(part.data.valDocs).toEqual(full.data.valDocs);
    expect(part.tokenizer.toJSON()).toEqual(full.tokenizer.toJSON());
    expect(part.metrics().data).toMatchObject({ trainDocs: 200, valDocs: full.data.valDocs.length });
  });

  test("more documents than the training split has, or text mode, is refused with the numbers", () => {
    expect(() => new Run({ trainDocs: 20000 })).toThrow(/trainDocs is 20000 but the training split of .*sentences.txt has 10800 documents; pass at most 10800/);
    expect(() => new Run({ trainDocs: 10, mode: "text", tokenizer: "char" })).toThrow(/trainDocs counts documents .* not text/);
    expect(() => new Run({ trainDocs: 0 })).toThrow(/config.trainDocs/);
  });
});
