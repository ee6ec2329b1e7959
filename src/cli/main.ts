// The gptlab command line: train | sample | eval | bench | export | regress, each with --help.
// Options map onto the typed run config (`--key=value`), so the CLI and notebooks share one set of defaults.

import * as fs from "node:fs";
import * as path from "node:path";
import * as os from "node:os";
import { dataCacheDefault, dataCacheDir } from "../data/cache.js";
import { spawnSync } from "node:child_process";
import { trainInFolder } from "../train/train-in-folder.js";
import { EXIT } from "./exit-codes.js";
import { createRequire } from "node:module";
import { gptlabRoot } from "../core/package-root.js";
import { onStopRequest } from "./stop-signals.js";
import { kernels } from "../kernels/index.js";
import { checkGivenOptionsApply, defaultRunConfig, kebab, parseConfigArgs, resolveRunConfig, runConfigFromFile, runConfigSchema } from "../train/config.js";
import { nanoGPTAliases, nanoGPTUnsupported } from "../train/nanogpt.js";
import { configFileFormats } from "../io/config-file.js";
import type { Run } from "../train/run.js";
import type { RunConfig } from "../train/config.js";
import { CHECKPOINTS, RUN_FILES, RunFolderTakenError, checkpointDir, claimRunFolder, loadModel, isRunFolder } from "../io/checkpoint.js";
import { sampleInMode, sampleLines, sampleMarker } from "../train/samples.js";
import { importedModelKeys, sourceModelKeys } from "../train/continue.js";
import { evaluateCovered } from "../eval/tokenizers.js";
import { countCharacters, dataModeEntry, loadDataset } from "../data/dataset.js";
import { Rng } from "../core/random.js";
import { presetDescriptions } from "../nn/gpt.js";
import { scheduleKinds } from "../optim/schedules.js";
import { optimizerRegistry } from "../optim/optimizers.js";
import { checkField, defaultsOf, fieldHelp, resolveOptions } from "../core/schema.js";
import type { Schema } from "../core/schema.js";
import { sweepCommand } from "./sweep.js";
import { kernelCommand } from "./kernel.js";
import { exercisesCommand } from "./exercises.js";

const USAGE = `gptlab: train and explore tiny GPT language models

Usage: npx gptlab <command> [options]

Commands:
  train    train a model (defaults: the lab preset on datasets/simple-sentences, 5000 steps)
  sample   generate text from a trained run folder
  eval     loss, perplexity and bits per token of a run on a data file
  bench    training throughput of the presets and the M1-M3 benchmark models
  export   turn notebooks into standalone TypeScript scripts
  regress  run the exported notebook scripts and compare their figures with the baselines
  sweep    hyperparameter sweeps: plan | run | collect | lr-range (local cores, Slurm, Kubernetes, CI matrix)
  kernel   register the TypeScript notebook kernel with Jupyter and VS Code, without Python: install | list
  exercises  exercise notebooks for a class: student (write the student versions) | grade FOLDER | list

Run "npx gptlab <command> --help" for the options of a command.`;

/** One line per option of a schema: `  --kebab-name   description (what it takes; default X)`, and its other names. */
function optionLines(schema: Schema, extra: Array<[string, string]> = [], aliases: Readonly<Record<string, string>> = {}): string {
  const aliasesOf = (key: string): string => {
    const names = Object.keys(aliases).filter((a) => aliases[a] === key);
    return names.length ? ` [nanoGPT: ${names.join(", ")}]` : "";
  };
  const rows: Array<[string, string]> = [
    ...Object.entries(schema).filter(([, spec]) => !spec.codeOnly).map(([k, spec]): [string, string] => [`--${kebab(k)}`, fieldHelp(spec) + aliasesOf(k)]),
    ...extra,
  ];
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  return rows.map(([flag, text]) => `  ${flag.padEnd(width)} ${text}`).join("\n");
}

