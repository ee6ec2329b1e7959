// `gptlab sweep plan | run | collect | lr-range`: hyperparameter sweeps on every local core, or handed to Slurm,
// Kubernetes or a CI matrix (`plan --emit`), from a JSON sweep definition.

import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "../io/args.js";
import { prepareOutputFile } from "../io/paths.js";
import type { ArgDefault } from "../io/args.js";
import { parseConfigArgs } from "../train/config.js";
import { describeParams, parseDefinition, planSweep } from "../sweep/definition.js";
import type { Plan } from "../sweep/definition.js";
import { SWEEP_FILES, planLines, readSweepFolder, trialDir, writeSweepFolder } from "../sweep/folder.js";
import { bestRow, collectSweep, toCSV, toJSONLines } from "../sweep/collect.js";
import type { Row } from "../sweep/collect.js";
import { EMIT_KINDS, emitSweep } from "../sweep/emit.js";
import type { EmitKind } from "../sweep/emit.js";
import { defaultJobs, gptlabBin, runPool, statusLine, workerMain } from "../sweep/pool.js";
import { runTrial } from "../sweep/trial.js";
import { lrRangeTest, lrRangeDefaults } from "../sweep/lr-range.js";
import { onStopRequest } from "./stop-signals.js";
import { formatTextTable } from "../notebook/text-table.js";

/** Exit codes: 0 done, 1 trials failed, 2 bad definition or options, 75 stopped part-way (run again to continue). */
export const EXIT = { ok: 0, failed: 1, config: 2, stopped: 75 } as const;

const USAGE = `Usage: npx gptlab sweep <plan|run|collect|lr-range> [options]   (each takes --help)

A sweep is a JSON definition: a base run config plus axes.
  {
    "name": "lr-batch",
    "base": { "steps": 1000, "evalEvery": 250 },
    "grid": { "lr": [0.001, 0.003, 0.01], "batchSize": [1, 4] },
    "random": { "count": 8, "seed": 1, "axes": { "warmupSteps": { "intUniform": [0, 100] } } },
    "seeds": 2
  }
grid: every combination (last key fastest); configs: a list of whole configs; random: count points drawn with seed
(logUniform / uniform / intUniform [min, max], choice [...]); seeds: repeat each point (a count or a list).
Every run-config key (npx gptlab train --help) can be an axis; bad axes are refused before anything runs.

  plan      expand the definition: one JSON line per trial (index, id, axis values, config); --emit writes a
            Slurm / Kubernetes / GitHub Actions job that runs the trials
  run       run the trials on a pool of local worker processes (one per core), or one trial (--index N)
  collect   the trial folders as one table: results.jsonl and results.csv in the sweep folder
  lr-range  the learning-rate range test (LR raised exponentially until the loss diverges)

Exit codes: 0 done, 1 some trials failed, 2 bad definition or options, 75 stopped part-way (run again to continue).`;

const PLAN_HELP = `Usage: npx gptlab sweep plan DEFINITION.json [--dir DIR] [--emit slurm|k8s|github-matrix] [options]

Prints the plan: one JSON line per trial {index, id, params, config}, in a fixed order; the id is a hash of the
trial's config (without out and threads), so the same trial has the same id in every sweep. With --dir or --emit
it also writes the sweep folder (sweep.json, plan.jsonl; default runs/sweeps/NAME).

Options:
  --dir DIR          sweep folder (default runs/sweeps/<name>)
  --emit KIND        print a job for a batch engine instead of the plan:
                       slurm          an sbatch --array script   (sbatch it; each task runs one trial)
                       k8s            a Kubernetes Indexed Job   (kubectl apply -f it; JOB_COMPLETION_INDEX)
                       github-matrix  a matrix include list of at most 256 jobs (strategy.matrix: fromJSON(...))
  --parallel N       slurm: at most N tasks at once (--array=0-15%N); k8s: parallelism
  --partition P      slurm partition         --time T    slurm time limit, e.g. 01:00:00
  --image I          k8s container image (default node:20)
  --claim C          k8s volume claim with the gptlab checkout and the sweep folder (default gptlab)
  --workdir W        folder the jobs run in (default: the current folder, absolute)
`;

