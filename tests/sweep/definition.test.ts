import { planSweep, trialId, parseDefinition } from "../../src/sweep/definition.js";
import { resolveRunConfig } from "../../src/train/config.js";
import { emitSweep } from "../../src/sweep/emit.js";
import { parseIndexSpec } from "../../src/cli/sweep.js";

const base = { steps: 20, backend: "wasm" };

describe("planSweep", () => {
  test("a grid expands to every combination, the last axis fastest, with stable ids", () => {
    const plan = planSweep({ name: "g", base, grid: { lr: [0.001, 0.01], batchSize: [1, 2, 4] } });
    expect(plan.trials.map((t) => [t.params.lr, t.params.batchSize])).toEqual([
      [0.001, 1], [0.001, 2], [0.001, 4], [0.01, 1], [0.01, 2], [0.01, 4],
    ]);
    expect(plan.trials.map((t) => t.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(plan.axes).toEqual(["lr", "batchSize"]);
    expect(new Set(plan.trials.map((t) => t.id)).size).toBe(6);
    expect(plan.trials[4].config.lr).toBe(0.01);
    expect(plan.trials[4].config.batchSize).toBe(2);
    // the same trial has the same id in another sweep
    const other = planSweep({ name: "other", base, grid: { batchSize: [2], lr: [0.01] } });
    expect(other.trials[0].id).toBe(plan.trials[4].id);
  });

  test("trial ids ignore out and threads (they do not change results) but see every other key", () => {
    const c = resolveRunConfig({ ...base, lr: 0.003 });
    expect(trialId({ ...c, out: "a", threads: 1 })).toBe(trialId({ ...c, out: "b", threads: 4 }));
    expect(trialId({ ...c, lr: 0.0031 })).not.toBe(trialId(c));
    expect(trialId(c)).toMatch(/^t[0-9a-f]{12}$/);
  });

  test("trials run with kernel threads 1 and a pinned backend unless the base says otherwise", () => {
    const plan = planSweep({ base: { steps: 20 }, grid: { lr: [0.01] } });
    expect(plan.trials[0].config.threads).toBe(1);
    expect(plan.trials[0].config.backend).not.toBe("auto");
  });

  test("configs are crossed with the grid, and seeds repeat each point innermost", () => {
    const plan = planSweep({ base, configs: [{ preset: "lab" }, { preset: "micro" }], grid: { lr: [0.01, 0.02] }, seeds: 2 });
    expect(plan.trials.map((t) => `${t.params.preset}/${t.params.lr}/${t.params.seed}`)).toEqual([
      "lab/0.01/42", "lab/0.01/43", "lab/0.02/42", "lab/0.02/43", "micro/0.01/42", "micro/0.01/43", "micro/0.02/42", "micro/0.02/43",
    ]);
  });

  test("random search draws the same points for the same seed, inside the ranges", () => {
    const def = { base, random: { count: 6, seed: 7, axes: { lr: { logUniform: [1e-4, 1e-1] as [number, number] }, batchSize: { choice: [1, 2, 4] }, warmupSteps: { intUniform: [0, 5] as [number, number] } } } };
    const a = planSweep(def).trials.map((t) => t.params);
    const b = planSweep(def).trials.map((t) => t.params);
    expect(a).toEqual(b);
    for (const p of a) {
      expect(p.lr as number).toBeGreaterThanOrEqual(1e-4);
      expect(p.lr as number).toBeLessThanOrEqual(1e-1);
      expect([1, 2, 4]).toContain(p.batchSize);
      expect(Number.isInteger(p.warmupSteps)).toBe(true);
    }
    const c = planSweep({ ...def, random: { ...def.random, seed: 8 } }).trials.map((t) => t.params);
    expect(c).not.toEqual(a);
  });

  test("an unknown axis is refused before anything runs, naming it and a close spelling", () => {
    expect(() => planSweep({ base, grid: { learningRate: [0.01] } })).toThrow(/sweep axis "learningRate": config: unknown key "learningRate"/);
    expect(() => planSweep({ base, grid: { batch_size: [1] } })).toThrow(/did you mean "batchSize"/);
  });

  test("a value the run config refuses is named with its axis", () => {
    expect(() => planSweep({ base, grid: { lr: [0.01, -1] } })).toThrow(/sweep axis "lr" value -1 is refused: config.lr must be a finite number > 0/);
    expect(() => planSweep({ base, grid: { optimizer: ["adam", "lion"] } })).toThrow(/sweep axis "optimizer" value "lion" is refused: config.optimizer must be one of/);
    expect(() => planSweep({ base, configs: [{ steps: 0 }] })).toThrow(/sweep configs\[0\]: sweep axis "steps" value 0 is refused/);
  });

  test("combinations the run config refuses name the trial", () => {
    expect(() => planSweep({ base, grid: { steps: [5, 50], warmupSteps: [10] } })).toThrow(/sweep trial 0 \(steps=5 warmupSteps=10\) is refused: config.warmupSteps must be an integer in \[0, steps\] \(got 10 with steps 5\)/);
  });

  test("mistakes in the definition itself are named", () => {
    expect(() => planSweep({ base, grids: { lr: [1] } } as never)).toThrow(/unknown key "grids"/);
    expect(() => planSweep({ base, grid: { lr: [] } })).toThrow(/grid axis "lr" must be a non-empty list/);
    expect(() => planSweep({ base, grid: { out: ["x"] } })).toThrow(/axis "out" is not allowed/);
    expect(() => planSweep({ base, grid: { lr: [0.01, 0.01] } })).toThrow(/trials 0 \(lr=0.01\) and 1 \(lr=0.01\) have the same config/);
    expect(() => planSweep({ base, random: { count: 2, seed: 1, axes: { lr: { logUniform: [0, 1] } } } })).toThrow(/logUniform needs \[min, max\] with min <= max and min > 0/);
    expect(() => planSweep({ base: { ...base, data: "no/such/file.txt" } })).toThrow(/data file "no\/such\/file.txt" not found/);
    expect(() => parseDefinition("{ nope", "def.json")).toThrow(/def.json is not valid JSON/);
  });
});

describe("batch-engine jobs", () => {
  const plan = planSweep({ name: "emit", base, grid: { lr: [0.001, 0.002, 0.003, 0.004] } });

  test("the Slurm script is an array over every trial that only calls the CLI", () => {
    const s = emitSweep("slurm", plan, { dir: "runs/sweeps/emit", workdir: "/src/gptlab", parallel: 2 });
    expect(s).toMatch(/^#!\/bin\/bash/);
    expect(s).toContain("#SBATCH --array=0-3%2");
    expect(s).toContain("#SBATCH --cpus-per-task=1");
    expect(s).toContain("#SBATCH --chdir=/src/gptlab");
    expect(s.trim().split("\n").pop()).toBe('exec node bin/gptlab.js sweep run --dir runs/sweeps/emit --index "$SLURM_ARRAY_TASK_ID"');
  });

  test("the Kubernetes Job is Indexed with one completion per trial", () => {
    const s = emitSweep("k8s", plan, { dir: "runs/sweeps/emit", workdir: "/work", image: "img:1" });
    expect(s).toContain("completionMode: Indexed");
    expect(s).toContain("completions: 4");
    expect(s).toContain("image: img:1");
  });

  test("a GitHub matrix has at most 256 jobs; more trials are dealt round-robin", () => {
    const big = planSweep({ base, grid: { lr: Array.from({ length: 300 }, (_, i) => 0.001 + i * 1e-5) } });
    const m = JSON.parse(emitSweep("github-matrix", big, { dir: "d", workdir: "/w" })) as { include: Array<{ index: string }> };
    expect(m.include).toHaveLength(256);
    expect(m.include[0].index).toBe("0,256");
    expect(m.include[255].index).toBe("255");
    const all = m.include.flatMap((j) => parseIndexSpec(j.index, 300)).sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });

  test("--index takes a number, a range or a list, inside the plan", () => {
    expect(parseIndexSpec("2", 4)).toEqual([2]);
    expect(parseIndexSpec("0-2,3", 4)).toEqual([0, 1, 2, 3]);
    expect(() => parseIndexSpec("4", 4)).toThrow(/--index 4 is out of range: the sweep has 4 trials \(0-3\)/);
    expect(() => parseIndexSpec("x", 4)).toThrow(/--index must be a trial number/);
  });
});
