// Sweep-speed benchmark (npm run bench -- --only sweep): the same 16 lab-model trials run one after another in this
// process, then on the local worker pool (one process per core, kernel threads 1 each), and the ratio of the wall
// times (target: at most 0.6x on 2 cores). Both collect to the same table, which is checked too.
//
// usage: npm run bench -- --only sweep [--trials 16] [--steps 5000] [--jobs N] [--json FILE]

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { planSweep } from "../src/sweep/definition.js";
import { trialDir, writeSweepFolder } from "../src/sweep/folder.js";
import { runTrial } from "../src/sweep/trial.js";
import { defaultJobs, runPool } from "../src/sweep/pool.js";
import { collectRows, toJSONLines } from "../src/sweep/collect.js";
import { parseArgs } from "./util.js";

const USAGE = `npm run bench -- --only sweep [--trials 16] [--steps 5000] [--jobs N] [--json FILE]
Runs the same trials of the lab model (4 learning rates x seeds) one after another in one process, then on the
local worker pool (--jobs, default one per core), and prints both wall times and their ratio (target <= 0.6x).`;

const DEFAULTS = { only: "sweep", trials: 16, steps: 5000, jobs: 0, json: "", target: 0.6 };

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2), DEFAULTS, USAGE);
  if (!(Number.isInteger(o.trials) && o.trials >= 4 && o.trials % 4 === 0)) throw new Error(`--trials must be a multiple of 4 (got ${o.trials})`);
  const jobs = o.jobs || defaultJobs();
  const definition = { name: "bench", base: { steps: o.steps }, grid: { lr: [0.003, 0.005, 0.007, 0.01] }, seeds: o.trials / 4 };
  const plan = planSweep(definition);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-bench-sweep-"));
  const loadBefore = os.loadavg()[0];
  console.log(`sweep benchmark: ${plan.trials.length} trials of the lab model, ${o.steps} steps each, backend ${plan.trials[0].config.backend}, kernel threads 1; ${os.cpus().length} cores, load average ${loadBefore.toFixed(2)}`);

  const serialDir = path.join(tmp, "one-process");
  writeSweepFolder(serialDir, plan, definition);
  let t0 = Date.now();
  for (const trial of plan.trials) await runTrial(trialDir(serialDir, trial), trial.config);
  const serialMs = Date.now() - t0;
  console.log(`one process, one trial after another: ${(serialMs / 1000).toFixed(1)} s`);

  const poolDir = path.join(tmp, "pool");
  writeSweepFolder(poolDir, plan, definition);
  t0 = Date.now();
  const result = await runPool(poolDir, { jobs });
  const poolMs = Date.now() - t0;
  if (result.errors.length) throw new Error(`pool trials failed: ${result.errors.map((e) => `${e.index}: ${e.error}`).join("; ")}`);
  console.log(`worker pool, ${jobs} processes (start-up included):  ${(poolMs / 1000).toFixed(1)} s`);

  const same = toJSONLines(collectRows(serialDir, plan, { timing: false })) === toJSONLines(collectRows(poolDir, plan, { timing: false }));
  const ratio = poolMs / serialMs;
  const loadAfter = os.loadavg()[0];
  console.log(`ratio pool / one process: ${ratio.toFixed(2)}x (target <= ${o.target}x: ${ratio <= o.target ? "met" : "not met"}); collected tables identical: ${same}; load average ${loadAfter.toFixed(2)} at the end`);
  const summary = { trials: plan.trials.length, steps: o.steps, jobs, serialSeconds: serialMs / 1000, poolSeconds: poolMs / 1000, ratio, target: o.target, identical: same, loadBefore, loadAfter };
  console.log(JSON.stringify(summary));
  if (o.json) fs.writeFileSync(o.json, JSON.stringify(summary, null, 2) + "\n");
  fs.rmSync(tmp, { recursive: true, force: true });
  if (!same) process.exitCode = 1;
}

main().catch((e: Error) => {
  console.error(`bench sweep: ${e.message}`);
  process.exitCode = 1;
});
