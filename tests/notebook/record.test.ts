import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  clearRecordedFigures,
  compareFigures,
  formatBaseline,
  formatDiffs,
  makeBaseline,
  paramsMismatch,
  readRecordFile,
  record,
  recordedFigures,
  recordFile,
  tolerances,
} from "../../src/notebook/record.js";
import type { Baseline, RecordedFigure } from "../../src/notebook/record.js";
import { notebookScript } from "../../src/notebook/runtime.js";
import { kernels } from "../../src/kernels/index.js";

afterEach(() => {
  clearRecordedFigures();
  delete process.env.GPTLAB_RECORD;
});

function figure(name: string, value: number, t: Partial<RecordedFigure> = {}): RecordedFigure {
  return { name, value, tolerance: "custom", abs: 0, rel: 0, cell: 3, ...t };
}

function baselineOf(figures: RecordedFigure[]): Baseline {
  return makeBaseline("nb", { steps: 10 }, { format: "gptlab-figures", version: 1, notebook: "nb", backend: "fast", figures });
}

describe("record", () => {
  test("keeps figures in order with the numbers of their tolerance class", () => {
    record("loss_at_step_100", 2.5, "trained");
    record("params", 63296, "exact");
    record("lr_end", 1e-3, { abs: 1e-9, rel: 1e-6 }, "why");
    expect(recordedFigures().map((f) => [f.name, f.value, f.tolerance, f.abs, f.rel])).toEqual([
      ["loss_at_step_100", 2.5, "trained", 0, tolerances.trained.rel],
      ["params", 63296, "exact", 0, 0],
      ["lr_end", 1e-3, "custom", 1e-9, 1e-6],
    ]);
    expect(recordedFigures()[2].note).toBe("why");
  });

  test("refuses names that are not snake_case, values that are not finite and unknown tolerance classes", () => {
    expect(() => record("Loss-100", 1, "exact")).toThrow(/snake_case/);
    expect(() => record("loss", NaN, "exact")).toThrow(/figure loss must be a finite number \(got NaN\)/);
    expect(() => record("loss", Infinity, "exact")).toThrow(/diverged/);
    expect(() => record("loss", 1, "loose" as never)).toThrow(/unknown tolerance "loose"/);
    expect(() => record("loss", 1, { rel: -1 })).toThrow(/>= 0/);
  });

  test("inside an exported script a figure carries its cell, and the same name in another cell is refused", () => {
    const nb = notebookScript("record-test");
    nb.cell(4, 2);
    record("loss", 1, "exact");
    expect(recordedFigures()[0].cell).toBe(4);
    expect(recordFile().notebook).toBe("record-test");
    record("loss", 2, "exact"); // re-running the same cell replaces it
    expect(recordedFigures()).toHaveLength(1);
    nb.cell(6, 3);
    expect(() => record("loss", 3, "exact")).toThrow("figure loss is recorded in cell 4 and again in cell 6");
  });

  test("with GPTLAB_RECORD set, every record rewrites the file with all figures so far", () => {
    const file = path.join(os.tmpdir(), `gptlab-record-${process.pid}.json`);
    process.env.GPTLAB_RECORD = file;
    try {
      record("a", 1, "exact");
      record("b", 2, "float64");
      const data = readRecordFile(file);
      expect(data.figures.map((f) => f.name)).toEqual(["a", "b"]);
      expect(data.backend).toBe(kernels().name);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
});

describe("compareFigures", () => {
  test("passes a figure within max(abs, rel × |baseline|) and fails one just outside", () => {
    const base = baselineOf([figure("x", 10, { rel: 0.01 }), figure("y", 0, { abs: 0.5 })]);
    const inside = compareFigures(base, [figure("x", 10.1, { rel: 0.01 }), figure("y", -0.5, { abs: 0.5 })]);
    expect(inside.map((d) => d.status)).toEqual(["ok", "ok"]);
    const outside = compareFigures(base, [figure("x", 10.1001, { rel: 0.01 }), figure("y", 0.5001, { abs: 0.5 })]);
    expect(outside.map((d) => d.status)).toEqual(["moved", "moved"]);
    expect(outside[0].diff).toBeCloseTo(0.1001, 12);
    expect(outside[0].allowed).toBeCloseTo(0.1, 12);
  });

  test("reports figures missing from the run, new figures, and a tolerance that changed since the baseline", () => {
    const base = baselineOf([figure("kept", 1, { rel: 0.1 }), figure("gone", 2)]);
    const diffs = compareFigures(base, [figure("kept", 1, { rel: 0.2 }), figure("added", 3)]);
    expect(Object.fromEntries(diffs.map((d) => [d.name, d.status]))).toEqual({ kept: "retolerated", added: "new", gone: "missing" });
  });

  test("the report names the cell, both values, the change in absolute and relative terms and the tolerance", () => {
    const base = baselineOf([figure("val_loss", 4, { tolerance: "trained", rel: 1e-4, cell: 15 })]);
    const [line] = formatDiffs(compareFigures(base, [figure("val_loss", 4.2, { tolerance: "trained", rel: 1e-4, cell: 15 })]));
    expect(line).toContain("✗ cell 15");
    expect(line).toContain("val_loss: 4 -> 4.2: +0.2 (+5%), allowed ±0.0004 (trained: rel 1e-4)");
    expect(formatDiffs(compareFigures(base, [figure("val_loss", 4, { tolerance: "trained", rel: 1e-4 })]))).toEqual([]);
  });
});

test("a baseline records the parameters, documents the tolerance classes it uses and reads back as JSON", () => {
  const base = baselineOf([figure("n", 5, { tolerance: "exact" }), figure("l", 2.5, { tolerance: "trained", rel: 1e-4 })]);
  expect(Object.keys(base.tolerances).sort()).toEqual(["exact", "trained"]);
  expect(base.tolerances.trained.why).toMatch(/measured/);
  const text = formatBaseline(base);
  expect(JSON.parse(text)).toEqual(base);
  expect(text).toContain('\n    "n": {"value":5,');
  expect(paramsMismatch(base, { steps: 10 })).toEqual([]);
  expect(paramsMismatch(base, { steps: 20, lr: 1 })).toEqual(["lr: baseline (unset), now 1", "steps: baseline 10, now 20"]);
});
