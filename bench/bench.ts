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
import { cpus, loadavg } from "node:os";
import { Rng } from "../src/core/random.js";
import { GPT } from "../src/nn/gpt.js";
import { Adam } from "../src/optim/adam.js";
import { Trainer } from "../src/train/trainer.js";
import type { TrainTask } from "../src/train/trainer.js";
import * as kernelsIndex from "../src/kernels/index.js";
import { backendNames, registerBackend, setBackend } from "../src/kernels/index.js";
import { setKernelThreads, wasmRuntime } from "../src/kernels/wasm/wasm.js";
import { generate } from "../src/eval/sample.js";
import { validateConfig } from "../src/nn/gpt.js";
import { nativeGemm } from "../src/kernels/native.js";
import { BENCH_MODELS, presetModels } from "./models.js";
import { backendBits, ISA_CHOICES, measurePeaks, pinIsa } from "./isa.js";
import type { Peak } from "./isa.js";
import type { BenchModel } from "./models.js";
import { median, parseArgs } from "./util.js";

const USAGE = `npm run bench -- [--full] [--isa native|avx2|avx512] [--only M1,M3] [--presets] [--steps N] [--windows N] [--reps N] [--backend NAME,...] [--threads 1,2] [--compare]
                       [--generate] [--first-response] [--tfjs] [--json FILE] [--inline]
(--only sweep: the sweep-speed benchmark, bench/sweep.ts: 16 lab trials on the worker pool vs one process.)
(--only tokenizers: tokenizer training time and encode MB/s of every kind on the 1 MB stories corpus, bench/tokenizers.ts.)
(--only train-text: \`npx gptlab train\` on a char model of M4's shape on a text file vs the same loop in PyTorch, bench/train-text.ts.)
Trains the benchmark models M1 (the lab model), M2, M3, M4 (GPT-2 style), M5 (nanoGPT's 10.7M-parameter shakespeare-char
model at batch 4) (and with --presets the presets) on seeded random tokens, one child process per model, and prints
steps/s, tokens/s, ms/step, CPU ms/step, GFLOP/s and peak RSS as a table and JSON, then the roofline: each one-thread
row's share of the one-core multiply-add peak (measured) at the vector width its kernels run at.
  --isa      avx2 pins both sides to AVX2 on an AVX-512 machine (GPTLAB_NATIVE_ISA=avx2 for the addon;
             ATEN_CPU_CAPABILITY=avx2, OPENBLAS_CORETYPE=Haswell, ONEDNN_MAX_CPU_ISA=AVX2 for PyTorch), avx512 pins
             both to AVX-512; native (default) leaves each as it detects. The run prints what each side ran with.
  --steps    steps per timed window (default: about 1 s and at least 3 steps, as bench/torch_ref.py); the median
             window gives the speed
  --backend  kernel backend (default: the fastest available); a list, e.g. wasm-native,wasm-fma, runs each
  --threads  kernel threads; a list runs every model once per count (losses are identical for any count)
  --compare  also times the same models in PyTorch (bench/torch_ref.py) and prints the ratios and targets
  --tfjs     also times M1-M3 in TensorFlow.js 4.22 on its wasm and cpu backends (bench/tfjs/tfjs_ref.mjs, a few
             minutes; install it once with: npm install --prefix bench/tfjs) and prints the ratios to TF.js wasm
  --reps     interleaved repetitions: each model (ours, then PyTorch's) is timed once per repetition, so that a
             busy machine slows both alike; figures are medians over repetitions, ratios medians of per-repetition ratios
  --generate also times KV-cached sampling from M3 and M4 (one sequence, 8 prompt tokens, 128 new, temperature 1;
             block widened to 136), ours and (with --compare) a PyTorch loop with its own KV cache
  --first-response  also times a notebook's first response in a fresh tslab kernel (bench/first_response.py)
  --full     the whole table in one bounded run (about 6-8 minutes): M1-M4, the default backend and wasm-fma, 1 and 2
             threads, PyTorch beside, generation and first response, 3 interleaved repetitions of 3 windows
  --json     also write the results to FILE
  --inline   run in this process (for node --cpu-prof), no per-model RSS`;

