// Training-speed benchmark (npm run bench): trains M1-M3 and the presets for a fixed number of steps on seeded
// synthetic tokens, one child process per model (so peak RSS is per model), and prints a table and JSON.
//
// npm run bench -- --only sweep runs the sweep-speed benchmark instead (bench/sweep.ts).
// npm run bench -- --only tokenizers runs the tokenizer benchmark instead (bench/tokenizers.ts).
// usage: npm run bench -- [--only M1,M3] [--presets] [--steps N] [--windows N] [--backend NAME,...] [--threads 1,2]
//                         [--compare] [--tfjs] [--json FILE] [--inline]
//   --steps    steps per timed window (default per model); the median window gives steps/s
//   --threads  kernel threads; a list runs every model once per count
//   --compare  also times the same models in PyTorch (bench/torch_ref.py) and prints ratios
//   --tfjs     also times them in TensorFlow.js 4.22, wasm and cpu backends (bench/tfjs/tfjs_ref.mjs)
//   --inline   run in this process (for node --cpu-prof), no per-model RSS

import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { Rng } from "../src/core/random.js";
import { GPT } from "../src/nn/gpt.js";
import { Adam } from "../src/optim/adam.js";
import { Trainer } from "../src/train/trainer.js";
import type { TrainTask } from "../src/train/trainer.js";
import * as kernelsIndex from "../src/kernels/index.js";
import { backendNames, registerBackend, setBackend } from "../src/kernels/index.js";
import { setKernelThreads, wasmRuntime } from "../src/kernels/wasm/wasm.js";
import { BENCH_MODELS, presetModels } from "./models.js";
import type { BenchModel } from "./models.js";
import { median, parseArgs } from "./util.js";

const USAGE = `npm run bench -- [--only M1,M3] [--presets] [--steps N] [--windows N] [--backend NAME,...] [--threads 1,2] [--compare] [--tfjs] [--json FILE] [--inline]
(--only sweep: the sweep-speed benchmark, bench/sweep.ts: 16 lab trials on the worker pool vs one process.)
(--only tokenizers: tokenizer training time and encode MB/s of every kind on the 1 MB stories corpus, bench/tokenizers.ts.)
Trains the benchmark models M1 (the lab model), M2, M3, M4 (GPT-2 style) (and with --presets the presets) on seeded random tokens,
one child process per model, and prints steps/s, tokens/s, ms/step, GFLOP/s and peak RSS as a table and JSON.
  --steps    steps per timed window (default: about 1 s and at least 3 steps, as bench/torch_ref.py); the median
             window gives the speed
  --backend  kernel backend (default: the fastest available); a list, e.g. wasm-native,wasm-fma, runs each
  --threads  kernel threads; a list runs every model once per count (losses are identical for any count)
  --compare  also times the same models in PyTorch (bench/torch_ref.py) and prints the ratios and targets
  --tfjs     also times M1-M3 in TensorFlow.js 4.22 on its wasm and cpu backends (bench/tfjs/tfjs_ref.mjs, a few
             minutes; install it once with: npm install --prefix bench/tfjs) and prints the ratios to TF.js wasm
  --json     also write the results to FILE
  --inline   run in this process (for node --cpu-prof), no per-model RSS`;

const DEFAULTS = { only: "", presets: false, steps: 0, windows: 5, warmup: 0, backend: "", threads: "1", seed: 1337, compare: false, tfjs: false, json: "", inline: false, child: "" };
type Options = typeof DEFAULTS;

export interface BenchResult {
  model: string;
  backend: string;
  threads: number;
  params: number;
  batch: number;
  seq: number;
  stepsPerSec: number;
  tokensPerSec: number;
  msPerStep: number;
  gflops: number;
  peakRssMB: number | null;
  windows: number[];
  /** Losses of the first three steps and a hash of the first HASHED_STEPS (same seed and backend: identical). */
  firstLosses: number[];
  lossHash: string;
}

/** Warm-up and window length when --warmup / --steps are not given (as in bench/torch_ref.py). */
const WARMUP_SECONDS = 0.5;
const WINDOW_SECONDS = 1.0;
/** The loss hash covers this many first steps (the number of steps timed depends on the speed). */
const HASHED_STEPS = 10;

