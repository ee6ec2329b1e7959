// Issue 22.1: a batch engine stops a job by signalling the job's own process (Slurm's scancel and requeue, a
// Kubernetes eviction). The emitted jobs must make that process the trainer itself, so the signal saves the trial.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";

const root = path.join(__dirname, "..", "..");
const bin = path.join(root, "bin", "gptlab.js");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-emit-"));
const env = { ...process.env, SLURM_ARRAY_TASK_ID: "", JOB_COMPLETION_INDEX: "" };

function plan(name: string, emit: string): { dir: string; job: string } {
  const def = path.join(tmp, `${name}.json`);
  fs.writeFileSync(def, JSON.stringify({ name, base: { steps: 1000000, evalEvery: 0, saveEvery: 0, samples: 0, backend: "wasm" }, grid: { lr: [0.003] } }));
  const dir = path.join(tmp, name);
  const r = spawnSync(process.execPath, [bin, "sweep", "plan", def, "--dir", dir, "--emit", emit, "--workdir", root], { cwd: root, encoding: "utf8", env });
  expect(r.status).toBe(0);
  return { dir, job: r.stdout };
}

/** Waits until the job's trial has trained a little (its folder is claimed), sends SIGTERM to the job's own process. */
function termWhenTraining(child: ChildProcess, trials: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (out += d));
    const timer = setInterval(() => {
      const claimed = fs.existsSync(trials) && fs.readdirSync(trials).some((t) => fs.existsSync(path.join(trials, t, "metrics.json")));
      if (claimed) {
        clearInterval(timer);
        setTimeout(() => child.kill("SIGTERM"), 1500);
      }
    }, 100);
    child.on("close", (code) => {
      clearInterval(timer);
      resolve({ code, out });
    });
  });
}

function savedTrial(dir: string): { stopReason: unknown; step: number; hasLast: boolean } {
  const trials = path.join(dir, "trials");
  const [id] = fs.readdirSync(trials);
  const m = JSON.parse(fs.readFileSync(path.join(trials, id, "metrics.json"), "utf8"));
  return { stopReason: m.final.stopReason, step: m.final.step, hasLast: fs.existsSync(path.join(trials, id, "last", "trainer-state.safetensors")) };
}

describe("22.1: the emitted jobs run node on the CLI directly, so the batch engine's SIGTERM saves the trial", () => {
  test("the Slurm script execs node (no npx), appends to its log on requeue, and SIGTERM to the job's process saves the trial (exit 75)", async () => {
    const { dir, job } = plan("slurm-term", "slurm");
    expect(job).not.toMatch(/npx gptlab sweep run/);
    expect(job).toMatch(/^exec node .*gptlab\.js sweep run /m);
    expect(job).toContain("#SBATCH --open-mode=append");
    const script = path.join(tmp, "job.sbatch");
    fs.writeFileSync(script, job);
    // Slurm runs the script with bash in --chdir with the task id set; the batch step's process is the script's
    const child = spawn("bash", [script], { cwd: root, env: { ...env, SLURM_ARRAY_TASK_ID: "0" } });
    const r = await termWhenTraining(child, path.join(dir, "trials"));
    expect({ code: r.code, out: r.out }).toMatchObject({ code: 75 });
    expect(r.out).toMatch(/trial 0 t[0-9a-f]{12} \(lr=0.003\): aborted/);
    const t = savedTrial(dir);
    expect(t.stopReason).toBe("aborted");
    expect(t.step).toBeGreaterThan(0);
    expect(t.hasLast).toBe(true);
  }, 120_000);

  test("the Kubernetes container command is node on the CLI, and SIGTERM to it (an eviction) saves the trial", async () => {
    const { dir, job } = plan("k8s-term", "k8s");
    const line = job.split("\n").find((l) => l.trim().startsWith("command:"))!;
    const command = JSON.parse(line.trim().slice("command:".length)) as string[];
    expect(command[0]).toBe("node");
    // the container runtime starts the command itself in workingDir, with the completion index set
    const child = spawn(command[0] === "node" ? process.execPath : command[0], command.slice(1), { cwd: root, env: { ...env, JOB_COMPLETION_INDEX: "0" } });
    const r = await termWhenTraining(child, path.join(dir, "trials"));
    expect(r.code).toBe(75);
    const t = savedTrial(dir);
    expect(t.stopReason).toBe("aborted");
    expect(t.hasLast).toBe(true);
  }, 120_000);
});