const DEFAULTS = {
  only: "", presets: false, steps: 0, windows: 5, warmup: 0, backend: "", threads: "1", seed: 1337, compare: false, tfjs: false, json: "", inline: false, child: "", isa: "native",
  reps: 1, generate: false, firstResponse: false, full: false, childGen: "",
};
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
  /** This process's CPU time per step (all threads; median window): what a step costs whatever else runs. */
  cpuMsPerStep: number;
  /** The instruction set of the native kernels ("avx512", "avx2"; "" for backends without them). */
  isa: string;
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
  const cpuRates: number[] = [];
  for (let w = 0; w < o.windows; w++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let s = 0; s < steps; s++) losses.push(trainer.trainStep().loss);
    rates.push((steps * 1000) / (performance.now() - t0));
    const c = process.cpuUsage(c0);
    cpuRates.push((steps * 1e6) / (c.user + c.system));
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
    cpuMsPerStep: 1000 / median(cpuRates),
    isa: backend === "wasm-native" ? nativeGemm()?.isa() ?? "" : "",
    firstLosses: losses.slice(0, 3),
    lossHash: hashLosses(losses.slice(0, HASHED_STEPS)),
  };
}

/** Runs one model in a fresh child process (same node flags and loader), returning its result. */
function runChild(name: string, threads: number, o: Options, mode: "child" | "childGen" = "child"): BenchResult {
  const pass = ["steps", "windows", "warmup", "backend", "seed"] as const;
  const args = [...pass.flatMap((k) => (o[k] === DEFAULTS[k] ? [] : [`--${k}=${o[k]}`])), `--threads=${threads}`];
  const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1], `--${mode}=${name}`, ...args], { encoding: "utf8", maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`benchmark of ${name} failed (exit ${r.status}):\n${r.stderr}`);
  const line = r.stdout.trim().split("\n").pop() ?? "";
  return JSON.parse(line) as BenchResult;
}

/** The generation benchmark: KV-cached sampling of GEN_NEW tokens after GEN_PROMPT, one sequence (as torch_ref.py --generate). */
const GEN_MODELS = ["M3", "M4"];
const GEN_PROMPT = 8;
const GEN_NEW = 128;
const GEN_REPS = 5;
const GEN_TARGET = 2;

export interface GenResult {
  model: string;
  backend: string;
  threads: number;
  blockSize: number;
  seconds: number;
  tokensPerSec: number;
  runs: number[];
  /** The first tokens drawn (same seed, same backend: the same tokens). */
  firstTokens: number[];
}

/** Times KV-cached sampling from the model's shapes (block widened to fit prompt + new tokens), in this process. */
function runGeneration(name: string, m: BenchModel, o: Options): GenResult {
  registerWasm();
  const backend = setBackend(o.backend || bestBackend()).name;
  setKernelThreads(Number(o.threads));
  const config = validateConfig({ ...m.config, blockSize: Math.max(m.config.blockSize, GEN_PROMPT + GEN_NEW) });
  const rng = new Rng(o.seed);
  const model = new GPT(config, rng);
  const prompt = Array.from({ length: GEN_PROMPT }, () => rng.int(m.vocab));
  const sample = (): number[] => generate(model, { prompt, maxNewTokens: GEN_NEW, rng, temperature: 1 });
  const firstTokens = sample().slice(0, 8); // also the warm-up
  const runs: number[] = [];
  for (let r = 0; r < GEN_REPS; r++) {
    const t0 = performance.now();
    sample();
    runs.push((performance.now() - t0) / 1000);
  }
  const seconds = median(runs);
  return { model: name, backend, threads: Number(o.threads), blockSize: config.blockSize, seconds, tokensPerSec: GEN_NEW / seconds, runs: runs.map((r) => Math.round(r * 1e4) / 1e4), firstTokens };
}

interface TorchResult {
  model: string;
  threads: number;
  params: number;
  batch: number;
  seq: number;
  steps_per_s: number;
  tokens_per_s: number;
  ms_per_step: number;
  /** The python process's CPU time per step (all threads). */
  cpu_ms_per_step: number;
  peak_rss_mb: number;
}