const RUN_HELP = `Usage: npx gptlab sweep run DEFINITION.json [--dir DIR] [--jobs N]
       npx gptlab sweep run --dir DIR [--index N]

Runs every trial that is not finished, each as an ordinary run folder DIR/trials/<id>/, on a pool of worker
processes (kernel threads 1 each) with one progress line, then collects the results. A finished trial is never run
again; Ctrl-C (or SIGTERM) saves the running trials part-way and the next run continues them exactly; a diverged
trial is recorded as diverged and the sweep goes on.

Options:
  --dir DIR     sweep folder (default runs/sweeps/<name>); without a definition, the plan saved there
  --jobs N      worker processes (default one per core: ${defaultJobs()})
  --index N     run only trial N in this process (also "0-3" or "0,5,9"); without --index, SLURM_ARRAY_TASK_ID or
                JOB_COMPLETION_INDEX choose the trial when set (what a batch job calls)
`;

const COLLECT_HELP = `Usage: npx gptlab sweep collect DIR [--no-timing] [--format table|jsonl|csv] [--out PREFIX]

Reads the trial folders of the sweep DIR into one table: index, id, the axis values, status (completed, diverged,
stopped, pending), params, steps, train/val loss and perplexity, best step and loss, the step and lr of a divergence, the step early stopping ended it at,
tokens/s and seconds. Writes DIR/results.jsonl and DIR/results.csv (or PREFIX.jsonl / PREFIX.csv) and prints it.
Without timing (--no-timing) the files hold no wall-clock fields: the same sweep collects to the same bytes
wherever its trials ran.

Options:
  --no-timing    leave out tokens_per_s and seconds
  --format F     what to print: table (default), jsonl or csv
  --out PREFIX   write PREFIX.jsonl and PREFIX.csv instead
`;

function lrRangeHelp(): string {
  const d = lrRangeDefaults;
  return `Usage: npx gptlab sweep lr-range [--min-lr ${d.minLr}] [--max-lr ${d.maxLr}] [--range-steps ${d.steps}] [--key=value ...] [--out FILE.json]

The learning-rate range test (Smith 2017): trains with the LR raised exponentially from --min-lr to --max-lr over
--range-steps steps, stops when the smoothed loss exceeds ${d.divergeFactor}x its minimum (or becomes NaN), and
suggests the LR a tenth of the way (in log) below the minimum of the smoothed loss: lr_at_min / 10.
Other options are run-config keys (npx gptlab train --help), e.g. --preset lab --batch-size 4.

Options:
  --min-lr X        first LR (default ${d.minLr})
  --max-lr X        last LR (default ${d.maxLr})
  --range-steps N   steps from min to max (default ${d.steps})
  --smoothing B     exponential smoothing of the loss, in [0, 1) (default ${d.smoothing})
  --out FILE.json   write the curve (lr, loss, smoothed per step) and the suggestion
`;
}

function wantsHelp(args: readonly string[]): boolean {
  return args.includes("--help") || args.includes("-h");
}

class UsageError extends Error {}

function options<T extends Record<string, ArgDefault>>(defaults: T, argv: string[], command: string): { o: T; positional: string[] } {
  try {
    const { values, positional } = parseArgs(defaults, argv, { positional: true, camelCase: true });
    return { o: { ...defaults, ...values } as T, positional };
  } catch (e) {
    throw new UsageError(`${(e as Error).message} (npx gptlab sweep ${command} --help)`);
  }
}

function loadDefinitionPlan(file: string): { plan: Plan; definition: ReturnType<typeof parseDefinition> } {
  if (!fs.existsSync(file)) throw new UsageError(`sweep definition ${file} not found`);
  const definition = parseDefinition(fs.readFileSync(file, "utf8"), file);
  return { plan: planSweep(definition, path.basename(file).replace(/\.json$/i, "")), definition };
}

function defaultDir(plan: Plan): string {
  return path.join("runs", "sweeps", plan.name);
}

