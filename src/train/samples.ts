// Samples during training: every N steps, a few fixed prompts are continued by the model being trained, with a
// fresh Rng(seed) each time, so two moments of a run differ only by what the model learned. The samples go into
// a list (metrics.json's history.samples) and, optionally, to a stream (the CLI's progress output).

import { Rng } from "../core/random.js";
import { sampleText } from "../eval/sample.js";
import type { SampleTokenizer } from "../eval/sample.js";
import type { GPT } from "../nn/gpt.js";
import type { Callback, StepEvent } from "./trainer.js";
import { dataModeEntry } from "../data/modes.js";
import type { SampleTextOptions } from "../eval/sample.js";

/**
 * Samples as a run's data mode reads text. Modes of documents start each from BOS, as every training document does.
 * A mode that reads one whole text saw BOS once, at the file's start, so its samples start from the prompt or, without
 * one, from a newline (dropped from the returned text), the way a new paragraph starts.
 */
export function sampleInMode(model: GPT, tokenizer: SampleTokenizer, mode: string, opts: SampleTextOptions): string[] {
  if (dataModeEntry(mode).documents) return sampleText(model, tokenizer, opts);
  const prompt = opts.prompt ? opts.prompt : "\n";
  const texts = sampleText(model, tokenizer, { ...opts, prompt, bos: false });
  return opts.prompt ? texts : texts.map((t) => t.slice(prompt.length));
}

/** The marker line before each sample of a mode whose samples span lines. */
export function sampleMarker(i: number): string {
  return `--- sample ${i + 1} ---`;
}

/**
 * The lines the CLI prints and samples.txt holds: one sample per line in modes of one-line documents; in a mode that
 * reads one text (samples span lines) each sample under a marker line, so one can tell where each begins.
 */
export function sampleLines(samples: readonly string[], mode: string): string[] {
  if (dataModeEntry(mode).documents) return [...samples];
  return samples.flatMap((s, i) => [sampleMarker(i), s]);
}

export interface TrainingSample {
  step: number;
  prompt: string;
  text: string;
}

export interface SampleEveryOptions {
  every: number;
  /** Texts each sample starts with ("" starts from BOS alone). */
  prompts: string[];
  temperature: number;
  seed: number;
  /** Tokens per sample at most (default: the model's blockSize). */
  maxNewTokens?: number;
  /** Where the samples are appended (the run's list, so that it outlives one trainer). */
  into?: TrainingSample[];
  /** Prints each round of samples there, one line per prompt. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
}

/** The prompts of config.samplePrompts: texts separated by "|" ("" gives one sample from BOS). */
export function parsePrompts(text: string): string[] {
  return text.split("|").map((p) => p.trim());
}

export class SampleEvery implements Callback {
  readonly samples: TrainingSample[];

  constructor(
    private readonly model: GPT,
    private readonly tokenizer: SampleTokenizer,
    private readonly opts: SampleEveryOptions,
  ) {
    if (!(Number.isInteger(opts.every) && opts.every >= 1)) throw new Error(`sampleEvery must be an integer >= 1 (got ${JSON.stringify(opts.every)})`);
    if (!Array.isArray(opts.prompts) || opts.prompts.length === 0) throw new Error("samples during training need at least one prompt");
    for (const p of opts.prompts) {
      try {
        tokenizer.encode(p);
      } catch (e) {
        throw new Error(`sample prompt ${JSON.stringify(p)}: ${(e as Error).message}`);
      }
    }
    this.samples = opts.into ?? [];
  }

  /** Samples now, at `step`, and returns them. */
  sampleAt(step: number): TrainingSample[] {
    const { prompts, temperature, seed, maxNewTokens } = this.opts;
    const rng = new Rng(seed);
    const round = prompts.map((prompt) => ({ step, prompt, text: sampleText(this.model, this.tokenizer, { n: 1, prompt, temperature, maxNewTokens, rng })[0] }));
    this.samples.push(...round);
    const out = this.opts.stream;
    if (out) {
      const lines = round.map((s) => `  sample @ step ${s.step}${s.prompt ? ` [${s.prompt}]` : ""}: ${s.text}`);
      out.write(`${out.isTTY ? "\r\x1b[K" : ""}${lines.join("\n")}\n`);
    }
    return round;
  }

  onStep(e: StepEvent): void {
    if (e.step % this.opts.every === 0) this.sampleAt(e.step);
  }
}
