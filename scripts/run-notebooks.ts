// Runs notebooks end to end: executes each in Jupyter (tslab kernel), fails on any cell error, renders HTML, and
// checks in headless Chromium that every plot was drawn (plus a PNG for humans). Outputs go to out/notebooks/.
//
//   npx tsx scripts/run-notebooks.ts [options] [notebooks/NAME.ipynb | NAME ...]
//     --update      on success, write the executed notebook back (stamped, plotly bundle stripped, each figure's HTML
//                   replaced by a PNG drawn in Chromium so that GitHub shows it) and re-export it
//     --clear       only clear the outputs of the notebooks (no execution)
//     --scripts     run the exported scripts (notebooks/scripts/NAME.ts) with tsx instead of Jupyter
//     --ci          use each notebook's metadata.gptlab.ci_params (small settings) as parameter overrides, and compare
//                   the figures the notebook records with its regression baseline (tests/regression/baselines/); the
//                   kernel then runs on the baselines' backend ($GPTLAB_BACKEND, default wasm)
//     --no-browser  skip the Chromium check and screenshot
//     --timeout S   seconds allowed per cell (default 1800)
//   GPTLAB_PARAMS='{"steps": 50}' overrides parameters for every notebook (merged over ci_params).

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { createRequire } from "module";
import {
  clearOutputs,
  formatNotebook,
  readNotebook,
  stampExecuted,
  staticFigures,
  stripPlotlyBundles,
  writeNotebook,
} from "../src/notebook/ipynb.js";
import type { Notebook } from "../src/notebook/ipynb.js";
import { exportNotebook, listNotebooks, notebookName, SCRIPT_DIR } from "../src/notebook/export.js";
import { PLOTLY_MIME, figurePage, plotlyBundlePath } from "../src/notebook/figure.js";
import type { Figure } from "../src/notebook/figure.js";
import { jupyterEnv, setUp } from "./notebooks.js";
import { compareFigures, formatDiffs, paramsMismatch, readBaseline, readRecordFile } from "../src/notebook/record.js";

const ROOT = process.cwd();
const OUT = path.join(ROOT, "out", "notebooks");
let jupyter = "jupyter";
const CHROMIUM = process.env.GPTLAB_CHROMIUM ?? "/usr/bin/chromium";

interface Options {
  update: boolean;
  clear: boolean;
  scripts: boolean;
  ci: boolean;
  browser: boolean;
  timeout: number;
  notebooks: string[];
}