function plan(argv: string[]): number {
  if (wantsHelp(argv)) return void process.stdout.write(PLAN_HELP), EXIT.ok;
  const { o, positional } = options({ dir: "", emit: "", parallel: 0, partition: "", time: "", image: "", claim: "", workdir: "" }, argv, "plan");
  if (positional.length !== 1) throw new UsageError(`sweep plan needs one definition file (got ${positional.length ? positional.join(" ") : "none"}); see npx gptlab sweep plan --help`);
  if (o.emit && !(EMIT_KINDS as readonly string[]).includes(o.emit)) throw new UsageError(`--emit must be one of ${EMIT_KINDS.join(", ")} (got "${o.emit}")`);
  if (!(Number.isInteger(o.parallel) && o.parallel >= 0)) throw new UsageError(`--parallel must be an integer >= 1 (got ${o.parallel})`);
  // Slurm's time formats: MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS
  if (o.time && !/^(\d+-\d{1,2}(:\d{2}){0,2}|\d+(:\d{2}){0,2})$/.test(o.time)) throw new UsageError(`--time must be a Slurm time limit like 01:00:00, 90 (minutes) or 2-00:00:00 (got "${o.time}")`);
  const { plan: p, definition } = loadDefinitionPlan(positional[0]);
  if (o.dir || o.emit) writeSweepFolder(o.dir || defaultDir(p), p, definition);
  if (!o.emit) return void process.stdout.write(planLines(p)), EXIT.ok;
  const dir = o.dir || defaultDir(p);
  const workdir = path.resolve(o.workdir || ".");
  const bin = gptlabBin();
  const fromWorkdir = path.relative(workdir, bin);
  const text = emitSweep(o.emit as EmitKind, p, {
    dir,
    workdir,
    bin: fromWorkdir.startsWith("..") || path.isAbsolute(fromWorkdir) ? bin : fromWorkdir,
    parallel: o.parallel || undefined,
    partition: o.partition || undefined,
    time: o.time || undefined,
    image: o.image || undefined,
    claim: o.claim || undefined,
  });
  // Slurm does not create the folder of --output
  if (o.emit === "slurm") fs.mkdirSync(path.join(dir, "slurm"), { recursive: true });
  process.stdout.write(text);
  console.error(`sweep ${p.name}: ${p.trials.length} trials planned in ${dir}; collect with: npx gptlab sweep collect ${dir}`);
  return EXIT.ok;
}

/** "3", "0-3", "0,5,9" -> trial indexes, each checked against the plan. */
export function parseIndexSpec(spec: string, count: number): number[] {
  const out: number[] = [];
  for (const part of spec.split(",").map((s) => s.trim())) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new UsageError(`--index must be a trial number, a range like 0-3 or a list like 0,5,9 (got "${spec}")`);
    const [a, b] = [Number(m[1]), Number(m[2] ?? m[1])];
    if (b < a) throw new UsageError(`--index range ${part} runs backwards: write it low-high, e.g. ${b}-${a}`);
    for (let i = a; i <= b; i++) {
      if (i >= count) throw new UsageError(`--index ${i} is out of range: the sweep has ${count} trials (0-${count - 1})`);
      out.push(i);
    }
  }
  return out;
}

async function runIndexed(dir: string, p: Plan, indexes: number[]): Promise<number> {
  const controller = new AbortController();
  const stopListening = onStopRequest(() => controller.abort());
  let code: number = EXIT.ok;
  try {
    for (const index of indexes) {
      const trial = p.trials[index];
      console.log(`trial ${index} ${trial.id} (${describeParams(trial.params)}): started`);
      const outcome = await runTrial(trialDir(dir, trial), trial.config, { signal: controller.signal });
      const what = outcome.skipped ? "already done" : outcome.resumedAt > 0 ? `${outcome.reason} (resumed at step ${outcome.resumedAt})` : outcome.reason;
      console.log(`trial ${index} ${trial.id} (${describeParams(trial.params)}): ${what}`);
      if (outcome.reason === "aborted") {
        console.log(`stopped: trial ${index} is saved part-way; run the same command again to continue it`);
        code = EXIT.stopped;
        break;
      }
    }
  } finally {
    stopListening();
  }
  return code;
}

