import { bestPoint, linePlot, logTicks, smallMultiples, thin, LiveLossCurve } from "../../src/notebook/plot.js";
import { setKernelWriterForTesting } from "../../src/notebook/kernel.js";
import type { DisplayMessage } from "../../src/notebook/kernel.js";
import { PLOTLY_MIME } from "../../src/notebook/figure.js";

describe("linePlot", () => {
  test("makes one scatter trace per series with x defaulting to 0..n-1", () => {
    const fig = linePlot({ series: [{ name: "train", y: [3, 2, 1] }, { name: "val", x: [10, 20], y: [2.5, 2] }] });
    expect(fig.data.map((t) => t.name)).toEqual(["train", "val"]);
    expect(fig.data[0].x).toEqual([0, 1, 2]);
    expect(fig.data[1].x).toEqual([10, 20]);
  });

  test("a series on the right axis gets yaxis y2 and the layout a second axis overlaying the first", () => {
    const fig = linePlot({ series: [{ name: "loss", y: [1] }, { name: "lr", y: [0.1], yaxis: "y2" }], y2Title: "lr" });
    expect(fig.data[1].yaxis).toBe("y2");
    expect(fig.layout?.yaxis2).toMatchObject({ overlaying: "y", side: "right", title: { text: "lr" } });
  });

  test("marked points become a marker trace and an annotation; on a log axis the annotation uses log10", () => {
    const fig = linePlot({ series: [{ name: "l", y: [100, 10] }], logY: true, points: [{ x: 1, y: 10, text: "best" }] });
    expect(fig.data).toHaveLength(2);
    expect(fig.layout?.yaxis).toMatchObject({ type: "log" });
    const ann = (fig.layout?.annotations as { y: number; text: string }[])[0];
    expect(ann.text).toBe("best");
    expect(ann.y).toBeCloseTo(Math.log10(10), 12);
  });

  test("a gap is a vertical shape between its two values, a vline spans the plot height", () => {
    const fig = linePlot({ series: [{ name: "l", y: [1, 2] }], gaps: [{ x: 1, y0: 1.5, y1: 2.5, text: "gap" }], vlines: [{ x: 0.5 }] });
    const shapes = fig.layout?.shapes as Record<string, unknown>[];
    expect(shapes[0]).toMatchObject({ x0: 1, x1: 1, y0: 1.5, y1: 2.5, yref: "y" });
    expect(shapes[1]).toMatchObject({ x0: 0.5, yref: "paper", y0: 0, y1: 1 });
  });

  test("non-finite values become NaN (gaps in the line) and mismatched x and y lengths are refused", () => {
    const fig = linePlot({ series: [{ name: "l", y: [1, Infinity, 3] }] });
    expect(Number.isNaN((fig.data[0].y as number[])[1])).toBe(true);
    expect(() => linePlot({ series: [{ name: "l", x: [1], y: [1, 2] }] })).toThrow(/series "l" has 1 x values and 2 y values/);
  });
});

test("bestPoint finds the lowest or highest finite value and its x", () => {
  const y = [5, NaN, 2, 7, 2.5];
  const x = [10, 20, 30, 40, 50];
  let argmin = -1;
  y.forEach((v, i) => { if (Number.isFinite(v) && (argmin < 0 || v < y[argmin])) argmin = i; });
  expect(bestPoint({ name: "v", x, y })).toEqual({ x: x[argmin], y: y[argmin], index: argmin });
  expect(bestPoint({ name: "v", x, y }, "max")).toEqual({ x: 40, y: 7, index: 3 });
  expect(bestPoint({ name: "v", y: [NaN] })).toBeNull();
});

test("thin keeps maxPoints points including the first and the last", () => {
  const x = Array.from({ length: 1001 }, (_, i) => i);
  const t = thin(x, x.map((v) => v * 2), 11);
  expect(t.x).toHaveLength(11);
  expect(t.x[0]).toBe(0);
  expect(t.x[10]).toBe(1000);
  expect(t.y).toEqual(t.x.map((v) => v * 2));
  expect(() => thin(x, x, 1)).toThrow(/maxPoints must be an integer >= 2/);
});

describe("LiveLossCurve in a kernel", () => {
  const messages: { msg: DisplayMessage; update: boolean }[] = [];
  beforeAll(() => setKernelWriterForTesting((msg, update) => messages.push({ msg, update })));
  afterAll(() => setKernelWriterForTesting(undefined));

  test("updates one display, throttled by time, and the final figure marks the best value", () => {
    process.env.GPTLAB_PLOTLY = __filename; // any existing file stands in for the plotly bundle
    let now = 0;
    const curve = new LiveLossCurve({ intervalMs: 100, clock: () => now, markBest: "val" });
    for (let step = 1; step <= 50; step++) {
      now += 10; // 50 steps over 500 ms: at most one update per 100 ms
      curve.add(step, { train: 10 / step, val: step % 10 === 0 ? Math.abs(step - 30) + 1 : undefined });
    }
    const fig = curve.close();
    delete process.env.GPTLAB_PLOTLY;
    const plots = messages.filter((m) => PLOTLY_MIME in m.msg.data);
    // sends at t = 10 (first), 110, 210, 310, 410 (each 100 ms after the previous), then the final one on close
    expect(plots.length).toBe(1 + Math.floor((500 - 10) / 100) + 1);
    const ids = new Set(plots.map((m) => m.msg.transient.display_id));
    expect(ids.size).toBe(1);
    expect(plots[0].update).toBe(false);
    expect(plots.slice(1).every((m) => m.update)).toBe(true);
    const star = fig.data.find((t) => t.mode === "markers");
    expect(star).toMatchObject({ x: [30], y: [1] });
    expect(curve.series.get("val")?.x).toEqual([10, 20, 30, 40, 50]);
  });
});

