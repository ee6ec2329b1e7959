// Issue 22.8: input sizes are bounded before anything is allocated, and non-regular files are refused, not read.
import * as fs from "node:fs";
import * as path from "node:path";
import { execFileSync, spawnSync } from "node:child_process";
import { planSweep, MAX_TRIALS } from "../../src/sweep/definition.js";
import { tmpDir } from "../helpers/run-folders.js";
import { EXIT } from "../../src/cli/exit-codes.js";

const root = path.join(__dirname, "..", "..");
const bin = path.join(root, "bin", "gptlab.js");

function gptlab(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, err: r.stderr, signal: r.signal };
}

describe("22.8: sweep sizes are checked before the trials are built", () => {
  test.each([
    [{ grid: { lr: Array.from({ length: 1000 }, (_, i) => 1e-4 * (i + 1)), batchSize: Array.from({ length: 1000 }, (_, i) => i + 1) } }, /sweep has 1000000 trials .* over the limit of 100000/],
    [{ random: { count: 1e8, seed: 1, axes: { lr: { logUniform: [1e-4, 1e-1] } } } }, /random\.count must be an integer in \[1, 100000\] \(got 100000000\)/],
    [{ seeds: 1e8 }, /"seeds" must be a count in \[1, 100000\]/],
  ])("%#: refused at once with the count", (def, message) => {
    const t0 = Date.now();
    expect(() => planSweep({ base: { steps: 10 }, ...def } as never)).toThrow(message);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(MAX_TRIALS).toBe(100000);
  });
});

describe("22.8: data that is not a regular file is refused naming it", () => {
  test.each([
    ["a FIFO", (dir: string) => { const f = path.join(dir, "fifo"); execFileSync("mkfifo", [f]); return f; }, /is a pipe \(FIFO\): gptlab reads its data twice/],
    ["/dev/zero", () => "/dev/zero", /data file \/dev\/zero is a device/],
  ])("%s as --data: train exits 2 at once instead of hanging or reading without end", (_what, make, message) => {
    const data = make(tmpDir());
    const r = gptlab("train", "--data", data, "--steps", "5", "--out", path.join(tmpDir(), "run"));
    expect(r.signal).toBeNull();
    expect(r.code).toBe(EXIT.badInput);
    expect(r.err).toMatch(message);
  }, 70_000);

  test("sample --n and train --samples have upper bounds", () => {
    expect(gptlab("sample", "--run", "x", "--n", "1e9").err).toMatch(/--n must be .*100000/);
    expect(gptlab("train", "--samples", "1e9", "--out", path.join(tmpDir(), "r")).err).toMatch(/samples must be .*10000/);
  }, 60_000);
});
