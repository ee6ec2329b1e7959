// `gptlab train` against the same loop in PyTorch (npm run bench -- --only train-text): a character model of M4's
// shape (GPT-2 style, n_embd 128, 4 heads, 4 layers, block 64, batch 12) on a plain text file, 1,000 steps with
// the default evaluations (every 500 steps and at the end, 100 batches per split), each side at its default
// thread count; the whole command is timed (start-up included), wall and CPU time, in interleaved repetitions.
//
// usage: npm run bench -- --only train-text [--data datasets/stories/stories.txt] [--steps 1000] [--reps 3] [--isa native|avx2|avx512] [--json FILE]

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pinIsa } from "./isa.js";
import { median, parseArgs } from "./util.js";

const USAGE = `npm run bench -- --only train-text [--data FILE] [--steps 1000] [--reps 3] [--isa native|avx2|avx512] [--json FILE]
Times \`npx gptlab train\` on a character model of M4's shape on a text file (--mode text, evaluations every 500 steps
and at the end, no samples) against the same loop in PyTorch (bench/torch_ref.py --train-text), both at their default
thread counts, one after the other in each repetition; prints seconds per 1,000 steps (wall and CPU) and the ratio
(target: ours at most 0.6x PyTorch's wall time).`;

const DEFAULTS = { only: "train-text", data: "datasets/stories/stories.txt", steps: 1000, reps: 3, isa: "native", json: "", target: 0.6 };

/** Runs a command through sh and returns its wall seconds and the CPU seconds of everything it ran (from /proc). */
function timed(cmd: string[], env: NodeJS.ProcessEnv = process.env): { wall: number; cpu: number; stdout: string } {
  const quoted = cmd.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  // cutime + cstime (fields 16 and 17 of the shell's /proc stat) count the children it waited for
  const script = `${quoted} > "$OUT" || exit $?; cat /proc/$$/stat`;
  const out = path.join(os.tmpdir(), `gptlab-bench-train-text-${process.pid}.out`);
  const t0 = performance.now();
  const r = spawnSync("sh", ["-c", script], { encoding: "utf8", env: { ...env, OUT: out }, maxBuffer: 1 << 24 });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd.join(" ")} failed (exit ${r.status}):\n${r.stderr.slice(-2000)}`);
  const fields = r.stdout.trim().split(") ").pop()!.split(" "); // after "(comm) ": field 3 is index 0
  const ticks = Number(fields[16 - 3]) + Number(fields[17 - 3]);
  const stdout = fs.readFileSync(out, "utf8");
  fs.rmSync(out, { force: true });
  return { wall, cpu: ticks / 100, stdout };
}

function main(): void {
  const o = parseArgs(process.argv.slice(2), DEFAULTS, USAGE);
  if (!fs.existsSync(o.data)) throw new Error(`--data: no file "${o.data}"`);
  if (!(Number.isInteger(o.steps) && o.steps >= 1)) throw new Error(`--steps must be an integer >= 1 (got ${o.steps})`);
  if (!(Number.isInteger(o.reps) && o.reps >= 1)) throw new Error(`--reps must be an integer >= 1 (got ${o.reps})`);
  const isa = pinIsa(o.isa);
  const python = ["/usr/bin/python3", "python3"].find((p) => spawnSync(p, ["-c", "import torch"], { stdio: "ignore" }).status === 0);
  if (!python) throw new Error("no python with torch found; install it with: apt-get install python3-torch");
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-bench-train-text-"));
  const shape = ["--preset", "gpt2", "--n-embd", "128", "--n-head", "4", "--n-layer", "4", "--block-size", "64", "--batch-size", "12"];
  const ours = (rep: number): string[] => [process.execPath, "bin/gptlab.js", "train", ...shape, "--tokenizer", "char", "--mode", "text", "--data", o.data, "--steps", String(o.steps), "--samples", "0", "--out", path.join(tmp, `run-${rep}`)];
  const theirs = [python, "bench/torch_ref.py", "--train-text", o.data, "--models", "M4", "--steps", String(o.steps)];
  console.log(`train-text: ${o.data}, ${o.steps} steps of a char model of M4's shape, evaluations every 500 steps and at the end; --isa ${isa}; ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(2)}`);
  const rows: Array<{ rep: number; load: number; ours: { wall: number; cpu: number }; torch: { wall: number; cpu: number } }> = [];
  let torchInfo: Record<string, unknown> = {};
  for (let rep = 0; rep < o.reps; rep++) {
    const load = os.loadavg()[0];
    const a = timed(ours(rep));
    const b = timed(theirs);
    torchInfo = JSON.parse(b.stdout);
    rows.push({ rep, load, ours: { wall: a.wall, cpu: a.cpu }, torch: { wall: b.wall, cpu: b.cpu } });
    const per = (s: number): string => ((s * 1000) / o.steps).toFixed(1);
    console.log(`rep ${rep + 1} (load ${load.toFixed(2)}): gptlab ${per(a.wall)} s per 1,000 steps (CPU ${per(a.cpu)} s), PyTorch ${per(b.wall)} s (CPU ${per(b.cpu)} s): ratio ${(a.wall / b.wall).toFixed(2)}x wall, ${(a.cpu / b.cpu).toFixed(2)}x CPU`);
  }
  const ratio = median(rows.map((r) => r.ours.wall / r.torch.wall));
  const cpuRatio = median(rows.map((r) => r.ours.cpu / r.torch.cpu));
  const metrics = JSON.parse(fs.readFileSync(path.join(tmp, "run-0", "metrics.json"), "utf8")) as { history?: { evals?: Array<{ step: number; trainLoss?: number; valLoss?: number }> } };
  const ti = torchInfo as { isa?: Record<string, string>; threads?: number; evals?: unknown };
  console.log(`PyTorch ${String(torchInfo.torch)} (ATen ${ti.isa?.aten}, OpenBLAS ${ti.isa?.openblas}, oneDNN ${ti.isa?.onednn}; ${ti.threads} intra-op thread(s), OpenBLAS's own pool at its default)`);
  console.log(`median over ${o.reps} repetition(s): gptlab / PyTorch wall time ${ratio.toFixed(2)}x (target <= ${o.target}x: ${ratio <= o.target ? "met" : "not met"}), CPU time ${cpuRatio.toFixed(2)}x; load average at the end ${os.loadavg()[0].toFixed(2)}`);
  console.log(`last evaluations: gptlab ${JSON.stringify(metrics.history?.evals?.slice(-1) ?? null)}, PyTorch ${JSON.stringify((ti.evals as unknown[] | undefined)?.slice(-1) ?? null)}`);
  if (o.json) fs.writeFileSync(o.json, JSON.stringify({ options: o, isa, rows, ratio, cpuRatio, torch: torchInfo }, null, 1));
  fs.rmSync(tmp, { recursive: true, force: true });
}

try {
  main();
} catch (e) {
  console.error(`bench train-text: ${(e as Error).message}`);
  process.exit(1);
}
