// Hand a planned sweep to a batch engine: a Slurm job array script, a Kubernetes Indexed Job manifest, a GitHub
// Actions matrix. Each job only calls `node BIN sweep run --dir DIR --index N`; the sweep folder must be on storage
// every node sees (a shared file system, a volume), and `npx gptlab sweep collect DIR` reads it afterwards.
// The jobs run node on gptlab's bin directly, never through npx: a batch engine stops a job by signalling the job's
// own process (scancel, a requeue, a Kubernetes eviction), and npx neither forwards that signal nor waits for the
// trainer, so the trial would train on unsaved. With node as the job's process, SIGTERM saves the trial.

import type { Plan } from "./definition.js";

export const EMIT_KINDS = ["slurm", "k8s", "github-matrix"] as const;
export type EmitKind = (typeof EMIT_KINDS)[number];

export interface EmitOptions {
  /** The sweep folder, as the jobs see it from workdir. */
  dir: string;
  /** Folder the jobs run in (the gptlab checkout). */
  workdir: string;
  /** Slurm: at most this many array tasks at once (%N); k8s: parallelism. Default: no limit / all. */
  parallel?: number;
  /** Slurm partition, time limit (e.g. "01:00:00"). */
  partition?: string;
  time?: string;
  /** k8s: container image with Node 20 and the gptlab checkout at workdir; and the volume claim holding both. */
  image?: string;
  claim?: string;
  /** gptlab's bin file as the jobs see it (relative to workdir, or absolute); default bin/gptlab.js (a checkout). */
  bin?: string;
}

/** GitHub Actions allows at most 256 jobs per matrix. */
export const GITHUB_MATRIX_MAX = 256;

function quote(s: string): string {
  return /^[A-Za-z0-9_./=:-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function cpus(plan: Plan): number {
  return Math.max(1, ...plan.trials.map((t) => t.config.threads || 1));
}

export function emitSweep(kind: EmitKind, plan: Plan, o: EmitOptions): string {
  const n = plan.trials.length;
  const bin = o.bin ?? "bin/gptlab.js";
  if (kind === "slurm") {
    const lines = [
      "#!/bin/bash",
      `# gptlab sweep "${plan.name}": ${n} trials as a Slurm job array. Submit: sbatch THIS_FILE; then: npx gptlab sweep collect ${o.dir}`,
      `#SBATCH --job-name=gptlab-${plan.name}`,
      `#SBATCH --array=0-${n - 1}${o.parallel ? `%${o.parallel}` : ""}`,
      `#SBATCH --cpus-per-task=${cpus(plan)}`,
      `#SBATCH --chdir=${o.workdir}`,
      `#SBATCH --output=${o.dir}/slurm/%A_%a.out`,
      // a preempted task is requeued; SIGTERM makes the trial save itself, and the rerun resumes it
      "#SBATCH --requeue",
      // a requeued task keeps its job id: append to its log instead of replacing the first attempt's
      "#SBATCH --open-mode=append",
      ...(o.partition ? [`#SBATCH --partition=${o.partition}`] : []),
      ...(o.time ? [`#SBATCH --time=${o.time}`] : []),
      "set -euo pipefail",
      // exec: the batch step's process becomes node itself, so scancel's and a requeue's SIGTERM reach the trainer
      `exec node ${quote(bin)} sweep run --dir ${quote(o.dir)} --index "$SLURM_ARRAY_TASK_ID"`,
      "",
    ];
    return lines.join("\n");
  }
  if (kind === "k8s") {
    const image = o.image ?? "node:20";
    const claim = o.claim ?? "gptlab";
    return [
      `# gptlab sweep "${plan.name}": ${n} trials as a Kubernetes Indexed Job; each pod runs the trial JOB_COMPLETION_INDEX.`,
      `# The volume claim "${claim}" holds the gptlab checkout (npm installed) at ${o.workdir}. kubectl apply -f THIS_FILE`,
      "apiVersion: batch/v1",
      "kind: Job",
      "metadata:",
      `  name: gptlab-sweep-${plan.name.toLowerCase().replace(/[^a-z0-9-]/g, "-")}`,
      "spec:",
      `  completions: ${n}`,
      `  parallelism: ${o.parallel ?? n}`,
      "  completionMode: Indexed",
      `  backoffLimit: ${Math.max(6, n)}`,
      "  template:",
      "    spec:",
      "      restartPolicy: Never",
      "      containers:",
      "        - name: trial",
      `          image: ${image}`,
      `          workingDir: ${o.workdir}`,
      `          command: ${JSON.stringify(["node", bin, "sweep", "run", "--dir", o.dir])}`,
      "          resources:",
      `            requests: { cpu: "${cpus(plan)}" }`,
      "          volumeMounts:",
      `            - { name: work, mountPath: ${o.workdir} }`,
      "      volumes:",
      `        - name: work`,
      `          persistentVolumeClaim: { claimName: ${claim} }`,
      "",
    ].join("\n");
  }
  // github-matrix: at most 256 jobs; with more trials each job runs every 256th trial from its first
  const jobs = Math.min(n, GITHUB_MATRIX_MAX);
  const include = Array.from({ length: jobs }, (_, j) => {
    const indices = plan.trials.filter((t) => t.index % jobs === j).map((t) => t.index);
    return { index: indices.join(","), trials: indices.length === 1 ? plan.trials[j].id : `${indices.length} trials` };
  });
  return JSON.stringify({ include }) + "\n";
}