function parseArgs(argv: string[]): Options {
  const o: Options = { update: false, clear: false, scripts: false, ci: false, browser: true, timeout: 1800, notebooks: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--update") o.update = true;
    else if (a === "--clear") o.clear = true;
    else if (a === "--scripts") o.scripts = true;
    else if (a === "--ci") o.ci = true;
    else if (a === "--no-browser") o.browser = false;
    else if (a === "--timeout") {
      o.timeout = Number(argv[++i]);
      if (!(o.timeout > 0)) throw new Error(`--timeout must be a number of seconds > 0 (got ${argv[i]})`);
    } else if (a.startsWith("-")) throw new Error(`unknown option ${a} (see the header of scripts/run-notebooks.ts)`);
    else o.notebooks.push(a.endsWith(".ipynb") ? path.resolve(a) : path.join(ROOT, "notebooks", `${a}.ipynb`));
  }
  if (o.notebooks.length === 0) o.notebooks = listNotebooks(ROOT);
  if (o.browser && !o.scripts && !o.clear && !fs.existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set GPTLAB_CHROMIUM), or pass --no-browser`);
  }
  for (const nb of o.notebooks) if (!fs.existsSync(nb)) throw new Error(`no notebook at ${path.relative(ROOT, nb)}`);
  return o;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Runs a command; returns its exit status, output and duration. Output is echoed only on failure. */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs?: number) {
  const start = Date.now();
  const r = spawnSync(cmd, args, { env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, timeout: timeoutMs });
  return { status: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "", ms: Date.now() - start, error: r.error };
}

function kernelEnv(params: Record<string, unknown> | undefined, recordFile?: string, ci = false): NodeJS.ProcessEnv {
  // the kernelspec names node and tslab by absolute path: PATH needs nothing added
  const env: NodeJS.ProcessEnv = { ...jupyterEnv() };
  if (recordFile) env.GPTLAB_RECORD = recordFile;
  if (ci) env.GPTLAB_BACKEND = process.env.GPTLAB_BACKEND || "wasm"; // the backend the regression baselines are made on
  if (params && Object.keys(params).length) env.GPTLAB_PARAMS = JSON.stringify(params);
  return env;
}

function paramsFor(nb: Notebook, ci: boolean): Record<string, unknown> | undefined {
  const fromNotebook = ci ? ((nb.metadata.gptlab as { ci_params?: Record<string, unknown> } | undefined)?.ci_params ?? {}) : {};
  const fromEnv = process.env.GPTLAB_PARAMS ? (JSON.parse(process.env.GPTLAB_PARAMS) as Record<string, unknown>) : {};
  const merged = { ...fromNotebook, ...fromEnv };
  return Object.keys(merged).length ? merged : undefined;
}

interface PlotCheck {
  figures: number;
  drawn: number;
  problems: string[];
}

/** Counts, per plot div of the rendered page, plotly's SVG roots and drawn traces. */
function checkPlotsInDom(dom: string, expectedTraces: number[]): PlotCheck {
  const problems: string[] = [];
  const parts = dom.split(/<div id="gptlab-fig-[^"]*" class="gptlab-plot[^"]*"/).slice(1);
  let drawn = 0;
  parts.forEach((part, i) => {
    const svgs = (part.match(/class="main-svg"/g) ?? []).length;
    // scatter and bar traces are <g class="trace ...">; a heatmap is a <g class="hm"> holding its image
    const traces = (part.match(/class="trace\s/g) ?? []).length + (part.match(/class="hm"/g) ?? []).length;
    const expected = expectedTraces[i] ?? 1;
    if (svgs === 0) problems.push(`figure ${i + 1}: no plotly SVG (plotly did not draw it)`);
    else if (traces < expected) problems.push(`figure ${i + 1}: ${traces} traces drawn, ${expected} expected`);
    else drawn++;
  });
  if (parts.length !== expectedTraces.length) {
    problems.push(`${parts.length} plot divs in the page, ${expectedTraces.length} figures in the notebook`);
  }
  return { figures: parts.length, drawn, problems };
}

function chromium(args: string[]) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-chromium-"));
  try {
    return run(CHROMIUM, [
      "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--hide-scrollbars", `--user-data-dir=${profile}`, ...args,
    ], process.env, 120_000);
  } finally {
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

/** A PNG (base64) of a figure, drawn by plotly in headless Chromium at 1000 px wide; null if Chromium failed. */
function figurePng(figure: unknown): string | null {
  const fig = figure as Figure;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-figure-"));
  try {
    const page = path.join(dir, "figure.html");
    const png = path.join(dir, "figure.png");
    const height = typeof fig.layout?.height === "number" ? fig.layout.height : 400;
    const html = figurePage({ ...fig, config: { ...fig.config, staticPlot: true } }, `file://${plotlyBundlePath()}`);
    fs.writeFileSync(page, html.replace("<body>", '<body style="margin:0;background:white">'));
    const shot = chromium(["--virtual-time-budget=10000", `--window-size=1000,${height}`, "--force-device-scale-factor=1", `--screenshot=${png}`, `file://${page}`]);
    return shot.status === 0 && fs.existsSync(png) ? fs.readFileSync(png).toString("base64") : null;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function expectedTraces(nb: Notebook): number[] {
  const counts: number[] = [];
  for (const cell of nb.cells) {
    for (const out of cell.outputs ?? []) {
      const fig = out.data?.[PLOTLY_MIME] as { data?: unknown[] } | undefined;
      // plotly draws a heatmap without a "trace" group, and hidden traces (a slider's other steps) not at all
      const drawn = (t: unknown): boolean => (t as { visible?: unknown }).visible !== false && (t as { type?: unknown }).type !== "heatmap";
      if (fig) counts.push(Array.isArray(fig.data) ? fig.data.filter(drawn).length : 1);
    }
  }
  return counts;
}

function runInJupyter(file: string, o: Options): boolean {
  const name = notebookName(file);
  const source = readNotebook(file);
  const params = paramsFor(source, o.ci);
  fs.mkdirSync(OUT, { recursive: true });
  const executed = path.join(OUT, `${name}.ipynb`);
  const recordFile = path.join(OUT, `${name}.figures.json`);
  fs.rmSync(recordFile, { force: true });
  console.log(`▶ ${path.relative(ROOT, file)}${params ? ` with ${JSON.stringify(params)}` : ""}`);

  const exec = run(jupyter, [
    "nbconvert", "--config", path.join(ROOT, "scripts", "nbconvert-config.py"),
    "--to", "notebook", "--execute", `--ExecutePreprocessor.timeout=${o.timeout}`,
    "--output-dir", OUT, "--output", `${name}.ipynb`, file,
  ], kernelEnv(params, recordFile, o.ci));
  if (exec.status !== 0 || !fs.existsSync(executed)) {
    console.error(`✗ nbconvert failed (exit ${exec.status}) after ${seconds(exec.ms)}:\n${exec.stderr.slice(-4000)}`);
    return false;
  }
  const nb = readNotebook(executed);
  const failures = stampExecuted(nb);
  writeNotebook(executed, nb);
  console.log(`  executed in ${seconds(exec.ms)} -> ${path.relative(ROOT, executed)}`);
  const firstError = failures.find((f) => f.status === "error") ?? failures[0];
  if (firstError) {
    const aborted = failures.length - 1;
    console.error(
      `✗ cell ${firstError.index} ${firstError.status === "error" ? "failed" : `ended with status "${firstError.status}"`}` +
        `${aborted > 0 ? ` (${aborted} later cell${aborted === 1 ? "" : "s"} did not run)` : ""}:\n` +
        firstError.source.split("\n").slice(0, 8).map((l) => `    | ${l}`).join("\n") +
        `\n${firstError.stderr.trim().split("\n").filter((l) => !/node_modules[\\/]tslab|\(node:vm:|evalmachine.<anonymous>:\d+:\d+\)?$/.test(l)).slice(0, 20).map((l) => `    ${l}`).join("\n")}`,
    );
    return false;
  }

  if (o.ci && !checkFigures(name, params ?? {}, recordFile)) return false;

  const html = run(jupyter, ["nbconvert", "--to", "html", "--output-dir", OUT, executed], jupyterEnv());
  if (html.status !== 0) {
    console.error(`✗ HTML export failed:\n${html.stderr.slice(-4000)}`);
    return false;
  }
  const htmlFile = path.join(OUT, `${name}.html`);
  console.log(`  HTML in ${seconds(html.ms)} -> ${path.relative(ROOT, htmlFile)}`);

  if (o.browser) {
    const expected = expectedTraces(nb);
    const url = `file://${htmlFile}`;
    const dom = chromium(["--virtual-time-budget=20000", "--dump-dom", url]);
    if (dom.status !== 0) {
      console.error(`✗ chromium --dump-dom failed (exit ${dom.status}): ${dom.stderr.slice(-2000)}`);
      return false;
    }
    const check = checkPlotsInDom(dom.stdout, expected);
    const png = path.join(OUT, `${name}.png`);
    const shot = chromium(["--virtual-time-budget=20000", "--window-size=1200,3000", `--screenshot=${png}`, url]);
    console.log(`  Chromium: ${check.drawn}/${expected.length} plots drawn (${seconds(dom.ms)}); screenshot ${shot.status === 0 ? path.relative(ROOT, png) : "failed"} (${seconds(shot.ms)})`);
    if (check.problems.length) {
      console.error(check.problems.map((p) => `✗ ${p}`).join("\n"));
      return false;
    }
  }

  if (o.update) {
    stripPlotlyBundles(nb);
    if (o.browser) {
      const figures = expectedTraces(nb).length;
      const drawn = staticFigures(nb, figurePng);
      console.log(`  ${drawn}/${figures} figures drawn as PNG for the committed copy`);
    }
    const text = formatNotebook(nb);
    if (fs.readFileSync(file, "utf8") !== text) fs.writeFileSync(file, text);
    const script = path.join(ROOT, SCRIPT_DIR, `${name}.ts`);
    fs.mkdirSync(path.dirname(script), { recursive: true });
    fs.writeFileSync(script, exportNotebook(nb, name));
    console.log(`  updated ${path.relative(ROOT, file)} and ${path.relative(ROOT, script)}`);
  }
  return true;
}

/** With --ci: the figures the notebook recorded in the kernel must match its regression baseline, as its script's do. */
function checkFigures(name: string, params: Record<string, unknown>, recordFile: string): boolean {
  const baselineFile = path.join(ROOT, "tests", "regression", "baselines", `${name}.json`);
  if (!fs.existsSync(baselineFile)) {
    console.log(`  (no regression baseline ${path.relative(ROOT, baselineFile)}: figures not compared)`);
    return true;
  }
  const baseline = readBaseline(baselineFile);
  if (paramsMismatch(baseline, params).length) {
    console.log("  (parameters differ from the baseline's: figures not compared)");
    return true;
  }
  const figures = fs.existsSync(recordFile) ? readRecordFile(recordFile).figures : [];
  const diffs = compareFigures(baseline, figures);
  const bad = diffs.filter((d) => d.status !== "ok");
  if (bad.length) {
    console.error(`✗ ${bad.length} of ${diffs.length} figures recorded in Jupyter differ from ${path.relative(ROOT, baselineFile)}:\n${formatDiffs(diffs).join("\n")}`);
    return false;
  }
  console.log(`  ${diffs.length} figures recorded in Jupyter match the regression baseline`);
  return true;
}

function runScript(file: string, o: Options): boolean {
  const name = notebookName(file);
  const script = path.join(ROOT, SCRIPT_DIR, `${name}.ts`);
  const params = paramsFor(readNotebook(file), o.ci);
  if (!fs.existsSync(script)) {
    console.error(`✗ ${path.relative(ROOT, script)} is missing: run npm run export`);
    return false;
  }
  console.log(`▶ ${path.relative(ROOT, script)}${params ? ` with ${JSON.stringify(params)}` : ""}`);
  const env = { ...kernelEnv(params), GPTLAB_OUT: path.join(ROOT, "out", "scripts", name) };
  const r = run(process.execPath, [createRequire(path.join(ROOT, "package.json")).resolve("tsx/cli"), script], env, o.timeout * 1000);
  if (r.status !== 0) {
    console.error(`✗ exit ${r.status} after ${seconds(r.ms)}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
    return false;
  }
  console.log(`  ok in ${seconds(r.ms)}; outputs in ${path.relative(ROOT, env.GPTLAB_OUT)}`);
  return true;
}

function main(): number {
  const o = parseArgs(process.argv.slice(2));
  if (o.notebooks.length === 0) {
    console.log("no notebooks found in notebooks/");
    return 0;
  }
  if (!o.clear && !o.scripts) {
    // the jupyter on PATH, the tslab kernel registered as this project's own (another checkout may have registered
    // its path), and the library the kernels import (notebooks/src -> dist) compiled from src/ when it changed
    try {
      jupyter = setUp().jupyter;
    } catch (e) {
      console.error(`gptlab: ${(e as Error).message}`);
      return 1;
    }
  }
  if (o.clear) {
    for (const file of o.notebooks) {
      const nb = readNotebook(file);
      clearOutputs(nb);
      writeNotebook(file, nb);
      console.log(`✓ cleared ${path.relative(ROOT, file)}`);
    }
    return 0;
  }
  let failed = 0;
  const start = Date.now();
  for (const file of o.notebooks) if (!(o.scripts ? runScript(file, o) : runInJupyter(file, o))) failed++;
  console.log(`${failed ? "✗" : "✓"} ${o.notebooks.length - failed}/${o.notebooks.length} notebooks passed in ${seconds(Date.now() - start)}`);
  return failed ? 1 : 0;
}

try {
  process.exitCode = main();
} catch (e) {
  console.error(`✗ ${(e as Error).message}`);
  process.exitCode = 2;
}
