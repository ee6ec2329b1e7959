// Runs the exported notebook scripts in plain Node (tsx), as CI does: they must finish and write their figures.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";

const root = path.resolve(__dirname, "..", "..");
const tsx = path.join(root, "node_modules", ".bin", "tsx");

function runScript(script: string, args: string[], out: string) {
  return spawnSync(tsx, [script, ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, GPTLAB_OUT: out, GPTLAB_DISPLAY: "file" },
    timeout: 120_000,
  });
}

describe("the smoke notebook's script", () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-smoke-"));
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  test("runs with overridden parameters, prints the table and writes both figures next to one plotly copy", () => {
    const steps = 60;
    const r = runScript("notebooks/scripts/00-smoke.ts", ["--steps", String(steps)], out);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`[params] steps = ${steps} (default 400)`);
    expect(r.stdout).toContain(`train [########################] ${steps}/${steps} 100%`);
    expect(r.stdout).toMatch(/synthetic sweep\n\s+lr\s+steps\s+final_train\s+best_val/);
    expect(r.stdout).toContain(`[ ${steps / 20}, 2 ]`); // the DataFrame of validation points: one per 20 steps
    const files = fs.readdirSync(out).sort();
    expect(files).toEqual(["fig-01-synthetic-loss.html", "fig-02-live-loss.html", "plotly.min.js"]);
    for (const f of files.filter((f) => f.endsWith(".html"))) {
      expect(fs.readFileSync(path.join(out, f), "utf8")).toContain("Plotly.newPlot");
    }
  }, 120_000);

  test("rejects an unknown parameter, listing the known ones", () => {
    const r = runScript("notebooks/scripts/00-smoke.ts", ["--stepz", "5"], out);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("unknown parameter --stepz; known parameters: steps, seed, title");
    expect(r.stderr).toContain("[notebook] notebooks/00-smoke.ipynb failed in cell 2 (code cell 1)");
  }, 120_000);
});
