// Issue 22.8/22.11: bad inputs, one table. Each row runs the CLI and expects exit 2 and one clear line naming the
// option or field. Grow the table towards the 257 cases.
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { tmpDir } from "../helpers/run-folders.js";

const root = path.join(__dirname, "..", "..");
const bin = path.join(root, "bin", "gptlab.js");
const tmp = tmpDir();
const file = path.join(tmp, "a-file");
fs.writeFileSync(file, "x\n");
let defs = 0;
const sweepDef = (def: object): string => {
  const f = path.join(tmp, `def-${defs++}.json`);
  fs.writeFileSync(f, JSON.stringify(def));
  return f;
};
const out = (): string => path.join(tmpDir(), "r");

const cases: Array<[string, () => string[], RegExp]> = [
  ["train --out /proc/x", () => ["train", "--steps", "3", "--out", "/proc/x"], /--out \/proc\/x: cannot create the folder/],
  ["train --out=", () => ["train", "--steps", "3", "--out="], /--out is empty/],
  ["train --out FILE/sub", () => ["train", "--steps", "3", "--out", path.join(file, "sub")], /a-file is a file, not a folder/],
  ['train --data ""', () => ["train", "--steps", "3", "--data", "", "--out", out()], /--data is empty/],
  ["train --init-from ''", () => ["train", "--steps", "3", "--init-from=", "--out", out()], /--init-from is empty/],
  ["train --attention-only maybe", () => ["train", "--steps", "3", "--attention-only", "maybe", "--out", out()], /--attention-only is a switch.*got "maybe"/],
  ["train --replay-data without a fraction", () => ["train", "--steps", "3", "--replay-data", "datasets/names/names.txt", "--out", out()], /--replay-fraction is 0/],
  ["sweep collect --out /proc/x/res", () => {
    const dir = path.join(tmpDir(), "s");
    spawnSync(process.execPath, [bin, "sweep", "plan", sweepDef({ base: { steps: 3 }, grid: { lr: [0.01] } }), "--dir", dir], { cwd: root });
    return ["sweep", "collect", dir, "--out", "/proc/x/res"];
  }, /--out \/proc\/x: cannot create the folder/],
  ["sweep lr-range --range-steps 0", () => ["sweep", "lr-range", "--range-steps", "0"], /--range-steps\) must be an integer >= 10 \(got 0\)/],
  ['sweep metric "accuracy"', () => ["sweep", "plan", sweepDef({ metric: "accuracy", grid: { lr: [0.01] } })], /sweep metric "accuracy" is not a collected column/],
  ['sweep base "x"', () => ["sweep", "plan", sweepDef({ base: "x", grid: { lr: [0.01] } })], /sweep base must be an object of run options/],
  ["sweep configs [null]", () => ["sweep", "plan", sweepDef({ configs: [null] })], /sweep configs\[0\] must be an object/],
  ["sweep configs [1]", () => ["sweep", "plan", sweepDef({ configs: [1] })], /sweep configs\[0\] must be an object/],
  ["sweep name 5", () => ["sweep", "plan", sweepDef({ name: 5, grid: { lr: [0.01] } })], /sweep name must be/],
  ["sweep momentum axis with adam", () => ["sweep", "plan", sweepDef({ base: { optimizer: "adam" }, grid: { momentum: [0.9] } })], /momentum/],
];

test.each(cases)("%s: exit 2 with one clear line", (_name, args, message) => {
  const r = spawnSync(process.execPath, [bin, ...args()], { cwd: root, encoding: "utf8", timeout: 60_000 });
  expect(r.status).toBe(2);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(message);
}, 70_000);