async function run(argv: string[]): Promise<number> {
  if (wantsHelp(argv)) return void process.stdout.write(RUN_HELP), EXIT.ok;
  const { o, positional } = options({ dir: "", jobs: 0, index: "" }, argv, "run");
  if (positional.length > 1) throw new UsageError(`sweep run takes one definition file (got ${positional.join(" ")})`);
  let p: Plan;
  let dir = o.dir;
  if (positional.length === 1) {
    const loaded = loadDefinitionPlan(positional[0]);
    p = loaded.plan;
    dir ||= defaultDir(p);
    writeSweepFolder(dir, p, loaded.definition);
  } else {
    if (!dir) throw new UsageError("sweep run needs a definition file or --dir DIR of a planned sweep (npx gptlab sweep run --help)");
    p = readSweepFolder(dir);
  }
  const envIndex = process.env.SLURM_ARRAY_TASK_ID ?? process.env.JOB_COMPLETION_INDEX;
  const spec = o.index || (envIndex ?? "");
  if (spec) return runIndexed(dir, p, parseIndexSpec(spec, p.trials.length));
  if (!(Number.isInteger(o.jobs) && o.jobs >= 0)) throw new UsageError(`--jobs must be an integer >= 1 (got ${o.jobs})`);
  const jobs = o.jobs || defaultJobs();
  console.log(`sweep ${p.name}: ${p.trials.length} trials in ${dir}, ${Math.min(jobs, p.trials.length)} worker processes`);
  const controller = new AbortController();
  const stopListening = onStopRequest(() => controller.abort());
  const tty = process.stderr.isTTY;
  let lastPrint = 0;
  const result = await runPool(dir, {
    jobs,
    signal: controller.signal,
    intervalMs: 1000,
    onStatus: (s, final) => {
      const line = statusLine(p.name, s, "val_loss");
      if (tty) process.stderr.write(`\r${line.slice(0, (process.stderr.columns ?? 160) - 1)}\x1b[K${final ? "\n" : ""}`);
      else if (final || Date.now() - lastPrint >= 10000) {
        lastPrint = Date.now();
        process.stderr.write(line + "\n");
      }
    },
  });
  stopListening();
  for (const e of result.errors) console.error(`trial ${e.index} failed: ${e.error}`);
  const { rows, files } = collectSweep(dir);
  printBest(rows, p.metric, p.axes);
  console.log(`results: ${files.join(", ")}`);
  if (result.stopped) {
    console.log(`stopped: ${result.status.done} of ${result.status.total} trials finished; run again to continue: npx gptlab sweep run --dir ${dir}`);
    return EXIT.stopped;
  }
  return result.errors.length ? EXIT.failed : EXIT.ok;
}

/** The winner by the sweep's metric (val_loss is each trial's last evaluation; best_val_loss its lowest), and any trial that diverged. */
function printBest(rows: Row[], metric: string, axes: string[]): void {
  const best = bestRow(rows, metric);
  const at = (r: Row): string => axes.map((a) => `${a}=${r[a]}`).join(", ");
  const meaning = metric === "val_loss" ? " (each trial's final validation loss)" : metric === "best_val_loss" ? " (each trial's lowest validation loss)" : "";
  if (best) console.log(`lowest ${metric}${meaning}: ${best[metric]} (trial ${best.index} ${best.id}${axes.length ? `: ${at(best)}` : ""})`);
  const diverged = rows.filter((r) => r.status === "diverged");
  if (diverged.length) console.log(`${diverged.length} of ${rows.length} trials diverged: ${diverged.map((r) => `trial ${r.index}${axes.length ? ` (${at(r)})` : ""} at step ${r.diverged_step}`).join(", ")}`);
}

