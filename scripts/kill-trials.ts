// The SIGKILL experiment of issue 11: start a run, SIGKILL it at a random step, resume it with
// `gptlab train --resume`, and compare with an uninterrupted run of the same length.
// usage: npx tsx scripts/kill-trials.ts [--trials 20] [--steps 3000] [--save-every 250] [--seed 1]
// Prints per trial the step reached when killed, the step saved, the steps lost and whether the resumed run's
// metrics.json (without times) and weights are byte-identical to the uninterrupted run's.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { Rng } from "../src/core/random.js";
import { parseArgs } from "../src/io/args.js";
import { trainInFolder } from "../src/train/train-in-folder.js";
import { readSafetensorsFile } from "../src/io/safetensors.js";

const self = path.resolve(process.argv[1]);
const root = path.join(path.dirname(self), "..");
const bin = path.join(root, "bin", "gptlab.js");

function comparable(file: string): string {
  const m = JSON.parse(fs.readFileSync(file, "utf8"));
  for (const k of ["startedAt", "finishedAt", "timing"]) delete m[k];
  delete m.config.out;
  return JSON.stringify(m);
}

async function child(dir: string, config: Record<string, number>): Promise<void> {
  // prints each step as it ends (stdout to a pipe is synchronous on Linux), so the parent knows where it killed
  await trainInFolder(dir, config, { callbacks: [{ onStepEnd: (e) => void process.stdout.write(`${e.step}\n`) }], log: () => undefined });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const defaults = { trials: 20, steps: 3000, saveEvery: 250, seed: 1, child: "" };
  const values = { ...defaults, ...parseArgs(defaults, argv, { camelCase: true }).values };
  const config = { steps: values.steps as number, saveEvery: values.saveEvery as number, saveEverySeconds: 0, evalEvery: 500, evalBatches: 20, samples: 3 };
  if (values.child) return child(values.child as string, config);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-kill-"));
  const base = path.join(work, "uninterrupted");
  await trainInFolder(base, config, { log: () => undefined });
  const want = comparable(path.join(base, "metrics.json"));
  const wantWeights = fs.readFileSync(path.join(base, "last", "model.safetensors"));
  const rng = new Rng(values.seed as number);
  let identical = 0;
  let worst = 0;
  console.log(`${values.trials} trials: lab preset, ${config.steps} steps, a checkpoint every ${config.saveEvery} steps, SIGKILL at a random step`);
  console.log("trial  killed at  saved  lost  resumed exit  metrics+weights identical");
  for (let t = 1; t <= (values.trials as number); t++) {
    const dir = path.join(work, `trial-${t}`);
    const target = 1 + rng.int(config.steps - 1);
    const reached = await new Promise<number>((resolve) => {
      // node with tsx's loader in-process (the tsx command would run the script in a grandchild, out of reach of the kill)
      const c = spawn(process.execPath, ["--import", "tsx", self, "--child", dir, "--steps", String(config.steps), "--save-every", String(config.saveEvery)], { cwd: root });
      let last = 0;
      let buf = "";
      c.stdout.on("data", (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split("\n");
        buf = lines.pop() ?? "";
        for (const l of lines) last = Number(l) || last;
        if (last >= target && !c.killed) c.kill("SIGKILL");
      });
      c.on("close", () => resolve(last));
    });
    const stateFile = [path.join(dir, "last"), path.join(dir, ".last.old")].map((d) => path.join(d, "trainer-state.safetensors")).find((f) => fs.existsSync(f));
    const saved = stateFile ? (JSON.parse(readSafetensorsFile(stateFile).metadata.run) as { step: number }).step : 0;
    const r = spawnSync(process.execPath, [bin, "train", "--resume", dir], { cwd: root, encoding: "utf8" });
    const same = r.status === 0 && comparable(path.join(dir, "metrics.json")) === want && fs.readFileSync(path.join(dir, "last", "model.safetensors")).equals(wantWeights);
    if (same) identical++;
    worst = Math.max(worst, reached - saved);
    console.log(`${String(t).padStart(5)}  ${String(reached).padStart(9)}  ${String(saved).padStart(5)}  ${String(reached - saved).padStart(4)}  ${String(r.status).padStart(12)}  ${same ? "yes" : `NO ${r.stderr.trim().split("\n").pop()}`}`);
  }
  console.log(`identical to the uninterrupted run: ${identical}/${values.trials}; most steps lost: ${worst} (save interval ${config.saveEvery})`);
  fs.rmSync(work, { recursive: true, force: true });
  if (identical !== values.trials) process.exitCode = 1;
}

void main();
