import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { show, liveDisplay, loadPlotly, saveFigure, htmlToText, formatProgress, contentBundle } from "../../src/notebook/display.js";
import { setKernelWriterForTesting } from "../../src/notebook/kernel.js";
import type { DisplayMessage } from "../../src/notebook/kernel.js";
import { PLOTLY_MIME } from "../../src/notebook/figure.js";
import type { Figure } from "../../src/notebook/figure.js";

const fig: Figure = { data: [{ type: "scatter", name: "loss", x: [1, 2], y: [3, 2] }], layout: { title: { text: "Loss curve" } } };
const fakeBundle = path.join(os.tmpdir(), `gptlab-fake-plotly-${process.pid}.js`);

beforeAll(() => {
  fs.writeFileSync(fakeBundle, "window.Plotly = { newPlot: function () {} };");
  process.env.GPTLAB_PLOTLY = fakeBundle;
});
afterAll(() => {
  delete process.env.GPTLAB_PLOTLY;
  fs.rmSync(fakeBundle, { force: true });
});

describe("in a kernel", () => {
  const sent: { msg: DisplayMessage; update: boolean }[] = [];
  beforeEach(() => {
    sent.length = 0;
    setKernelWriterForTesting((msg, update) => sent.push({ msg, update }));
  });
  afterAll(() => setKernelWriterForTesting(undefined));

  test("the first plot sends the guarded plotly loader, then the figure as plotly JSON + HTML + text", () => {
    show.plot(fig);
    show.plot(fig);
    expect(sent).toHaveLength(3);
    const loader = sent[0].msg;
    expect(loader.data["text/html"]).toContain("if (!window.Plotly)");
    expect(loader.data["text/html"]).toContain(fs.readFileSync(fakeBundle, "utf8"));
    expect(loader.metadata).toEqual({ gptlab: { plotly_bundle: true } });
    const figure = sent[1].msg.data;
    expect(Object.keys(figure).sort()).toEqual([PLOTLY_MIME, "text/html", "text/plain"].sort());
    expect((figure[PLOTLY_MIME] as Figure).data).toEqual(fig.data);
    expect(figure["text/html"]).toContain("Plotly.newPlot");
    expect(sent[2].msg.data[PLOTLY_MIME]).toBeDefined(); // no second loader
  });

  test("loadPlotly(true) sends the loader again (for a re-run first cell)", () => {
    loadPlotly(true);
    expect(sent).toHaveLength(1);
    expect(sent[0].msg.metadata).toEqual({ gptlab: { plotly_bundle: true } });
  });

  test("text, markdown and html become bundles with a text/plain fallback", () => {
    show.text("hello");
    show.markdown("**bold**");
    show.html("<table><tr><td>a</td><td>1</td></tr></table>");
    expect(sent.map((s) => s.msg.data)).toEqual([
      { "text/plain": "hello" },
      { "text/markdown": "**bold**", "text/plain": "**bold**" },
      { "text/html": "<table><tr><td>a</td><td>1</td></tr></table>", "text/plain": "a  1" },
    ]);
  });

  test("a live display sends display_data once, then update_display_data with the same id, throttled", () => {
    let now = 1000;
    const live = liveDisplay({ intervalMs: 250, clock: () => now });
    live.update("a"); // sent: first
    now += 100;
    live.update("b"); // pending: 100 ms < 250 ms
    now += 100;
    live.update("c"); // replaces b, still pending
    now += 100;
    live.update("d"); // 300 ms after the first send: sent
    live.update("e"); // pending
    live.close(); // flushes e
    expect(sent.map((s) => [s.msg.data["text/plain"], s.update])).toEqual([["a", false], ["d", true], ["e", true]]);
    expect(new Set(sent.map((s) => s.msg.transient.display_id)).size).toBe(1);
    expect(() => live.update("f")).toThrow(/closed/);
  });

  test("content given as a function is built only when it is sent", () => {
    let now = 0;
    let built = 0;
    const live = liveDisplay({ intervalMs: 100, clock: () => now });
    for (let i = 0; i < 10; i++) {
      live.update(() => `${++built}`);
      now += 30;
    }
    live.close();
    expect(built).toBe(sent.length);
    expect(built).toBeLessThan(10);
  });
});