/** What PyTorch's parts ran with (bench/torch_ref.py's isa_report). */
interface TorchIsa {
  aten: string;
  openblas: string;
  onednn: string;
}

let torchPython: string | null | undefined;

/** The python that has torch (null, with a hint printed once, when none does). */
function pythonWithTorch(): string | null {
  if (torchPython !== undefined) return torchPython;
  torchPython = ["/usr/bin/python3", "python3"].find((p) => spawnSync(p, ["-c", "import torch"], { stdio: "ignore" }).status === 0) ?? null;
  if (!torchPython) console.error("--compare: no python with torch found; install it with: apt-get install python3-torch");
  return torchPython;
}

/** Times the M-models in PyTorch (bench/torch_ref.py, with extra arguments); null when no python has torch. */
function runTorch(models: string[], threads: number[], extra: string[] = []): { torch: string; isa: TorchIsa; results: TorchResult[] } | null {
  const python = pythonWithTorch();
  if (!python) return null;
  const r = spawnSync(python, ["bench/torch_ref.py", "--models", models.join(","), "--threads", threads.join(","), ...extra], { encoding: "utf8", maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`bench/torch_ref.py failed (exit ${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

interface FirstResponse {
  notebook: string;
  kernel_start_s: number;
  import_cells: number;
  import_s: number;
  first_progress_s: number | null;
  train_cell_done_s: number;
  train_cell_first_progress_s: number | null;
}

/** A notebook's first response in a fresh tslab kernel (bench/first_response.py); null when Jupyter is missing. */
function runFirstResponse(): FirstResponse | null {
  const python = "/usr/bin/python3";
  if (spawnSync(python, ["-c", "import jupyter_client"], { stdio: "ignore" }).status !== 0) {
    console.error("--first-response: jupyter_client is missing; install Jupyter with scripts/setup-jupyter.sh (apt)");
    return null;
  }
  const r = spawnSync(python, ["bench/first_response.py"], { encoding: "utf8", maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`bench/first_response.py failed (exit ${r.status}):\n${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split("\n").pop() ?? "");
}

interface TorchGenResult {
  model: string;
  threads: number;
  seconds: number;
  tokens_per_s: number;
}

/** A notebook's import cells and its first training progress, in a fresh kernel: under this many seconds. */
const FIRST_RESPONSE_TARGET = 2;

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
  if (key === "M5/1" && !portable) return { ratio: 1.3, text: ">= 1.3x PyTorch 1-thread" };
  if (key === "M3/2") return { ratio: 0.8, text: ">= 0.8x PyTorch 2-thread" };
  return null;
}

/**
 * Prints which instruction set each side ran with, and a warning for each part that did not take the pin
 * (a ratio from such a run is not the one asked for); returns what it printed, for the JSON.
 */
function reportIsa(isa: string, results: BenchResult[], torchIsa: TorchIsa | null): { ours: string[]; torch: TorchIsa | null; warnings: string[] } {
  const ours = [...new Set(results.map((r) => `${r.backend} ${r.isa || "wasm 128-bit SIMD"}`))];
  const warnings: string[] = [];
  if (isa !== "native") {
    for (const r of results) if (r.backend === "wasm-native" && r.isa !== isa) warnings.push(`--isa ${isa}: gptlab's addon ran ${r.isa}, not ${isa}`);
    if (torchIsa) {
      const want = isa === "avx2" ? { aten: "AVX2", openblas: "Haswell", onednn: "avx2" } : { aten: "AVX512", openblas: "SkylakeX", onednn: "avx512_core" };
      for (const k of ["aten", "openblas", "onednn"] as const) if (!torchIsa[k].startsWith(want[k])) warnings.push(`--isa ${isa}: PyTorch's ${k} ran ${torchIsa[k]}, not ${want[k]}`);
    }
  }
  if (torchIsa?.openblas === "Prescott") warnings.push("PyTorch's OpenBLAS did not recognize this CPU and runs its SSE3 (Prescott) kernels: pin it with --isa avx2 or avx512 for a fair ratio");
  console.log(`\ninstruction sets: gptlab ${ours.join(", ")}${torchIsa ? `; PyTorch: ATen ${torchIsa.aten}, OpenBLAS ${torchIsa.openblas}, oneDNN ${torchIsa.onednn}` : ""}`);
  for (const w of [...new Set(warnings)]) console.log(`WARNING: ${w}`);
  return { ours, torch: torchIsa, warnings: [...new Set(warnings)] };
}

/** PyTorch's vector width from ATen's capability (its matrix products' OpenBLAS core is pinned alike). */
function torchBits(t: TorchIsa | null): 256 | 512 {
  return t?.aten.startsWith("AVX512") ? 512 : 256;
}

/**
 * The roofline: per one-thread row, the FLOPs of a step, the rate by CPU time (what the core did while it ran
 * this process) and its share of the measured multiply-add peak at the width the row's kernels run at.
 */
function printRoofline(results: BenchResult[], torchResults: TorchResult[], all: Record<string, BenchModel>, peaks: Peak[], torchIsa: TorchIsa | null): Array<{ model: string; side: string; bits: number; gflopPerStep: number; gflopsCpu: number; share: number | null }> {
  const out: Array<{ model: string; side: string; bits: number; gflopPerStep: number; gflopsCpu: number; share: number | null }> = [];
  if (peaks.length === 0) {
    console.log("\nroofline: no peak (the native addon with fmaPeak is not built here)");
    return out;
  }
  console.log(`\none-core multiply-add peak (the addon's fmaPeak loop, best of 3, GFLOP/s by CPU time; by wall time in brackets): ${peaks.map((p) => `${p.bits}-bit ${fmt(p.cpu)} (${fmt(p.wall)})`).join(", ")}`);
  console.log("roofline, one thread: a step's FLOPs (6 per weight per token + attention) and the share of the peak of the width it runs at");
  console.log("model  side                  width  GFLOP/step  GFLOP/s (CPU time)  share of peak");
  const line = (model: string, side: string, bits: number, cpuMs: number): void => {
    const gflopPerStep = flopsPerStep(all[model]) / 1e9;
    const gflopsCpu = gflopPerStep / (cpuMs / 1000);
    const peak = peaks.find((p) => p.bits === bits)?.cpu;
    const share = peak ? gflopsCpu / peak : null;
    out.push({ model, side, bits, gflopPerStep, gflopsCpu, share });
    console.log(`${model.padEnd(6)} ${side.padEnd(21)} ${String(bits).padStart(5)}  ${fmt(gflopPerStep, 3).padStart(10)}  ${fmt(gflopsCpu).padStart(18)}  ${share === null ? "-" : `${(100 * share).toFixed(0)}%`.padStart(13)}`);
  };
  for (const r of results.filter((x) => x.threads === 1)) line(r.model, `gptlab ${r.backend}`, backendBits(r.backend, r.isa), r.cpuMsPerStep);
  for (const t of torchResults.filter((x) => x.threads === 1)) line(t.model, "PyTorch", torchBits(torchIsa), t.cpu_ms_per_step);
  return out;
}

function fmt(x: number | null, digits = 1): string {
  return x === null ? "-" : x.toFixed(digits);
}

/** One row per (model, backend, threads): medians over the repetitions (each repetition one child process). */
function mergeReps(rows: BenchResult[]): BenchResult {
  const sps = median(rows.map((r) => r.stepsPerSec));
  const first = rows[0];
  const rss = rows.map((r) => r.peakRssMB).filter((x): x is number => x !== null);
  return {
    ...first,
    stepsPerSec: sps,
    tokensPerSec: sps * first.batch * first.seq,
    msPerStep: 1000 / sps,
    gflops: (first.gflops * sps) / first.stepsPerSec,
    peakRssMB: rss.length > 0 ? Math.max(...rss) : null,
    windows: rows.flatMap((r) => r.windows),
    cpuMsPerStep: median(rows.map((r) => r.cpuMsPerStep)),
  };
}

function row(n: string, r: BenchResult): string {
  return `${n.padEnd(16)} ${r.backend.padEnd(11)} ${(r.isa || "wasm128").padEnd(8)} ${String(r.threads).padStart(3)} ${String(r.params).padStart(8)}  ${`${r.batch}x${r.seq}`.padEnd(8)} ${fmt(r.stepsPerSec, 2).padStart(8)} ${fmt(r.tokensPerSec, 0).padStart(10)} ${fmt(r.msPerStep, 2).padStart(9)} ${fmt(r.cpuMsPerStep, 2).padStart(11)} ${fmt(r.gflops, 2).padStart(8)} ${fmt(r.peakRssMB).padStart(12)}  ${r.lossHash}`;
}

function torchRow(n: string, m: BenchModel, x: TorchResult, isa: string): string {
  const gflops = (flopsPerStep(m) * x.steps_per_s) / 1e9;
  return `${`${n} PyTorch`.padEnd(16)} ${"torch".padEnd(11)} ${isa.padEnd(8)} ${String(x.threads).padStart(3)} ${String(x.params).padStart(8)}  ${`${x.batch}x${x.seq}`.padEnd(8)} ${fmt(x.steps_per_s, 2).padStart(8)} ${fmt(x.tokens_per_s, 0).padStart(10)} ${fmt(x.ms_per_step, 2).padStart(9)} ${fmt(x.cpu_ms_per_step, 2).padStart(11)} ${fmt(gflops, 2).padStart(8)} ${fmt(x.peak_rss_mb).padStart(12)}`;
}

const HEADER = "model            backend     isa      thr   params  BxT       steps/s   tokens/s   ms/step  CPU ms/step  GFLOP/s  peak RSS MB  loss hash";

function main(): void {
  // the sweep-speed benchmark (local worker pool vs one process) and the tokenizer benchmark are scripts of their
  // own, with their own options: hand them the command line before it is checked against this one's
  const argv = process.argv.slice(2);
  const script = ["sweep", "tokenizers", "train-text"].find((s) => argv.includes(`--only=${s}`) || argv.some((a, i) => a === "--only" && argv[i + 1] === s));
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
  if (o.childGen) {
    console.log(JSON.stringify(runGeneration(o.childGen, all[o.childGen], o)));
    return;
  }
  const isa = pinIsa(o.isa); // before the addon is loaded here: the children inherit the environment
  registerWasm();
  if (o.full) {
    // the whole table: options not given on the command line take the --full values
    if (o.backend === DEFAULTS.backend) o.backend = [...new Set([bestBackend(), "wasm-fma"])].filter((b) => backendNames().includes(b)).join(",");
    if (o.threads === DEFAULTS.threads) o.threads = "1,2";
    if (o.reps === DEFAULTS.reps) o.reps = 3;
    if (o.windows === DEFAULTS.windows) o.windows = 3;
    o.compare = o.generate = o.firstResponse = true;
  }
  const names = o.only ? o.only.split(",").map((s) => s.trim()) : [...Object.keys(BENCH_MODELS), ...(o.presets ? Object.keys(presetModels()) : [])];
  for (const n of names) if (!all[n]) throw new Error(`--only: unknown model "${n}" (known: ${Object.keys(all).join(", ")})`);
  const threadCounts = o.threads.split(",").map((t) => {
    const n = Number(t);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--threads must be integers >= 1, e.g. 1,2 (got "${o.threads}")`);
    return n;
  });
  if (!Number.isInteger(o.reps) || o.reps < 1) throw new Error(`--reps must be an integer >= 1 (got ${o.reps})`);
  const backends = o.backend ? o.backend.split(",").map((b) => b.trim()) : [""];
  for (const b of backends) if (b && !backendNames().includes(b)) throw new Error(`--backend: "${b}" is not available here (available: ${backendNames().join(", ")})`);
  const started = performance.now();
  // other processes on the machine slow the timings (and PyTorch's threads far more than ours): say how busy it was
  const loadBefore = loadavg()[0];
  const repLoads: number[] = [];
  console.log(`node ${process.version}, ${o.inline ? "inline" : "one process per model"}, ${o.windows} windows, median; ${o.reps} interleaved repetition(s); load average ${loadBefore.toFixed(2)}`);
  const peaks = measurePeaks();
  console.log(`--isa ${isa}${isa === "native" ? "" : ` (both sides pinned: ${Object.entries(process.env).filter(([k]) => /^(GPTLAB_NATIVE_ISA|ATEN_CPU_CAPABILITY|OPENBLAS_CORETYPE|ONEDNN_MAX_CPU_ISA)$/.test(k)).map(([k, v]) => `${k}=${v}`).join(" ") || "nothing to set"})`}`);
  console.log(HEADER);
  const runs: BenchResult[] = [];
  const torchRuns: Array<TorchResult & { rep: number }> = [];
  const ours: Array<BenchResult & { rep: number }> = [];
  let torchVersion = "";
  let torchIsa: TorchIsa | null = null;
  const genRuns: Array<GenResult & { rep: number }> = [];
  const torchGen: Array<TorchGenResult & { rep: number }> = [];
  const genNames = o.generate ? GEN_MODELS.filter((n) => o.only === "" || names.includes(n)) : [];
  for (let rep = 0; rep < o.reps; rep++) {
    repLoads.push(loadavg()[0]);
    for (const n of names) {
      for (const backend of backends) {
        for (const threads of threadCounts) {
          const mo = { ...o, backend, threads: String(threads) };
          const r = o.inline ? { ...runModel(n, all[n], mo), peakRssMB: null } : runChild(n, threads, mo);
          runs.push(r);
          ours.push({ ...r, rep });
          console.log(row(n, r) + (o.reps > 1 ? `  (rep ${rep + 1}, load ${loadavg()[0].toFixed(2)})` : ""));
        }
      }
      // PyTorch right after ours, model by model, so that both see the same load
      if (o.compare && n in BENCH_MODELS) {
        const t = runTorch([n], threadCounts, ["--windows", String(o.windows)]);
        if (t) {
          torchVersion = t.torch;
          torchIsa = t.isa;
          for (const x of t.results) {
            torchRuns.push({ ...x, rep });
            console.log(torchRow(n, all[n], x, t.isa.aten.toLowerCase()) + (o.reps > 1 ? `  (rep ${rep + 1}, load ${loadavg()[0].toFixed(2)})` : ""));
          }
        }
      }
    }
    for (const n of genNames) {
      for (const backend of backends) {
        const g = runChild(n, 1, { ...o, backend }, "childGen") as unknown as GenResult;
        genRuns.push({ ...g, rep });
      }
      if (o.compare) {
        const t = runTorch([n], [1], ["--generate", "--prompt", String(GEN_PROMPT), "--new-tokens", String(GEN_NEW), "--reps", String(GEN_REPS)]) as { torch: string; results: TorchGenResult[] } | null;
        if (t) for (const x of t.results) torchGen.push({ ...x, rep });
      }
    }
  }
  // medians over the repetitions
  const keyOf = (r: { model: string; backend: string; threads: number }): string => `${r.model}/${r.backend}/${r.threads}`;
  const groups = new Map<string, BenchResult[]>();
  for (const r of runs) groups.set(keyOf(r), [...(groups.get(keyOf(r)) ?? []), r]);
  const results = [...groups.values()].map(mergeReps);
  for (const [k, rs] of groups) if (new Set(rs.map((r) => r.lossHash)).size > 1) console.log(`WARNING: ${k}: the loss hash differs between repetitions (${rs.map((r) => r.lossHash).join(", ")})`);
  if (o.reps > 1) {
    console.log(`\nmedians over ${o.reps} repetitions (load average at their starts: ${repLoads.map((l) => l.toFixed(2)).join(", ")})`);
    console.log(HEADER);
    for (const r of results) console.log(row(r.model, r));
  }
  let torch: { torch: string; results: TorchResult[]; ratios: Array<{ model: string; threads: number; backend: string; ratio: number; cpuRatio: number; spread: number[]; met: boolean | null }> } | null = null;
  if (o.compare && torchRuns.length > 0) {
    torch = { torch: torchVersion, results: [], ratios: [] };
    console.log(`\nPyTorch ${torchVersion} (bench/torch_ref.py), ratio = our tokens/s / PyTorch's at the same thread count${o.reps > 1 ? ", median of the per-repetition ratios" : ""}`);
    console.log("model  threads  torch steps/s  torch tokens/s  backend      ours tokens/s    ratio  by CPU time  target");
    const tGroups = new Map<string, Array<TorchResult & { rep: number }>>();
    for (const t of torchRuns) tGroups.set(`${t.model}/${t.threads}`, [...(tGroups.get(`${t.model}/${t.threads}`) ?? []), t]);
    for (const ts of tGroups.values()) {
      const t0 = ts[0];
      const t = { ...t0, steps_per_s: median(ts.map((x) => x.steps_per_s)), tokens_per_s: median(ts.map((x) => x.tokens_per_s)), cpu_ms_per_step: median(ts.map((x) => x.cpu_ms_per_step)), peak_rss_mb: Math.max(...ts.map((x) => x.peak_rss_mb)) };
      torch.results.push(t);
      for (const mine of results.filter((r) => r.model === t.model && r.threads === t.threads)) {
        const perRep = ts.map((x) => {
          const us = ours.find((r) => r.rep === x.rep && keyOf(r) === keyOf(mine));
          return us ? us.tokensPerSec / x.tokens_per_s : NaN;
        }).filter((x) => Number.isFinite(x));
        const ratio = median(perRep);
        // the same ratio from each side's CPU time per step (load from other processes barely moves it)
        const cpuRatio = median(ts.map((x) => {
          const us = ours.find((r) => r.rep === x.rep && keyOf(r) === keyOf(mine));
          return us ? x.cpu_ms_per_step / us.cpuMsPerStep : NaN;
        }).filter((x) => Number.isFinite(x)));
        const goal = target(t.model, t.threads, mine.backend);
        torch.ratios.push({ model: t.model, threads: t.threads, backend: mine.backend, ratio, cpuRatio, spread: [Math.min(...perRep), Math.max(...perRep)], met: goal ? ratio >= goal.ratio : null });
        const verdict = goal ? `${goal.text}: ${ratio >= goal.ratio ? "met" : "not met"}` : "-";
        console.log(`${t.model.padEnd(6)} ${String(t.threads).padStart(7)} ${fmt(t.steps_per_s, 2).padStart(14)} ${fmt(t.tokens_per_s, 0).padStart(15)}  ${mine.backend.padEnd(11)} ${fmt(mine.tokensPerSec, 0).padStart(14)} ${fmt(ratio, 2).padStart(7)}x ${`${fmt(cpuRatio, 2)}x`.padStart(12)}  ${verdict}${perRep.length > 1 ? ` (per repetition ${perRep.map((r) => r.toFixed(2)).join(", ")})` : ""}`);
      }
    }
  }
  const isaCheck = reportIsa(isa, results, torchIsa);
  const roofline = printRoofline(results, torch?.results ?? [], all, peaks, torchIsa);
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
  // generation: KV-cached sampling, one sequence
  const generation: Array<{ model: string; backend: string; tokensPerSec: number; torchTokensPerSec: number | null; ratio: number | null; met: boolean | null }> = [];
  if (genRuns.length > 0) {
    console.log(`\ngeneration: KV-cached sampling, one sequence, ${GEN_PROMPT} prompt tokens then ${GEN_NEW} new (temperature 1, block ${genRuns[0].blockSize}), one thread; median of ${GEN_REPS} sequences${o.reps > 1 ? ` x ${o.reps} repetitions` : ""}`);
    console.log(`model  backend      ours tokens/s  torch tokens/s    ratio  target >= ${GEN_TARGET}x`);
    for (const n of genNames) {
      const tt = torchGen.filter((t) => t.model === n);
      for (const backend of [...new Set(genRuns.filter((g) => g.model === n).map((g) => g.backend))]) {
        const gs = genRuns.filter((g) => g.model === n && g.backend === backend);
        const tps = median(gs.map((g) => g.tokensPerSec));
        const perRep = gs.map((g) => tt.find((t) => t.rep === g.rep)).map((t, i) => (t ? gs[i].tokensPerSec / t.tokens_per_s : NaN)).filter((x) => Number.isFinite(x));
        const ratio = perRep.length > 0 ? median(perRep) : null;
        const torchTps = tt.length > 0 ? median(tt.map((t) => t.tokens_per_s)) : null;
        generation.push({ model: n, backend, tokensPerSec: tps, torchTokensPerSec: torchTps, ratio, met: ratio === null ? null : ratio >= GEN_TARGET });
        console.log(`${n.padEnd(6)} ${backend.padEnd(11)} ${fmt(tps, 0).padStart(14)} ${fmt(torchTps, 0).padStart(15)} ${ratio === null ? "      -" : `${fmt(ratio, 2).padStart(7)}x`}  ${ratio === null ? "-" : ratio >= GEN_TARGET ? "met" : "not met"}`);
      }
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
    for (const mine of results.filter((r) => r.model in BENCH_MODELS)) {
      const wasm = find(mine.model, "wasm");
      if (!wasm?.tokens_per_s) continue;
      const ratio = mine.tokensPerSec / wasm.tokens_per_s;
      const met = mine.threads === 1 ? ratio >= TFJS_TARGET : null;
      tfjs.ratios.push({ model: mine.model, backend: mine.backend, threads: mine.threads, ratio, met });
      const verdict = met === null ? "-" : `>= ${TFJS_TARGET}x TF.js wasm: ${met ? "met" : "not met"}`;
      console.log(`${mine.model.padEnd(6)} ${String(mine.threads).padStart(7)} ${fmt(wasm.steps_per_s ?? null, 2).padStart(13)} ${fmt(wasm.tokens_per_s, 0).padStart(14)} ${fmt(find(mine.model, "cpu")?.tokens_per_s ?? null, 0).padStart(13)}  ${mine.backend.padEnd(11)} ${fmt(mine.tokensPerSec, 0).padStart(14)} ${fmt(ratio, 1).padStart(7)}x  ${verdict}`);
    }
    for (const t of tfjsRun.results) if (t.skipped) console.log(`(TF.js ${t.backend} ${t.model} not timed: ${t.skipped})`);
  }
  // a notebook's first response in a fresh tslab kernel (target: under FIRST_RESPONSE_TARGET s)
  let firstResponse: FirstResponse | null = null;
  if (o.firstResponse) {
    const loadFr = loadavg()[0];
    firstResponse = runFirstResponse();
    if (firstResponse) {
      const f = firstResponse;
      const verdict = (x: number | null): string => (x === null ? "-" : x < FIRST_RESPONSE_TARGET ? "met" : "not met");
      console.log(`\nfirst response of ${f.notebook} in a fresh tslab kernel (bench/first_response.py; load average ${loadFr.toFixed(2)}), target < ${FIRST_RESPONSE_TARGET} s`);
      console.log(`kernel start ${fmt(f.kernel_start_s, 2)} s; from executing the first cell: its ${f.import_cells} import cells return after ${fmt(f.import_s, 2)} s (${verdict(f.import_s)}), the first training progress is drawn after ${fmt(f.first_progress_s, 2)} s (${verdict(f.first_progress_s)}; the cells between build the run and evaluate it), ${fmt(f.train_cell_first_progress_s, 2)} s after the training cell is sent (${verdict(f.train_cell_first_progress_s)})`);
    }
  }
  const loadAfter = loadavg()[0];
  console.log(`load average at the end ${loadAfter.toFixed(2)}; ${((performance.now() - started) / 60000).toFixed(1)} minutes`);
  const json = { node: process.version, cpu: cpus()[0]?.model ?? "", loadAverage: [loadBefore, loadAfter], repLoads, options: o, isa: isaCheck, peaks, roofline, results, runs, torch, torchRuns, scaling, generation, genRuns, torchGen, firstResponse, tfjs };
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
