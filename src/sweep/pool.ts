// The local worker pool: one worker process per core (each trial with kernel threads 1), fed trial indexes over
// IPC, with one combined progress line (trials done / running / failed, the best so far, time left). Stopping the
// pool (signal or Ctrl-C) lets each worker save its trial part-way; running the sweep again continues it.

import { fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gptlabRoot } from "../core/package-root.js";
import { describeParams } from "./definition.js";
import type { Plan, Trial } from "./definition.js";
import { SWEEP_FILES, readSweepFolder, trialDir, trialState } from "./folder.js";
import { runTrial } from "./trial.js";

/** Messages between the pool and its workers. */
type ToWorker = { type: "trial"; index: number } | { type: "exit" };
type FromWorker =
  | { type: "ready" }
  | { type: "step"; index: number; step: number; loss: number }
  | { type: "done"; index: number; reason: string; valLoss: number | null; error?: string };

export interface SweepStatus {
  total: number;
  done: number;
  running: number;
  failed: number;
  diverged: number;
  /** Trials found finished when the run started (not redone). */
  skipped: number;
  best: { trial: Trial; value: number } | null;
  elapsedMs: number;
  /** Estimated from the steps trained so far; null until there is a rate. */
  leftMs: number | null;
}

export interface PoolOptions {
  /** Worker processes. Default: one per core. */
  jobs?: number;
  signal?: AbortSignal;
  /** Called at most every intervalMs, and once at the end. */
  onStatus?(status: SweepStatus, final: boolean): void;
  intervalMs?: number;
  /** The gptlab entry the workers run (default: bin/gptlab.js of this project). */
  bin?: string;
}

export interface PoolResult {
  status: SweepStatus;
  /** True when the pool was stopped before every trial finished. */
  stopped: boolean;
  errors: Array<{ index: number; error: string }>;
}

export function defaultJobs(): number {
  return Math.max(1, os.cpus().length);
}

/** The gptlab command file: the one running now when it is gptlab's, else the gptlab package's own bin/gptlab.js. */
export function gptlabBin(): string {
  const argv1 = process.argv[1] ?? "";
  if (path.basename(argv1) === "gptlab.js" || path.basename(argv1) === "gptlab") return fs.realpathSync(argv1);
  const bin = path.join(gptlabRoot(), "bin", "gptlab.js");
  if (!fs.existsSync(bin)) throw new Error(`gptlab's ${bin} is missing: reinstall gptlab`);
  return bin;
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

/** "sweep lr-batch: 5/16 done, 2 running, 0 failed | best val_loss 4.1234 (lr=0.003) | 20s elapsed, 40s left" */
export function statusLine(name: string, s: SweepStatus, metric = "val_loss"): string {
  const parts = [`${s.done}/${s.total} done`, `${s.running} running`, `${s.failed} failed`];
  if (s.diverged) parts.push(`${s.diverged} diverged`);
  if (s.skipped) parts.push(`${s.skipped} were already done`);
  const best = s.best ? `best ${metric} ${s.best.value.toFixed(4)} (${describeParams(s.best.trial.params)})` : "best: none yet";
  const time = `${duration(s.elapsedMs)} elapsed${s.leftMs === null ? "" : `, ${duration(s.leftMs)} left`}`;
  return `sweep ${name}: ${parts.join(", ")} | ${best} | ${time}`;
}

/** Runs every unfinished trial of the sweep folder dir on a pool of worker processes. */
export async function runPool(dir: string, opts: PoolOptions = {}): Promise<PoolResult> {
  const plan = readSweepFolder(dir);
  const start = Date.now();
  const status: SweepStatus = { total: plan.trials.length, done: 0, running: 0, failed: 0, diverged: 0, skipped: 0, best: null, elapsedMs: 0, leftMs: null };
  const pending: Trial[] = [];
  const consider = (trial: Trial, valLoss: number | null): void => {
    if (valLoss !== null && Number.isFinite(valLoss) && (status.best === null || valLoss < status.best.value)) status.best = { trial, value: valLoss };
  };
  cleanStaleSaves(dir);
  for (const trial of plan.trials) {
    const { state, metrics } = trialState(trialDir(dir, trial));
    if (state === "completed" || state === "diverged") {
      status.done++;
      status.skipped++;
      if (state === "diverged") status.diverged++;
      consider(trial, metrics?.final.valLoss as number | null);
    } else pending.push(trial);
  }
  const stepsLeft = new Map<number, number>(pending.map((t) => [t.index, t.config.steps]));
  let stepsTrained = 0;
  const errors: PoolResult["errors"] = [];
  const report = (final: boolean): void => {
    status.elapsedMs = Date.now() - start;
    const left = [...stepsLeft.values()].reduce((a, b) => a + b, 0);
    status.leftMs = stepsTrained > 0 ? (left * status.elapsedMs) / stepsTrained : null;
    opts.onStatus?.({ ...status }, final);
  };
  const jobs = Math.min(opts.jobs ?? defaultJobs(), pending.length);
  if (jobs === 0 || opts.signal?.aborted) {
    report(true);
    return { status, stopped: pending.length > 0, errors };
  }
  const bin = opts.bin ?? gptlabBin();
  const queue = [...pending];
  const workers: ChildProcess[] = [];
  let stopped = false;
  const timer = setInterval(() => report(false), opts.intervalMs ?? 1000);
  const onAbort = (): void => {
    stopped = true;
    // each worker stops its trial after the current step and saves it
    for (const w of workers) if (w.exitCode === null) w.kill("SIGTERM");
  };
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    await Promise.all(
      Array.from({ length: jobs }, () =>
        new Promise<void>((resolve) => {
          const w = fork(bin, ["sweep", "worker", "--dir", dir], { execArgv: [], stdio: ["ignore", "ignore", "inherit", "ipc"] });
          workers.push(w);
          let current: Trial | null = null;
          const next = (): void => {
            current = stopped ? null : queue.shift() ?? null;
            if (current) {
              status.running++;
              send(w, { type: "trial", index: current.index });
            } else send(w, { type: "exit" });
          };
          w.on("message", (m: FromWorker) => {
            if (m.type === "ready") return next();
            if (m.type === "step") {
              const before = stepsLeft.get(m.index) ?? 0;
              const now = plan.trials[m.index].config.steps - m.step;
              stepsTrained += Math.max(0, before - now);
              stepsLeft.set(m.index, now);
              return;
            }
            status.running--;
            current = null;
            if (m.error) {
              status.failed++;
              errors.push({ index: m.index, error: m.error });
            } else if (m.reason === "completed" || m.reason === "diverged") {
              status.done++;
              if (m.reason === "diverged") status.diverged++;
              stepsLeft.delete(m.index);
              consider(plan.trials[m.index], m.valLoss);
            }
            report(false);
            next();
          });
          w.on("exit", (code, sig) => {
            const lost: Trial | null = current;
            if (lost) {
              // a worker that died mid-trial (killed, out of memory): its trial counts as failed
              status.running--;
              status.failed++;
              errors.push({ index: lost.index, error: `worker exited (${sig ?? `code ${code}`}) during the trial` });
            }
            resolve();
          });
        }),
      ),
    );
  } finally {
    clearInterval(timer);
    opts.signal?.removeEventListener("abort", onAbort);
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill("SIGKILL");
  }
  status.running = 0;
  report(true);
  return { status, stopped: stopped && status.done < status.total, errors };
}

