// Kernel microbenchmark: GFLOP/s of each gemm case (NT forward, NN input-gradient, TN weight-gradient) per backend
// at the linear-layer shapes of the benchmark models, plus microseconds per call of the other hot kernels.
//
// usage: npx tsx bench/kernels.ts [--models M1,M2,M3] [--backends fast,wasm,wasm-fma] [--resident] [--threads N] [--json FILE]

import { writeFileSync } from "node:fs";
import { Rng } from "../src/core/random.js";
import { backendNames, registerBackend, setBackend } from "../src/kernels/index.js";
import type { Backend } from "../src/kernels/index.js";
import { allocKernelF32, setKernelThreads, wasmRuntime } from "../src/kernels/wasm/wasm.js";
import { BENCH_MODELS } from "./models.js";
import { median, parseArgs } from "./util.js";

interface Row {
  model: string;
  kernel: string;
  shape: string;
  backend: string;
  resident: boolean;
  /** Median over windows. */
  usPerCall: number;
  gflops: number | null;
}

/** Median µs per call of fn over `windows` windows of about `ms` each. */
function time(fn: () => void, windows = 5, ms = 60): number {
  fn();
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) fn();
    const dt = performance.now() - t0;
    if (dt > ms / 4 || reps > 1e6) {
      reps = Math.max(1, Math.round((reps * ms) / Math.max(dt, 1e-3)));
      break;
    }
    reps *= 4;
  }
  const per: number[] = [];
  for (let w = 0; w < windows; w++) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) fn();
    per.push(((performance.now() - t0) * 1000) / reps);
  }
  return median(per);
}

function randArray(n: number, rng: Rng, resident: boolean): Float32Array {
  const a = resident ? allocKernelF32(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal(0, 1);
  return a;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2), { models: "M1,M3", backends: "", resident: false, threads: 1, json: "" });
  for (const b of wasmRuntime()?.backends ?? []) if (!backendNames().includes(b.name)) registerBackend(b);
  setKernelThreads(args.threads);
  const backendList = (args.backends ? String(args.backends).split(",") : backendNames().filter((n) => n !== "reference")).map((n) => setBackend(n));
  setBackend("fast");
  const models = String(args.models).split(",");
  const rows: Row[] = [];
  const rng = new Rng(1);
  const variants: Array<[Backend, boolean]> = [];
  for (const be of backendList) {
    variants.push([be, false]);
    if (args.resident && be.name.startsWith("wasm")) variants.push([be, true]);
  }
  for (const name of models) {
    const m = BENCH_MODELS[name];
    if (!m) throw new Error(`--models: unknown model "${name}" (known: ${Object.keys(BENCH_MODELS).join(", ")})`);
    const T = m.batch * m.seq;
    const C = m.nEmbd;
    // (out, in) of every linear layer, in forward order
    const linears: Array<[string, number, number]> = [["qkv", 3 * C, C], ["attn.proj", C, C], ["fc", 4 * C, C], ["mlp.proj", C, 4 * C], ["lm_head", m.vocab, C]];
    for (const [layer, O, I] of linears) {
      // forward y = x W^T (NT); input gradient dx = dy W (NN); weight gradient dW = dy^T x (TN)
      const gemms: Array<[string, boolean, boolean, number, number, number]> = [
        ["NT", false, true, T, O, I],
        ["NN", false, false, T, I, O],
        ["TN", true, false, O, I, T],
      ];
      for (const [kase, tA, tB, M, N, K] of gemms) {
        for (const [be, resident] of variants) {
          const A = randArray(M * K, rng, resident);
          const B = randArray(K * N, rng, resident);
          const Cm = randArray(M * N, rng, resident);
          const us = time(() => be.gemm(tA, tB, M, N, K, A, B, Cm, true));
          const row: Row = { model: name, kernel: `gemm ${kase} ${layer}`, shape: `${M}x${N}x${K}`, backend: be.name, resident, usPerCall: us, gflops: (2 * M * N * K) / us / 1e3 };
          rows.push(row);
          console.log(`${name.padEnd(3)} ${row.kernel.padEnd(20)} ${row.shape.padEnd(16)} ${(be.name + (resident ? "*" : "")).padEnd(10)} ${row.gflops!.toFixed(2).padStart(7)} GFLOP/s ${us.toFixed(1).padStart(9)} us`);
        }
      }
    }
    // the other per-step kernels, at the model's shapes
    const NH = m.nHead;
    for (const [be, resident] of variants) {
      const qkv = randArray(T * 3 * C, rng, resident);
      const out = randArray(T * C, rng, resident);
      const att = randArray(m.batch * NH * m.seq * m.seq, rng, resident);
      const dqkv = randArray(T * 3 * C, rng, resident);
      const logits = randArray(T * m.vocab, rng, resident);
      const probs = randArray(T * m.vocab, rng, resident);
      const rstd = randArray(T, rng, resident);
      const targets = Int32Array.from({ length: T }, (_, i) => (i * 7) % m.vocab);
      const others: Array<[string, () => void]> = [
        ["attention fwd", () => be.attentionForward(out, att, qkv, m.batch, m.seq, C, NH)],
        ["attention bwd", () => be.attentionBackward(dqkv, out, qkv, att, m.batch, m.seq, C, NH, true)],
        ["cross-entropy fwd", () => be.crossEntropyForward(probs, logits, targets, T, m.vocab)],
        ["cross-entropy bwd", () => be.crossEntropyBackward(logits, probs, targets, T, m.vocab, 1e-3, true)],
        ["rmsnorm fwd", () => be.rmsnormForward(out, rstd, qkv.subarray(0, T * C), null, T, C, 1e-5)],
        ["rmsnorm bwd", () => be.rmsnormBackward(dqkv.subarray(0, T * C), null, out, qkv.subarray(0, T * C), null, rstd, T, C)],
      ];
      for (const [kernel, fn] of others) {
        const us = time(fn);
        rows.push({ model: name, kernel, shape: `B${m.batch} T${m.seq} C${C} V${m.vocab}`, backend: be.name, resident, usPerCall: us, gflops: null });
        console.log(`${name.padEnd(3)} ${kernel.padEnd(20)} ${"".padEnd(16)} ${(be.name + (resident ? "*" : "")).padEnd(10)} ${"".padStart(15)} ${us.toFixed(1).padStart(9)} us`);
      }
    }
  }
  if (args.json) writeFileSync(String(args.json), JSON.stringify({ node: process.version, threads: args.threads, rows }, null, 1));
}

main();
