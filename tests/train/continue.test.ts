// Tests of continuing a model on new data (in memory and from a run folder), replay, and samples during training.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { Run } from "../../src/train/run.js";
import { continueFrom } from "../../src/train/continue.js";
import { SampleEvery, parsePrompts } from "../../src/train/samples.js";
import { WatchLoss } from "../../src/train/watch.js";
import { MixtureSource } from "../../src/data/mixture.js";
import { restoreRunState, saveRun } from "../../src/io/checkpoint.js";
import { buildCharTokenizer } from "../../src/data/char.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-continue-"));
const fileA = path.join(dir, "a.txt");
const fileB = path.join(dir, "b.txt");
fs.writeFileSync(fileA, Array.from({ length: 200 }, (_, i) => "abc".repeat(1 + (i % 4))).join("\n") + "\n");
fs.writeFileSync(fileB, Array.from({ length: 200 }, (_, i) => "cba".repeat(1 + (i % 3))).join("\n") + "\n");
const tokenizer = buildCharTokenizer("abc");
const small = { tokenizer: "char" as const, preset: "micro", blockSize: 16, steps: 60, lr: 0.01, evalEvery: 0, evalBatches: 5, samples: 0, batchSize: 4 };

describe("continueFrom", () => {
  test("an in-memory continuation starts from the source's weights and trains on the new data", () => {
    const a = new Run({ ...small, data: fileA }, tokenizer);
    a.train();
    const b = continueFrom(a, { data: fileB, steps: 40 });
    expect(Buffer.from(b.model.store.data.buffer, b.model.store.data.byteOffset, b.model.store.data.byteLength).equals(Buffer.from(a.model.store.data.buffer, a.model.store.data.byteOffset, a.model.store.data.byteLength))).toBe(true);
    expect(b.step).toBe(0);
    expect(b.config.initFrom).toBeNull();
    const before = b.evaluate("val")!.loss;
    b.train();
    expect(b.evaluate("val")!.loss).toBeLessThan(before);
    // the source is untouched
    expect(a.step).toBe(60);
  });

  test("from a run folder it loads the saved weights and tokenizer, and keeps the model keys", () => {
    const a = new Run({ ...small, data: fileA, out: path.join(dir, "runA") }, tokenizer);
    a.train();
    saveRun(a, path.join(dir, "runA"));
    const b = continueFrom(path.join(dir, "runA"), { data: fileB });
    expect(b.config.preset).toBe("micro");
    expect(b.config.initFrom).toBe(path.join(dir, "runA"));
    expect(b.tokenizer.toJSON()).toEqual(a.tokenizer.toJSON());
    expect(Array.from(b.model.store.data)).toEqual(Array.from(a.model.store.data));
    expect(() => continueFrom(path.join(dir, "runA"), { data: fileB, tokenizer: "word" })).toThrow(/the source run has a char tokenizer; a continued run keeps it/);
    expect(() => new Run({ ...small, tokenizer: "word", data: fileB, initFrom: path.join(dir, "runA") })).toThrow(/config.tokenizer is "word" but the run in .* has a char tokenizer/);
    expect(() => continueFrom(path.join(dir, "runA"), { data: fileB, nEmbd: 64 })).toThrow(/nEmbd is null in the source run; a continued run keeps the model \(got 64\)/);
  });

  test("new Run({ initFrom }) loads the folder's tokenizer and weights itself; a missing folder is a clear error", () => {
    const a = new Run({ ...small, data: fileA }, tokenizer);
    a.train();
    saveRun(a, path.join(dir, "runC"));
    const b = new Run({ ...small, data: fileB, initFrom: path.join(dir, "runC") });
    expect(Array.from(b.model.store.data)).toEqual(Array.from(a.model.store.data));
    expect(() => new Run({ ...small, data: fileB, initFrom: path.join(dir, "nope") })).toThrow(/run folder not found: .*nope/);
    expect(() => new Run({ ...small, nEmbd: 24, data: fileB, initFrom: path.join(dir, "runC") })).toThrow(/saved with another model config than the one given.*nEmbd 16 in the weights, 24 given/);
    // a symbol the saved tokenizer lacks: the hint names what the command line can do, not the library's { unk: true }
    const fileD = path.join(dir, "d.txt");
    fs.writeFileSync(fileD, "abc\nabd\n".repeat(50));
    let message = "";
    try {
      new Run({ ...small, data: fileD, initFrom: path.join(dir, "runC") });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/unknown character "d" .* vocabulary\. The tokenizer is the one of .*runC, which --init-from keeps: replace the symbol in .*d.txt, or train without --init-from$/);
    expect(message).not.toMatch(/unk: true/);
  });
});

