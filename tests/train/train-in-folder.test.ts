import * as fs from "node:fs";
import * as path from "node:path";
import { trainInFolder } from "../../src/train/train-in-folder.js";
import { claimRunFolder, restoreRunState, checkpointDir, loadModel } from "../../src/io/checkpoint.js";
import { readSafetensorsFile } from "../../src/io/safetensors.js";
import { encodeSafetensors } from "../../src/io/safetensors.js";
import { Run } from "../../src/train/run.js";
import { bytes, comparableMetrics, tmpDir } from "../helpers/run-folders.js";

const base = { steps: 60, evalEvery: 20, evalBatches: 4, samples: 3, saveEvery: 10, saveEverySeconds: 0 };
const quiet = { log: () => undefined };

async function straightRun(overrides = {}): Promise<string> {
  const dir = path.join(tmpDir(), "straight");
  await trainInFolder(dir, { ...base, ...overrides }, quiet);
  return dir;
}

describe("trainInFolder", () => {
  let straight: string;
  beforeAll(async () => {
    straight = await straightRun();
  });

  test("resuming from each of 5 periodic checkpoints gives byte-identical metrics, weights, trainer state and samples", async () => {
    const root = tmpDir();
    const dir = path.join(root, "periodic");
    const copies: string[] = [];
    // copy last/ after each periodic save (the checkpointer runs first in onStepEnd)
    const copier = { onStepEnd: (e: { step: number }) => {
      if (e.step % 10 !== 0 || e.step === 60) return;
      const to = path.join(root, `at-${e.step}`);
      fs.cpSync(path.join(dir, "last"), path.join(to, "last"), { recursive: true });
      copies.push(to);
    } };
    const { saves } = await trainInFolder(dir, base, { ...quiet, callbacks: [copier] });
    expect(saves.count).toBe(6); // steps 10..50 and the final save
    expect(copies).toHaveLength(5);
    for (const copy of copies) {
      const { resumedFrom } = await trainInFolder(copy, {}, { ...quiet, resume: true });
      expect([10, 20, 30, 40, 50]).toContain(resumedFrom);
      expect(comparableMetrics(path.join(copy, "metrics.json"))).toBe(comparableMetrics(path.join(straight, "metrics.json")));
      for (const f of ["model.safetensors", "trainer-state.safetensors", "samples.txt"]) {
        expect(bytes(path.join(copy, "last", f)).equals(bytes(path.join(straight, "last", f)))).toBe(true);
      }
      expect(bytes(path.join(copy, "best", "model.safetensors")).equals(bytes(path.join(straight, "best", "model.safetensors")))).toBe(true);
    }
  }, 120_000);

  test("16.10: stopped at step 30 and resumed, trainer state and samples.txt equal the uninterrupted run's (sampling does not advance the saved generator)", async () => {
    const dir = path.join(tmpDir(), "stopped");
    const controller = new AbortController();
    const stopAt30 = { onStep: (e: { step: number }) => (e.step === 30 ? controller.abort() : undefined) };
    const first = await trainInFolder(dir, base, { ...quiet, signal: controller.signal, callbacks: [stopAt30] });
    expect(first.end.reason).toBe("aborted");
    expect(JSON.parse(fs.readFileSync(path.join(dir, "metrics.json"), "utf8")).final).toMatchObject({ step: 30, stopReason: "aborted" });
    const second = await trainInFolder(dir, {}, { ...quiet, resume: true });
    expect(second.resumedFrom).toBe(30);
    expect(bytes(path.join(dir, "last", "trainer-state.safetensors")).equals(bytes(path.join(straight, "last", "trainer-state.safetensors")))).toBe(true);
    expect(fs.readFileSync(path.join(dir, "last", "samples.txt"), "utf8")).toBe(fs.readFileSync(path.join(straight, "last", "samples.txt"), "utf8"));
    expect(comparableMetrics(path.join(dir, "metrics.json"))).toBe(comparableMetrics(path.join(straight, "metrics.json")));
  }, 60_000);

  test("16.10: with a linear schedule, more --steps on resume is refused (the schedule's end moves); allowed, it is recorded; with constant lr it is exact", async () => {
    const dir = path.join(tmpDir(), "linear");
    await trainInFolder(dir, { ...base, steps: 30 }, quiet);
    await expect(trainInFolder(dir, { steps: 60 }, { ...quiet, resume: true })).rejects.toThrow(/changed config: steps 30 -> 60 \(with schedule linear the lr of every step depends on steps/);
    const allowed = await trainInFolder(dir, { steps: 60 }, { ...quiet, resume: true, allowConfigChange: true });
    expect(allowed.run.metrics().configChanges).toEqual([{ atStep: 30, changes: { steps: { from: 30, to: 60 } } }]);

    const constant = { ...base, schedule: "constant" };
    const whole = await straightRun(constant);
    const parts = path.join(tmpDir(), "constant");
    await trainInFolder(parts, { ...constant, steps: 30 }, quiet);
    await trainInFolder(parts, { steps: 60 }, { ...quiet, resume: true });
    expect(bytes(path.join(parts, "last", "model.safetensors")).equals(bytes(path.join(whole, "last", "model.safetensors")))).toBe(true);
  }, 60_000);

  test("16.6: --tokenizer and --seed cannot change on resume; --beta1 is refused, or with allowConfigChange applied and recorded", async () => {
    const dir = path.join(tmpDir(), "changes");
    await trainInFolder(dir, { ...base, steps: 20 }, quiet);
    await expect(trainInFolder(dir, { tokenizer: "char", steps: 20 }, { ...quiet, resume: true, allowConfigChange: true })).rejects.toThrow(/cannot resume .* with another tokenizer \("word" saved, "char" given\)/);
    await expect(trainInFolder(dir, { seed: 7 }, { ...quiet, resume: true, allowConfigChange: true })).rejects.toThrow(/another seed \(42 saved, 7 given\)/);
    await expect(trainInFolder(dir, { beta1: 0.5, eps: 1e-6, steps: 40 }, { ...quiet, resume: true })).rejects.toThrow(/changed config: beta1 0.85 -> 0.5, eps 1e-8 -> 0.000001, steps 20 -> 40/);
    const { run } = await trainInFolder(dir, { beta1: 0.5, steps: 40 }, { ...quiet, resume: true, allowConfigChange: true });
    expect((run.optimizer.getState() as unknown as { hyper: { beta1: number } }).hyper.beta1).toBe(0.5);
    const saved = JSON.parse(fs.readFileSync(path.join(dir, "metrics.json"), "utf8"));
    expect(saved.configChanges[0]).toEqual({ atStep: 20, changes: { beta1: { from: 0.85, to: 0.5 }, steps: { from: 20, to: 40 } } });
  }, 60_000);

  test("16.7: a diverging lr stops with reason diverged, names the step and lr, and never saves non-finite weights as last/", async () => {
    const dir = path.join(tmpDir(), "diverged");
    const { end } = await trainInFolder(dir, { ...base, lr: 50, schedule: "constant", steps: 200, saveEvery: 1 }, quiet);
    expect(end.reason).toBe("diverged");
    const m = JSON.parse(fs.readFileSync(path.join(dir, "metrics.json"), "utf8"));
    expect(m.final.stopReason).toBe("diverged");
    expect(m.final.divergedAtStep).toBe(end.divergedAtStep);
    expect(m.final.divergedLr).toBe(50);
    const unit = checkpointDir(dir);
    if (unit) {
      // the last good checkpoint is from before the diverged step, and loads (finite values are checked on load)
      const run = new Run({ ...base, lr: 50, schedule: "constant", steps: 200 });
      restoreRunState(run, dir);
      expect(run.step).toBeLessThan(end.divergedAtStep!);
    }
  }, 60_000);

  test("16.7: a NaN put into a weight during training ends the run as diverged (by the next step's gradient or at the next save), keeping the last good checkpoint", async () => {
    const dir = path.join(tmpDir(), "nan-weight");
    const poison = { onStep: (e: { step: number }, t: { step: number }) => {
      if (e.step === 25) run!.model.store.params.find((p) => p.name.endsWith("mlp.c_fc.weight"))!.tensor.data[3] = NaN;
      void t;
    } };
    let run: Run | null = null;
    const result = await trainInFolder(dir, base, { ...quiet, callbacks: [poison], onReady: (r) => (run = r) });
    expect(result.end.reason).toBe("diverged");
    expect(result.end.divergedAtStep).toBeGreaterThan(25);
    expect(result.end.divergedAtStep).toBeLessThanOrEqual(30);
    const back = new Run(base);
    restoreRunState(back, dir);
    expect(back.step).toBe(20);
  }, 60_000);

  test("16.4: a folder is claimed by exactly one run", () => {
    const dir = path.join(tmpDir(), "claimed");
    claimRunFolder(dir);
    expect(() => claimRunFolder(dir)).toThrow(/already holds a run/);
  });

  test("16.5: trainer-state fields are validated, and config.json against the weights' metadata", async () => {
    const src = path.join(tmpDir(), "src");
    await trainInFolder(src, { ...base, steps: 20 }, quiet);
    const edit = (name: string, change: (run: Record<string, unknown>) => void): string => {
      const dir = path.join(tmpDir(), name);
      fs.cpSync(src, dir, { recursive: true });
      const file = path.join(dir, "last", "trainer-state.safetensors");
      const { tensors, metadata } = readSafetensorsFile(file);
      const run = JSON.parse(metadata.run);
      change(run);
      const meta = { ...metadata, run: JSON.stringify(run) };
      delete (meta as Record<string, string>)["gptlab.sha256"];
      fs.writeFileSync(file, encodeSafetensors([...tensors].map(([n, t]) => ({ name: n, ...t })), meta, { hash: true }));
      return dir;
    };
    const resume = (dir: string) => trainInFolder(dir, { steps: 40 }, { ...quiet, resume: true, allowConfigChange: true });
    await expect(resume(edit("no-step", (r) => delete r.step))).rejects.toThrow(/trainer-state.safetensors: trainer state "step" must be an integer >= 0 \(got undefined\)/);
    await expect(resume(edit("obj-step", (r) => (r.step = {})))).rejects.toThrow(/trainer state "step" must be an integer >= 0 \(got \{\}\)/);
    await expect(resume(edit("bad-best", (r) => (r.bestLoss = "low")))).rejects.toThrow(/trainer state "bestLoss" must be null or a finite number/);
    await expect(resume(edit("bad-step", (r) => (r.step = 25)))).rejects.toThrow(/"history.steps" has 20 records, the trainer state is at step 25: the files are from different saves/);
    const gelu = path.join(tmpDir(), "gelu");
    fs.cpSync(src, gelu, { recursive: true });
    const cfgFile = path.join(gelu, "last", "config.json");
    const cfg = JSON.parse(fs.readFileSync(cfgFile, "utf8"));
    cfg.model.activation = "gelu";
    fs.writeFileSync(cfgFile, JSON.stringify(cfg));
    await expect(resume(gelu)).rejects.toThrow(/config.json: the model section differs from the model this run builds: activation "gelu" saved, "relu" built/);
    expect(() => loadModel(gelu)).toThrow(/model.safetensors: the weights were saved with another model config than the one given \(config.json\): activation "relu" in the weights, "gelu" given/);
  }, 60_000);
});