/** Useful FLOPs of one step: 6 per matmul weight per token, plus causal attention (fwd 2CT', bwd twice that). */
function flopsPerStep(m: BenchModel): number {
  const C = m.nEmbd;
  const L = m.nLayer;
  const r = m.config.mlpRatio;
  const matmul = L * (3 * C * C + C * C + 2 * r * C * C) + m.vocab * C;
  const tokens = m.batch * m.seq;
  return tokens * (6 * matmul + 6 * L * C * (m.seq + 1));
}

function registerWasm(): void {
  for (const b of wasmRuntime()?.backends ?? []) if (!backendNames().includes(b.name)) registerBackend(b);
}

function bestBackend(): string {
  const names = backendNames();
  return ["wasm-native", "wasm-fma", "wasm", "fast"].find((n) => names.includes(n))!;
}

/** fnv-1a over the float64 bytes of the losses. */
function hashLosses(losses: number[]): string {
  const bytes = new Uint8Array(Float64Array.from(losses).buffer);
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, "0");
}

type Scope = <T>(fn: () => T) => T;

/** The kernels' per-step activation scope (withKernelScope) when src/kernels/index.ts has one. */
function kernelScope(): Scope | undefined {
  return (kernelsIndex as unknown as { withKernelScope?: Scope }).withKernelScope;
}

interface SynthBatch {
  inputs: Int32Array;
  targets: Int32Array;
}

/** Trains one model in this process and times it. */
function runModel(name: string, m: BenchModel, o: Options): BenchResult {
  registerWasm();
  const backend = setBackend(o.backend || bestBackend()).name;
  setKernelThreads(Number(o.threads));
  const rng = new Rng(o.seed);
  const model = new GPT(m.config, rng);
  const { batch: B, seq: T, vocab: V } = m;
  // fresh seeded random tokens every step: nothing to memorize, so the speed stays that of ordinary training
  // (a small cycled pool gets memorized, and near-certain predictions are a different regime, see kernels.as.ts)
  const inputs = new Int32Array(B * T);
  const targets = new Int32Array(B * T);
  const batch: SynthBatch = { inputs, targets };
  const task: TrainTask<SynthBatch> = {
    nextBatch: () => {
      for (let b = 0; b < B; b++) {
        let prev = rng.int(V);
        for (let t = 0; t < T; t++) {
          const next = rng.int(V);
          inputs[b * T + t] = prev;
          targets[b * T + t] = next;
          prev = next;
        }
      }
      return batch;
    },
    loss: (b) => model.forward(b.inputs, B, T, b.targets).loss!,
    tokens: () => B * T,
  };
  // scope is passed only to a Trainer that knows it (a variable, not a literal, so older Trainers accept it too)
  const options = { task, store: model.store, optimizer: new Adam(model.store, { beta1: 0.85, beta2: 0.99, eps: 1e-8 }), schedule: () => 0.01, totalSteps: Number.MAX_SAFE_INTEGER, scope: kernelScope() };
  const trainer = new Trainer(options);
  const losses: number[] = [];
  // warm up (the JIT, the caches, the arena) for --warmup steps, or at least 5 steps and WARMUP_SECONDS
  const w0 = performance.now();
  while (o.warmup ? losses.length < o.warmup : losses.length < 5 || performance.now() - w0 < WARMUP_SECONDS * 1000) losses.push(trainer.trainStep().loss);
  const warmRate = (losses.length * 1000) / (performance.now() - w0);
  const steps = o.steps || Math.max(3, Math.round(WINDOW_SECONDS * warmRate));
  const rates: number[] = [];
  for (let w = 0; w < o.windows; w++) {
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) losses.push(trainer.trainStep().loss);
    rates.push((steps * 1000) / (performance.now() - t0));
  }
  while (losses.length < HASHED_STEPS) losses.push(trainer.trainStep().loss); // untimed: the hash covers a fixed count
  const sps = median(rates);
  return {
    model: name,
    backend,
    threads: Number(o.threads),
    params: model.numParams,
    batch: B,
    seq: T,
    stepsPerSec: sps,
    tokensPerSec: sps * B * T,
    msPerStep: 1000 / sps,
    gflops: (flopsPerStep(m) * sps) / 1e9,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    windows: rates.map((r) => Math.round(r * 100) / 100),
    firstLosses: losses.slice(0, 3),
    lossHash: hashLosses(losses.slice(0, HASHED_STEPS)),
  };
}