describe("replay", () => {
  test("replayData mixes the old file into the training batches at replayFraction, and its val split is kept apart", () => {
    const r = new Run({ ...small, data: fileB, replayData: fileA, replayFraction: 0.25 }, tokenizer);
    expect(r.data.train).toBeInstanceOf(MixtureSource);
    expect(r.replay!.valDocs.length).toBeGreaterThan(0);
    for (let i = 0; i < 2000; i++) r.data.train.nextBatch();
    const counts = (r.data.train as MixtureSource).counts;
    expect(Math.abs(counts[1] / 2000 - 0.25)).toBeLessThan(3 * Math.sqrt((0.25 * 0.75) / 2000));
  });

  test("a replayed run saved and resumed continues exactly", () => {
    const cfg = { ...small, data: fileB, replayData: fileA, replayFraction: 0.3, steps: 40, schedule: "constant" };
    const whole = new Run(cfg, tokenizer);
    whole.train();
    const first = new Run({ ...cfg, steps: 20 }, tokenizer);
    first.train();
    saveRun(first, path.join(dir, "replay"));
    const second = new Run(cfg, tokenizer);
    restoreRunState(second, path.join(dir, "replay"));
    second.train();
    expect(second.history.steps.map((s) => s.loss)).toEqual(whole.history.steps.map((s) => s.loss));
  });

  test("replayFraction without replayData, or outside [0, 1), is refused", () => {
    expect(() => new Run({ ...small, data: fileB, replayFraction: 0.1 })).toThrow(/replayData is not set/);
    expect(() => new Run({ ...small, data: fileB, replayData: fileA, replayFraction: 1 })).toThrow(/replayFraction must be in \[0, 1\)/);
  });

  test("WatchLoss records the old data's loss at the start, every N steps and at the end", () => {
    const a = new Run({ ...small, data: fileA }, tokenizer);
    a.train();
    const b = continueFrom(a, { data: fileB, steps: 25 });
    const watch = new WatchLoss(b.model, a.evalBatches("val")!, 10);
    b.train({ callbacks: [watch] });
    expect(watch.history.map((w) => w.step)).toEqual([0, 10, 20, 25]);
    expect(watch.history[0].loss).toBeCloseTo(a.evaluate("val")!.loss, 6);
    expect(watch.history[3].loss).toBeGreaterThan(watch.history[0].loss); // training on B alone: A is forgotten
  });
});

describe("samples during training", () => {
  test("sampleEvery draws the fixed prompts every N steps into metrics.json, the same for the same seed", () => {
    const go = () => {
      const r = new Run({ ...small, data: fileA, sampleEvery: 20, samplePrompts: "a|bc", temperature: 0.8 }, tokenizer);
      r.train();
      return r;
    };
    const r = go();
    expect(r.trainingSamples.map((s) => `${s.step}:${s.prompt}`)).toEqual(["20:a", "20:bc", "40:a", "40:bc", "60:a", "60:bc"]);
    for (const s of r.trainingSamples) expect(s.text.startsWith(s.prompt)).toBe(true);
    expect(r.metrics().history.samples).toEqual(r.trainingSamples);
    expect(go().trainingSamples).toEqual(r.trainingSamples);
  });

  test("each round uses a fresh Rng(seed): an unchanged model gives the same samples at every round", () => {
    const r = new Run({ ...small, data: fileA }, tokenizer);
    const s = new SampleEvery(r.model, r.tokenizer, { every: 1, prompts: ["", "ab"], temperature: 1, seed: 3 });
    expect(s.sampleAt(1).map((x) => x.text)).toEqual(s.sampleAt(2).map((x) => x.text));
    expect(parsePrompts("a | b|")).toEqual(["a", "b", ""]);
    expect(() => new SampleEvery(r.model, r.tokenizer, { every: 0, prompts: [""], temperature: 1, seed: 1 })).toThrow(/sampleEvery must be an integer >= 1/);
    expect(() => new SampleEvery(r.model, r.tokenizer, { every: 5, prompts: ["xyz"], temperature: 1, seed: 1 })).toThrow(/sample prompt "xyz"/);
  });

  test("the CLI prints the samples during training and continues a saved run on new data with --init-from", () => {
    const bin = path.join(__dirname, "..", "..", "bin", "gptlab.js");
    const common = ["--tokenizer", "char", "--preset", "micro", "--evalEvery", "0", "--samples", "1", "--evalBatches", "2", "--batchSize", "2"];
    const a = spawnSync(process.execPath, [bin, "train", "--data", path.join(dir, "ab.txt"), "--out", path.join(dir, "cliA"), "--steps", "30", "--sample-every", "15", "--sample-prompts", "ab", ...common], { encoding: "utf8" });
    expect(a.stderr + a.stdout).toMatch(/sample @ step 15 \[ab\]: ab/);
    expect(a.status).toBe(0);
    const b = spawnSync(process.execPath, [bin, "train", "--init-from", path.join(dir, "cliA"), "--data", path.join(dir, "ba.txt"), "--out", path.join(dir, "cliB"), "--steps", "10", ...common], { encoding: "utf8" });
    expect(b.stdout).toMatch(/starting from the weights of .*cliA/);
    expect(b.status).toBe(0);
    const metrics = JSON.parse(fs.readFileSync(path.join(dir, "cliB", "metrics.json"), "utf8"));
    expect(metrics.config.initFrom).toBe(path.join(dir, "cliA"));
  }, 60_000);
});

// the CLI's data: both files use the same three letters, so the saved char tokenizer covers both
fs.writeFileSync(path.join(dir, "ab.txt"), Array.from({ length: 40 }, () => "abcab").join("\n") + "\n");
fs.writeFileSync(path.join(dir, "ba.txt"), Array.from({ length: 40 }, () => "cbacb").join("\n") + "\n");
