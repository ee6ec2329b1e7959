// The findings of issue 16, each as a user meets it: real child processes, real signals, real files.

import * as fs from "node:fs";
import * as path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { tmpDir } from "../helpers/run-folders.js";
import { EXIT } from "../../src/cli/exit-codes.js";
import { readSafetensorsFile } from "../../src/io/safetensors.js";

const root = path.join(__dirname, "..", "..");
const bin = path.join(root, "bin", "gptlab.js");

function gptlab(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Starts a long training run, waits until it has trained, sends `signal`, and returns how it ended. */
function trainThenSignal(signal: NodeJS.Signals, out: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, "train", "--steps", "200000", "--eval-every", "0", "--out", out], { cwd: root });
    let stdout = "";
    let stderr = "";
    let sent = false;
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => {
      stderr += d;
      // the first progress line is printed after step 1: training is under way
      if (!sent && /step 1\/200000/.test(stderr)) {
        sent = true;
        setTimeout(() => child.kill(signal), 300);
      }
    });
    child.on("close", (code) => resolve({ code, out: stdout, err: stderr }));
  });
}

describe("16.1: a signal stops gptlab train after the current step, saves, and exits 75", () => {
  test.each(["SIGINT", "SIGTERM", "SIGHUP"] as const)("%s", async (signal) => {
    const out = path.join(tmpDir(), "run");
    const r = await trainThenSignal(signal, out);
    expect(r.code).toBe(EXIT.stopped);
    expect(r.out).toMatch(new RegExp(`stopped by ${signal} at step \\d+ of 200000, saved in .*; continue with: npx gptlab train --resume ${out.replace(/[/\\]/g, ".")}`));
    const m = JSON.parse(fs.readFileSync(path.join(out, "metrics.json"), "utf8"));
    expect(m.final.stopReason).toBe("aborted");
    expect(m.final.step).toBeGreaterThan(0);
    expect(m.final.step).toBeLessThan(200000);
    const state = JSON.parse(readSafetensorsFile(path.join(out, "last", "trainer-state.safetensors")).metadata.run);
    expect(state.step).toBe(m.final.step);
  }, 60_000);
});

describe("the other findings, from the command line", () => {
  test("16.4: two gptlab train started at once on one --out: one trains, the other is refused", async () => {
    const out = path.join(tmpDir(), "same");
    const start = () => new Promise<{ code: number | null; err: string }>((resolve) => {
      const c = spawn(process.execPath, [bin, "train", "--steps", "30", "--eval-every", "0", "--samples", "0", "--out", out], { cwd: root });
      let err = "";
      c.stderr.on("data", (d) => (err += d));
      c.on("close", (code) => resolve({ code, err }));
    });
    const results = await Promise.all([start(), start()]);
    expect(results.map((r) => r.code).sort()).toEqual([0, 2]);
    // refused by the claim, or (22.3) by the folder's lock while the other trains
    expect(results.find((r) => r.code === 2)!.err).toMatch(/already holds a run|is in use by another gptlab process/);
  }, 60_000);

  test("16.7: a diverging lr exits 3 naming the lr and step, and metrics.json says diverged", () => {
    const out = path.join(tmpDir(), "lr50");
    const r = gptlab("train", "--lr", "1e30", "--schedule", "constant", "--steps", "100", "--out", out);
    expect(r.code).toBe(EXIT.diverged);
    expect(r.err).toMatch(/diverged at step \d+ with lr 1e\+30/);
    const m = JSON.parse(fs.readFileSync(path.join(out, "metrics.json"), "utf8"));
    expect(m.final).toMatchObject({ stopReason: "diverged", divergedLr: 1e30 });
    expect(m.final.divergedAtStep).toBeGreaterThanOrEqual(1);
  }, 60_000);

  test.each([
    [["--batch-size", "1e9"], /this run needs about \d+(\.\d)? (GB|TB|MB) of memory .*activations .* for batch 1000000000 x block 16\), more than 80% of this machine's/],
    [["--n-layer", "100000"], /this run needs about .* of memory \(weights, gradients and Adam moments/],
    [["--block-size", "10000000"], /this run needs about .* of memory/],
    [["--threads", "1000"], /--threads must be at most 64 \(got 1000; this machine has \d+ cores/],
  ])("16.8: %j is refused before step 1 with the figure", (args, message) => {
    const t0 = Date.now();
    const r = gptlab("train", ...args, "--out", path.join(tmpDir(), "big"));
    expect(r.code).toBe(EXIT.badInput);
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/step 1\//);
    expect(Date.now() - t0).toBeLessThan(30_000);
  }, 60_000);

  test("16.9: a binary file and a Latin-1 file are refused naming the file and line; a line cut by the block size is a warning naming the line", () => {
    const dir = tmpDir();
    const binary = path.join(dir, "data.bin");
    fs.writeFileSync(binary, Buffer.from([104, 105, 10, 0, 1, 2, 255, 10]));
    const r1 = gptlab("train", "--data", binary, "--out", path.join(dir, "a"));
    expect(r1.code).toBe(2);
    expect(r1.err).toMatch(new RegExp(`data file .*data.bin looks binary \\(a NUL byte on line 2`));
    const latin1 = path.join(dir, "latin1.txt");
    fs.writeFileSync(latin1, Buffer.from("the cat sat\nle caf\xe9 est ferm\xe9\n", "latin1"));
    const r2 = gptlab("train", "--data", latin1, "--out", path.join(dir, "b"));
    expect(r2.code).toBe(2);
    expect(r2.err).toMatch(/latin1.txt is not UTF-8 text \(line 2 has bytes that are not UTF-8/);
    const long = path.join(dir, "long.txt");
    fs.writeFileSync(long, ["the cat sat .", "", "a dog ran .", Array.from({ length: 5000 }, () => "word").join(" ")].join("\n") + "\n");
    const r3 = gptlab("train", "--data", long, "--steps", "5", "--val-fraction", "0", "--samples", "0", "--out", path.join(dir, "c"));
    expect(r3.code).toBe(0);
    expect(r3.err).toMatch(/warning: 1 of 3 lines of .*long.txt are longer than the block size \(16 tokens\) and are cut; the longest, line 4, has 5000 tokens/);
  }, 60_000);

  test('13: an empty --resume "" is refused instead of starting a fresh run', () => {
    const r = gptlab("train", "--resume", "", "--steps", "5");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--resume needs a run folder \(got an empty string\)/);
  });

  test("13 / 16.6: --resume DIR with a changed --tokenizer or --beta1 is refused naming the keys", () => {
    const out = path.join(tmpDir(), "r");
    expect(gptlab("train", "--steps", "10", "--eval-every", "0", "--samples", "0", "--out", out).code).toBe(0);
    const tok = gptlab("train", "--resume", out, "--steps", "10", "--tokenizer", "char");
    expect(tok.code).toBe(2);
    expect(tok.err).toMatch(/cannot resume .* with another tokenizer \("word" saved, "char" given\)/);
    const beta = gptlab("train", "--resume", out, "--beta1", "0.5", "--beta2", "0.9");
    expect(beta.code).toBe(2);
    expect(beta.err).toMatch(/resuming .* with a changed config: beta1 0.85 -> 0.5, beta2 0.99 -> 0.9; pass --allow-config-change/);
  }, 60_000);
});