function trainHelp(): string {
  return `Usage: npx gptlab train [--config FILE] [--key=value ...]

Trains a GPT and writes a run folder: metrics.json (the run's status, per-step loss and lr, evaluations), and
the checkpoints last/ (saved every --save-every steps and every --save-every-seconds, and at the end) and best/
(lowest validation loss), each with model.safetensors (nanoGPT tensor names), config.json, tokenizer.json,
trainer-state.safetensors (last/ only, for --resume), metrics.json and, at the end, samples.txt.

Ctrl-C, SIGTERM and SIGHUP stop training after the current step and save it (exit code ${EXIT.stopped}); a diverged run
exits with ${EXIT.diverged}, bad options with ${EXIT.badInput}, a failed save with ${EXIT.ioError}. Under npx the shell sees npx's
exit code instead (130 after Ctrl-C, 143 after SIGTERM), and a SIGTERM sent to npx's pid stops and saves the run
once npx has exited; for the exit code 75, run node on the bin (node node_modules/gptlab/bin/gptlab.js train ...).

Example (the word-level lab run):
  npx gptlab train --preset lab --data datasets/simple-sentences/sentences.txt --steps 5000 --lr 0.01 --schedule linear --seed 42 --out runs/lab-spelled-out

Config files: --config FILE (or the file as the first argument, as nanoGPT's train.py takes it) reads options from
JSON ({ "steps": 2000 }) or nanoGPT's key = value lines (.py, also read as flat .toml: max_iters = 2000, no code
is run); options on the command line override the file's. Names: --warmup-steps, --warmup_steps, or the nanoGPT
name in [ ] below (--max_iters=2000). nanoGPT options with no equivalent are skipped with a note:
${Object.entries(nanoGPTUnsupported).map(([k, why]) => `  ${k.padEnd(22)} ${why}`).join("\n")}

Options (each at most once; an option of another schedule or optimizer than the chosen one is refused):
${optionLines(runConfigSchema, [
  ["--config FILE", `read options from FILE (${configFileFormats.join(", ")}); the command line overrides them`],
  ["--resume DIR", "continue the run saved in DIR exactly (weights, optimizer, data position, RNG) up to its --steps"],
  ["--allow-config-change", "with --resume: apply changed options (lr, schedule, steps of a linear schedule...) and record them in metrics.json"],
  ["--force", "replace the run already in --out"],
], nanoGPTAliases)}

Presets:
${Object.entries(presetDescriptions).map(([k, v]) => `  ${k.padEnd(10)} ${v}`).join("\n")}

Schedules (warmup, where offered: lr·(step+1)/warmupSteps; then the formula with s = step - warmupSteps):
${scheduleKinds.map((s) => `  ${s.kind.padEnd(20)} ${s.description}: ${s.formula}`).join("\n")}

Optimizers:
${optimizerRegistry.map((o) => `  ${o.kind.padEnd(20)} ${o.description}`).join("\n")}
`;
}

const sampleSchema = {
  run: { type: "string", default: "", description: 'run folder written by "gptlab train" (required)' },
  n: { type: "integer", default: 10, min: 1, max: 100000, description: "number of samples" },
  temperature: { type: "number", default: 0.8, min: 0, description: "0 = greedy; lower is more conservative" },
  topK: { type: "integer", default: 0, min: 0, description: "keep only the K most likely tokens (0 = all)" },
  topP: { type: "number", default: 1, min: 0, minExclusive: true, max: 1, description: "keep the smallest set of tokens whose probability reaches P (1 = all; nucleus sampling)" },
  prompt: { type: "string", default: "", description: "text every sample starts with (a text-mode run's samples start from a newline without one)" },
  promptFile: { type: "string", default: "", description: "file whose whole text (line breaks included) is the prompt; instead of --prompt" },
  maxTokens: { type: "integer", default: 0, min: 0, description: "tokens per sample at most (0 = the model's block size)" },
  seed: runConfigSchema.seed,
} as const satisfies Schema;

