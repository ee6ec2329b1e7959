import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { planSweep } from "../../src/sweep/definition.js";
import { writeSweepFolder, trialDir, trialState } from "../../src/sweep/folder.js";
import { runPool, statusLine } from "../../src/sweep/pool.js";
import type { SweepStatus } from "../../src/sweep/pool.js";
import { collectRows, toJSONLines } from "../../src/sweep/collect.js";

const root = path.join(__dirname, "..", "..");
const bin = path.join(root, "bin", "gptlab.js");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-sweep-"));

function gptlab(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: "utf8", env: { ...process.env, SLURM_ARRAY_TASK_ID: "", JOB_COMPLETION_INDEX: "" } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function writeDef(name: string, def: object): string {
  const file = path.join(tmp, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify(def));
  return file;
}

const small = { steps: 40, evalEvery: 20, evalBatches: 4, samples: 1, backend: "wasm" };
// metrics.json without its wall-clock fields
function deterministicPart(file: string): string {
  const m = JSON.parse(fs.readFileSync(file, "utf8"));
  delete m.startedAt;
  delete m.finishedAt;
  delete m.timing;
  // the run folder's path, and the run id hashed from the whole config with it
  delete m.config.out;
  delete m.runId;
  return JSON.stringify(m);
}

function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (check()) return resolve();
      if (Date.now() - start > timeoutMs) return reject(new Error("timed out"));
      setTimeout(tick, 50);
    };
    tick();
  });
}

