// Issue 22.4: a kill at the end of a run must leave a folder that can be finished, and a sweep trial is done only
// when its checkpoint verifies.
import * as fs from "node:fs";
import * as path from "node:path";
import { trainInFolder } from "../../src/train/train-in-folder.js";
import { resolveRunConfig } from "../../src/train/config.js";
import { runTrial } from "../../src/sweep/trial.js";
import { trialState } from "../../src/sweep/folder.js";
import { tmpDir } from "../helpers/run-folders.js";

const base = { steps: 30, evalEvery: 10, evalBatches: 2, samples: 1, saveEvery: 10, saveEverySeconds: 0, backend: "wasm" };
const quiet = { log: () => undefined };

/** A finished run whose top-level metrics.json is the one of step 20: as if killed between last/ and metrics.json of the final save. */
async function laggingRun(): Promise<{ dir: string; final: string }> {
  const dir = path.join(tmpDir(), "run");
  let at20 = "";
  const copier = { onStepEnd: (e: { step: number }) => void (e.step === 20 && (at20 = fs.readFileSync(path.join(dir, "metrics.json"), "utf8"))) };
  await trainInFolder(dir, base, { ...quiet, callbacks: [copier] });
  const final = fs.readFileSync(path.join(dir, "last", "metrics.json"), "utf8");
  fs.writeFileSync(path.join(dir, "metrics.json"), at20);
  return { dir, final };
}

describe("22.4: a finished run's metrics are completed from last/ when they lag", () => {
  test("--resume of a run killed between the final last/ and metrics.json completes metrics.json instead of refusing", async () => {
    const { dir, final } = await laggingRun();
    const lines: string[] = [];
    const r = await trainInFolder(dir, base, { resume: true, log: (l) => lines.push(l) });
    expect(r.end).toMatchObject({ reason: "completed", step: 30 });
    expect(lines.join("\n")).toMatch(/had finished at step 30 .* metrics.json lagged behind and was completed from last\//);
    expect(fs.readFileSync(path.join(dir, "metrics.json"), "utf8")).toBe(final);
  }, 60_000);
});

describe("22.4: a sweep trial is done only when its checkpoint verifies", () => {
  const config = resolveRunConfig(base);

  test("a finished trial whose metrics.json is truncated or unfinished is completed from last/, not failed", async () => {
    const { dir, final } = await laggingRun();
    expect(trialState(dir)).toMatchObject({ state: "completed", lagging: true });
    expect(await runTrial(dir, config)).toMatchObject({ reason: "completed", skipped: true });
    expect(fs.readFileSync(path.join(dir, "metrics.json"), "utf8")).toBe(final);
    fs.writeFileSync(path.join(dir, "metrics.json"), final.slice(0, 100));
    expect(await runTrial(dir, config)).toMatchObject({ reason: "completed", skipped: true });
    expect(fs.readFileSync(path.join(dir, "metrics.json"), "utf8")).toBe(final);
  }, 60_000);

  test.each([
    ["last/ deleted", (dir: string) => fs.rmSync(path.join(dir, "last"), { recursive: true })],
    ["model.safetensors truncated", (dir: string) => fs.truncateSync(path.join(dir, "last", "model.safetensors"), 1000)],
  ])("a 'completed' trial with %s is not done: it is trained again, and ends with verified weights", async (_what, damage) => {
    const dir = path.join(tmpDir(), "trial");
    await runTrial(dir, config);
    const weights = fs.readFileSync(path.join(dir, "last", "model.safetensors"));
    damage(dir);
    expect(trialState(dir).state).toBe("pending");
    expect(await runTrial(dir, config)).toMatchObject({ reason: "completed", skipped: false });
    expect(trialState(dir).state).toBe("completed");
    expect(fs.readFileSync(path.join(dir, "last", "model.safetensors")).equals(weights)).toBe(true);
  }, 60_000);
});
