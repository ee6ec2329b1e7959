// Issue 22.5: metrics.json's history is bounded in memory and on disk at any step count, and a resumed run keeps
// the same records as an uninterrupted one.
import * as fs from "node:fs";
import * as path from "node:path";
import { History, HISTORY_MAX_STEPS, HISTORY_TAIL } from "../../src/train/callbacks.js";
import type { StepEvent } from "../../src/train/trainer.js";
import { trainInFolder } from "../../src/train/train-in-folder.js";
import { comparableMetrics, tmpDir } from "../helpers/run-folders.js";
import type { Run } from "../../src/train/run.js";

function step(i: number): StepEvent {
  return { step: i, totalSteps: 0, loss: 3 + Math.sin(i), lr: 1e-3, gradNorm: 1, tokens: 1, tokensPerSec: 0, elapsedMs: 0 };
}

test("1,000,000 steps keep at most HISTORY_MAX_STEPS records (step 1 and every stride-th) and the last HISTORY_TAIL in full", () => {
  const h = new History();
  let first = 0;
  let last = 0;
  const n = 1_000_000;
  for (let i = 1; i <= n; i++) {
    h.onStep(step(i));
    if (i <= 500) first += 3 + Math.sin(i);
    if (i > n - 500) last += 3 + Math.sin(i);
  }
  expect(h.steps.length).toBeLessThanOrEqual(HISTORY_MAX_STEPS);
  expect(h.steps.length).toBeGreaterThan(HISTORY_MAX_STEPS / 2);
  expect(h.stride).toBe(128);
  expect(h.steps[0].step).toBe(1);
  expect(h.steps.slice(1).every((r, i) => r.step === (i + 1) * h.stride)).toBe(true);
  expect(h.lastSteps(HISTORY_TAIL).map((r) => r.step)).toEqual(Array.from({ length: 500 }, (_, i) => n - 499 + i));
  expect(h.meanFirst500).toBeCloseTo(first / 500, 12);
  expect(h.lastSteps(500).reduce((s, r) => s + r.loss, 0) / 500).toBeCloseTo(last / 500, 12);
});

test("a run thinned past its bound resumes to metrics, weights and history byte-identical to an uninterrupted one", async () => {
  const o = { steps: 300, evalEvery: 100, evalBatches: 2, samples: 1, saveEvery: 0, saveEverySeconds: 0, backend: "wasm" };
  const small = (r: Run): void => void (r.history.maxSteps = 40);
  const straight = path.join(tmpDir(), "straight");
  await trainInFolder(straight, o, { log: () => undefined, onReady: small });
  const m = JSON.parse(fs.readFileSync(path.join(straight, "metrics.json"), "utf8"));
  expect(m.history.stride).toBe(8);
  expect(m.history.steps.length).toBeLessThanOrEqual(40);
  expect(m.history.tail.length).toBe(300);
  const split = path.join(tmpDir(), "split");
  const stop = new AbortController();
  await trainInFolder(split, o, { log: () => undefined, onReady: small, signal: stop.signal, callbacks: [{ onStepEnd: (e) => void (e.step === 170 && stop.abort()) }] });
  await trainInFolder(split, o, { resume: true, log: () => undefined, onReady: small });
  expect(comparableMetrics(path.join(split, "metrics.json"))).toBe(comparableMetrics(path.join(straight, "metrics.json")));
  expect(fs.readFileSync(path.join(split, "last", "model.safetensors")).equals(fs.readFileSync(path.join(straight, "last", "model.safetensors")))).toBe(true);
}, 60_000);
