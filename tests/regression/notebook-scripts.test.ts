// The notebook regression as `npm test` runs it: every exported notebook script at its notebook's CI parameters,
// its recorded figures compared with tests/regression/baselines/NAME.json (scripts/regress.ts, npx gptlab regress).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { listNotebooks, notebookName } from "../../src/notebook/export.js";
import { readBaseline } from "../../src/notebook/record.js";

const root = path.resolve(__dirname, "..", "..");
const tsx = path.join(root, "node_modules", ".bin", "tsx");
const names = listNotebooks(root).map(notebookName);
const work = fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-regress-test-"));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(tsx, args, { cwd: root, encoding: "utf8", env: { ...process.env, ...env }, timeout: 600_000 });
}

test("every notebook's figures at its CI parameters match its baseline (npx gptlab regress)", () => {
  const out = path.join(work, "all");
  const r = run(["scripts/regress.ts", "--out", out]);
  if (r.status !== 0) throw new Error(`npx gptlab regress failed:\n${r.stdout}${r.stderr}`);
  for (const name of names) {
    expect(r.stdout).toMatch(new RegExp(`✓ ${name} \\(.*\\): \\d+ figures within tolerance`));
    // the script drew its figures as pages next to one copy of plotly (what a reader of the logs opens)
    const files = fs.readdirSync(path.join(out, name));
    expect(files).toContain("plotly.min.js");
    const pages = files.filter((f) => /^fig-\d+-.*\.html$/.test(f));
    expect(pages.length).toBeGreaterThan(0);
    for (const page of pages) expect(fs.readFileSync(path.join(out, name, page), "utf8")).toContain("Plotly.newPlot");
  }
}, 600_000);

test("a figure that moved fails the regression, reported with its cell, both values and its tolerance", () => {
  const dir = path.join(work, "baselines");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(root, "tests", "regression", "baselines", "01-training.json");
  const baseline = readBaseline(file);
  const [name, figure] = Object.entries(baseline.figures).find(([, f]) => f.tolerance === "trained")!;
  figure.value *= 1.01; // 1% off: far outside a "trained" tolerance
  fs.writeFileSync(path.join(dir, "01-training.json"), JSON.stringify(baseline));
  const r = run(["scripts/regress.ts", "--baselines", dir, "01-training"]);
  expect(r.status).toBe(1);
  expect(r.stdout).toContain(`✗ cell ${figure.cell}`);
  expect(r.stdout).toMatch(new RegExp(`${name}: [\\d.]+ -> [\\d.]+: -[\\d.]+ \\(-0\\.99\\d*%\\), allowed ±[\\d.e-]+ \\(trained: rel 1e-4\\)`));
  expect(r.stdout).toContain("npx gptlab regress --update");
}, 300_000);

test("a notebook script refuses an unknown parameter, lists the known ones and names the failing cell", () => {
  const r = run(["notebooks/scripts/01-training.ts", "--stepz", "5"], { GPTLAB_DISPLAY: "file", GPTLAB_OUT: path.join(work, "params") });
  expect(r.status).not.toBe(0);
  expect(r.stderr).toContain("unknown parameter --stepz; known parameters: data, preset, nEmbd");
  expect(r.stderr).toMatch(/\[notebook\] notebooks\/01-training\.ipynb failed in cell 2 \(code cell 1\)/);
}, 120_000);
