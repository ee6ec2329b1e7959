import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { Run } from "../../src/train/run.js";
import type { RunConfig } from "../../src/train/config.js";
import { setKernelWriterForTesting } from "../../src/notebook/kernel.js";
import type { DisplayMessage } from "../../src/notebook/kernel.js";
import { PLOTLY_MIME } from "../../src/notebook/figure.js";
import type { Figure } from "../../src/notebook/figure.js";
import { writeSplitCorpus } from "../../src/notebook/corpus.js";
import { evalCurves, keepBest, lossCurves, runSummary, seriesNames, trainSweep, trainView } from "../../src/notebook/training.js";

const tiny: Partial<RunConfig> = { preset: "micro", steps: 30, evalEvery: 10, evalBatches: 5, seed: 7 };
const fakeBundle = path.join(os.tmpdir(), `gptlab-fake-plotly-training-${process.pid}.js`);
const sent: DisplayMessage[] = [];

beforeAll(() => {
  fs.writeFileSync(fakeBundle, "window.Plotly = {};");
  process.env.GPTLAB_PLOTLY = fakeBundle;
});
afterAll(() => {
  delete process.env.GPTLAB_PLOTLY;
  fs.rmSync(fakeBundle, { force: true });
});

function trace(fig: Figure, name: string): { x: number[]; y: number[] } {
  const t = fig.data.find((d) => d.name === name);
  if (!t) throw new Error(`no trace "${name}" in ${fig.data.map((d) => d.name).join(", ")}`);
  return { x: t.x as number[], y: t.y as number[] };
}

