// A real batch engine: the emitted sbatch script runs a sweep as a Slurm job array, and the collected table is
// byte for byte the one the local pool gives. Needs a running Slurm (scripts/slurm-local.sh start, as .ci/run does);
// without one the test says so and skips, unless GPTLAB_REQUIRE_SLURM=1 (CI), where it fails.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";

const root = path.join(__dirname, "..", "..");
const bin = path.join(root, "bin", "gptlab.js");
const env = { ...process.env, SLURM_ARRAY_TASK_ID: "", JOB_COMPLETION_INDEX: "" };

function gptlab(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: "utf8", env });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function slurmUp(): string | null {
  const r = spawnSync("sinfo", ["-h", "-o", "%t"], { encoding: "utf8" });
  if (r.error) return "sinfo is not installed";
  if (r.status !== 0) return `sinfo failed: ${(r.stderr || "").trim()}`;
  if (!/idle|mix|alloc/.test(r.stdout)) return `no Slurm node is up (sinfo: ${r.stdout.trim()})`;
  return null;
}

const why = slurmUp();
const required = process.env.GPTLAB_REQUIRE_SLURM === "1";
if (why && !required) console.warn(`tests/sweep/slurm.test.ts skipped: ${why} (start one with: sudo scripts/slurm-local.sh start, then export SLURM_CONF=...)`);
const maybe = why && !required ? test.skip : test;

describe("a sweep on Slurm", () => {
  maybe("the emitted sbatch --array script runs 4 trials, and the collected table equals the local pool's byte for byte", () => {
    expect(why).toBeNull();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-slurm-"));
    const def = path.join(tmp, "def.json");
    fs.writeFileSync(def, JSON.stringify({ name: "slurm", base: { steps: 60, evalEvery: 30, evalBatches: 4, samples: 1, backend: "wasm" }, grid: { lr: [0.003, 0.01], batchSize: [1, 2] } }));
    const onSlurm = path.join(tmp, "on-slurm");
    const emitted = gptlab("sweep", "plan", def, "--dir", onSlurm, "--emit", "slurm");
    expect(emitted.code).toBe(0);
    const script = path.join(tmp, "sweep.sbatch");
    fs.writeFileSync(script, emitted.out);
    expect(emitted.out).toContain("#SBATCH --array=0-3");
    const sb = spawnSync("sbatch", ["--wait", script], { encoding: "utf8", env, timeout: 300_000 });
    const logs = fs.existsSync(path.join(onSlurm, "slurm")) ? fs.readdirSync(path.join(onSlurm, "slurm")).map((f) => fs.readFileSync(path.join(onSlurm, "slurm", f), "utf8")).join("\n") : "";
    expect({ status: sb.status, stderr: sb.stderr, logs: sb.status === 0 ? "" : logs }).toEqual({ status: 0, stderr: "", logs: "" });
    expect(logs).toMatch(/trial 3 t[0-9a-f]{12} \(lr=0.01 batchSize=2\): completed/);

    const local = path.join(tmp, "local");
    expect(gptlab("sweep", "run", def, "--dir", local, "--jobs", "2").code).toBe(0);
    const a = gptlab("sweep", "collect", onSlurm, "--no-timing");
    const b = gptlab("sweep", "collect", local, "--no-timing");
    expect(a.code).toBe(0);
    const slurmRows = fs.readFileSync(path.join(onSlurm, "results.jsonl"), "utf8");
    expect(slurmRows.trim().split("\n").map((l) => JSON.parse(l).status)).toEqual(["completed", "completed", "completed", "completed"]);
    expect(slurmRows).toBe(fs.readFileSync(path.join(local, "results.jsonl"), "utf8"));
    expect(fs.readFileSync(path.join(onSlurm, "results.csv"), "utf8")).toBe(fs.readFileSync(path.join(local, "results.csv"), "utf8"));
    expect(b.code).toBe(0);
  }, 400_000);
});
