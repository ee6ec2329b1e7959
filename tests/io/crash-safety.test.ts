import * as fs from "node:fs";
import * as path from "node:path";
import { execFileSync, spawnSync } from "node:child_process";
import { Run } from "../../src/train/run.js";
import { CHECKPOINTS, checkpointDir, restoreRunState, saveCheckpoint, writeRunMetrics } from "../../src/io/checkpoint.js";
import { IoCrash, ioFaults } from "../../src/io/atomic.js";
import type { IoOp } from "../../src/io/atomic.js";
import { tmpDir } from "../helpers/run-folders.js";

const config = { steps: 40, evalEvery: 10, evalBatches: 3, samples: 0 };

/** A run trained to `steps` steps (then saved as the old or the new checkpoint). */
function runAt(steps: number): Run {
  const run = new Run(config);
  const t = run.makeTrainer();
  for (let i = 0; i < steps; i++) t.trainStep();
  run.step = t.step;
  run.bestStep = t.bestStep;
  run.bestLoss = t.bestLoss;
  return run;
}

/** Restores a fresh run from dir and says which step it holds (throws when the folder is not loadable). */
function restoredStep(dir: string): { step: number; weights: Float32Array | Float64Array } {
  const run = new Run(config);
  restoreRunState(run, dir);
  return { step: run.step, weights: run.model.store.data };
}

afterEach(() => {
  ioFaults.before = null;
  ioFaults.chunkBytes = 1 << 30;
});

describe("a checkpoint is one unit, switched by a rename", () => {
  test("16.3: a crash at every one of the save's file-system steps leaves the old or the new checkpoint, complete, never a mix", () => {
    const old = runAt(10);
    const next = runAt(20);
    ioFaults.chunkBytes = 16 * 1024; // many write calls: many interruption points
    const ops: IoOp[] = [];
    ioFaults.before = (op) => void ops.push(op);
    const probe = tmpDir();
    saveCheckpoint(old, probe);
    ops.length = 0;
    saveCheckpoint(next, probe);
    const points = ops.length;
    expect(points).toBeGreaterThanOrEqual(50);

    const seen = { old: 0, new: 0 };
    for (let k = 0; k < points; k++) {
      const dir = tmpDir();
      ioFaults.before = null;
      saveCheckpoint(old, dir);
      let n = 0;
      ioFaults.before = () => {
        if (n++ === k) throw new IoCrash(`crash before step ${k}`);
      };
      expect(() => saveCheckpoint(next, dir)).toThrow(IoCrash);
      ioFaults.before = null;
      const got = restoredStep(dir);
      const want = got.step === 10 ? old : next;
      expect([10, 20]).toContain(got.step);
      const b = (x: Float32Array | Float64Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
      expect(b(got.weights).equals(b(want.model.store.data))).toBe(true);
      seen[got.step === 10 ? "old" : "new"]++;
    }
    // crashes before the switch keep the old unit, crashes after it give the new one
    expect(seen.old).toBeGreaterThan(40);
    expect(seen.new).toBeGreaterThanOrEqual(1);
    console.log(`crash points: ${points}; loaded the old checkpoint after ${seen.old}, the new one after ${seen.new}`);
  }, 120_000);

  test("a save interrupted between its two renames is found under .last.old", () => {
    const dir = tmpDir();
    saveCheckpoint(runAt(5), dir);
    let renames = 0;
    ioFaults.before = (op) => {
      if (op === "rename" && ++renames === 2) throw new IoCrash("between the renames");
    };
    expect(() => saveCheckpoint(runAt(6), dir)).toThrow(IoCrash);
    ioFaults.before = null;
    expect(fs.existsSync(path.join(dir, CHECKPOINTS.last))).toBe(false);
    expect(checkpointDir(dir)).toBe(path.join(dir, `.${CHECKPOINTS.last}.old`));
    expect(restoredStep(dir).step).toBe(5);
    saveCheckpoint(runAt(7), dir); // the next save puts last/ back and drops .last.old
    expect(fs.readdirSync(dir).sort()).toEqual([CHECKPOINTS.last]);
    expect(restoredStep(dir).step).toBe(7);
  }, 60_000);

  test("16.2: a write that fails (disk full) fails the save with a clear message and leaves the previous checkpoint and no temporary files", () => {
    const dir = tmpDir();
    saveCheckpoint(runAt(5), dir);
    writeRunMetrics(runAt(5), dir);
    const before = fs.readFileSync(path.join(dir, "last", "trainer-state.safetensors"));
    ioFaults.chunkBytes = 64 * 1024;
    let writes = 0;
    ioFaults.before = (op) => {
      if (op === "write" && ++writes === 6) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    };
    expect(() => saveCheckpoint(runAt(8), dir)).toThrow(/could not save the last checkpoint of step 8 in .*: no space left on device, write \(the disk is full: free some space\); the previous checkpoint is untouched/);
    ioFaults.before = null;
    expect(fs.readFileSync(path.join(dir, "last", "trainer-state.safetensors")).equals(before)).toBe(true);
    expect(fs.readdirSync(dir).sort()).toEqual(["last", "metrics.json"]);
    expect(restoredStep(dir).step).toBe(5);
  }, 60_000);
});

// A real full disk: a small tmpfs (needs root; CI runs as root). The run's saves fail once it fills, the
// previous checkpoint stays loadable, and the command exits with the I/O error code naming the disk.
const canMount = (() => {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return false;
  const probe = tmpDir("gptlab-mnt-");
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe]);
  if (r.status !== 0) return false;
  spawnSync("umount", [probe]);
  return true;
})();

(canMount ? describe : describe.skip)("a full disk (tmpfs)", () => {
  test("saves into a 1.5 MB tmpfs until it is full: a clear message, the previous checkpoint intact and loadable, exit code 74", () => {
    const mnt = tmpDir("gptlab-full-");
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1536k", "tmpfs", mnt]);
    try {
      const dir = path.join(mnt, "run");
      // each checkpoint is ~0.8 MB; with a second one in flight the disk fills
      const bin = path.join(__dirname, "..", "..", "bin", "gptlab.js");
      const r = spawnSync(process.execPath, [bin, "train", "--steps", "60", "--save-every", "20", "--save-every-seconds", "0", "--eval-every", "20", "--eval-batches", "3", "--samples", "2", "--out", dir], { encoding: "utf8", cwd: path.join(__dirname, "..", "..") });
      console.log(`full-disk run: exit ${r.status}; ${r.stderr.split("\n").filter((l) => /warning|could not/.test(l)).slice(0, 2).join(" | ")}`);
      expect(r.stderr).toMatch(/could not save the (last|best) checkpoint of step \d+ in .*no space left on device.*\(the disk is full: free some space\); the previous checkpoint is untouched/);
      expect(r.status).toBe(74);
      const loadable = checkpointDir(dir);
      expect(loadable).not.toBeNull();
      const run = new Run({ steps: 60, evalEvery: 20, evalBatches: 3, samples: 2, saveEvery: 20, saveEverySeconds: 0 });
      restoreRunState(run, dir);
      expect(run.step).toBeGreaterThanOrEqual(20);
      expect(fs.readdirSync(dir).filter((f) => f.includes(".tmp-"))).toEqual([]);
    } finally {
      spawnSync("umount", [mnt]);
    }
  }, 120_000);
});

if (!canMount) {
  test.skip("a full disk (tmpfs): skipped, this process cannot mount a tmpfs (needs root on Linux)", () => undefined);
  console.log("full-disk test skipped: mounting a tmpfs needs root on Linux");
}
