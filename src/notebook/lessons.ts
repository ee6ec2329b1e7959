// What a lesson's prose needs from a finished run: numbers written for reading (a diverged run's loss never
// prints as "Infinity" or 1e285), where and at which LR a run blew up, and the warning a notebook shows for it.
// Shared by every notebook, so the same case reads the same way everywhere.

import { Run } from "../train/run.js";
import { show } from "./display.js";
import { HUGE } from "./text-table.js";

/**
 * A number for a sentence: `digits` decimals (integers of 1,000 and more with separators); a value of a run that
 * blew up (not finite, or |v| >= 1e9) as "more than 1e9" (or "NaN"), never as raw Infinity or 1.3e285.
 */
export function num(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined) return "n/a";
  if (Number.isNaN(value)) return "NaN";
  if (Math.abs(value) >= HUGE) return value > 0 ? "more than 1e9" : "less than -1e9";
  if (Number.isInteger(value) && Math.abs(value) >= 1000) return value.toLocaleString("en-US");
  return value.toFixed(digits);
}

/** A learning rate as written in a config: 3 significant digits, no trailing zeros (0.0063, 0.05). */
export function lrText(lr: number): string {
  return Number.isFinite(lr) ? String(Number(lr.toPrecision(3))) : String(lr);
}

/** "a", "a and b", "a, b and c". */
export function listText(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/** "1 trial", "3 trials": a count with its noun in the right number. */
export function plural(n: number, noun: string, nouns = `${noun}s`): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? noun : nouns}`;
}

/** "as unsure as a uniform choice among 18.3 words", or what a perplexity at or above V means instead. */
export function perplexityText(perplexity: number, vocabSize: number, unit = "words"): string {
  if (!Number.isFinite(perplexity) || perplexity >= HUGE) return `worse than any uniform guess (perplexity ${num(perplexity)}: the run diverged)`;
  if (perplexity >= vocabSize) return `worse than a uniform guess over all ${vocabSize} ${unit} (perplexity ${num(perplexity)})`;
  return `as unsure as a uniform choice among ${num(perplexity)} ${unit}`;
}

export interface Divergence {
  /** First step of the blow-up, and the LR the schedule gave that step. */
  step: number;
  lr: number;
  /** How it was seen: the trainer stopped the run, or the mean loss went above ln V + 1. */
  how: string;
  /** True when the trainer stopped the run there (a non-finite or exploding loss or gradient). */
  stopped: boolean;
}

/**
 * Where a run blew up: the first step whose mean loss over `window` steps is above ln V + 1 (worse than a uniform
 * guess), or the step where the trainer stopped it as diverged, whichever came first; null if neither happened.
 */
export function divergence(run: Run, window = 20): Divergence | null {
  const threshold = Math.log(run.tokenizer.vocabSize) + 1;
  const up = run.history.blowUp(threshold, window);
  const end = run.lastEnd;
  const stop = end?.reason === "diverged" ? { step: end.divergedAtStep ?? end.step, lr: end.divergedLr ?? run.history.steps[run.history.steps.length - 1]?.lr ?? NaN } : null;
  if (stop && (!up || stop.step <= up.step)) {
    return { ...stop, stopped: true, how: `its loss or gradient exploded and training stopped there (at step ${stop.step} of ${run.config.steps})` };
  }
  if (!up) return null;
  return { step: up.step, lr: up.lr, stopped: false, how: `the mean loss of ${window} steps passed ln V + 1 = ${threshold.toFixed(2)}, worse than a uniform guess` };
}

/** The warning a notebook prints under a run that blew up: where, at which LR, and what to try. */
export function divergenceNote(name: string, d: Divergence): string {
  return (
    `⚠ **${name} blew up at step ${d.step}** (LR ${lrText(d.lr)} there): ${d.how}. ` +
    `Its later numbers describe a broken model. Try a peak LR about 3 times lower (${lrText(d.lr / 3)}); ` +
    `a longer warmup only delays a blow-up when the peak LR itself is too high.`
  );
}

/** Shows a warning for each run that blew up (nothing when none did); returns nothing, so a cell can end with it. */
export function flagDivergences(runs: Run | Record<string, Run>, window = 20): void {
  const named: Array<[string, Run]> = runs instanceof Run ? [["the run", runs]] : Object.entries(runs);
  const notes: string[] = [];
  for (const [name, run] of named) {
    const d = divergence(run, window);
    if (d) notes.push(divergenceNote(name === "the run" ? "The run" : `Run "${name}"`, d));
  }
  if (notes.length) show.markdown(notes.join("\n\n"));
}
