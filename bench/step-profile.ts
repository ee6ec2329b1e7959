// Where one training step's time goes, per kernel call site: wraps every function of the active backend with a
// timer (gemm keyed by its shape), trains a benchmark model for a few steps and prints milliseconds per step and
// shares; what is not in a kernel is JavaScript (autograd graph, dispatch, embeddings, the loss's bookkeeping).
//
// usage: npx tsx bench/step-profile.ts [--model M4] [--backend wasm-fma] [--threads 1] [--steps 20] [--json FILE]

import { writeFileSync } from "node:fs";
import { Rng } from "../src/core/random.js";
import { GPT } from "../src/nn/gpt.js";
import { Adam } from "../src/optim/adam.js";
import { Trainer } from "../src/train/trainer.js";
import { backendNames, kernels, registerBackend, setBackend, withKernelScope } from "../src/kernels/index.js";
import type { Backend } from "../src/kernels/index.js";
import { setKernelThreads, wasmRuntime } from "../src/kernels/wasm/wasm.js";
import { BENCH_MODELS } from "./models.js";
import { parseArgs } from "./util.js";

const USAGE = "npx tsx bench/step-profile.ts [--model M4] [--backend wasm-fma] [--threads 1] [--steps 20] [--json FILE]";

function main(): void {
  const o = parseArgs(process.argv.slice(2), { model: "M4", backend: "", threads: "1", steps: 20, json: "" }, USAGE);
  const m = BENCH_MODELS[o.model];
  if (!m) throw new Error(`--model: unknown model "${o.model}" (known: ${Object.keys(BENCH_MODELS).join(", ")})`);
  for (const b of wasmRuntime()?.backends ?? []) if (!backendNames().includes(b.name)) registerBackend(b);
  const base = o.backend ? setBackend(o.backend) : kernels();
  setKernelThreads(Number(o.threads));
  const times = new Map<string, number>();
  let timing = false;
  const wrapped: Record<string, unknown> = { ...base };
  for (const [name, fn] of Object.entries(base)) {
    if (typeof fn !== "function") continue;
    wrapped[name] = (...args: unknown[]): unknown => {
      if (!timing) return (fn as (...a: unknown[]) => unknown).apply(base, args);
      const key = name === "gemm" ? `gemm ${args[0] ? "T" : "N"}${args[1] ? "T" : "N"} ${args[2]}x${args[3]}x${args[4]}` : name;
      const t0 = performance.now();
      const r = (fn as (...a: unknown[]) => unknown).apply(base, args);
      times.set(key, (times.get(key) ?? 0) + performance.now() - t0);
      return r;
    };
  }
  setBackend({ ...(wrapped as unknown as Backend), name: base.name });
  const rng = new Rng(1337);
  const model = new GPT(m.config, rng);
  const { batch: B, seq: T, vocab: V } = m;
  const inputs = new Int32Array(B * T);
  const targets = new Int32Array(B * T);
  const task = {
    nextBatch: () => {
      for (let i = 0; i < B * T; i++) inputs[i] = rng.int(V);
      for (let i = 0; i < B * T; i++) targets[i] = rng.int(V);
      return null;
    },
    loss: () => model.forward(inputs, B, T, targets).loss!,
    tokens: () => B * T,
  };
  const trainer = new Trainer({ task, store: model.store, optimizer: new Adam(model.store, { beta1: 0.85, beta2: 0.99, eps: 1e-8 }), schedule: () => 0.01, totalSteps: Number.MAX_SAFE_INTEGER, scope: withKernelScope });
  for (let s = 0; s < 5; s++) trainer.trainStep();
  timing = true;
  const t0 = performance.now();
  for (let s = 0; s < o.steps; s++) trainer.trainStep();
  const total = (performance.now() - t0) / o.steps;
  timing = false;
  const rows = [...times.entries()].map(([k, t]) => ({ kernel: k, ms: t / o.steps })).sort((a, b) => b.ms - a.ms);
  const inKernels = rows.reduce((s, r) => s + r.ms, 0);
  rows.push({ kernel: "JavaScript (outside the kernels)", ms: total - inKernels });
  console.log(`${o.model} on ${base.name}, ${o.threads} thread(s): ${total.toFixed(2)} ms per step (${o.steps} steps)`);
  for (const r of rows) console.log(`${((100 * r.ms) / total).toFixed(1).padStart(5)}%  ${r.ms.toFixed(2).padStart(7)} ms  ${r.kernel}`);
  if (o.json) writeFileSync(o.json, JSON.stringify({ model: o.model, backend: base.name, msPerStep: total, rows }, null, 1));
}

try {
  main();
} catch (e) {
  console.error(`step-profile: ${(e as Error).message}`);
  process.exit(1);
}
