// Exercises for a class (import from "./src/exercises/index.js" in an exercise notebook): `check.NAME(fn)` runs
// one exercise's check and shows the result; the last cells' runs put the student's code into real training.
// The layer of the notebook helpers: checks call the engine and show results; the CLI grades with them.

import { report, runCheck } from "./check.js";
import type { Exercise } from "./check.js";
import { softmaxExercise, crossEntropyExercise, crossEntropyGradExercise } from "./softmax.js";
import { adamExercise } from "./adam.js";
import { scheduleExercise, warmupRuleExercise } from "./schedule.js";
import { attentionExercise } from "./attention.js";
import { samplingExercise } from "./sampling.js";
import { perplexityExercise, bitsPerCharExercise } from "./perplexity.js";
import { pairExercise, mergeExercise, encodeExercise } from "./bpe.js";
import * as runs from "./runs.js";

export { runCheck, report, firstDifference, format, resultText, resultHtml, STUB_MESSAGE, CHECK_SEED } from "./check.js";
export type { CheckResult, Case, Mistake, Exercise, Tolerance } from "./check.js";
export type { SoftmaxFn, LossFn, GradFn } from "./softmax.js";
export type { AdamHyper, AdamStepFn } from "./adam.js";
export type { CosineOptions, ScheduleFn, WarmupRuleFn } from "./schedule.js";
export type { AttentionFn } from "./attention.js";
export type { Filters, SamplerFn } from "./sampling.js";
export type { PerplexityFn, BitsPerCharFn } from "./perplexity.js";
export type { PairFn, MergeFn, EncodeFn } from "./bpe.js";
export { learnMerges, SENTENCES } from "./runs.js";
export { BPE_CORPUS } from "./bpe.js";

/** Every function exercise, in notebook order. */
export const exercises = [
  softmaxExercise, crossEntropyExercise, crossEntropyGradExercise,
  adamExercise,
  scheduleExercise, warmupRuleExercise,
  attentionExercise,
  samplingExercise,
  perplexityExercise, bitsPerCharExercise,
  pairExercise, mergeExercise, encodeExercise,
] as const;

/** The checks of the notebooks' last cells (a real run with the student's code). */
export const runChecks = [
  { id: "lossOnModel", notebook: "01-softmax-cross-entropy" },
  { id: "adamTrains", notebook: "02-adam" },
  { id: "attentionInModel", notebook: "04-attention" },
  { id: "scheduleTrains", notebook: "03-schedule" },
  { id: "samplerWrites", notebook: "05-sampling" },
  { id: "bitsPerCharacterRuns", notebook: "06-perplexity-bits" },
  { id: "bpeTokenizer", notebook: "07-bpe" },
] as const;

/** The checks an exercise notebook has, in order: what a graded copy of it is scored on. */
export function checksOf(notebook: string): string[] {
  return [...exercises.filter((e) => e.notebook === notebook).map((e) => e.id), ...runChecks.filter((c) => c.notebook === notebook).map((c) => c.id)];
}

/** The exercise notebooks, by name. */
export const assignments: readonly string[] = [...new Set<string>(exercises.map((e) => e.notebook))];

const show = <F, I, O>(ex: Exercise<F, I, O>) => (fn: F): void => report(runCheck(ex, fn));

/** `check.softmax(softmax)`: runs the check and shows the result (in Jupyter: a green or red box with the hint). */
export const check = {
  softmax: show(softmaxExercise),
  crossEntropy: show(crossEntropyExercise),
  crossEntropyGrad: show(crossEntropyGradExercise),
  adamStep: show(adamExercise),
  warmupCosine: show(scheduleExercise),
  recommendedWarmup: show(warmupRuleExercise),
  attentionHead: show(attentionExercise),
  nextTokenProbs: show(samplingExercise),
  perplexity: show(perplexityExercise),
  bitsPerCharacter: show(bitsPerCharExercise),
  mostFrequentPair: show(pairExercise),
  mergePair: show(mergeExercise),
  bpeEncode: show(encodeExercise),
};

/** The last cells' runs; each shows its result and returns what the notebook displays next. */
export const run = {
  loss: (loss: Parameters<typeof runs.lossOnModel>[0], grad: Parameters<typeof runs.lossOnModel>[1], steps?: number): void => report(runs.lossOnModel(loss, grad, steps)),
  adam: (fn: Parameters<typeof runs.adamTrains>[0], steps?: number): void => report(runs.adamTrains(fn, steps)),
  attention: (fn: Parameters<typeof runs.attentionInModel>[0], steps?: number): void => report(runs.attentionInModel(fn, steps)),
  schedule: (fn: Parameters<typeof runs.scheduleTrains>[0], o: Parameters<typeof runs.scheduleTrains>[1], steps?: number): void => report(runs.scheduleTrains(fn, o, steps)),
  sampler: (...args: Parameters<typeof runs.samplerWrites>): string[] => {
    const r = runs.samplerWrites(...args);
    report(r.result);
    return r.samples;
  },
  bitsPerCharacter: (...args: Parameters<typeof runs.bitsPerCharacterRuns>) => {
    const r = runs.bitsPerCharacterRuns(...args);
    report(r.result);
    return r.rows;
  },
  bpe: (...args: Parameters<typeof runs.bpeTokenizer>) => {
    const r = runs.bpeTokenizer(...args);
    report(r.result);
    return r.tokens;
  },
};