describe("outside a kernel", () => {
  let out: string;
  let logs: string[];
  let spy: jest.SpyInstance;
  beforeEach(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-display-"));
    process.env.GPTLAB_OUT = out;
    logs = [];
    spy = jest.spyOn(console, "log").mockImplementation((...args: unknown[]) => void logs.push(args.join(" ")));
  });
  afterEach(() => {
    spy.mockRestore();
    delete process.env.GPTLAB_OUT;
    fs.rmSync(out, { recursive: true, force: true });
  });

  test("show.plot writes a page that loads plotly from a copy next to it, and prints a summary with the path", () => {
    show.plot(fig);
    const files = fs.readdirSync(out).sort();
    expect(files).toEqual(["fig-01-loss-curve.html", "plotly.min.js"].sort());
    const page = fs.readFileSync(path.join(out, "fig-01-loss-curve.html"), "utf8");
    expect(page).toContain('<script src="plotly.min.js"></script>');
    expect(page).toContain("Plotly.newPlot");
    expect(fs.readFileSync(path.join(out, "plotly.min.js"), "utf8")).toBe(fs.readFileSync(fakeBundle, "utf8"));
    expect(logs.join("\n")).toContain("Figure: Loss curve (1 trace)");
    expect(logs.join("\n")).toContain("fig-01-loss-curve.html");
  });

  test("html prints as text and markdown as itself", () => {
    show.html("<b>x</b> &amp; y", undefined);
    show.markdown("# t");
    expect(logs).toEqual(["x & y", "# t"]);
  });

  test("a live figure is written to one file and summarized once it closes", () => {
    const live = liveDisplay({ printIntervalMs: 0 });
    live.update(fig);
    live.update({ ...fig, data: [{ ...fig.data[0], y: [9, 9] }] });
    live.close();
    const pages = fs.readdirSync(out).filter((f) => f.endsWith(".html"));
    expect(pages).toHaveLength(1);
    expect(fs.readFileSync(path.join(out, pages[0]), "utf8")).toContain('"y":[9,9]');
    expect(logs.filter((l) => l.startsWith("Figure:"))).toHaveLength(1);
  });

  test("saveFigure writes to a given path", () => {
    const file = path.join(out, "sub", "x.html");
    expect(saveFigure(fig, file)).toBe(file);
    expect(fs.existsSync(path.join(out, "sub", "plotly.min.js"))).toBe(true);
  });
});

test("htmlToText keeps table rows on lines and drops scripts", () => {
  expect(htmlToText("<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table><script>x()</script>")).toBe("a  b\n1  2");
});

test("formatProgress shows the bar, the rate and the remaining time from done, total and elapsed time", () => {
  const done = 25, total = 100, elapsedMs = 5000;
  const rate = (done * 1000) / elapsedMs; // 5 it/s
  const line = formatProgress({ label: "train", done, total, elapsedMs, info: { loss: 2.5 }, width: 8 });
  expect(line).toContain("[##......] 25/100 25%");
  expect(line).toContain(`${rate.toPrecision(3)} it/s`);
  expect(line).toContain(`ETA 0:${String((total - done) / rate).padStart(2, "0")}`);
  expect(line).toContain("loss 2.5000");
});

test("figure ids repeat for the same figure at the same position, so re-runs give identical outputs", () => {
  const a = contentBundle(fig)["text/html"] as string;
  const b = contentBundle(fig)["text/html"] as string;
  const idA = /id="([^"]+)"/.exec(a)?.[1];
  const idB = /id="([^"]+)"/.exec(b)?.[1];
  expect(idA).not.toBe(idB);
  expect(idA?.replace(/-\d+$/, "")).toBe(idB?.replace(/-\d+$/, ""));
});
