import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { sweep, sweepHeatmap, sweepCurves, sweepPanels, sweepSlider, lrRangeFigure } from "../../src/notebook/sweep.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-nb-sweep-"));
const definition = { name: "views", base: { steps: 30, evalEvery: 15, evalBatches: 3, samples: 1, backend: "wasm" }, grid: { lr: [0.001, 0.01], batchSize: [1, 2, 4] } };

describe("sweeps in a notebook", () => {
  let result: Awaited<ReturnType<typeof sweep>>;
  beforeAll(async () => {
    result = await sweep(definition, { jobs: 2, dir: path.join(tmp, "views"), interrupt: false });
  }, 120_000);

  test("sweep() returns the collected table, one row per trial, with the best row", () => {
    expect(result.rows).toHaveLength(6);
    expect(result.rows.every((r) => r.status === "completed")).toBe(true);
    const losses = result.rows.map((r) => r.val_loss as number);
    expect(result.best!.val_loss).toBe(Math.min(...losses));
    expect(result.stopped).toBe(false);
  });

  test("the heatmap puts lr on a log axis labelled with the values, one cell per grid point, the best one starred", () => {
    const fig = sweepHeatmap(result, { x: "lr", y: "batchSize" });
    const heat = fig.data[0] as { x: number[]; y: number[]; z: Array<Array<number | null>> };
    expect(heat.x).toEqual([-3, -2]);
    expect((fig.layout!.xaxis as { ticktext: string[] }).ticktext).toEqual(["0.001", "0.01"]);
    expect((fig.layout!.xaxis as { title: { text: string } }).title.text).toBe("lr (log scale)");
    expect(heat.z).toHaveLength(3);
    const cell = result.rows.find((r) => r.lr === 0.01 && r.batchSize === 2)!;
    expect(heat.z[1][1]).toBe(cell.val_loss);
    const star = fig.data[1] as { x: number[]; y: number[] };
    // inside the best cell (cells are 1 decade wide here), off its centre where the value is written
    const offset = Math.abs(star.x[0] - Math.log10(result.best!.lr as number));
    expect(offset).toBeGreaterThan(0.2);
    expect(offset).toBeLessThan(0.5);
    expect(() => sweepHeatmap(result, { x: "lr", y: "steps" })).toThrow(/"steps" is not an axis of sweep views \(axes: lr, batchSize\)/);
  });

  test("the loss curves give one legend entry per value of the colour axis", () => {
    const fig = sweepCurves(result, { color: "batchSize" });
    expect(fig.data).toHaveLength(6);
    expect(fig.data.filter((t) => t.showlegend).map((t) => t.name)).toEqual(["batchSize=1", "batchSize=2", "batchSize=4"]);
  });

  test("the panel view draws one panel per value of an axis, the other axis as colours with one legend entry each, and names a diverged trial", () => {
    const fig = sweepPanels(result, { panel: "batchSize", color: "lr" });
    expect(fig.data).toHaveLength(6);
    expect(fig.data.map((t) => t.xaxis)).toEqual(["x", "x", "x2", "x2", "x3", "x3"]);
    expect(fig.data.filter((t) => t.showlegend !== false).map((t) => t.name)).toEqual(["lr 0.001", "lr 0.01"]);
    const titles = (fig.layout!.annotations as Array<{ text: string }>).map((a) => a.text);
    expect(titles[0]).toMatch(/batchSize 1 \([\d,]+ params\)/);
    const starts = fig.data.map((t) => (t.y as number[])[0]);
    expect((fig.layout!.yaxis as { range: number[] }).range[1]).toBeCloseTo(Math.min(...starts) + 1.5, 12);
    // the trial of lr 0.01 and batch 1 marked diverged: the first panel's title names it, its curve is dotted
    const broken = { ...result, rows: result.rows.map((r) => (r.lr === 0.01 && r.batchSize === 1 ? { ...r, status: "diverged", diverged_step: 17 } : r)) };
    const marked = sweepPanels(broken, { panel: "batchSize", color: "lr" });
    const markedTitles = (marked.layout!.annotations as Array<{ text: string }>).map((a) => a.text);
    expect(markedTitles[0]).toMatch(/: lr 0\.01 diverged \(step 17\)/);
    expect(markedTitles[1]).not.toMatch(/diverged/);
    expect(marked.data.filter((t) => (t.line as { dash?: string }).dash === "dot").map((t) => [t.xaxis, t.name])).toEqual([["x", "lr 0.01"]]);
  });

  test("the slider steps through an axis, each step showing only that value's trials", () => {
    const fig = sweepSlider(result, { slider: "batchSize", color: "lr" });
    const slider = (fig.layout!.sliders as Array<{ steps: Array<{ label: string; args: [{ visible: boolean[] }] }> }>)[0];
    expect(slider.steps.map((s) => s.label)).toEqual(["1", "2", "4"]);
    for (const [i, s] of slider.steps.entries()) {
      const shown = s.args[0].visible.map((v, j) => (v ? j : -1)).filter((j) => j >= 0);
      expect(shown.map((j) => result.rows[j].batchSize)).toEqual([[1, 2, 4][i], [1, 2, 4][i]]);
    }
    expect(fig.data.map((t) => t.visible)).toEqual(slider.steps[0].args[0].visible);
  });

  test("a second sweep() of the same definition trains nothing and returns the same table", async () => {
    const again = await sweep(definition, { jobs: 2, dir: path.join(tmp, "views"), interrupt: false });
    const strip = (rows: typeof result.rows) => rows.map(({ tokens_per_s: _a, seconds: _b, ...r }) => r);
    expect(strip(again.rows)).toEqual(strip(result.rows));
  }, 60_000);

  test("the range-test figure marks the suggestion on a log lr axis", () => {
    const points = [1e-4, 1e-3, 1e-2, 1e-1].map((lr, i) => ({ lr, loss: [5, 4, 3, 9][i], smoothed: [5, 4, 3, 9][i] }));
    const fig = lrRangeFigure({ points, suggestedLr: 1e-3, lrAtMin: 1e-2, minLoss: 3 }, { lr: 0.01, text: "grid best" });
    expect((fig.layout!.xaxis as { type: string }).type).toBe("log");
    expect((fig.layout!.shapes as Array<{ x0: number }>).map((s) => s.x0)).toEqual([1e-3, 1e-2, 0.01]);
    expect((fig.layout!.annotations as Array<{ x: number }>)[0].x).toBe(-3);
  });
});
