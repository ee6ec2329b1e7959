// The last cell of an exercise notebook: the student's code in a real run of the lab model, beside the engine's
// own run with the same seed (their Adam trains it, their schedule drives it, their sampler writes the samples,
// their bits per character compare two tokenizers, their merges make a tokenizer). Each gives a CheckResult.

import { Run } from "../train/run.js";
import type { RunConfig } from "../train/config.js";
import type { Optimizer } from "../optim/optimizer.js";
import { sampleText } from "../eval/sample.js";
import { textCost } from "../eval/tokenizers.js";
import { Rng } from "../core/random.js";
import { preTokenize, trainBPE } from "../data/bpe.js";
import { projectPath } from "../io/paths.js";
import { format } from "./check.js";
import type { CheckResult } from "./check.js";
import { noGrad } from "../core/tensor.js";
import { kernels, setBackend } from "../kernels/index.js";
import type { AttentionFn } from "./attention.js";
import type { AdamStepFn } from "./adam.js";
import type { GradFn, LossFn } from "./softmax.js";
import { engineLoss, finiteDifferenceGrad } from "./softmax.js";
import type { CosineOptions, ScheduleFn } from "./schedule.js";
import type { SamplerFn } from "./sampling.js";
import type { BitsPerCharFn } from "./perplexity.js";
import { bytesOf, mergeIds } from "./bpe.js";
import type { EncodeFn, MergeFn, PairFn } from "./bpe.js";

export const SENTENCES = "datasets/simple-sentences/sentences.txt";

/** The lab model on the simple sentences, small enough for a notebook cell (a few seconds). */
function labRun(steps: number, overrides: Partial<RunConfig> = {}): Run {
  return new Run({ data: projectPath(SENTENCES), steps, evalEvery: steps, evalBatches: 10, samples: 0, seed: 42, backend: "fast", ...overrides });
}

/** Mean training loss of the last `n` steps of a run. */
function tailLoss(run: Run, n = 50): number {
  const steps = run.history.lastSteps(n);
  return steps.reduce((s, x) => s + x.loss, 0) / steps.length;
}

function result(exercise: string, passed: boolean, message: string, failure?: CheckResult["failure"], hint?: string): CheckResult {
  return { exercise, passed, casesPassed: passed ? 1 : 0, cases: 1, message: `${exercise}: ${message}`, failure, hint };
}

/**
 * Runs the student's part of a check: an exception becomes the failed result it returns (null when it ran), so the
 * notebook goes on. The engine's part runs outside it: an engine or data error is not the student's.
 */
