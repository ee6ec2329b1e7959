// Tests of the bar chart, the heatmap grid and the table of samples drawn during training.

import { barChart, heatmapGrid, tableHeatmap } from "../../src/notebook/charts.js";
import { samplesByStep, samplesContent } from "../../src/notebook/samples.js";

describe("barChart", () => {
  test("one bar trace per series, in the given order, on a category axis", () => {
    const fig = barChart({ series: [{ name: "T = 1", x: ["a", "b"], y: [0.7, 0.3] }, { name: "T = 0.5", x: ["a", "b"], y: [0.9, 0.1] }] });
    expect(fig.data.map((t) => [t.type, t.name, t.y])).toEqual([["bar", "T = 1", [0.7, 0.3]], ["bar", "T = 0.5", [0.9, 0.1]]]);
    expect((fig.layout!.xaxis as { type: string }).type).toBe("category");
    expect(() => barChart({ series: [{ name: "s", x: ["a"], y: [1, 2] }] })).toThrow(/barChart series "s": 1 labels for 2 values/);
  });
});

describe("heatmapGrid", () => {
  test("a heatmap per panel on its own axes, one color scale, repeated labels made unique", () => {
    const fig = heatmapGrid([{ title: "L0H0", z: [[1, 0], [0.5, 0.5]] }, { title: "L0H1", z: [[1, 0], [0, 1]] }], { x: ["the", "the"], cols: 2 });
    expect(fig.data).toHaveLength(2);
    expect(fig.data.map((t) => [t.xaxis, t.yaxis, t.showscale])).toEqual([["x", "y", true], ["x2", "y2", false]]);
    expect(fig.data[0].x).toEqual(["the ·0", "the ·1"]);
    expect(fig.data[1].z).toEqual([[1, 0], [0, 1]]);
    expect((fig.layout!.grid as { rows: number }).rows).toBe(1);
    expect(() => heatmapGrid([])).toThrow(/at least one panel/);
  });

  test("every position gets its tick label (a 25-token sequence: all 25, not every other one)", () => {
    const n = 25;
    const z = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (j <= i ? 1 / (i + 1) : 0)));
    const fig = heatmapGrid([{ title: "L0H0", z }], { x: Array.from({ length: n }, (_, i) => "abcdefghijklmnopqrstuvwxy"[i]) });
    const xaxis = fig.layout!.xaxis as { tickvals: string[]; ticktext: string[] };
    expect(xaxis.tickvals).toHaveLength(n);
    expect(xaxis.ticktext[24]).toBe("y ·24");
    expect((fig.layout!.yaxis as { tickvals: string[] }).tickvals).toEqual(xaxis.tickvals);
  });
});

describe("samples table", () => {
  const samples = [
    { step: 100, prompt: "", text: "a b ." },
    { step: 100, prompt: "the dog", text: "the dog ran ." },
    { step: 200, prompt: "", text: "c d ." },
    { step: 200, prompt: "the dog", text: "the dog sat ." },
  ];

  test("one row per sampling step, one column per prompt", () => {
    expect(samplesByStep(samples)).toEqual([
      { step: 100, "(from BOS)": "a b .", "the dog": "the dog ran ." },
      { step: 200, "(from BOS)": "c d .", "the dog": "the dog sat ." },
    ]);
  });

  test("the HTML escapes the samples and the text lists every one", () => {
    const c = samplesContent([{ step: 1, prompt: "", text: "<b> & ." }]);
    expect(c.html).toContain("&lt;b&gt; &amp; .");
    expect(samplesContent(samples).text).toMatch(/the dog sat \./);
  });
});

describe("tableHeatmap", () => {
  test("labels every cell, colors by log10 with the values on the color bar, and leaves missing cells empty", () => {
    const fig = tableHeatmap({ x: ["200", "2000"], y: ["micro", "small"], z: [[10, 1000], [100, null]], logColor: true, colorbarTitle: "ppl" });
    const trace = fig.data[0] as Record<string, any>;
    expect(trace.z).toEqual([[1, 3], [2, null]]);
    expect(trace.text).toEqual([["10", "1000"], ["100", ""]]);
    expect(trace.colorbar.ticktext).toEqual(["10", "20", "50", "100", "200", "500", "1000"]);
    expect(trace.colorbar.tickvals[0]).toBe(1);
    // a range inside one decade still gets labels: its ends
    const narrow = tableHeatmap({ x: ["a", "b"], y: ["r"], z: [[28.4, 32.1]], logColor: true }).data[0] as Record<string, any>;
    expect(narrow.colorbar.ticktext).toEqual(["28", "32"]);
    expect((fig.layout as Record<string, any>).yaxis.autorange).toBe("reversed");
  });

  test("refuses a z that does not match the labels", () => {
    expect(() => tableHeatmap({ x: ["a", "b"], y: ["r"], z: [[1]] })).toThrow(/z must have 1 rows of 2 values/);
  });
});
