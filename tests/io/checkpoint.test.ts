import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { Run } from "../../src/train/run.js";
import { loadModel, loadWeights, saveRun } from "../../src/io/checkpoint.js";
import { GPT, parameterSpecs, presetConfig } from "../../src/nn/gpt.js";
import { resolveRunConfig, runComponents } from "../../src/train/config.js";
import { Rng } from "../../src/core/random.js";
import { readSafetensorsFile, writeSafetensorsFile } from "../../src/io/safetensors.js";

const hasTorch = spawnSync("/usr/bin/python3", ["-c", "import torch"]).status === 0;

function trainedRun(overrides = {}): { run: Run; dir: string } {
  const run = new Run({ steps: 30, evalEvery: 0, evalBatches: 3, samples: 0, ...overrides });
  run.train();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-ckpt-"));
  saveRun(run, dir);
  return { run, dir };
}

describe("run folders", () => {
  const ids = Int32Array.from([596, 12, 40, 7, 300, 3]);

  test("a saved model loads in a new model with identical logits", () => {
    const { run, dir } = trainedRun();
    const loaded = loadModel(dir);
    expect(loaded.tokenizer.vocabSize).toBe(run.tokenizer.vocabSize);
    const a = run.model.forward(ids, 1, ids.length).logits.data;
    const b = loaded.model.forward(ids, 1, ids.length).logits.data;
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  test("weights of another config are refused naming the key; without metadata, the tensor name and both shapes", () => {
    const { dir } = trainedRun();
    const other = new GPT(presetConfig("lab", { nEmbd: 16 }), new Rng(1));
    const file = path.join(dir, "last", "model.safetensors");
    expect(() => loadWeights(other, file)).toThrow(/another model config than the one given \(config.json\): nEmbd 32 in the weights, 16 given/);
    const { tensors } = readSafetensorsFile(file);
    const bare = path.join(dir, "bare.safetensors");
    writeSafetensorsFile(bare, [...tensors].map(([name, t]) => ({ name, ...t })));
    expect(() => loadWeights(other, bare)).toThrow(/tensor "transformer.wte.weight" has shape \[597, 32\], the model expects \[597, 16\]/);
  });

  test("a folder that is not a run folder gets an error with its path and how to make one", () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-empty-"));
    expect(() => loadModel(empty)).toThrow(new RegExp(`run config not found: ${empty.replace(/[/\\]/g, ".")}.*npx gptlab train --out DIR`));
  });

  test("the architecture options reach the model: bias off drops every .bias, LayerNorm with weights adds ln_*, tied drops lm_head", () => {
    // the path Run takes: run options -> runComponents' model overrides on the preset -> the parameter layout
    const config = (o: object) => {
      const c = resolveRunConfig(o);
      return presetConfig(c.preset, { ...runComponents(c).model, vocabSize: 50 });
    };
    const names = (o: object): string[] => parameterSpecs(config(o), new Rng(0)).map((p) => p.name);
    const gpt2 = names({ preset: "gpt2" });
    expect(gpt2.filter((n) => n.endsWith(".bias")).length).toBeGreaterThan(0);
    expect(names({ preset: "gpt2", bias: false }).filter((n) => n.endsWith(".bias"))).toEqual([]);
    expect(gpt2).not.toContain("lm_head.weight");
    expect(names({ preset: "gpt2", tieEmbeddings: false })).toContain("lm_head.weight");
    expect(config({ norm: "layer", normWeights: true, bias: true, activation: "gelu" })).toMatchObject({ norm: "layer", normWeights: true, bias: true, activation: "gelu", tieWeights: false, nEmbd: 32 });
    expect(names({ norm: "layer", normWeights: true })).toContain("transformer.h.0.ln_1.weight");
  });

  // PyTorch interop: runs only where /usr/bin/python3 has torch (Debian: apt-get install python3-torch)
  if (hasTorch) {
    test.each([
      ["lab", {}],
      ["gpt2", { preset: "gpt2", blockSize: 16 }],
      // the architecture options on top of a preset: nanoGPT's bias = False, LayerNorm on lab, RMSNorm with weights, untied GPT-2
      ["gpt2 without biases", { preset: "gpt2", blockSize: 16, bias: false }],
      ["lab with LayerNorm, biases, GELU, tied", { norm: "layer", normWeights: true, bias: true, activation: "gelu", tieEmbeddings: true }],
      ["gpt2 with RMSNorm, ReLU, untied", { preset: "gpt2", blockSize: 16, norm: "rms", activation: "relu", tieEmbeddings: false }],
      ["lab with RMSNorm weights", { normWeights: true }],
    ])("PyTorch computes the same logits from model.safetensors (%s)", (_name, overrides) => {
      const { run, dir } = trainedRun(overrides);
      const r = spawnSync("/usr/bin/python3", [path.join(__dirname, "torch_forward.py"), path.join(dir, "last"), Array.from(ids).join(",")], { encoding: "utf8" });
      expect(r.stderr).toBe("");
      const torchLogits: number[] = JSON.parse(r.stdout);
      const ours = run.model.forward(ids, 1, ids.length).logits.data;
      expect(torchLogits).toHaveLength(ours.length);
      let worst = 0;
      for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(torchLogits[i] - ours[i]));
      expect(worst).toBeLessThan(1e-4);
    }, 60_000);
  }
});