describe("sweep run and collect", () => {
  test("the pool runs every trial once, records a diverged trial as diverged, and a second run redoes nothing", async () => {
    const plan = planSweep({ name: "pool", base: small, grid: { lr: [0.003, 0.01, 1e20] } });
    const dir = path.join(tmp, "pool");
    writeSweepFolder(dir, plan, {});
    const statuses: SweepStatus[] = [];
    const first = await runPool(dir, { jobs: 2, onStatus: (s) => void statuses.push(s) });
    expect(first.errors).toEqual([]);
    expect(first.status).toMatchObject({ total: 3, done: 3, failed: 0, diverged: 1, skipped: 0 });
    expect(first.status.best!.trial.params.lr).toBe(0.01);
    expect(statusLine("pool", statuses[statuses.length - 1])).toMatch(/^sweep pool: 3\/3 done, 0 running, 0 failed, 1 diverged \| best val_loss \d\.\d{4} \(lr=0.01\)/);
    const rows = collectRows(dir, plan, { timing: false });
    expect(rows.map((r) => r.status)).toEqual(["completed", "completed", "diverged"]);
    expect(rows[2].diverged_step).toBe(2);
    // the lr of the step that diverged: step 2 of the linear decay, 1e20 * (1 - 1/40)
    expect((rows[2].diverged_lr as number) / 9.75e19).toBeCloseTo(1, 12);
    expect(rows[0].val_loss).toBeGreaterThan(rows[1].val_loss as number);
    const mtimes = plan.trials.map((t) => fs.statSync(path.join(trialDir(dir, t), "metrics.json")).mtimeMs);
    const again = await runPool(dir, { jobs: 2 });
    expect(again.status).toMatchObject({ done: 3, skipped: 3 });
    expect(plan.trials.map((t) => fs.statSync(path.join(trialDir(dir, t), "metrics.json")).mtimeMs)).toEqual(mtimes);
    expect(toJSONLines(collectRows(dir, plan, { timing: false }))).toBe(toJSONLines(rows));
  }, 120_000);

  test("a bad axis fails before anything runs, with exit code 2 and the axis named", () => {
    const r = gptlab("sweep", "run", writeDef("bad", { base: small, grid: { lr: [0.01, "fast"] } }), "--dir", path.join(tmp, "bad"));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/sweep axis "lr" value "fast" is refused: config.lr must be a finite number/);
    expect(fs.existsSync(path.join(tmp, "bad"))).toBe(false);
  }, 30_000);

  test("collect names what its winner's value is (the final validation loss) and which trials diverged", () => {
    const r = gptlab("sweep", "collect", path.join(tmp, "pool"));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^lowest val_loss \(each trial's final validation loss\): \d\.\d+ \(trial 1 t[0-9a-f]+: lr=0\.01\)$/m);
    expect(r.out).toMatch(/^1 of 3 trials diverged: trial 2 \(lr=100000000000000000000\) at step 2$/m);
  }, 30_000);

  test("a folder holding another sweep is refused, not mixed", () => {
    const dir = path.join(tmp, "pool");
    const r = gptlab("sweep", "plan", writeDef("other", { base: small, grid: { lr: [0.02] } }), "--dir", dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/holds a different sweep/);
  }, 30_000);

  test("every sweep command has --help", () => {
    for (const sub of ["plan", "run", "collect", "lr-range"]) {
      const r = gptlab("sweep", sub, "--help");
      expect(r.code).toBe(0);
      expect(r.out).toMatch(new RegExp(`^Usage: npx gptlab sweep ${sub}`));
    }
  }, 60_000);

  test("SIGKILL of the pool and its workers, then a second run: finished trials are kept, the results equal an uninterrupted sweep's", async () => {
    const def = writeDef("kill", { name: "kill", base: { ...small, steps: 600, evalEvery: 200 }, grid: { lr: [0.002, 0.004, 0.006, 0.008, 0.01] } });
    const reference = path.join(tmp, "kill-reference");
    expect(gptlab("sweep", "run", def, "--dir", reference, "--jobs", "2").code).toBe(0);

    const dir = path.join(tmp, "kill");
    const child = spawn(process.execPath, [bin, "sweep", "run", def, "--dir", dir, "--jobs", "2"], { cwd: root, detached: true, stdio: "ignore" });
    const plan = planSweep(JSON.parse(fs.readFileSync(def, "utf8")));
    const finished = (): number => plan.trials.filter((t) => trialState(trialDir(dir, t)).state === "completed").length;
    await waitFor(() => finished() >= 1, 60_000);
    process.kill(-child.pid!, "SIGKILL");
    await new Promise((r) => child.once("exit", r));
    const kept = plan.trials.filter((t) => trialState(trialDir(dir, t)).state === "completed");
    expect(kept.length).toBeLessThan(plan.trials.length);
    const stamps = kept.map((t) => fs.statSync(path.join(trialDir(dir, t), "metrics.json")).mtimeMs);

    const rerun = gptlab("sweep", "run", "--dir", dir, "--jobs", "2");
    expect(rerun.code).toBe(0);
    expect(rerun.err).toMatch(new RegExp(`${kept.length} were already done`));
    expect(kept.map((t) => fs.statSync(path.join(trialDir(dir, t), "metrics.json")).mtimeMs)).toEqual(stamps);
    const a = gptlab("sweep", "collect", reference, "--no-timing", "--format", "jsonl");
    const b = gptlab("sweep", "collect", dir, "--no-timing", "--format", "jsonl");
    expect(b.out).toBe(a.out);
    expect(a.out.trim().split("\n")).toHaveLength(5);
    expect(fs.readFileSync(path.join(dir, "results.csv"), "utf8")).toBe(fs.readFileSync(path.join(reference, "results.csv"), "utf8"));
  }, 240_000);

  test("SIGTERM saves a trial part-way (exit 75); running it again resumes it to the same metrics as an uninterrupted run", async () => {
    const def = writeDef("term", { name: "term", base: { ...small, steps: 3000, evalEvery: 1000 }, grid: { lr: [0.005] } });
    const reference = path.join(tmp, "term-reference");
    expect(gptlab("sweep", "run", def, "--dir", reference, "--index", "0").code).toBe(0);
    const dir = path.join(tmp, "term");
    expect(gptlab("sweep", "plan", def, "--dir", dir).code).toBe(0);
    const child = spawn(process.execPath, [bin, "sweep", "run", "--dir", dir, "--index", "0"], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    await waitFor(() => out.includes("started"), 30_000);
    await new Promise((r) => setTimeout(r, 300));
    child.kill("SIGTERM");
    const code = await new Promise((r) => child.once("exit", r));
    expect(code).toBe(75);
    const plan = planSweep(JSON.parse(fs.readFileSync(def, "utf8")));
    const saved = trialState(trialDir(dir, plan.trials[0]));
    expect(saved.state).toBe("stopped");
    expect(saved.metrics!.final.step as number).toBeLessThan(3000);
    const again = gptlab("sweep", "run", "--dir", dir, "--index", "0");
    expect(again.code).toBe(0);
    expect(again.out).toMatch(new RegExp(`completed \\(resumed at step ${saved.metrics!.final.step}\\)|completed$`, "m"));
    const file = (d: string): string => path.join(trialDir(d, plan.trials[0]), "metrics.json");
    expect(deterministicPart(file(dir))).toBe(deterministicPart(file(reference)));
  }, 120_000);

  test("SIGKILL in the middle of a trial: running it again resumes from its last periodic checkpoint, to the uninterrupted metrics", async () => {
    const def = writeDef("kill-mid", { name: "kill-mid", base: { ...small, steps: 3000, evalEvery: 1000, saveEvery: 100 }, grid: { lr: [0.005] } });
    const reference = path.join(tmp, "kill-mid-reference");
    expect(gptlab("sweep", "run", def, "--dir", reference, "--index", "0").code).toBe(0);
    const dir = path.join(tmp, "kill-mid");
    expect(gptlab("sweep", "plan", def, "--dir", dir).code).toBe(0);
    const plan = planSweep(JSON.parse(fs.readFileSync(def, "utf8")));
    const last = path.join(trialDir(dir, plan.trials[0]), "last");
    const child = spawn(process.execPath, [bin, "sweep", "run", "--dir", dir, "--index", "0"], { cwd: root, stdio: "ignore" });
    await waitFor(() => fs.existsSync(last), 60_000);
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    expect(trialState(trialDir(dir, plan.trials[0])).state).toBe("stopped");
    const again = gptlab("sweep", "run", "--dir", dir, "--index", "0");
    expect(again.code).toBe(0);
    const resumed = /completed \(resumed at step (\d+)\)/.exec(again.out);
    expect(resumed).not.toBeNull();
    expect(Number(resumed![1]) % 100).toBe(0);
    const file = (d: string): string => path.join(trialDir(d, plan.trials[0]), "metrics.json");
    expect(deterministicPart(file(dir))).toBe(deterministicPart(file(reference)));
  }, 120_000);
});
