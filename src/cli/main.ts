// The gptlab command line: train | sample | eval | bench | export | regress, each with --help.
// Options map onto the typed run config (`--key=value`), so the CLI and notebooks share one set of defaults.

import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { Run } from "../train/run.js";
import { packageRootFrom } from "../io/paths.js";
import { kernels } from "../kernels/index.js";
import { defaultRunConfig, parseConfigArgs, runConfigHelp } from "../train/config.js";
import type { RunConfig } from "../train/config.js";
import { RUN_FILES, loadModel, prepareRunFolder, restoreRunState, saveRun, savedRunConfig, savedTokenizer, isRunFolder } from "../io/checkpoint.js";
import { sampleText } from "../eval/sample.js";
import { continueFrom } from "../train/continue.js";
import { evaluateLoss } from "../eval/metrics.js";
import { loadDataset } from "../data/dataset.js";
import { Rng } from "../core/random.js";
import { presetDescriptions } from "../nn/gpt.js";
import { scheduleKinds } from "../optim/schedules.js";

const USAGE = `gptlab: train and explore tiny GPT language models

Usage: npx gptlab <command> [options]

Commands:
  train    train a model (defaults: the lab preset on datasets/simple-sentences, 5000 steps)
  sample   generate text from a trained run folder
  eval     loss, perplexity and bits per token of a run on a data file
  bench    training throughput of the presets and the M1-M3 benchmark models
  export   turn notebooks into standalone TypeScript scripts
  regress  run the exported notebook scripts and compare their figures with the baselines

Run "npx gptlab <command> --help" for the options of a command.`;

function trainHelp(): string {
  const width = Math.max(...Object.keys(defaultRunConfig).map((k) => kebab(k).length)) + 2;
  const lines = (Object.keys(defaultRunConfig) as Array<keyof RunConfig>).map(
    (k) => `  --${kebab(k).padEnd(width)} ${runConfigHelp[k]} (default: ${JSON.stringify(defaultRunConfig[k])})`,
  );
  return `Usage: npx gptlab train [--key=value ...]

Trains a GPT and writes a run folder: metrics.json (per-step loss and lr, evaluations), model.safetensors
(nanoGPT tensor names), config.json, tokenizer.json, trainer-state.safetensors (for --resume) and samples.txt.

Example (the word-level lab run):
  npx gptlab train --preset lab --data datasets/simple-sentences/sentences.txt --steps 5000 --lr 0.01 --schedule linear --seed 42 --out runs/lab

Options:
${lines.join("\n")}
  --resume DIR${" ".repeat(Math.max(1, width - 10))} continue the run saved in DIR up to --steps (weights, optimizer, data position, RNG)
  --force${" ".repeat(Math.max(1, width - 5))} replace the run already in --out

Presets:
${Object.entries(presetDescriptions).map(([k, v]) => `  ${k.padEnd(10)} ${v}`).join("\n")}

Schedules:
${scheduleKinds.map((s) => `  ${s.kind.padEnd(20)} ${s.description}`).join("\n")}
`;
}

const SAMPLE_HELP = `Usage: npx gptlab sample --run DIR [options]

Generates text from the model saved in a run folder, each sample starting from BOS and ending at BOS.

Options:
  --run DIR            run folder written by "gptlab train" (required)
  --n N                number of samples (default 10)
  --temperature T      0 = greedy; lower is more conservative (default 0.8)
  --top-k K            keep only the K most likely tokens
  --top-p P            keep the smallest set of tokens whose probability reaches P (nucleus sampling)
  --prompt TEXT        text every sample starts with
  --max-tokens N       tokens per sample at most (default: the model's block size)
  --seed S             sampling seed (default 42)
`;

const EVAL_HELP = `Usage: npx gptlab eval --run DIR [--data FILE] [--split val|train|all]

Mean cross-entropy (nats/token), perplexity = exp(loss) and bits per token of a trained model.
Without --data it evaluates the run's own data with the run's split.

Options:
  --run DIR       run folder written by "gptlab train" (required)
  --data FILE     another text file, one document per line (every line is evaluated)
  --split S       val | train (default val; ignored with --data)
  --batches N     evaluation batches at most (default 200)
`;

function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function wantsHelp(args: readonly string[]): boolean {
  return args.includes("--help") || args.includes("-h");
}

