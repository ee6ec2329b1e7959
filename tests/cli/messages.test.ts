// Issue 22.11: options that were silently accepted or gave misleading errors now get one clear line.
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { parseIndexSpec } from "../../src/cli/sweep.js";
import { tmpDir } from "../helpers/run-folders.js";

const root = path.join(__dirname, "..", "..");
const bin = path.join(root, "bin", "gptlab.js");

test("sweep run --index 3-1 is refused as a backwards range", () => {
  expect(() => parseIndexSpec("3-1", 8)).toThrow(/--index range 3-1 runs backwards: write it low-high, e.g. 1-3/);
  expect(parseIndexSpec("1-3", 8)).toEqual([1, 2, 3]);
});

test.each([
  [["--parallel", "-1"], /--parallel must be an integer >= 1 \(got -1\)/],
  [["--time", "bogus"], /--time must be a Slurm time limit like 01:00:00/],
])("sweep plan --emit slurm %j is refused", (args, message) => {
  const tmp = tmpDir();
  const def = path.join(tmp, "d.json");
  fs.writeFileSync(def, JSON.stringify({ base: { steps: 10 }, grid: { lr: [0.01] } }));
  const r = spawnSync(process.execPath, [bin, "sweep", "plan", def, "--dir", path.join(tmp, "s"), "--emit", "slurm", ...args], { cwd: root, encoding: "utf8" });
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(message);
}, 60_000);

test.each([
  [["--patience", "3", "--eval-every", "0"], /--patience 3 needs evaluations during training, but --eval-every 0 evaluates only at the end/],
  [["--force=yes"], /--force takes no value \(got "--force=yes"\)/],
])("train %j is refused with one line (exit 2) before training", (args, message) => {
  const r = spawnSync(process.execPath, [bin, "train", ...args, "--steps", "5", "--out", path.join(tmpDir(), "r")], { cwd: root, encoding: "utf8" });
  expect(r.status).toBe(2);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(message);
}, 60_000);