const evalSchema = {
  run: { type: "string", default: "", description: 'run folder written by "gptlab train" (required)' },
  data: { type: "string", default: "", description: "another text file, one document per line (every line is evaluated)" },
  split: { type: "string", default: "val", choices: ["val", "train"], description: "the run's split to evaluate (ignored with --data)" },
  batches: { type: "integer", default: 0, min: 0, description: "evaluation batches at most (0 = the run's --eval-batches: the batches training's evaluations use, so the final val loss agrees)" },
  whole: { type: "boolean", default: false, description: "evaluate every token of the split (consecutive windows in text mode) instead of --batches" },
} as const satisfies Schema;

function sampleHelp(): string {
  return `Usage: npx gptlab sample --run DIR [options]

Generates text from the model saved in a run folder. Runs of one-line documents (--mode documents, stream): each
sample starts from BOS and ends at BOS, one per line. Text-mode runs: each sample starts from the prompt, or a
newline, and runs for --max-tokens tokens, under a "${sampleMarker(0)}" line.

Options:
${optionLines(sampleSchema)}
`;
}

function evalHelp(): string {
  return `Usage: npx gptlab eval --run DIR [--data FILE] [--split val|train] [--whole]

Mean cross-entropy (nats/token), perplexity = exp(loss), bits per token, and bits per character and per byte of
the text the predicted tokens spell (these compare runs with different tokenizers), with the tokens covered.
Without --data it evaluates the run's own data with the run's split, on the same batches as training's
evaluations (--eval-batches of the run), so it prints the final val loss of training; --whole takes every token.

Options:
${optionLines(evalSchema)}
`;
}

/** Parses a command's options against its schema: flags, types, ranges and choices, each error naming the flag. */
function commandOptions<S extends Schema>(command: string, schema: S, argv: string[]) {
  const known = defaultsOf(schema) as unknown as Record<string, string | number>;
  const { overrides, positional } = parseConfigArgs(argv, known, new Set());
  if (positional.length) {
    const runHint = "run" in schema && isRunFolder(positional[0]) ? `; did you mean --run ${positional[0]}?` : "";
    throw new Error(`unexpected argument "${positional[0]}"${runHint} (see npx gptlab ${command} --help)`);
  }
  return resolveOptions((key) => `--${kebab(key)}`, schema, overrides);
}

function wantsHelp(args: readonly string[]): boolean {
  return args.includes("--help") || args.includes("-h");
}