/** Pulls flag options (with or without a value) out of args before the config parser sees them. */
function takeOption(args: string[], name: string, hasValue: boolean): string | boolean | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === `--${name}`) {
      args.splice(i, 1);
      if (!hasValue) return true;
      if (i >= args.length) throw new Error(`option --${name} needs a value`);
      return args.splice(i, 1)[0];
    }
    if (a.startsWith(`--${name}=`)) {
      args.splice(i, 1);
      return a.slice(name.length + 3);
    }
  }
  return undefined;
}

/** runs/<preset>, runs/<preset>-2, ...: a fresh folder, never one that holds a run. */
function freshRunFolder(preset: string): string {
  for (let i = 1; ; i++) {
    const dir = path.join("runs", i === 1 ? preset : `${preset}-${i}`);
    if (!isRunFolder(dir)) return dir;
  }
}

function fmt(n: number | null | undefined, digits = 4): string {
  return n === null || n === undefined ? "n/a" : n.toFixed(digits);
}

function train(argv: string[]): void {
  if (wantsHelp(argv)) return void process.stdout.write(trainHelp());
  const args = [...argv];
  const resume = takeOption(args, "resume", true) as string | undefined;
  const force = takeOption(args, "force", false) === true;
  const { overrides, positional } = parseConfigArgs(args);
  if (positional.length) throw new Error(`unexpected argument "${positional[0]}"; options look like --steps=300 (see npx gptlab train --help)`);
  let run: Run;
  let out: string;
  if (resume) {
    const saved = savedRunConfig(resume);
    out = (overrides.out as string | undefined) ?? resume;
    run = new Run({ ...saved, ...overrides, out }, savedTokenizer(resume));
    restoreRunState(run, resume);
    if (run.step >= run.config.steps) throw new Error(`run ${resume} already has ${run.step} steps; pass --steps N with N > ${run.step} to train further`);
    if (path.resolve(out) !== path.resolve(resume)) prepareRunFolder(out, { force });
    console.log(`resuming ${resume} at step ${run.step} -> ${run.config.steps}`);
  } else {
    out = (overrides.out as string | null | undefined) ?? freshRunFolder((overrides.preset as string | undefined) ?? defaultRunConfig.preset);
    prepareRunFolder(out, { force });
    const initFrom = overrides.initFrom as string | null | undefined;
    run = initFrom ? continueFrom(initFrom, { ...overrides, out } as Partial<RunConfig>) : new Run({ ...overrides, out } as Partial<RunConfig>);
    if (initFrom) console.log(`starting from the weights of ${initFrom} (fresh optimizer and schedule)`);
  }
  const c = run.config;
  console.log(`gptlab train: preset ${c.preset}, ${run.numParams.toLocaleString("en-US")} parameters, vocab ${run.tokenizer.vocabSize} (${c.tokenizer}), data ${c.data} (${run.data.trainDocs.length} train / ${run.data.valDocs.length} val lines)`);
  console.log(`  ${c.steps} steps, ${c.optimizer} lr ${c.lr} schedule ${c.schedule}, batch ${c.batchSize} (${c.mode}), seed ${c.seed}, kernels ${kernels().name} (${c.threads === 0 ? "threads: one per core" : `${c.threads} threads`}); ln(V) = ${Math.log(run.tokenizer.vocabSize).toFixed(4)}`);
  if (run.replay) console.log(`  replay: ${(c.replayFraction * 100).toFixed(1)}% of the batches from ${c.replayData} (${run.replay.trainDocs.length} train lines)`);
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once("SIGINT", onSigint);
  const end = run.train({ progress: true, signal: controller.signal });
  process.removeListener("SIGINT", onSigint);
  const m = run.metrics().final;
  console.log(`done: ${end.reason} at step ${end.step} in ${(end.elapsedMs / 1000).toFixed(1)} s (${run.history.timing.stepsPerSec.toFixed(0)} steps/s, ${run.history.timing.tokensPerSec.toFixed(0)} tokens/s)`);
  console.log(`  loss: first step ${fmt(m.firstLoss as number)}, last step ${fmt(m.lastLoss as number)}, mean of first 500 steps ${fmt(m.meanLossFirst500 as number)}, mean of last 500 steps ${fmt(m.meanLossLast500 as number)}`);
  console.log(`  eval: train loss ${fmt(m.trainLoss as number)} (ppl ${fmt(m.trainPerplexity as number, 2)}), val loss ${fmt(m.valLoss as number)} (ppl ${fmt(m.valPerplexity as number, 2)})`);
  const samples = run.sample();
  saveRun(run, out, samples);
  console.log(`samples (temperature ${c.temperature}):`);
  for (const s of samples.slice(0, 5)) console.log(`  ${s}`);
  console.log(`run folder: ${out} (${Object.values(RUN_FILES).join(", ")})`);
  if (end.reason === "aborted") console.log(`interrupted: continue with npx gptlab train --resume ${out} --steps ${c.steps}`);
}