test("a horizontal line is a dashed trace across the x range of the series, named in the legend", () => {
  const fig = linePlot({ series: [{ name: "a", x: [5, 9], y: [1, 2] }, { name: "b", x: [2, 7], y: [3, 4] }], hlines: [{ y: 6.39, text: "ln V" }] });
  const line = fig.data[2];
  expect(line).toMatchObject({ name: "ln V", x: [2, 9], y: [6.39, 6.39], line: { dash: "dash" } });
});

test("series styles set colour, width, opacity, legend visibility and legend group", () => {
  const fig = linePlot({ series: [{ name: "raw", y: [1], color: "#123456", width: 1, opacity: 0.3, showLegend: false, group: "g" }] });
  expect(fig.data[0]).toMatchObject({ line: { color: "#123456", width: 1 }, opacity: 0.3, showlegend: false, legendgroup: "g" });
});

test("smallMultiples puts each panel on its own pair of axes in a grid, titled, with a shared y range", () => {
  const panels = [1, 2, 3, 4, 5].map((k) => ({ title: `p${k}`, series: [{ name: `s${k}`, y: [0, k] }] }));
  const fig = smallMultiples(panels, { cols: 2, xTitle: "step" });
  expect(fig.layout?.grid).toMatchObject({ rows: 3, columns: 2 });
  expect(fig.data.map((t) => [t.xaxis, t.yaxis])).toEqual([["x", "y"], ["x2", "y2"], ["x3", "y3"], ["x4", "y4"], ["x5", "y5"]]);
  expect((fig.layout?.annotations as { text: string; xref: string }[]).map((a) => [a.text, a.xref])).toEqual(panels.map((p, i) => [`<b>${p.title}</b>`, `x${i === 0 ? "" : i + 1} domain`]));
  const range = (fig.layout?.yaxis3 as { range: number[] }).range;
  expect(range[0]).toBeLessThan(0);
  expect(range[1]).toBeGreaterThan(5);
  expect((fig.layout?.xaxis5 as { title: { text: string } }).title.text).toBe("step"); // bottom row
  expect((fig.layout?.xaxis as { title: { text: string } }).title.text).toBe("");
});

test("a live loss curve applies per-series styles and labels its best point", () => {
  setKernelWriterForTesting(() => undefined); // a kernel that drops messages: no figure files
  try {
    const curve = new LiveLossCurve({ markBest: "val", bestLabel: "val loss", styles: { val: { color: "#ff0000", mode: "markers" } } });
    curve.add(1, { val: 3 });
    curve.add(2, { val: 2 });
    const fig = curve.close();
    expect(fig.data[0]).toMatchObject({ name: "val", mode: "markers", line: { color: "#ff0000" } });
    expect(fig.data[1].name).toBe("best val loss 2.0000 @ 2");
  } finally {
    setKernelWriterForTesting(undefined);
  }
});

test("log axes get ticks at 1, 2, 5 × powers of ten inside the data range, labelled in full", () => {
  expect(logTicks([40, 600])).toEqual({ tickvals: [50, 100, 200, 500], ticktext: ["50", "100", "200", "500"] });
  expect(logTicks([1.4, 2400]).tickvals).toEqual([2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000]);
  expect(logTicks([0.03, 0.3]).ticktext).toEqual(["0.05", "0.1", "0.2"]);
  expect(logTicks([3.5, 4.5])).toEqual({}); // no 1-2-5 value inside: plotly's own ticks
  const fig = linePlot({ series: [{ name: "ppl", y: [40, 600] }], logY: true });
  expect(fig.layout?.yaxis).toMatchObject({ type: "log", tickvals: [50, 100, 200, 500] });
  // and a log x axis the same (plotly's own labels "2 3 4 5 ... 1000 2 3" read badly)
  const sizes = linePlot({ series: [{ name: "loss", x: [200, 500, 1000, 2500, 10800], y: [4, 3.5, 3, 2.5, 2.4] }], logX: true });
  expect(sizes.layout?.xaxis).toMatchObject({ type: "log", tickvals: [200, 500, 1000, 2000, 5000, 10000], ticktext: ["200", "500", "1,000", "2,000", "5,000", "10,000"] });
});