function studentPart(exercise: string, what: string, body: () => void): CheckResult | null {
  try {
    body();
    return null;
  } catch (e) {
    return result(exercise, false, `${what} threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
}

/** Compares two runs' last-50-step mean losses within a relative tolerance. */
function sameTraining(exercise: string, who: string, student: Run, engine: Run, rel: number, hint: string): CheckResult {
  const got = tailLoss(student), expected = tailLoss(engine);
  const first = student.history.steps[0]?.loss ?? NaN;
  const ok = Number.isFinite(got) && Math.abs(got - expected) <= rel * Math.abs(expected);
  const msg = `${who} trained the lab model ${student.config.steps} steps: mean loss of the last 50 steps ${format(got)} (from ${format(first)} at step 1); the engine's: ${format(expected)}`;
  return ok ? result(exercise, true, msg) : result(exercise, false, msg, { case: `${student.config.steps} steps`, input: "the lab model, seed 42", expected: format(expected), got: format(got), where: "" }, hint);
}

/** The student's adamStep as an optimizer over the model's flat parameter and gradient arrays. */
class StudentAdam implements Optimizer {
  readonly kind = "student-adam";
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private steps = 0;
  constructor(private readonly run: Run, private readonly fn: AdamStepFn) {
    this.m = new Float64Array(run.model.store.size);
    this.v = new Float64Array(run.model.store.size);
  }
  get t(): number {
    return this.steps;
  }
  step(lr: number): void {
    const { beta1, beta2, eps } = this.run.config;
    const { data, grad } = this.run.model.store;
    // typed arrays index like number[]: the student's loop updates the model's parameters in place
    const asArray = (a: ArrayLike<number>) => a as unknown as number[];
    this.fn(asArray(data), asArray(grad), asArray(this.m), asArray(this.v), ++this.steps, { lr, beta1, beta2, eps, weightDecay: 0, decoupled: false });
  }
  getState() {
    return { kind: this.kind, t: this.steps, hyper: {} };
  }
  setState(): void {
    throw new Error("the exercise's Adam does not resume");
  }
}

/**
 * Exercise 1's last cell: the lab model trained `steps` steps, its logits for validation sentences, and the student's
 * loss and gradient on every predicted position (V = 597 logits a row) against the model's own loss and the
 * central differences of the engine's.
 */
export function lossOnModel(loss: LossFn, grad: GradFn, steps = 200, sentences = 8): CheckResult {
  const run = labRun(steps, { evalBatches: sentences });
  run.train();
  const V = run.tokenizer.vocabSize;
  const rows: Array<{ logits: number[]; target: number }> = [];
  let modelLoss = 0;
  for (const b of run.evalBatches("val")!) {
    const out = noGrad(() => run.model.forward(b.inputs, b.B, b.T, b.targets)); // logits (B, T, V)
    let count = 0;
    b.targets.forEach((target, i) => {
      if (target < 0) return;
      rows.push({ logits: Array.from(out.logits.data.subarray(i * V, (i + 1) * V)), target });
      count++;
    });
    modelLoss += out.loss!.item() * count;
  }
  modelLoss /= rows.length;
  let mean = NaN;
  let grads: number[][] = [];
  const failed = studentPart("lossOnModel", "your crossEntropy or crossEntropyGrad", () => {
    mean = rows.reduce((s, r) => s + loss(r.logits, r.target), 0) / rows.length;
    grads = rows.map((r) => grad(r.logits, r.target));
  });
  if (failed) return failed;
  const where = `${rows.length} positions of ${sentences} validation sentences, the lab model after ${steps} steps`;
  if (!(Math.abs(mean - modelLoss) <= 1e-5 * modelLoss)) {
    return result("lossOnModel", false, `your mean loss differs from the model's on ${where}`, { case: "mean loss", input: where, expected: format(modelLoss), got: format(mean), where: "" });
  }
  const bad = rows.findIndex((r, i) => {
    const fd = finiteDifferenceGrad(engineLoss, r.logits, r.target);
    return grads[i].length !== V || fd.some((x, j) => !(Math.abs(grads[i][j] - x) <= 1e-6 + 1e-5 * Math.abs(x)));
  });
  if (bad >= 0) return result("lossOnModel", false, `your gradient differs from the finite differences at position ${bad}`, { case: `position ${bad}`, input: where, expected: format(finiteDifferenceGrad(engineLoss, rows[bad].logits, rows[bad].target)), got: format(grads[bad]), where: "" });
  return result("lossOnModel", true, `on ${where}: mean loss ${format(mean)} as the model's (perplexity ${format(Math.exp(mean))}), and every gradient as its finite differences`);
}

/** Exercise 2's last cell: the student's Adam trains the lab model; the engine's Adam trains a twin. */
export function adamTrains(adamStep: AdamStepFn, steps = 300): CheckResult {
  const [student, engine] = [labRun(steps, { optimizer: "adam" }), labRun(steps, { optimizer: "adam" })];
  // the student's run first: a stub or an exception fails before the engine's run costs anything
  const failed = studentPart("adamTrains", "your adamStep", () => student.train({ optimizer: new StudentAdam(student, adamStep) }));
  if (failed) return failed;
  engine.train();
  // float64 moments against the engine's float32 ones: the same Adam agrees to ~1e-6 after 300 steps; a missing
  // bias correction is off by ~2e-3 after 100
  return sameTraining("adamTrains", "your Adam", student, engine, 1e-4, "the run drifted from the engine's: check the update of every parameter, not just the first few");
}

/** Exercise 3's last cell: the student's schedule drives a run; the engine's warmup_cosine drives its twin. */
export function scheduleTrains(warmupCosine: ScheduleFn, o: Omit<CosineOptions, "totalSteps">, steps = 300): CheckResult {
  const options: CosineOptions = { ...o, totalSteps: steps };
  const config = { schedule: "warmup_cosine", lr: o.peakLr, warmupSteps: o.warmupSteps } as Partial<RunConfig>;
  const [student, engine] = [labRun(steps, config), labRun(steps, config)];
  const failed = studentPart("scheduleTrains", "your warmupCosine", () => student.train({ schedule: (step) => warmupCosine(step, options) }));
  if (failed) return failed;
  engine.train();
  return sameTraining("scheduleTrains", "your schedule", student, engine, 1e-9, "the learning rates differ from the engine's somewhere in the run: check the schedule at every step, past warmup too");
}

/**
 * Exercise 4's last cell: the lab model trained `steps` steps by the engine, then its validation loss computed again
 * with the student's head as the attention of every layer and head (a backend whose attention forward calls it).
 */
export function attentionInModel(head: AttentionFn, steps = 200): CheckResult {
  const run = labRun(steps);
  run.train();
  const expected = run.evaluate("val")!.loss;
  const engine = kernels();
  let got = NaN;
  const failed = studentPart("attentionInModel", "your attentionHead", () => {
    setBackend({
      ...engine,
      name: "student-attention",
      attentionForward(out, att, qkv, B, T, C, NH) {
        const hs = C / NH;
        for (let b = 0; b < B; b++) {
          for (let h = 0; h < NH; h++) {
            // rows of q, k and v for sequence b, head h: (T, hs) each, from packed qkv (B, T, 3C)
            const rows = (part: number): number[][] => Array.from({ length: T }, (_, t) => Array.from(qkv.subarray(((b * T + t) * 3 + part) * C + h * hs, ((b * T + t) * 3 + part) * C + (h + 1) * hs)));
            const y = head(rows(0), rows(1), rows(2));
            for (let t = 0; t < T; t++) for (let i = 0; i < hs; i++) out[(b * T + t) * C + h * hs + i] = y[t][i];
          }
        }
        att.fill(0, 0, B * NH * T * T); // evaluation keeps no weights for a backward pass
      },
    });
    try {
      got = run.evaluate("val")!.loss;
    } finally {
      setBackend(engine);
    }
  });
  if (failed) return failed;
  const n = run.modelConfig.nLayer * run.modelConfig.nHead;
  const msg = `the lab model after ${steps} steps, with your head as all ${n} attention heads: validation loss ${format(got)}; with the engine's: ${format(expected)}`;
  return Math.abs(got - expected) <= 1e-5 * expected
    ? result("attentionInModel", true, msg)
    : result("attentionInModel", false, msg, { case: "validation loss", input: `${steps} steps`, expected: format(expected), got: format(got), where: "" }, "check your head on the cases above first; here T is up to the model's block size (16) and hs = 8");
}

/** Exercise 5's last cell: a trained lab model writes samples through the student's sampler and through the engine's. */
export function samplerWrites(probs: SamplerFn, o: { temperature: number; topK: number; topP: number }, run: Run, n = 5): { result: CheckResult; samples: string[]; engine: string[] } {
  const engine = sampleText(run.model, run.tokenizer, { n, rng: new Rng(7), ...o });
  let samples: string[] = [];
  const failed = studentPart("samplerWrites", "your nextTokenProbs", () => {
    samples = sampleText(run.model, run.tokenizer, { n, rng: new Rng(7), ...o, probs: (logits, f) => probs(Array.from(logits), { temperature: f.temperature ?? 1, topK: f.topK ?? logits.length, topP: f.topP ?? 1 }) });
  });
  if (failed) return { result: failed, samples, engine };
  const bad = samples.findIndex((s, i) => s !== engine[i]);
  const msg = `${n} samples at temperature ${o.temperature}, top-k ${o.topK}, top-p ${o.topP} from the same seed`;
  const r = bad < 0
    ? result("samplerWrites", true, `${msg}: the same as the engine's`)
    : result("samplerWrites", false, `${msg}: sample ${bad + 1} differs from the engine's`, { case: `sample ${bad + 1}`, input: `seed 7`, expected: engine[bad], got: samples[bad], where: "" }, "the same seed draws the same tokens only if your probabilities are the engine's: check the filters on the model's logits");
  return { result: r, samples, engine };
}

export interface TokenizerCost {
  tokenizer: string;
  lossPerToken: number;
  tokens: number;
  characters: number;
  yours: number;
  engine: number;
}

/** Exercise 6's last cell: char and word models, their validation loss per token, and bits per character. */
export function bitsPerCharacterRuns(bpc: BitsPerCharFn, steps = 300): { result: CheckResult; rows: TokenizerCost[] } {
  const rows: TokenizerCost[] = [];
  for (const tokenizer of ["char", "word"] as const) {
    const run = labRun(steps, { tokenizer, blockSize: tokenizer === "char" ? 64 : 16 });
    run.train();
    // the first 200 validation sentences as one text (the char vocabulary has no newline)
    const cost = textCost(run.model, run.tokenizer, run.data.valDocs.slice(0, 200).join(" "));
    rows.push({ tokenizer, lossPerToken: cost.loss, tokens: cost.tokens, characters: cost.characters, yours: NaN, engine: cost.bitsPerCharacter });
  }
  const failed = studentPart("bitsPerCharacterRuns", "your bitsPerCharacter", () => rows.forEach((x) => (x.yours = bpc(x.lossPerToken, x.tokens, x.characters))));
  if (failed) return { result: failed, rows };
  const bad = rows.find((x) => !(Math.abs(x.yours - x.engine) <= 1e-9 * Math.abs(x.engine)));
  const text = rows.map((x) => `${x.tokenizer}: ${format(x.yours)} bits/char`).join(", ");
  const r = bad
    ? result("bitsPerCharacterRuns", false, `on the ${bad.tokenizer} model's validation text your bits per character differ from the engine's`, { case: bad.tokenizer, input: `loss ${format(bad.lossPerToken)}, ${bad.tokens} tokens, ${bad.characters} characters`, expected: format(bad.engine), got: format(bad.yours), where: "" })
    : result("bitsPerCharacterRuns", true, `${text}, as the engine's textCost`);
  return { result: r, rows };
}

/** Exercise 7's learning loop, given to the student: n merges learned with their two functions. */
export function learnMerges(text: string, n: number, pairFn: PairFn, mergeFn: MergeFn): [number, number, number][] {
  const counts = new Map<string, number>();
  for (const piece of preTokenize(text)) counts.set(piece, (counts.get(piece) ?? 0) + 1);
  let words = [...counts.keys()].map(bytesOf);
  const freq = [...counts.values()];
  const merges: [number, number, number][] = [];
  for (let r = 0; r < n; r++) {
    const pair = pairFn(words, freq);
    if (pair === null) break;
    const id = 256 + r;
    words = words.map((w) => mergeFn(w, pair[0], pair[1], id));
    merges.push([pair[0], pair[1], id]);
  }
  return merges;
}

/** Exercise 7's last cell: the student's merges and encoder as a tokenizer of a text, against trainBPE's. */
export function bpeTokenizer(text: string, n: number, fns: { mostFrequentPair: PairFn; mergePair: MergeFn; encode: EncodeFn }, sentence: string): { result: CheckResult; tokens: number[]; merges: [number, number, number][] } {
  const engine = trainBPE(text, { vocabSize: 257 + n });
  const expectedMerges = mergeIds(engine);
  const expected = engine.encode(sentence);
  let tokens: number[] = [];
  let merges: [number, number, number][] = [];
  const out = (r: CheckResult) => ({ result: r, tokens, merges });
  const failed = studentPart("bpeTokenizer", "your BPE", () => {
    merges = learnMerges(text, n, fns.mostFrequentPair, fns.mergePair);
    tokens = preTokenize(sentence).flatMap((piece) => fns.encode(bytesOf(piece), merges));
  });
  if (failed) return out(failed);
  const bad = expectedMerges.findIndex((m, i) => merges[i] === undefined || m[0] !== merges[i][0] || m[1] !== merges[i][1]);
  if (bad >= 0) return out(result("bpeTokenizer", false, `merge ${bad} differs from trainBPE's`, { case: `merge ${bad}`, input: `${n} merges`, expected: format(expectedMerges[bad].slice(0, 2)), got: format(merges[bad]?.slice(0, 2)), where: "" }));
  const same = tokens.length === expected.length && tokens.every((t, i) => t === expected[i]);
  const msg = `${n} merges learned as trainBPE learns them; "${sentence}" is ${tokens.length} tokens (${bytesOf(sentence).length} bytes)`;
  return out(same ? result("bpeTokenizer", true, msg) : result("bpeTokenizer", false, `your encoding of "${sentence}" differs from the engine's`, { case: sentence, input: `${n} merges`, expected: format(expected), got: format(tokens), where: "" }));
}