function sample(argv: string[]): void {
  if (wantsHelp(argv)) return void process.stdout.write(SAMPLE_HELP);
  const known = { run: "", n: 10, temperature: 0.8, topK: 0, topP: 1, prompt: "", maxTokens: 0, seed: 42 };
  const { overrides, positional } = parseConfigArgs(argv, known, new Set());
  if (positional.length) throw new Error(`unexpected argument "${positional[0]}" (see npx gptlab sample --help)`);
  const o = { ...known, ...overrides } as typeof known;
  if (!o.run) throw new Error("sample needs --run DIR, a folder written by npx gptlab train");
  const { model, tokenizer } = loadModel(o.run);
  const texts = sampleText(model, tokenizer, {
    n: o.n,
    temperature: o.temperature,
    topK: o.topK > 0 ? o.topK : undefined,
    topP: o.topP < 1 ? o.topP : undefined,
    prompt: o.prompt || undefined,
    maxNewTokens: o.maxTokens > 0 ? o.maxTokens : model.config.blockSize,
    rng: new Rng(o.seed),
  });
  for (const t of texts) console.log(t);
}

function evalCmd(argv: string[]): void {
  if (wantsHelp(argv)) return void process.stdout.write(EVAL_HELP);
  const known = { run: "", data: "", split: "val", batches: 200 };
  const { overrides } = parseConfigArgs(argv, known, new Set());
  const o = { ...known, ...overrides } as typeof known;
  if (!o.run) throw new Error("eval needs --run DIR, a folder written by npx gptlab train");
  if (o.split !== "val" && o.split !== "train") throw new Error(`--split must be val or train (got "${o.split}")`);
  const { model, tokenizer, runConfig } = loadModel(o.run);
  const data = loadDataset({
    path: o.data || runConfig.data,
    tokenizer,
    mode: runConfig.mode,
    blockSize: model.config.blockSize,
    batchSize: runConfig.batchSize,
    valFraction: o.data ? 0 : runConfig.valFraction,
    seed: runConfig.seed,
  });
  const source = o.data || o.split === "train" ? data.train : data.val;
  if (!source) throw new Error(`run ${o.run} has no validation split (valFraction 0); use --split train or --data FILE`);
  const s = evaluateLoss(model, source.evalBatches(o.batches));
  const where = o.data ? o.data : `${runConfig.data} (${o.split})`;
  console.log(`${where}: loss ${s.loss.toFixed(4)} nats/token, perplexity ${s.perplexity.toFixed(2)}, ${s.bitsPerToken.toFixed(3)} bits/token over ${s.tokens} tokens (uniform baseline: loss ${Math.log(tokenizer.vocabSize).toFixed(4)}, perplexity ${tokenizer.vocabSize})`);
}

/** Commands implemented by scripts outside src/ (they import heavier tooling); run them with tsx. */
function delegate(script: string, argv: string[]): void {
  // the gptlab package this command runs from (bin/gptlab.js or src/cli/main.ts lie inside it)
  const root = packageRootFrom(path.dirname(fs.realpathSync(path.resolve(process.argv[1] ?? "."))));
  const file = path.join(root, script);
  if (!fs.existsSync(file)) throw new Error(`${script} is missing from this checkout`);
  const tsx = path.join(root, "node_modules", ".bin", "tsx");
  const r = spawnSync(fs.existsSync(tsx) ? tsx : "npx", fs.existsSync(tsx) ? [file, ...argv] : ["tsx", file, ...argv], { stdio: "inherit" });
  process.exitCode = r.status ?? 1;
}

export function main(argv: string[]): void {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "train":
        return train(rest);
      case "sample":
        return sample(rest);
      case "eval":
        return evalCmd(rest);
      case "bench":
        return delegate("bench/bench.ts", rest);
      case "export":
        return delegate("scripts/export-notebooks.ts", rest);
      case "regress":
        return delegate("scripts/regress.ts", rest);
      case undefined:
      case "--help":
      case "-h":
      case "help":
        console.log(USAGE);
        return;
      default:
        throw new Error(`unknown command "${command}"; commands: train, sample, eval, bench, export, regress (npx gptlab --help)`);
    }
  } catch (e) {
    console.error(`gptlab ${command ?? ""}: ${(e as Error).message}`);
    if (process.env.GPTLAB_DEBUG) console.error((e as Error).stack);
    process.exitCode = 2;
  }
}
