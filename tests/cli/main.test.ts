import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { readSafetensorsFile } from "../../src/io/safetensors.js";

const root = path.join(__dirname, "..", "..");
const bin = path.join(root, "bin", "gptlab.js");

function gptlab(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("the gptlab command line", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-cli-"));
  const out = path.join(dir, "run");

  test("train writes a run folder with per-step metrics counted from 1, nanoGPT-named weights and samples", () => {
    const r = gptlab("train", "--steps", "40", "--eval-every=20", "--eval-batches", "5", "--samples", "3", "--out", out);
    expect(r.err).toMatch(/step 40\/40/);
    expect(r.code).toBe(0);
    const metrics = JSON.parse(fs.readFileSync(path.join(out, "metrics.json"), "utf8"));
    expect(metrics.history.steps.map((s: { step: number }) => s.step)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(metrics.history.steps[0].lr).toBeCloseTo(0.01, 12);
    expect(metrics.history.evals.map((e: { step: number }) => e.step)).toEqual([20, 40]);
    const { tensors } = readSafetensorsFile(path.join(out, "last", "model.safetensors"));
    expect(tensors.get("transformer.h.0.attn.c_attn.weight")!.shape).toEqual([96, 32]);
    expect(tensors.get("lm_head.weight")!.shape).toEqual([597, 32]);
    expect(fs.readFileSync(path.join(out, "last", "samples.txt"), "utf8").trim().split("\n")).toHaveLength(3);
  }, 60_000);

  test("train refuses to overwrite the run it just wrote", () => {
    const r = gptlab("train", "--steps", "5", "--out", out);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/already holds a run; choose another --out, continue it with --resume/);
  }, 30_000);

  test("--resume continues a run to more steps and keeps the whole history (a linear schedule's new end is a change to allow)", () => {
    const refused = gptlab("train", "--resume", out, "--steps", "60");
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/changed config: steps 40 -> 60 \(with schedule linear.*--allow-config-change/);
    const r = gptlab("train", "--resume", out, "--steps", "60", "--allow-config-change");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/resuming .* at step 40 -> 60/);
    const metrics = JSON.parse(fs.readFileSync(path.join(out, "metrics.json"), "utf8"));
    expect(metrics.history.steps.map((s: { step: number }) => s.step)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(metrics.configChanges).toEqual([{ atStep: 40, changes: { steps: { from: 40, to: 60 } } }]);
    expect(gptlab("train", "--resume", out).err).toMatch(/already has 60 steps; pass --steps N with N > 60/);
  }, 60_000);

  test("sample and eval read the run folder", () => {
    const s = gptlab("sample", "--run", out, "--n", "4", "--temperature", "0");
    expect(s.code).toBe(0);
    const lines = s.out.trim().split("\n");
    expect(lines).toHaveLength(4);
    expect(new Set(lines).size).toBe(1); // greedy decoding from BOS gives the same text every time
    const e = gptlab("eval", "--run", out);
    expect(e.code).toBe(0);
    const m = e.out.match(/loss ([\d.]+) nats\/token, perplexity ([\d.]+)/)!;
    expect(Number(m[2])).toBeCloseTo(Math.exp(Number(m[1])), 0);
  }, 60_000);

  test("--help documents every command and bad options are named", () => {
    expect(gptlab("--help").out).toMatch(/train .*\n.*sample/);
    expect(gptlab("train", "--help").out).toMatch(/--warmup-steps/);
    expect(gptlab("sample", "--help").out).toMatch(/--top-p/);
    // commands implemented by scripts are found from the package root wherever the command runs from
    expect(gptlab("export", "--help").out).toMatch(/notebooks\/scripts\/NAME.ts/);
    expect(gptlab("regress", "--help").out).toMatch(/--update/);
    const bad = gptlab("train", "--learn-rate", "0.1");
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/unknown option --learn-rate/);
    expect(gptlab("train", "--lr", "abc").err).toMatch(/--lr must be a number like its default 0.01 \(got "abc"\)/);
    expect(gptlab("train", "--n-embd", "wide").err).toMatch(/--n-embd must be a number or "none" like its default null \(got "wide"\)/);
    expect(gptlab("frobnicate").err).toMatch(/unknown command "frobnicate"/);
  }, 60_000);
});

describe("inputs a first-time user gets wrong are refused with the reason, or run with a one-line warning", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-cli-bad-"));
  test.each([
    [["--steps", "0x10"], /--steps takes a decimal number \(got "0x10"; write 16\)/],
    [["--steps=1e1", "--steps", "20"], /--steps is given twice \("1e1" and "20"\); give each option once/],
    [["--lr", "0.01", "--lr=0.02"], /--lr is given twice/],
    [["--momentum", "0.5", "--optimizer", "adam"], /--momentum applies to optimizer sgd, not adam, and would be ignored \(got 0.5\); drop it or pass --optimizer sgd/],
    [["--beta1", "0.9", "--optimizer", "sgd"], /--beta1 applies to optimizers adam, adamw(, \w+)*, not sgd/],
    [["--gamma", "0.3"], /--gamma applies to schedules step, exponential, not linear/],
    [["--seed", "4294967296"], /--seed must be an integer in \[0, 4294967295\] \(got 4294967296\); the generator takes a 32-bit seed/],
    [["--resume", "a", "--resume", "b"], /--resume is given 2 times; give it once/],
  ])("train %j", (args, message) => {
    const out = path.join(dir, "never");
    const r = gptlab("train", ...args, "--out", out);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(fs.existsSync(out)).toBe(false);
  }, 30_000);

  test("--val-fraction 0.99999 trains on the one line it leaves, and says so in one warning line", () => {
    const r = gptlab("train", "--val-fraction", "0.99999", "--steps", "2", "--eval-batches", "1", "--samples", "0", "--out", path.join(dir, "vf"));
    expect(r.code).toBe(0);
    const warnings = r.err.split("\n").filter((l) => /warning/.test(l));
    expect(warnings).toEqual([expect.stringMatching(/^gptlab: warning: valFraction 0.99999 holds out \d+ of \d+ lines for validation, so training uses 1 line$/)]);
    expect(gptlab("train", "--steps", "2", "--eval-batches", "1", "--samples", "0", "--out", path.join(dir, "vf2")).err).not.toMatch(/warning/);
  }, 30_000);

  test("sample and eval check their options against the ranges their --help states", () => {
    expect(gptlab("sample", "--help").out).toMatch(/--top-p +.*\(in \(0, 1\]; default 1\)/);
    expect(gptlab("sample", "--run", "x", "--top-p", "0").err).toMatch(/--top-p must be in \(0, 1\] \(got 0\)/);
    expect(gptlab("sample", "--run", "x", "--n", "2", "--n", "3").err).toMatch(/--n is given twice/);
    expect(gptlab("eval", "--help").out).toMatch(/--split +.*\(one of val, train; default "val"\)/);
    expect(gptlab("eval", "--run", "x", "--split", "all").err).toMatch(/--split must be one of val, train \(got "all", a string\)/);
  }, 30_000);
});