function collect(argv: string[]): number {
  if (wantsHelp(argv)) return void process.stdout.write(COLLECT_HELP), EXIT.ok;
  const { o, positional } = options({ timing: true, format: "table", out: "" }, argv, "collect");
  if (positional.length !== 1) throw new UsageError(`sweep collect needs one sweep folder (got ${positional.length ? positional.join(" ") : "none"}); see npx gptlab sweep collect --help`);
  if (!["table", "jsonl", "csv"].includes(o.format)) throw new UsageError(`--format must be table, jsonl or csv (got "${o.format}")`);
  const dir = positional[0];
  const p = readSweepFolder(dir);
  const { rows, files } = collectSweep(dir, { timing: o.timing, outPrefix: o.out || undefined });
  if (o.format === "jsonl") process.stdout.write(toJSONLines(rows));
  else if (o.format === "csv") process.stdout.write(toCSV(rows));
  else {
    const columns = rows.length ? Object.keys(rows[0]).filter((c) => c !== "id") : [];
    const best = bestRow(rows, p.metric);
    console.log(formatTextTable(columns, rows.map((r) => columns.map((c) => r[c])), { mark: best ? rows.indexOf(best) : undefined }));
    printBest(rows, p.metric, p.axes);
    console.error(`wrote ${files.join(", ")}`);
  }
  return EXIT.ok;
}

function lrRange(argv: string[]): number {
  if (wantsHelp(argv)) return void process.stdout.write(lrRangeHelp()), EXIT.ok;
  const own = { minLr: lrRangeDefaults.minLr, maxLr: lrRangeDefaults.maxLr, rangeSteps: lrRangeDefaults.steps, smoothing: lrRangeDefaults.smoothing, out: "" };
  // the test's own options first; the rest are run-config keys
  const ownArgs: string[] = [];
  const configArgs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, "").split("=")[0].replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const target = argv[i].startsWith("--") && key in own ? ownArgs : configArgs;
    target.push(argv[i]);
    if (target === ownArgs && !argv[i].includes("=") && i + 1 < argv.length) ownArgs.push(argv[++i]);
  }
  const { o } = options(own, ownArgs, "lr-range");
  const { overrides, positional } = parseConfigArgs(configArgs);
  if (positional.length) throw new UsageError(`unexpected argument "${positional[0]}" (npx gptlab sweep lr-range --help)`);
  if (o.out) prepareOutputFile(o.out, "--out");
  const result = lrRangeTest(overrides, { minLr: o.minLr, maxLr: o.maxLr, steps: o.rangeSteps, smoothing: o.smoothing });
  const every = Math.max(1, Math.floor(result.points.length / 20));
  const shown = result.points.filter((_, i) => i % every === 0 || i === result.points.length - 1);
  console.log(formatTextTable(["step", "lr", "loss", "smoothed"], shown.map((q) => [q.step, q.lr, q.loss, q.smoothed])));
  console.log(`stopped: ${result.stopReason} at step ${result.points.length} (lr ${result.points[result.points.length - 1].lr.toExponential(2)})`);
  console.log(`lowest smoothed loss ${result.minLoss.toFixed(4)} at lr ${result.lrAtMin.toExponential(2)}; suggested lr ${result.suggestedLr.toExponential(2)} (lr_at_min / 10)`);
  if (o.out) {
    fs.writeFileSync(o.out, JSON.stringify(result, null, 2) + "\n");
    console.log(`curve: ${o.out}`);
  }
  return EXIT.ok;
}
/** Entry of `gptlab sweep ...`; sets process.exitCode (errors print one line). */
export async function sweepCommand(argv: string[]): Promise<void> {
  const [sub, ...args] = argv;
  try {
    let code: number;
    if (sub === "plan") code = plan(args);
    else if (sub === "run") code = await run(args);
    else if (sub === "collect") code = collect(args);
    else if (sub === "lr-range") code = lrRange(args);
    else if (sub === "worker") {
      const { o } = options({ dir: "" }, args, "worker");
      return workerMain(o.dir);
    } else if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
      console.log(USAGE);
      code = EXIT.ok;
    } else throw new UsageError(`unknown sweep command "${sub}"; commands: plan, run, collect, lr-range (npx gptlab sweep --help)`);
    process.exitCode = code;
  } catch (e) {
    console.error(`gptlab sweep ${sub ?? ""}: ${(e as Error).message}`);
    if (process.env.GPTLAB_DEBUG) console.error((e as Error).stack);
    process.exitCode = EXIT.config;
  }
}

export { SWEEP_FILES };