/** Pulls flag options (with or without a value) out of args before the config parser sees them. */
function takeOption(args: string[], name: string, hasValue: boolean): string | boolean | undefined {
  const count = args.filter((a) => a === `--${name}` || a.startsWith(`--${name}=`)).length;
  if (count > 1) throw new Error(`--${name} is given ${count} times; give it once`);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === `--${name}`) {
      args.splice(i, 1);
      if (!hasValue) return true;
      if (i >= args.length) throw new Error(`option --${name} needs a value`);
      return args.splice(i, 1)[0];
    }
    if (a.startsWith(`--${name}=`)) {
      if (!hasValue) throw new Error(`--${name} takes no value (got "${a}"); write --${name} alone, or leave it out`);
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

async function train(argv: string[]): Promise<void> {
  if (wantsHelp(argv)) return void process.stdout.write(trainHelp());
  const args = [...argv];
  const resume = takeOption(args, "resume", true) as string | undefined;
  const force = takeOption(args, "force", false) === true;
  const allowConfigChange = takeOption(args, "allow-config-change", false) === true;
  let configFile = takeOption(args, "config", true) as string | undefined;
  const { overrides: given, positional } = parseConfigArgs(args);
  // nanoGPT's form: train.py config/train_shakespeare_char.py --max_iters=2000
  if (configFile === undefined && positional.length > 0 && (configFileFormats as readonly string[]).includes(path.extname(positional[0]).toLowerCase())) configFile = positional.shift();
  const fromFile = configFile === undefined ? { overrides: {}, notes: [] } : runConfigFromFile(configFile);
  for (const note of fromFile.notes) console.log(`config ${configFile}: ${note}`);
  const overrides: Record<string, unknown> = { ...fromFile.overrides, ...given };
  // each given value against its field before any is used (an empty --init-from would otherwise be read as a folder)
  for (const [key, value] of Object.entries(overrides)) if (key in runConfigSchema) checkField(`config.${key}`, runConfigSchema[key as keyof RunConfig], value);
  if (resume !== undefined && overrides.initFrom != null) throw new Error(`--init-from ${overrides.initFrom} cannot be combined with --resume ${resume}: a resumed run continues its own weights; leave out --init-from, or start a new run with --init-from and --out`);
  // --init-from DIR: the model keys and tokenizer of the run it starts from, unless given
  if (typeof overrides.initFrom === "string" && resume === undefined) {
    const init = overrides.initFrom;
    const keys = init.endsWith(".safetensors") ? importedModelKeys(init, overrides.nHead as number | undefined) : sourceModelKeys(init);
    Object.assign(overrides, { ...keys, ...overrides });
  }
  if (positional.length) throw new Error(`unexpected argument "${positional[0]}"; options look like --steps=300 (see npx gptlab train --help)`);
  if (resume !== undefined && resume.trim() === "") throw new Error(`--resume needs a run folder (got an empty string); give the folder of the run to continue, e.g. --resume runs/lab`);
  if (allowConfigChange && resume === undefined) throw new Error("--allow-config-change only applies with --resume DIR");
  let out: string;
  if (resume !== undefined) {
    out = (overrides.out as string | null | undefined) ?? resume;
    if (path.resolve(out) !== path.resolve(resume)) {
      // continue into another folder: claim it, then copy the checkpoint over
      const unit = checkpointDir(resume);
      if (!unit) throw new Error(`${resume} holds no checkpoint to continue (is it a gptlab run folder?)`);
      claimRunFolder(out, { force });
      fs.cpSync(unit, path.join(out, CHECKPOINTS.last), { recursive: true });
    }
  } else {
    checkGivenOptionsApply(resolveRunConfig(overrides as Partial<RunConfig>), Object.keys(overrides));
    out = (overrides.out as string | null | undefined) ?? freshRunFolder((overrides.preset as string | undefined) ?? defaultRunConfig.preset);
  }
  const pickFolder = resume === undefined && !overrides.out;
  const controller = new AbortController();
  let signalName: string | null = null;
  const stopListening = onStopRequest((why) => {
    signalName = why;
    controller.abort();
  });
  let result: Awaited<ReturnType<typeof trainInFolder>> | null = null;
  try {
    while (!result) {
      try {
        result = await trainOnce();
      } catch (e) {
        // another gptlab train took this runs/<preset>-N a moment ago: take the next one
        if (!(pickFolder && e instanceof RunFolderTakenError)) throw e;
        out = freshRunFolder((overrides.preset as string | undefined) ?? defaultRunConfig.preset);
      }
    }
  } catch (e) {
    if (/could not (save|write)/.test((e as Error).message)) {
      console.error(`gptlab train: ${(e as Error).message}`);
      process.exitCode = EXIT.ioError;
      return;
    }
    throw e;
  } finally {
    stopListening();
  }
  function trainOnce(): ReturnType<typeof trainInFolder> {
    return trainInFolder(out, { ...overrides, out } as Partial<RunConfig>, {
      resume: resume !== undefined,
      allowConfigChange,
      force,
      signal: controller.signal,
      progress: true,
      onReady: (run, resumedFrom) => {
        const c = run.config;
        if (resumedFrom !== null) console.log(`resuming ${out} at step ${resumedFrom} -> ${c.steps}`);
        const defaultTokenizer = c.mode === "text" && overrides.tokenizer === undefined ? ", the text mode's default" : "";
        console.log(`gptlab train: preset ${c.preset}, ${run.numParams.toLocaleString("en-US")} parameters, vocab ${run.tokenizer.vocabSize} (${c.tokenizer}${defaultTokenizer}), data ${c.data} (${dataSummary(run)})`);
        console.log(`  ${c.steps} steps, ${c.optimizer} lr ${c.lr} schedule ${c.schedule}, batch ${c.batchSize} (${c.mode}), seed ${c.seed}, kernels ${kernels().name} (${c.threads === 0 ? "threads: one per core" : `${c.threads} threads`}); ln(V) = ${Math.log(run.tokenizer.vocabSize).toFixed(4)}`);
        const every = [c.saveEvery > 0 ? `${c.saveEvery} steps` : "", c.saveEverySeconds > 0 ? `${c.saveEverySeconds} s` : ""].filter(Boolean).join(" and every ");
        console.log(`  checkpoints: ${out}/${CHECKPOINTS.last} ${every ? `every ${every}` : "at the end only"}, ${out}/${CHECKPOINTS.best} (lowest val loss)`);
        const cache = run.data.cache;
        if (cache) console.log(`  data cache: ${cache.dir} (tokenizer ${cache.tokenizer ?? "given"}, encoded splits ${cache.encoded}; GPTLAB_DATA_CACHE=off turns it off)`);
        if (c.initFrom !== null && resumedFrom === null) console.log(`  starting from the weights of ${c.initFrom} (fresh optimizer and schedule${c.initFrom.endsWith(".safetensors") ? "; imported with the tanh GELU, as GPT-2's, where nanoGPT's nn.GELU is exact" : ""})`);
        if (run.replay) console.log(`  replay: ${(c.replayFraction * 100).toFixed(1)}% of the batches from ${c.replayData} (${run.replay.trainDocs.length} train lines)`);
        for (const w of run.warnings) console.warn(`warning: ${w}`);
      },
    });
  }
  const { run, end } = result;
  const c = run.config;
  const m = run.metrics().final;
  console.log(`done: ${end.reason} at step ${end.step} in ${(end.elapsedMs / 1000).toFixed(1)} s (${run.history.timing.stepsPerSec.toFixed(0)} steps/s, ${run.history.timing.tokensPerSec.toFixed(0)} tokens/s)`);
  if (typeof m.stoppedEarlyAtStep === "number") console.log(`  stopped early at step ${m.stoppedEarlyAtStep}: no new best validation loss for ${c.patience} evaluations; the best, ${fmt(m.bestValLoss as number)} at step ${m.bestStep}, is in ${out}/${CHECKPOINTS.best}`);
  if (end.reason === "diverged") {
    const unit = checkpointDir(out);
    const good = unit ? `; ${out}/${CHECKPOINTS.last} keeps the last good state: continue it with a lower lr (npx gptlab train --resume ${out} --lr ${(end.divergedLr ?? c.lr) / 10} --allow-config-change)` : "";
    console.error(`gptlab train: diverged at step ${end.divergedAtStep} with lr ${end.divergedLr} (loss ${run.history.lastSteps(1)[0]?.loss}${end.divergedAtStep !== end.step ? ` over the limit for ${end.step - end.divergedAtStep! + 1} steps in a row` : ""}): lower --lr (or add warmup / --clip-norm)${good}; the history is in ${out}/${RUN_FILES.metrics}`);
    process.exitCode = EXIT.diverged;
    return;
  }
  const window = Math.min(500, run.history.steps.length);
  console.log(`  loss: first step ${fmt(m.firstLoss as number)}, last step ${fmt(m.lastLoss as number)}${window < 500 ? `, mean of all ${window} steps ${fmt(m.meanLossFirst500 as number)}` : `, mean of first ${window} steps ${fmt(m.meanLossFirst500 as number)}, mean of last ${window} steps ${fmt(m.meanLossLast500 as number)}`}`);
  console.log(`  eval: train loss ${fmt(m.trainLoss as number)} (ppl ${fmt(m.trainPerplexity as number, 2)}), val loss ${fmt(m.valLoss as number)} (ppl ${fmt(m.valPerplexity as number, 2)})`);
  if (end.reason === "aborted") {
    console.log(`stopped by ${signalName ?? "a signal"} at step ${end.step} of ${c.steps}, saved in ${out}/${CHECKPOINTS.last}; continue with: npx gptlab train --resume ${out}`);
    process.exitCode = EXIT.stopped;
    return;
  }
  const file = path.join(out, CHECKPOINTS.last, RUN_FILES.samples);
  const lines = fs.existsSync(file) ? fs.readFileSync(file, "utf8").replace(/\n$/, "").split("\n") : [];
  // the first five samples: five lines, or in text mode the lines up to the sixth marker
  const sixth = lines.indexOf(sampleMarker(5));
  console.log(`samples (temperature ${c.temperature}; all in ${file}):`);
  for (const s of dataModeEntry(c.mode).documents ? lines.slice(0, 5) : lines.slice(0, sixth < 0 ? lines.length : sixth)) console.log(`  ${s}`);
  console.log(`run folder: ${out} (${RUN_FILES.metrics}, ${CHECKPOINTS.last}/ and ${CHECKPOINTS.best}/ with ${[RUN_FILES.weights, RUN_FILES.config, RUN_FILES.tokenizer, RUN_FILES.state, RUN_FILES.samples].join(", ")})`);
}

/** What the run trains and validates on: lines per split, or in text mode characters and tokens per split. */
function dataSummary(run: Run): string {
  const d = run.data;
  if (!dataModeEntry(d.mode).documents) {
    const n = (x: number): string => x.toLocaleString("en-US");
    const split = (name: string, texts: string[], tokens: number | undefined): string => `${name} ${n(texts.reduce((a, t) => a + countCharacters(t), 0))} characters / ${n(tokens ?? 0)} tokens`;
    return `${d.mode}: ${split("train", d.trainDocs, d.train.numTokens)}, ${split("val", d.valDocs, d.val?.numTokens)}`;
  }
  return `${d.trainDocs.length} train / ${d.valDocs.length} val lines`;
}

function sample(argv: string[]): void {
  if (wantsHelp(argv)) return void process.stdout.write(sampleHelp());
  const o = commandOptions("sample", sampleSchema, argv);
  if (!o.run) throw new Error("sample needs --run DIR, a folder written by npx gptlab train");
  if (o.prompt && o.promptFile) throw new Error("give --prompt or --prompt-file, not both");
  const prompt = o.promptFile ? readPromptFile(o.promptFile) : o.prompt;
  const { model, tokenizer, runConfig } = loadModel(o.run);
  const texts = sampleInMode(model, tokenizer, runConfig.mode, {
    n: o.n,
    temperature: o.temperature,
    topK: o.topK > 0 ? o.topK : undefined,
    topP: o.topP < 1 ? o.topP : undefined,
    prompt: prompt || undefined,
    maxNewTokens: o.maxTokens > 0 ? o.maxTokens : model.config.blockSize,
    rng: new Rng(o.seed),
  });
  for (const line of sampleLines(texts, runConfig.mode)) console.log(line);
}

function readPromptFile(file: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`--prompt-file ${file} cannot be read: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
  }
  if (text === "") throw new Error(`--prompt-file ${file} is empty; put the text the samples should continue in it`);
  return text;
}

function evalCmd(argv: string[]): void {
  if (wantsHelp(argv)) return void process.stdout.write(evalHelp());
  const o = commandOptions("eval", evalSchema, argv);
  if (!o.run) throw new Error("eval needs --run DIR, a folder written by npx gptlab train");
  const { model, tokenizer, runConfig } = loadModel(o.run);
  const data = loadDataset({
    path: o.data || runConfig.data,
    tokenizer,
    mode: runConfig.mode,
    blockSize: model.config.blockSize,
    batchSize: runConfig.batchSize,
    valFraction: o.data ? 0 : runConfig.valFraction,
    seed: runConfig.seed,
    cache: dataCacheDir(),
  });
  const source = o.data || o.split === "train" ? data.train : data.val;
  if (!source) throw new Error(`run ${o.run} has no validation split (valFraction 0); use --split train or --data FILE`);
  const count = o.batches > 0 ? o.batches : runConfig.evalBatches;
  const batches = source.evalBatches(o.whole ? undefined : count);
  const s = evaluateCovered(model, tokenizer, batches);
  const where = o.data ? o.data : `${runConfig.data} (${o.split})`;
  const n = (x: number): string => x.toLocaleString("en-US");
  console.log(`${where}: loss ${s.loss.toFixed(4)} nats/token, perplexity ${s.perplexity.toFixed(2)}, ${s.bitsPerToken.toFixed(3)} bits/token, ${s.bitsPerCharacter.toFixed(3)} bits/character, ${s.bitsPerByte.toFixed(3)} bits/byte (uniform baseline: loss ${Math.log(tokenizer.vocabSize).toFixed(4)}, perplexity ${tokenizer.vocabSize})`);
  const which = o.whole ? "the whole split" : o.batches > 0 ? `--batches ${o.batches}` : `the run's ${count} evaluation batches, as training's final evaluation (--whole for every token)`;
  console.log(`  covered ${n(s.tokens)} predicted tokens (${n(s.characters)} characters, ${n(s.bytes)} bytes) in ${batches.length} batches of ${runConfig.batchSize}: ${which}`);
}

/** A run config key in an error ("config.mode") as the command line spells it ("--mode"); config.json stays. */
export function asFlags(message: string): string {
  return message.replace(/\bconfig\.([A-Za-z]+)\b/g, (m, key: string) => (key in runConfigSchema ? `--${kebab(key)}` : m));
}

/**
 * Commands implemented by scripts of the checkout outside src/ (they import heavier tooling): run with tsx's CLI
 * through this node, not node_modules/.bin/tsx (a shell script that cmd.exe cannot start).
 */
function delegate(script: string, argv: string[]): void {
  const root = gptlabRoot();
  const file = path.join(root, script);
  if (!fs.existsSync(file)) throw new Error(`${script} is part of the gptlab repository, not of the installed package: run it in a clone (git clone, npm install)`);
  let tsx: string;
  try {
    tsx = createRequire(path.join(root, "package.json")).resolve("tsx/cli");
  } catch {
    throw new Error(`${script} runs with tsx, which is not installed in ${root}: run npm install there`);
  }
  const r = spawnSync(process.execPath, [tsx, file, ...argv], { stdio: "inherit" });
  process.exitCode = r.status ?? 1;
}

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  // a second run on the same file reads its tokenizer and encoded splits from here (src/data/cache.ts)
  if (process.env.GPTLAB_DATA_CACHE === undefined) process.env.GPTLAB_DATA_CACHE = dataCacheDefault(os.homedir());
  try {
    switch (command) {
      case "train":
        return await train(rest);
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
      case "sweep":
        return void sweepCommand(rest);
      case "kernel":
        return kernelCommand(rest);
      case "exercises":
        return await exercisesCommand(rest);
      case undefined:
      case "--help":
      case "-h":
      case "help":
        console.log(USAGE);
        return;
      default:
        throw new Error(`unknown command "${command}"; commands: train, sample, eval, bench, export, regress, sweep, kernel, exercises (npx gptlab --help)`);
    }
  } catch (e) {
    const message = command === "train" ? asFlags((e as Error).message) : (e as Error).message;
    console.error(`gptlab ${command ?? ""}: ${message}`);
    if (process.env.GPTLAB_DEBUG) console.error((e as Error).stack);
    process.exitCode = EXIT.badInput;
  }
}
