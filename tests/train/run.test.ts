import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { Run } from "../../src/train/run.js";
import { restoreRunState, saveRun, prepareRunFolder } from "../../src/io/checkpoint.js";
import { Trainer } from "../../src/train/trainer.js";
import { EarlyStopping } from "../../src/train/callbacks.js";
import { dataModeRegistry, dataModes, documentsMode, streamMode } from "../../src/data/modes.js";
import { withTrialEntries } from "../helpers/trial-entry.js";

const small = { evalBatches: 5, samples: 0 };

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-test-"));
}

describe("training runs", () => {
  test("the first loss of the lab model is within 0.1 of ln V and 300 steps lower the mean loss by over 0.8 nats", () => {
    const run = new Run({ steps: 300, evalEvery: 0, ...small });
    run.train();
    const lnV = Math.log(run.tokenizer.vocabSize);
    expect(Math.abs(run.history.steps[0].loss - lnV)).toBeLessThan(0.1);
    expect(run.history.meanLoss(0, 50) - run.history.meanLoss(250, 300)).toBeGreaterThan(0.8);
  });

  test("the same seed gives byte-identical histories and weights in two processes; another seed does not", () => {
    const tsx = path.join(__dirname, "..", "..", "node_modules", ".bin", "tsx");
    const fixture = path.join(__dirname, "..", "fixtures", "train-history.ts");
    const go = (seed: number) => {
      const r = spawnSync(tsx, [fixture, String(seed)], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(r.stderr);
      return r.stdout;
    };
    const a = go(7);
    const b = go(7);
    expect(a.length).toBeGreaterThan(1000);
    expect(a).toBe(b);
    expect(go(8)).not.toBe(a);
  }, 60_000);

  test("saving at step 30 and resuming to step 60 reproduces the uninterrupted run exactly", () => {
    const straight = new Run({ steps: 60, evalEvery: 20, ...small });
    straight.train();

    const dir = tmpDir();
    const first = new Run({ steps: 60, evalEvery: 20, ...small });
    const t = first.makeTrainer();
    for (let i = 0; i < 30; i++) t.trainStep();
    first.step = t.step;
    saveRun(first, dir);

    const resumed = new Run({ steps: 60, evalEvery: 20, ...small });
    restoreRunState(resumed, dir);
    expect(resumed.step).toBe(30);
    resumed.train();
    // the resumed history holds the saved steps 1-30 too, then continues
    expect(JSON.stringify(resumed.history.steps)).toBe(JSON.stringify(straight.history.steps));
    const bytes = (x: Float32Array | Float64Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
    expect(bytes(resumed.model.store.data).equals(bytes(straight.model.store.data))).toBe(true);
  });

  test("gradient accumulation averages the micro-batch gradients", () => {
    const run = new Run({ steps: 10, gradAccum: 2, ...small });
    const b1 = run.data.train.nextBatch();
    const b2 = run.data.train.nextBatch();
    const store = run.model.store;
    const gradOf = (b: typeof b1) => {
      store.zeroGrad();
      run.model.forward(b.inputs, b.B, b.T, b.targets).loss!.backward();
      return Float64Array.from(store.grad);
    };
    const g1 = gradOf(b1);
    const g2 = gradOf(b2);
    const again = new Run({ steps: 10, gradAccum: 2, ...small });
    const trainer = again.makeTrainer();
    trainer.trainStep(); // optimizer updates the weights but leaves the gradients in place
    let worst = 0;
    for (let i = 0; i < g1.length; i++) worst = Math.max(worst, Math.abs(again.model.store.grad[i] - (g1[i] + g2[i]) / 2));
    expect(worst).toBeLessThan(1e-6);
  });

  test("early stopping ends training at the evaluation that is the `patience`-th without improvement", () => {
    // 30 training sentences overfit within a few dozen steps at a finite loss, so only early stopping can end it
    const file = path.join(tmpDir(), "forty.txt");
    const sentences = fs.readFileSync(path.join(__dirname, "..", "..", "datasets", "simple-sentences", "sentences.txt"), "utf8").split("\n");
    fs.writeFileSync(file, sentences.slice(0, 40).join("\n") + "\n");
    const run = new Run({ data: file, valFraction: 0.25, steps: 1000, lr: 0.01, schedule: "constant", evalEvery: 10, ...small });
    const end = run.train({ callbacks: [new EarlyStopping(2)] });
    let best = Infinity;
    let bad = 0;
    let expected: number | null = null;
    for (const e of run.history.evals) {
      bad = e.valLoss! < best ? 0 : bad + 1;
      best = Math.min(best, e.valLoss!);
      if (bad === 2) {
        expected = e.step;
        break;
      }
    }
    expect(expected).not.toBeNull();
    expect(end.reason).toBe("completed"); // early stopping is how the run ends, not an interruption
    expect(end.step).toBe(expected);
    expect(run.history.steps.every((s) => Number.isFinite(s.loss))).toBe(true);
  });

  test("an abort signal stops the loop between steps", async () => {
    const run = new Run({ steps: 1000, evalEvery: 0, ...small });
    const controller = new AbortController();
    const end = await run.trainAsync({ signal: controller.signal, callbacks: [{ onStep: (e) => (e.step === 25 ? controller.abort() : undefined) }] }, 0);
    expect(end.reason).toBe("aborted");
    expect(end.step).toBe(25);
  });

  test("a folder that holds a run is never reused without --force or --resume", () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, "metrics.json"), "{}");
    expect(() => prepareRunFolder(dir)).toThrow(/already holds a run; choose another --out/);
    expect(() => prepareRunFolder(dir, { force: true })).not.toThrow();
  });
});