describe("in a kernel", () => {
  beforeEach(() => {
    sent.length = 0;
    setKernelWriterForTesting((msg) => sent.push(msg));
  });
  afterAll(() => setKernelWriterForTesting(undefined));

  test("trainView draws each step's loss, its trailing mean and the evaluations, and the progress line reaches the end", async () => {
    const run = new Run(tiny);
    const listeners = process.listenerCount("SIGINT");
    const view = trainView(run, { smooth: 5 });
    await run.trainAsync({ callbacks: [view], signal: view.signal });
    expect(process.listenerCount("SIGINT")).toBe(listeners);

    const fig = view.figure()!;
    expect(fig.data.slice(0, 3).map((d) => d.name)).toEqual([seriesNames.raw, seriesNames.smoothed(5), seriesNames.val]); // legend order
    const losses = run.history.steps.map((s) => s.loss);
    expect(trace(fig, seriesNames.raw).y).toEqual(losses);
    const means = losses.map((_, i) => losses.slice(i - 4, i + 1).reduce((a, b) => a + b, 0) / 5).slice(4);
    const smoothed = trace(fig, seriesNames.smoothed(5));
    expect(smoothed.x).toEqual(run.history.steps.slice(4).map((s) => s.step));
    smoothed.y.forEach((v, i) => expect(v).toBeCloseTo(means[i], 10));
    expect(trace(fig, seriesNames.val)).toEqual({ x: [10, 20, 30], y: run.history.evals.map((e) => e.valLoss) });

    const figures = sent.filter((m) => m.data[PLOTLY_MIME]);
    expect(figures.length).toBeGreaterThan(0);
    expect(new Set(figures.map((m) => m.transient.display_id)).size).toBe(1); // one output, updated in place
    const lines = sent.map((m) => m.data["text/plain"]).filter((t): t is string => typeof t === "string" && t.startsWith("train ["));
    expect(lines[lines.length - 1]).toMatch(/ 30\/30 100% .*\| loss [\d.]+ \| lr [\de.-]+ \| tok\/s \d+ \| val loss [\d.]+/);
  });

  test("Interrupt (SIGINT) stops an awaited training between steps, and running it again continues", async () => {
    const run = new Run(tiny);
    const view = trainView(run);
    const interrupter = { onStep: (e: { step: number }) => void (e.step === 12 && process.emit("SIGINT")) };
    // the handler is installed on the next turn of the event loop: yield after every step
    const end = await run.trainAsync({ callbacks: [view, interrupter], signal: view.signal }, 0);
    expect(end.reason).toBe("aborted");
    expect(run.step).toBe(12);
    expect(sent.some((m) => String(m.data["text/plain"]).includes("training stopped by Interrupt at step 12 of 30"))).toBe(true);

    const again = trainView(run);
    const rest = await run.trainAsync({ callbacks: [again], signal: again.signal });
    expect(rest.reason).toBe("completed");
    expect(run.history.steps.map((s) => s.step)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });
});

describe("outside a kernel", () => {
  let log: jest.SpyInstance;
  beforeEach(() => {
    process.env.GPTLAB_DISPLAY = "file";
    process.env.GPTLAB_OUT = fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-training-test-"));
    log = jest.spyOn(console, "log").mockImplementation(() => undefined);
  });
  afterEach(() => {
    log.mockRestore();
    fs.rmSync(process.env.GPTLAB_OUT!, { recursive: true, force: true });
    delete process.env.GPTLAB_DISPLAY;
    delete process.env.GPTLAB_OUT;
  });

  test("keepBest restores the weights of the evaluation with the lowest validation loss", async () => {
    // five training sentences: the model overfits, so the validation loss is lowest at an early evaluation
    const full = new Run({ steps: 1 });
    const corpus = writeSplitCorpus(full.data.trainDocs.slice(0, 5), full.data.valDocs.slice(0, 20), 7);
    const run = new Run({ ...tiny, steps: 60, data: corpus.data, valFraction: corpus.valFraction }, full.tokenizer);
    const best = keepBest(run);
    await run.trainAsync({ callbacks: [best] });
    const vals = run.history.evals.map((e) => e.valLoss!);
    const lowest = Math.min(...vals);
    expect(vals[vals.length - 1]).toBeGreaterThan(lowest);
    expect(best.step).toBe(run.history.evals[vals.indexOf(lowest)].step);
    expect(best.restore()).toBe(best.step);
    expect(run.evaluate("val")!.loss).toBe(lowest);
  });

  test("trainSweep trains one run per config, in order, with the shared tokenizer", async () => {
    const first = new Run(tiny);
    const runs = await trainSweep({ a: { ...tiny, steps: 5 }, b: { ...tiny, steps: 8, seed: 1 } }, { tokenizer: first.tokenizer });
    expect(Object.keys(runs)).toEqual(["a", "b"]);
    expect([runs.a.step, runs.b.step]).toEqual([5, 8]);
    expect(runs.b.tokenizer).toBe(first.tokenizer);
    expect(log.mock.calls.map((c) => String(c[0])).some((l) => l.includes("13/13 100%"))).toBe(true);
  });

  test("runSummary, evalCurves and lossCurves describe a finished run from its history", () => {
    const run = new Run(tiny);
    run.train();
    const last = run.history.evals[run.history.evals.length - 1];
    const s = runSummary(run);
    expect([s.params, s.steps, s.val_loss, s.train_ppl]).toEqual([run.numParams, 30, last.valLoss, last.trainPerplexity]);
    expect(s.val_bits_per_token).toBeCloseTo(last.valLoss! / Math.LN2, 12);

    const curves = evalCurves(run, { markBest: true, gap: true });
    const val = trace(curves, "val perplexity");
    expect(val.y).toEqual(run.history.evals.map((e) => Math.exp(e.valLoss!)));
    const star = curves.data.find((d) => String(d.name).startsWith("best val"))!;
    expect(star.y).toEqual([Math.min(...val.y)]);
    const gap = (curves.layout!.shapes as Array<{ y0: number; y1: number }>)[0];
    expect([gap.y0, gap.y1]).toEqual([last.trainPerplexity, last.valPerplexity]);

    const losses = lossCurves({ only: run }, { lr: true, smooth: 10 });
    const loss = losses.data[0];
    const lr = losses.data.find((d) => d.yaxis === "y2")!;
    expect(loss.y).toEqual(run.history.smoothed(10).map((p) => p.loss));
    expect((lr.line as { color: string }).color).toBe((loss.line as { color: string }).color);
    expect(lr.y).toEqual(run.history.steps.map((p) => p.lr));
  });
});

test("evalCurves draws losses measured before training at step 0", () => {
  const run = new Run({ ...tiny, steps: 10, evalEvery: 5 });
  const before = { train: run.evaluate("train")!.loss, val: run.evaluate("val")!.loss };
  run.train();
  const fig = evalCurves(run, { metric: "loss", initial: before });
  expect(trace(fig, "train loss")).toEqual({ x: [0, 5, 10], y: [before.train, ...run.history.evals.map((e) => e.trainLoss)] });
  expect(trace(fig, "val loss").y[0]).toBe(before.val);
});

test("Interrupt reaches a handler installed from a cell's synchronous part run like tslab runs it (vm breakOnSigint)", () => {
  // tslab runs each cell under vm.runInThisContext({ breakOnSigint: true }); a SIGINT listener added synchronously
  // in there is left without an OS handler, and the next Interrupt kills the kernel: run that in a child process
  const script = path.join(os.tmpdir(), `gptlab-sigint-${process.pid}.mts`);
  const module = path.resolve(__dirname, "../../src/notebook/training.ts");
  fs.writeFileSync(script, [
    `import * as vm from "node:vm";`,
    `import { InterruptSignal } from ${JSON.stringify(module)};`,
    `process.on("SIGINT", () => {}); // tslab's own handler`,
    `const interrupt = new InterruptSignal();`,
    `(globalThis as any).interrupt = interrupt;`,
    `vm.runInThisContext("globalThis.interrupt.listen()", { breakOnSigint: true });`,
    `setTimeout(() => process.kill(process.pid, "SIGINT"), 50);`,
    `setTimeout(() => { console.log(interrupt.aborted ? "aborted" : "not aborted"); interrupt.dispose(); }, 300);`,
  ].join("\n"));
  try {
    const r = spawnSync(path.resolve(__dirname, "../../node_modules/.bin/tsx"), [script], { encoding: "utf8", timeout: 60_000 });
    expect(r.signal).toBeNull(); // not killed by SIGINT
    expect(r.stdout.trim()).toBe("aborted");
  } finally {
    fs.rmSync(script, { force: true });
  }
}, 60_000);