/** Runs one model in a fresh child process (same node flags and loader), returning its result. */
function runChild(name: string, threads: number, o: Options): BenchResult {
  const pass = ["steps", "windows", "warmup", "backend", "seed"] as const;
  const args = [...pass.flatMap((k) => (o[k] === DEFAULTS[k] ? [] : [`--${k}=${o[k]}`])), `--threads=${threads}`];
  const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1], `--child=${name}`, ...args], { encoding: "utf8", maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`benchmark of ${name} failed (exit ${r.status}):\n${r.stderr}`);
  const line = r.stdout.trim().split("\n").pop() ?? "";
  return JSON.parse(line) as BenchResult;
}

interface TorchResult {
  model: string;
  threads: number;
  steps_per_s: number;
  tokens_per_s: number;
}

/** Times the M-models in PyTorch with the python that has torch; null (with a hint) when none does. */
function runTorch(models: string[], threads: number[]): { torch: string; results: TorchResult[] } | null {
  const python = ["/usr/bin/python3", "python3"].find((p) => spawnSync(p, ["-c", "import torch"], { stdio: "ignore" }).status === 0);
  if (!python) {
    console.error("--compare: no python with torch found; install it with: apt-get install python3-torch");
    return null;
  }
  const r = spawnSync(python, ["bench/torch_ref.py", "--models", models.join(","), "--threads", threads.join(",")], { encoding: "utf8", maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`bench/torch_ref.py failed (exit ${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

interface TfjsResult {
  model: string;
  backend: "wasm" | "cpu";
  steps_per_s?: number;
  tokens_per_s?: number;
  /** Why the run was not timed (the cpu backend's M3 takes minutes per step). */
  skipped?: string;
}

interface TfjsRatio {
  model: string;
  backend: string;
  threads: number;
  ratio: number;
  met: boolean | null;
}

/** Models bench/tfjs/tfjs_ref.mjs knows (the lab architecture). */
const TFJS_MODELS = ["M1", "M2", "M3"];
/** Two threads against our own one thread, on M3 and M4. */
const TWO_THREAD_TARGET = 1.6;

/** The speed target against TF.js: our tokens/s over TF.js 4.22's wasm backend, both on one thread. */
const TFJS_TARGET = 10;

/** Times the M-models in TensorFlow.js (bench/tfjs, installed on demand); null (with a hint) when not installed. */
function runTfjs(models: string[], windows: number): { tfjs: string; results: TfjsResult[] } | null {
  if (!existsSync("bench/tfjs/node_modules/@tensorflow/tfjs-core")) {
    console.error("--tfjs: TensorFlow.js is not installed in bench/tfjs; install it with: npm install --prefix bench/tfjs");
    return null;
  }
  console.log(`\ntiming ${models.join(", ")} in TensorFlow.js (wasm, then cpu; the slow ones take a minute each)...`);
  const args = ["bench/tfjs/tfjs_ref.mjs", "--models", models.join(","), "--backends", "wasm,cpu", "--windows", String(windows)];
  const r = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`bench/tfjs/tfjs_ref.mjs failed (exit ${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Backends that run anywhere Node does (no native addon): the M3 one-core target is for these. */
const PORTABLE = ["reference", "fast", "wasm", "wasm-fma"];

/** The speed target for a result, as a fraction of PyTorch's tokens/s at the same thread count (null: none). */
function target(model: string, threads: number, backend: string): { ratio: number; text: string } | null {
  const key = `${model}/${threads}`;
  if (key === "M1/1") return { ratio: 3, text: ">= 3x PyTorch 1-thread" };
  if (key === "M2/1") return { ratio: 1, text: ">= PyTorch 1-thread" };
  const portable = PORTABLE.includes(backend);
  if (key === "M3/1") return portable ? { ratio: 0.8, text: ">= 0.8x PyTorch 1-thread, portable kernels" } : { ratio: 1.5, text: ">= 1.5x PyTorch 1-thread" };
  if (key === "M4/1") return portable ? { ratio: 1, text: ">= 1x PyTorch 1-thread, portable kernels" } : { ratio: 1.5, text: ">= 1.5x PyTorch 1-thread" };
  if (key === "M3/2") return { ratio: 0.8, text: ">= 0.8x PyTorch 2-thread" };
  return null;
}

function fmt(x: number | null, digits = 1): string {
  return x === null ? "-" : x.toFixed(digits);
}

function main(): void {
  // the sweep-speed benchmark (local worker pool vs one process) and the tokenizer benchmark are scripts of their
  // own, with their own options: hand them the command line before it is checked against this one's
  const argv = process.argv.slice(2);
  const script = ["sweep", "tokenizers"].find((s) => argv.includes(`--only=${s}`) || argv.some((a, i) => a === "--only" && argv[i + 1] === s));
  if (script) {
    const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1].replace(/bench\.ts$/, `${script}.ts`), ...argv], { stdio: "inherit" });
    process.exitCode = r.status ?? 1;
    return;
  }
  const o = parseArgs(argv, DEFAULTS, USAGE);
  const all: Record<string, BenchModel> = { ...BENCH_MODELS, ...presetModels() };
  if (o.child) {
    console.log(JSON.stringify(runModel(o.child, all[o.child], o)));
    return;
  }
  const names = o.only ? o.only.split(",").map((s) => s.trim()) : [...Object.keys(BENCH_MODELS), ...(o.presets ? Object.keys(presetModels()) : [])];
  for (const n of names) if (!all[n]) throw new Error(`--only: unknown model "${n}" (known: ${Object.keys(all).join(", ")})`);
  const threadCounts = o.threads.split(",").map((t) => {
    const n = Number(t);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--threads must be integers >= 1, e.g. 1,2 (got "${o.threads}")`);
    return n;
  });
  registerWasm();
  const backends = o.backend ? o.backend.split(",").map((b) => b.trim()) : [""];
  for (const b of backends) if (b && !backendNames().includes(b)) throw new Error(`--backend: "${b}" is not available here (available: ${backendNames().join(", ")})`);
  const results: BenchResult[] = [];
  // other processes on the machine slow the timings (and PyTorch's threads far more than ours): say how busy it was
  const loadBefore = loadavg()[0];
  console.log(`node ${process.version}, ${o.inline ? "inline" : "one process per model"}, ${o.windows} windows, median; load average ${loadBefore.toFixed(2)}`);
  console.log("model            backend     thr  params   BxT       steps/s   tokens/s   ms/step  GFLOP/s  peak RSS MB  loss hash");
  for (const backend of backends) {
    for (const threads of threadCounts) {
      for (const n of names) {
        const mo = { ...o, backend, threads: String(threads) };
        const r = o.inline ? { ...runModel(n, all[n], mo), peakRssMB: null } : runChild(n, threads, mo);
        results.push(r);
        console.log(
          `${n.padEnd(16)} ${r.backend.padEnd(11)} ${String(r.threads).padStart(3)} ${String(r.params).padStart(7)}  ${`${r.batch}x${r.seq}`.padEnd(8)} ${fmt(r.stepsPerSec, 2).padStart(8)} ${fmt(r.tokensPerSec, 0).padStart(10)} ${fmt(r.msPerStep, 2).padStart(9)} ${fmt(r.gflops, 2).padStart(8)} ${fmt(r.peakRssMB).padStart(12)}  ${r.lossHash}`,
        );
      }
    }
  }
  let torch: ReturnType<typeof runTorch> = null;
  if (o.compare) {
    const ms = names.filter((n) => n in BENCH_MODELS);
    torch = ms.length > 0 ? runTorch(ms, threadCounts) : null;
    if (torch) {
      console.log(`\nPyTorch ${torch.torch} (bench/torch_ref.py), ratio = our tokens/s / PyTorch's at the same thread count`);
      console.log("model  threads  torch steps/s  torch tokens/s  backend      ours tokens/s    ratio  target");
      for (const t of torch.results) {
        for (const ours of results.filter((r) => r.model === t.model && r.threads === t.threads)) {
          const ratio = ours.tokensPerSec / t.tokens_per_s;
          const goal = target(t.model, t.threads, ours.backend);
          const verdict = goal ? `${goal.text}: ${ratio >= goal.ratio ? "met" : "not met"}` : "-";
          console.log(`${t.model.padEnd(6)} ${String(t.threads).padStart(7)} ${fmt(t.steps_per_s, 2).padStart(14)} ${fmt(t.tokens_per_s, 0).padStart(15)}  ${ours.backend.padEnd(11)} ${fmt(ours.tokensPerSec, 0).padStart(14)} ${fmt(ratio, 2).padStart(7)}x  ${verdict}`);
        }
      }
    }
  }
  // two threads against our own one-thread figure (M3, M4: at least TWO_THREAD_TARGET)
  const scaling: Array<{ model: string; backend: string; ratio: number }> = [];
  for (const two of results.filter((r) => r.threads === 2)) {
    const one = results.find((r) => r.model === two.model && r.backend === two.backend && r.threads === 1);
    if (one) scaling.push({ model: two.model, backend: two.backend, ratio: two.tokensPerSec / one.tokensPerSec });
  }
  if (scaling.length > 0) {
    console.log(`
two threads / one thread, ours (target >= ${TWO_THREAD_TARGET}x on M3 and M4)`);
    for (const s of scaling) {
      const verdict = s.model === "M3" || s.model === "M4" ? (s.ratio >= TWO_THREAD_TARGET ? "met" : "not met") : "-";
      console.log(`${s.model.padEnd(6)} ${s.backend.padEnd(11)} ${fmt(s.ratio, 2).padStart(6)}x  ${verdict}`);
    }
  }
  let tfjs: (NonNullable<ReturnType<typeof runTfjs>> & { ratios: TfjsRatio[] }) | null = null;
  const tfjsModels = o.tfjs ? names.filter((n) => TFJS_MODELS.includes(n)) : [];
  const tfjsRun = tfjsModels.length > 0 ? runTfjs(tfjsModels, o.windows) : null;
  if (tfjsRun) {
    tfjs = { ...tfjsRun, ratios: [] };
    const find = (model: string, backend: string) => tfjsRun.results.find((t) => t.model === model && t.backend === backend);
    console.log(`\nTensorFlow.js ${tfjsRun.tfjs} (bench/tfjs/tfjs_ref.mjs, one thread), ratio = our tokens/s / TF.js wasm's; target on one thread`);
    console.log("model  threads  wasm steps/s  wasm tokens/s  cpu tokens/s  backend      ours tokens/s    ratio  target");
    for (const ours of results.filter((r) => r.model in BENCH_MODELS)) {
      const wasm = find(ours.model, "wasm");
      if (!wasm?.tokens_per_s) continue;
      const ratio = ours.tokensPerSec / wasm.tokens_per_s;
      const met = ours.threads === 1 ? ratio >= TFJS_TARGET : null;
      tfjs.ratios.push({ model: ours.model, backend: ours.backend, threads: ours.threads, ratio, met });
      const verdict = met === null ? "-" : `>= ${TFJS_TARGET}x TF.js wasm: ${met ? "met" : "not met"}`;
      console.log(`${ours.model.padEnd(6)} ${String(ours.threads).padStart(7)} ${fmt(wasm.steps_per_s ?? null, 2).padStart(13)} ${fmt(wasm.tokens_per_s, 0).padStart(14)} ${fmt(find(ours.model, "cpu")?.tokens_per_s ?? null, 0).padStart(13)}  ${ours.backend.padEnd(11)} ${fmt(ours.tokensPerSec, 0).padStart(14)} ${fmt(ratio, 1).padStart(7)}x  ${verdict}`);
    }
    for (const t of tfjsRun.results) if (t.skipped) console.log(`(TF.js ${t.backend} ${t.model} not timed: ${t.skipped})`);
  }
  const loadAfter = loadavg()[0];
  console.log(`load average at the end ${loadAfter.toFixed(2)}`);
  const json = { node: process.version, loadAverage: [loadBefore, loadAfter], options: o, results, torch, scaling, tfjs };
  if (o.json) writeFileSync(o.json, JSON.stringify(json, null, 1));
  console.log("\n" + JSON.stringify(json));
}

try {
  main();
} catch (e) {
  // a bad option or a failed run: the message, not a stack trace
  console.error(`bench: ${(e as Error).message}`);
  process.exit(1);
}
