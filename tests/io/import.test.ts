import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { importGPT, readStateDict } from "../../src/io/import.js";
import { GPT, presetConfig } from "../../src/nn/gpt.js";
import { Rng } from "../../src/core/random.js";
import { writeSafetensorsFile } from "../../src/io/safetensors.js";
import { Run } from "../../src/train/run.js";

const hasTorch = spawnSync("/usr/bin/python3", ["-c", "import torch"]).status === 0;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-import-"));

/** A gptlab model's weights saved under other names and layouts, as a PyTorch user's file would hold them. */
function saveAs(model: GPT, file: string, rename: (name: string, shape: number[], data: Float32Array) => Array<[string, number[], Float32Array]> | [string, number[], Float32Array] | null): void {
  const tensors = model.store.params.flatMap((p) => {
    const r = rename(p.name, [...p.tensor.shape], Float32Array.from(p.tensor.data));
    const list = r === null ? [] : typeof r[0] === "string" ? [r as [string, number[], Float32Array]] : (r as Array<[string, number[], Float32Array]>);
    return list.map(([name, shape, data]) => ({ name, dtype: "F32" as const, shape, data }));
  });
  writeSafetensorsFile(file, tensors);
}

describe("importing GPT-2-style state dicts", () => {
  const model = new GPT(presetConfig("gpt2", { vocabSize: 29, blockSize: 8, nEmbd: 16, nHead: 2, nLayer: 2 }), new Rng(3));
  const ids = Int32Array.from([1, 5, 9, 2, 28, 0, 7, 3]);
  const logits = Array.from(model.forward(ids, 1, 8).logits.data);

  test("nanoGPT's names with torch.compile's prefix and a stored tied head give the same logits; the config is read from the shapes", () => {
    const file = path.join(dir, "nanogpt.safetensors");
    // nanoGPT's state dict holds the tied head as lm_head.weight too
    saveAs(model, file, (n, s, d) => (n === "transformer.wte.weight" ? [[`_orig_mod.${n}`, s, d], ["_orig_mod.lm_head.weight", s, d]] : [`_orig_mod.${n}`, s, d]));
    const imported = importGPT(file, { nHead: 2 });
    expect(imported.layout).toBe("nanoGPT");
    expect(imported.config).toMatchObject({ vocabSize: 29, blockSize: 8, nEmbd: 16, nHead: 2, nLayer: 2, bias: true, norm: "layer", tieWeights: true });
    expect(Array.from(imported.model.forward(ids, 1, 8).logits.data)).toEqual(logits);
  });

  test("Hugging Face's Conv1D layout (in, out) without the transformer. prefix is transposed, its mask buffers skipped", () => {
    const file = path.join(dir, "hf.safetensors");
    const conv = /\.(c_attn|c_proj|c_fc)\.weight$/;
    saveAs(model, file, (n, s, d) => {
      const name = n.replace(/^transformer\./, "");
      if (!conv.test(n)) return [name, s, d];
      const t = new Float32Array(d.length);
      for (let r = 0; r < s[0]; r++) for (let c = 0; c < s[1]; c++) t[c * s[0] + r] = d[r * s[1] + c];
      return [name, [s[1], s[0]], t];
    });
    const imported = importGPT(file, { nHead: 2 });
    expect(imported.layout).toBe("Hugging Face");
    expect(Array.from(imported.model.forward(ids, 1, 8).logits.data)).toEqual(logits);
  });

  test("a missing head count, a missing tensor and a wrong shape are named with what the file implies", () => {
    const file = path.join(dir, "bad.safetensors");
    saveAs(model, file, (n, s, d) => [n, s, d]);
    expect(() => readStateDict(file)).toThrow(/does not say how many attention heads.*pass --n-head N/);
    saveAs(model, file, (n, s, d) => (n === "transformer.h.1.mlp.c_fc.bias" ? null : [n, s, d]));
    expect(() => readStateDict(file, { nHead: 2 })).toThrow(/tensor "transformer.h.1.mlp.c_fc.bias" is missing for a model with vocab 29, n_embd 16, n_head 2, n_layer 2/);
    saveAs(model, file, (n, s, d) => (n === "transformer.h.1.attn.c_proj.weight" ? [n, [8, 32], d] : [n, s, d]));
    expect(() => readStateDict(file, { nHead: 2 })).toThrow(/tensor "transformer.h.1.attn.c_proj.weight" has shape \[8, 32\]; a model with .* needs \[16, 16\]/);
  });

  test("a run started from an imported file (--init-from FILE.safetensors) evaluates as the model it came from; another vocabulary is named", () => {
    const data = path.join(dir, "text.txt");
    fs.writeFileSync(data, "the quick brown fox jumps over the lazy dog.\n".repeat(40));
    const small = { data, mode: "text" as const, preset: "gpt2", nEmbd: 16, nHead: 2, nLayer: 1, blockSize: 16, batchSize: 4, evalBatches: 3, samples: 0 };
    const source = new Run({ ...small, steps: 20, evalEvery: 0 });
    source.train();
    const file = path.join(dir, "from-run.safetensors");
    saveAs(source.model, file, (n, s, d) => [`_orig_mod.${n}`, s, d]);
    const imported = new Run({ ...small, steps: 1, initFrom: file });
    expect(imported.evaluate("val")!.loss).toBe(source.evaluate("val")!.loss);
    fs.writeFileSync(path.join(dir, "other.txt"), "a b c d e f g\n".repeat(40));
    expect(() => new Run({ ...small, data: path.join(dir, "other.txt"), steps: 1, initFrom: file })).toThrow(/tensor "transformer.wte.weight" has shape \[30, 16\], the model expects \[10, 16\] \(the weights' vocabulary has 30 tokens, the tokenizer 10\)/);
  });

  if (hasTorch) {
    // one Python process (importing torch takes seconds) builds and saves the three models
    type TorchRun = { heads: number; inputs: number[]; targets: number[]; B: number; T: number; loss: number; lossExactGelu: number };
    let torchRuns: Record<string, TorchRun> | null = null;
    const torchRun = (spec: string): TorchRun => {
      if (!torchRuns) {
        const r = spawnSync("/usr/bin/python3", [path.join(__dirname, "torch_import.py"), dir, "7", "nanogpt-1", "nanogpt-0", "hf-1"], { encoding: "utf8" });
        expect(r.stderr).toBe("");
        torchRuns = JSON.parse(r.stdout) as Record<string, TorchRun>;
      }
      return torchRuns[spec];
    };
    test.each([
      ["nanogpt", "1"],
      ["nanogpt", "0"],
      ["hf", "1"],
    ])("a PyTorch model saved as safetensors (%s layout, bias %s) imports with PyTorch's loss on the same batch", (layout, bias) => {
      const torch = torchRun(`${layout}-${bias}`);
      const { model: m, skipped } = importGPT(path.join(dir, `${layout}-${bias}.safetensors`), { nHead: torch.heads });
      expect(skipped.length).toBe(layout === "hf" ? 2 : 0);
      const ours = m.evalLoss(Int32Array.from(torch.inputs), torch.B, torch.T, Int32Array.from(torch.targets));
      expect(Math.abs(ours - torch.loss)).toBeLessThan(1e-5);
    }, 60_000);
  }
});