describe("lines longer than the block size", () => {
  test("are warned about in the modes whose entry declares padded rows, whatever their name, and not in those of windows", () => {
    const data = path.join(tmpDir(), "long.txt");
    fs.writeFileSync(data, ["the cat sat .", "a dog ran .", Array.from({ length: 40 }, () => "word").join(" ")].join("\n") + "\n");
    const padded = { ...documentsMode, kind: "padded_rows" };
    const windows = { ...streamMode, kind: "windowed_lines" };
    withTrialEntries([[dataModeRegistry, padded], [dataModes, padded.kind], [dataModeRegistry, windows], [dataModes, windows.kind]], () => {
      const run = (mode: string) => new Run({ data, mode: mode as never, blockSize: 16, valFraction: 0, ...small });
      expect(run("padded_rows").warnings.join("\n")).toMatch(/1 of 3 lines of .*long.txt are longer than the block size \(16 tokens\) and are cut; the longest, line 3, has 40 tokens\. .*--mode stream or --mode windowed_lines; a plain text \(a book, a play, code\) is read whole with --mode text, as nanoGPT reads it/);
      expect(run("windowed_lines").warnings.join("\n")).not.toMatch(/are cut/);
    });
    fs.rmSync(path.dirname(data), { recursive: true, force: true });
  });
});

describe("run config errors name the key and value", () => {
  test.each([
    [{ lr: 0 }, /config.lr must be a finite number > 0 \(got 0\)/],
    [{ lr: -1 }, /config.lr must be a finite number > 0 \(got -1\)/],
    [{ lr: "3e-4" as unknown as number }, /config.lr must be a finite number > 0 \(got "3e-4", a string\)/],
    [{ nEmbd: 30, nHead: 4 }, /nEmbd \(30\) must be divisible by nHead \(4\)/],
    [{ stesp: 10 } as never, /unknown key "stesp"/],
    [{ schedule: "cosine" }, /config.schedule must be one of/],
    [{ data: "no/such/file.txt" }, /no\/such\/file.txt/],
  ])("%j", (overrides, message) => {
    expect(() => new Run(overrides)).toThrow(message);
  });

  test("a data file shorter than one block is refused in stream mode", () => {
    const dir = tmpDir();
    const file = path.join(dir, "tiny.txt");
    fs.writeFileSync(file, "the cat sat\n");
    expect(() => new Run({ data: file, mode: "stream", valFraction: 0 })).toThrow(/block/);
  });
});

describe("the trainer alone", () => {
  test("refuses a non-positive step count", () => {
    const run = new Run({ steps: 5, ...small });
    expect(() => new Trainer({ task: { nextBatch: () => 0, loss: () => { throw new Error("unused"); }, tokens: () => 0 }, store: run.model.store, optimizer: run.optimizer, schedule: () => 1, totalSteps: 0 })).toThrow(/totalSteps must be a positive integer \(got 0\)/);
  });
});
