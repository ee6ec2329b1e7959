// Issue 22.3: an exclusive, stale-safe lock on a run folder (training, resume, a sweep trial).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { FolderLockedError, LOCK_FILE, STALE_MS, lockFolder } from "../../src/io/lock.js";
import { tmpDir } from "../helpers/run-folders.js";
import { EXIT } from "../../src/cli/exit-codes.js";

const root = path.join(__dirname, "..", "..");
const bin = path.join(root, "bin", "gptlab.js");

function writeLock(dir: string, info: object, ageMs = 0): void {
  const file = path.join(dir, LOCK_FILE);
  fs.writeFileSync(file, JSON.stringify(info));
  const t = new Date(Date.now() - ageMs);
  fs.utimesSync(file, t, t);
}

describe("lockFolder", () => {
  test("a second lock on a held folder is refused naming the holder; after release it is free again", () => {
    const dir = tmpDir();
    const release = lockFolder(dir);
    expect(() => lockFolder(dir)).toThrow(FolderLockedError);
    release();
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    lockFolder(dir)();
  });

  test("a lock whose process is gone (same host) is stale and taken over; one held by a live process is not", () => {
    const dir = tmpDir();
    const dead = spawnSync(process.execPath, ["-e", "process.pid"]).pid!;
    writeLock(dir, { pid: dead, host: os.hostname(), token: "old", since: "then" });
    const release = lockFolder(dir);
    expect(JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), "utf8")).pid).toBe(process.pid);
    release();
    const live = spawn("sleep", ["30"]);
    try {
      writeLock(dir, { pid: live.pid, host: os.hostname(), token: "live", since: "2026-01-01T00:00:00Z" }, 10 * STALE_MS);
      expect(() => lockFolder(dir)).toThrow(new RegExp(`in use by another gptlab process \\(pid ${live.pid} on this host, since 2026-01-01T00:00:00Z\\)`));
    } finally {
      live.kill();
    }
  });

  test("a lock whose process is a zombie (killed, its parent gone, not yet reaped) is stale and taken over", async () => {
    if (!fs.existsSync("/proc/self/stat")) throw new Error("this test needs Linux's /proc");
    const dir = tmpDir();
    // sh starts a short sleep in the background, then becomes a long sleep that never reaps it: a zombie
    const parent = spawn("sh", ["-c", "sleep 0.1 & echo $!; exec sleep 30"]);
    try {
      const zombie = Number(await new Promise<string>((resolve) => parent.stdout.once("data", (d) => resolve(String(d)))));
      const state = (): string => fs.readFileSync(`/proc/${zombie}/stat`, "utf8").replace(/^\d+ \(.*\) /s, "")[0];
      for (let i = 0; i < 100 && state() !== "Z"; i++) await new Promise((r) => setTimeout(r, 50));
      expect(state()).toBe("Z");
      writeLock(dir, { pid: zombie, host: os.hostname(), token: "zombie", since: "then" });
      const release = lockFolder(dir);
      expect(JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), "utf8")).pid).toBe(process.pid);
      release();
    } finally {
      parent.kill();
    }
  });

  test("a lock from another host is held while its mtime is fresh and stale once older than STALE_MS", () => {
    const dir = tmpDir();
    writeLock(dir, { pid: 1, host: "other-node", token: "a", since: "then" }, 1000);
    expect(() => lockFolder(dir)).toThrow(/pid 1 on host other-node/);
    writeLock(dir, { pid: 1, host: "other-node", token: "a", since: "then" }, STALE_MS + 5000);
    lockFolder(dir)();
  });
});

describe("22.3: two gptlab train --resume of one folder at once", () => {
  test("one continues the run; the other is refused (exit 2) naming the process that holds it, and the folder holds the finished run", async () => {
    const out = path.join(tmpDir(), "run");
    const first = spawnSync(process.execPath, [bin, "train", "--steps", "20", "--eval-every", "0", "--samples", "0", "--out", out], { cwd: root, encoding: "utf8" });
    expect(first.status).toBe(0);
    const resume = () => new Promise<{ code: number | null; err: string }>((resolve) => {
      const c = spawn(process.execPath, [bin, "train", "--resume", out, "--steps", "3000", "--allow-config-change", "--save-every", "100"], { cwd: root });
      let err = "";
      c.stderr.on("data", (d) => (err += d));
      c.on("close", (code) => resolve({ code, err }));
    });
    const results = await Promise.all([resume(), resume()]);
    expect(results.map((r) => r.code).sort()).toEqual([0, EXIT.badInput]);
    expect(results.find((r) => r.code === EXIT.badInput)!.err).toMatch(/run folder .* is in use by another gptlab process \(pid \d+ on this host/);
    const m = JSON.parse(fs.readFileSync(path.join(out, "metrics.json"), "utf8"));
    expect(m.final).toMatchObject({ step: 3000, stopReason: "completed" });
    expect(m.history.steps.length).toBe(3000);
    expect(fs.existsSync(path.join(out, LOCK_FILE))).toBe(false);
  }, 120_000);
});

describe("22.3: a sweep trial is run by one process at a time", () => {
  test("sweep run --index N refuses a trial whose folder another process holds, and leaves the folder alone", () => {
    const tmp = tmpDir();
    const def = path.join(tmp, "def.json");
    fs.writeFileSync(def, JSON.stringify({ name: "locked", base: { steps: 30, evalEvery: 0, samples: 0, backend: "wasm" }, grid: { lr: [0.003] } }));
    const dir = path.join(tmp, "sweep");
    const env = { ...process.env, SLURM_ARRAY_TASK_ID: "", JOB_COMPLETION_INDEX: "" };
    expect(spawnSync(process.execPath, [bin, "sweep", "plan", def, "--dir", dir], { cwd: root, env }).status).toBe(0);
    const [id] = fs.readFileSync(path.join(dir, "plan.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l).id as string);
    const trial = path.join(dir, "trials", id);
    // this test process stands for a first attempt that still runs the trial
    const release = lockFolder(trial, "trial folder");
    try {
      const r = spawnSync(process.execPath, [bin, "sweep", "run", "--dir", dir, "--index", "0"], { cwd: root, env, encoding: "utf8" });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(new RegExp(`trial folder .*${id} is in use by another gptlab process \\(pid ${process.pid} on this host`));
      expect(fs.readdirSync(trial)).toEqual([LOCK_FILE]);
    } finally {
      release();
    }
    const again = spawnSync(process.execPath, [bin, "sweep", "run", "--dir", dir, "--index", "0"], { cwd: root, env, encoding: "utf8" });
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/: completed/);
  }, 60_000);
});

test("22.10: temporary files that killed saves left (.metrics.json.tmp-*, .last.tmp-*) are removed when the folder is next trained", async () => {
  const { trainInFolder } = await import("../../src/train/train-in-folder.js");
  const dir = path.join(tmpDir(), "run");
  const o = { steps: 10, evalEvery: 0, samples: 0, saveEvery: 0, saveEverySeconds: 0 };
  await trainInFolder(dir, o, { log: () => undefined });
  fs.writeFileSync(path.join(dir, ".metrics.json.tmp-999999-3"), "{");
  fs.mkdirSync(path.join(dir, ".last.tmp-999999-0"));
  await trainInFolder(dir, { ...o, steps: 20 }, { resume: true, allowConfigChange: true, log: () => undefined });
  expect(fs.readdirSync(dir).filter((f) => f.startsWith(".")).sort()).toEqual([]);
}, 60_000);
