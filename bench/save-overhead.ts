// What checkpointing costs: the time of one checkpoint save (last/ with trainer state, and best/) against the
// training time between two saves at the default interval (saveEverySeconds 60), for the lab and medium presets.
// usage: npx tsx bench/save-overhead.ts [--saves 5]

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Run } from "../src/train/run.js";
import { CHECKPOINTS, saveCheckpoint, writeRunMetrics } from "../src/io/checkpoint.js";
import { defaultRunConfig } from "../src/train/config.js";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const saves = Number(process.argv[process.argv.indexOf("--saves") + 1]) || 5;
const interval = defaultRunConfig.saveEverySeconds;
console.log(`checkpoint cost at the default interval (every ${interval} s of training), median of ${saves} saves`);
console.log("preset   params     step ms  save ms (last + best)  overhead at the default interval  overhead if saved every 100 steps");
for (const preset of ["lab", "medium"]) {
  const run = new Run({ preset, steps: 1000, evalEvery: 0, samples: 0, ...(preset === "medium" ? { mode: "stream", batchSize: 8 } : {}) });
  const trainer = run.makeTrainer();
  for (let i = 0; i < 5; i++) trainer.trainStep(); // warm up
  const stepMs: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now();
    trainer.trainStep();
    stepMs.push(performance.now() - t0);
  }
  run.step = trainer.step;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-save-"));
  const saveMs: number[] = [];
  for (let i = 0; i < saves; i++) {
    const t0 = performance.now();
    saveCheckpoint(run, dir, CHECKPOINTS.best, { weights: run.model.store.data.slice(), stateless: true });
    saveCheckpoint(run, dir, CHECKPOINTS.last);
    writeRunMetrics(run, dir);
    saveMs.push(performance.now() - t0);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  const step = median(stepMs);
  const save = median(saveMs);
  const pct = (100 * save) / (interval * 1000);
  const pct100 = (100 * save) / (100 * step + save);
  console.log(`${preset.padEnd(8)} ${run.numParams.toLocaleString("en-US").padStart(9)}  ${step.toFixed(2).padStart(7)}  ${save.toFixed(1).padStart(21)}  ${pct.toFixed(3).padStart(31)}%  ${pct100.toFixed(1).padStart(32)}%`);
}
