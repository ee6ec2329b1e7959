// Same seed, same backend: byte-identical training losses, run after run, and for the wasm backends whatever the
// number of kernel threads (work is split so that every value is computed the same way).

import { GPT, presets } from "../../src/nn/gpt.js";
import type { GPTConfig } from "../../src/nn/gpt.js";
import { Adam } from "../../src/optim/adam.js";
import { Rng } from "../../src/core/random.js";
import { backendNames, registerBackend, setBackend, withKernelScope } from "../../src/kernels/index.js";
import { setKernelThreads, wasmRuntime } from "../../src/kernels/wasm/wasm.js";

for (const b of wasmRuntime()?.backends ?? []) if (!backendNames().includes(b.name)) registerBackend(b);
afterAll(() => {
  setKernelThreads(1);
  setBackend("fast");
});

/** Losses of `steps` Adam steps on seeded random tokens, as float64 bytes. */
function losses(backend: string, config: Partial<GPTConfig>, B: number, steps: number): Buffer {
  setBackend(backend);
  const cfg = { ...presets.lab, ...config } as GPTConfig;
  const rng = new Rng(11);
  const model = new GPT(cfg, rng);
  const opt = new Adam(model.store);
  const T = cfg.blockSize;
  const out = new Float64Array(steps);
  for (let s = 0; s < steps; s++) {
    const ids = Int32Array.from({ length: B * (T + 1) }, () => rng.int(cfg.vocabSize));
    const inputs = new Int32Array(B * T);
    const targets = new Int32Array(B * T);
    for (let b = 0; b < B; b++) {
      inputs.set(ids.subarray(b * (T + 1), b * (T + 1) + T), b * T);
      targets.set(ids.subarray(b * (T + 1) + 1, (b + 1) * (T + 1)), b * T);
    }
    model.store.zeroGrad();
    // in the kernels' activation scope, as the Trainer runs a step (activations resident in wasm memory)
    out[s] = withKernelScope(() => {
      const loss = model.forward(inputs, B, T, targets).loss!;
      loss.backward();
      return loss.item();
    });
    opt.step(0.01);
  }
  return Buffer.from(out.buffer);
}

const tiny: Partial<GPTConfig> = { vocabSize: 31, nEmbd: 16, nHead: 4, nLayer: 2, blockSize: 8 };

test.each(backendNames().filter((n) => n !== "reference"))("the %s backend repeats its losses byte for byte", (name) => {
  const first = losses(name, tiny, 2, 4);
  expect(losses(name, tiny, 2, 4).equals(first)).toBe(true);
  // and training moved: not four equal losses
  expect(new Set(new Float64Array(first.buffer, first.byteOffset, 4)).size).toBeGreaterThan(1);
});

const wasmNames = (wasmRuntime()?.backends ?? []).map((b) => b.name);
const threadCases: Array<[string, string, Partial<GPTConfig>, number]> = wasmNames.flatMap((name) => [
  // big enough that gemm and attention are split across threads
  [name, "lab", { vocabSize: 97, nEmbd: 64, nHead: 4, nLayer: 2, blockSize: 32 }, 8] as [string, string, Partial<GPTConfig>, number],
  // GPT-2 style at M4's width and rows: LayerNorm (rows, then weight and bias gradients by columns), GELU, the
  // bias add (rows) and its gradient (columns) are split too
  [name, "gpt2", { ...presets.gpt2, vocabSize: 65, nEmbd: 128, nHead: 4, nLayer: 1, blockSize: 96 }, 8] as [string, string, Partial<GPTConfig>, number],
]);

test.each(threadCases)("the %s backend gives the same losses on 1 and 2 kernel threads (%s)", (name, _arch, config, B) => {
  setKernelThreads(1);
  const one = losses(name, config, B, 3);
  setKernelThreads(2);
  try {
    expect(losses(name, config, B, 3).equals(one)).toBe(true);
  } finally {
    setKernelThreads(1);
  }
});