function send(w: ChildProcess, m: ToWorker): void {
  if (w.connected) w.send(m);
}

/** Save folders left by processes killed while saving: nothing reads them, they only take space. */
function cleanStaleSaves(dir: string): void {
  const trials = path.join(dir, SWEEP_FILES.trials);
  if (!fs.existsSync(trials)) return;
  for (const name of fs.readdirSync(trials)) if (/\.saving-\d+$/.test(name)) fs.rmSync(path.join(trials, name), { recursive: true, force: true });
}

/**
 * The worker side (`gptlab sweep worker --dir DIR`, started by runPool): runs the trials it is sent, one at a
 * time, reporting steps; SIGTERM or SIGINT stops the current trial after its step, saves it, and ends the worker.
 */
export function workerMain(dir: string): void {
  if (!process.send) throw new Error("sweep worker is started by the sweep pool (npx gptlab sweep run), not by hand");
  const plan = readSweepFolder(dir);
  const controller = new AbortController();
  let busy = false;
  const stop = (): void => {
    controller.abort();
    if (!busy) process.exit(75);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  // the pool is gone (killed): stop the trial, save it, end
  process.on("disconnect", stop);
  const post = (m: FromWorker): void => void (process.connected && process.send!(m));
  process.on("message", (m: ToWorker) => {
    if (m.type === "exit") return void process.exit(0);
    busy = true;
    void runOne(plan, dir, m.index, controller.signal, post).then((done) => {
      busy = false;
      post(done);
      if (controller.signal.aborted) process.exit(75);
    });
  });
  post({ type: "ready" });
}

async function runOne(plan: Plan, dir: string, index: number, signal: AbortSignal, post: (m: FromWorker) => void): Promise<FromWorker> {
  const trial = plan.trials[index];
  let last = 0;
  try {
    const outcome = await runTrial(trialDir(dir, trial), trial.config, {
      signal,
      callbacks: [
        {
          onStep: (e) => {
            const now = Date.now();
            if (now - last < 250 && e.step !== e.totalSteps) return;
            last = now;
            post({ type: "step", index, step: e.step, loss: e.loss });
          },
        },
      ],
    });
    const { metrics } = trialState(trialDir(dir, trial));
    return { type: "done", index, reason: outcome.reason, valLoss: (metrics?.final.valLoss as number | null) ?? null };
  } catch (e) {
    return { type: "done", index, reason: "failed", valLoss: null, error: (e as Error).message };
  }
}
