// A nanoGPT user's first run, through the command line: a config file on a plain text, overrides, the header,
// samples with separators, eval agreeing with training and reporting bits per character.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";

const root = path.join(__dirname, "..", "..");
const bin = path.join(root, "bin", "gptlab.js");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-nanogpt-"));

function gptlab(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: "utf8", env: { ...process.env, GPTLAB_DATA_CACHE: path.join(dir, "cache") } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("a nanoGPT-style run from a config file on a plain text", () => {
  // 1,500 lines of a small play-like text: the text mode reads it whole, line breaks included
  const text = Array.from({ length: 1500 }, (_, i) => (i % 3 === 0 ? `ALICE:\nthe cat sat on mat ${i % 7}.` : `BOB:\na dog ran to the park ${i % 5}.`)).join("\n") + "\n";
  fs.writeFileSync(path.join(dir, "input.txt"), text);
  fs.writeFileSync(
    path.join(dir, "train_char.py"),
    "# nanoGPT's config/train_shakespeare_char.py, scaled down\nout_dir = 'out-char'\ndata = 'input.txt'\nmode = 'text'\neval_interval = 20\neval_iters = 4\nlog_interval = 10 # skipped\nwandb_log = False\nbatch_size = 8\nblock_size = 32\nn_layer = 1\nn_head = 2\nn_embd = 16\nlearning_rate = 1e-2\nmax_iters = 1000\nlr_decay_iters = 60\nmin_lr = 1e-3\nwarmup_iters = 5\nsamples = 3\n",
  );

  test("train reads the file positionally as nanoGPT does, the command line overrides it, and the header counts characters and tokens per split", () => {
    const r = gptlab("train", "train_char.py", "--max_iters=40");
    expect(r.err).toMatch(/step 40\/40/);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/config train_char.py: log_interval skipped: every step's loss is in metrics.json/);
    const val = text.length - Math.round(text.length * 0.9);
    const train = text.length - val;
    expect(r.out).toContain(`vocab ${new Set(text).size + 1} (char, the text mode's default), data input.txt (text: train ${train.toLocaleString("en-US")} characters / ${(train + 1).toLocaleString("en-US")} tokens, val ${val.toLocaleString("en-US")} characters / ${val.toLocaleString("en-US")} tokens)`);
    expect(r.out).toMatch(/40 steps, adam lr 0.01 schedule warmup_cosine_floor/);
    expect(r.out).toMatch(/data cache: .*\(tokenizer stored, encoded splits stored;/);
    const metrics = JSON.parse(fs.readFileSync(path.join(dir, "out-char", "metrics.json"), "utf8"));
    expect(metrics.config).toMatchObject({ steps: 40, scheduleSteps: 60, minLr: 1e-3, warmupSteps: 5, evalBatches: 4, nEmbd: 16, tokenizer: "char" });
  }, 60_000);

  test("a second run on the same file reads the tokenizer and encoded splits from the cache and trains the same", () => {
    const r = gptlab("train", "train_char.py", "--max_iters=40", "--out", "out-char-2");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`data cache: ${path.join(dir, "cache").replace(/[/\\.]/g, ".")}.* \\(tokenizer hit, encoded splits hit;`));
    const losses = (run: string) => JSON.parse(fs.readFileSync(path.join(dir, run, "metrics.json"), "utf8")).history.steps.map((s: { loss: number }) => s.loss);
    expect(losses("out-char-2")).toEqual(losses("out-char"));
  }, 60_000);

  test("text-mode samples are separated by marker lines in samples.txt, in train's output and in gptlab sample; --prompt-file gives the prompt", () => {
    const lines = fs.readFileSync(path.join(dir, "out-char", "last", "samples.txt"), "utf8").split("\n");
    expect(lines.filter((l) => /^--- sample \d+ ---$/.test(l))).toEqual(["--- sample 1 ---", "--- sample 2 ---", "--- sample 3 ---"]);
    fs.writeFileSync(path.join(dir, "prompt.txt"), "ALICE:\n");
    const s = gptlab("sample", "--run", "out-char", "--prompt-file", "prompt.txt", "--n", "2", "--max-tokens", "20");
    expect(s.code).toBe(0);
    const parts = s.out.split(/^--- sample \d+ ---\n/m);
    expect(parts[0]).toBe("");
    expect(parts.slice(1).map((p) => p.startsWith("ALICE:\n"))).toEqual([true, true]);
    expect(gptlab("sample", "--run", "out-char", "--prompt-file", "missing.txt").err).toMatch(/--prompt-file missing.txt cannot be read: no such file/);
    expect(gptlab("sample", "out-char").err).toMatch(/unexpected argument "out-char"; did you mean --run out-char\?/);
  }, 60_000);

  test("eval prints training's final val loss by default, with bits per character and byte and the tokens covered", () => {
    const metrics = JSON.parse(fs.readFileSync(path.join(dir, "out-char", "metrics.json"), "utf8"));
    const e = gptlab("eval", "--run", "out-char");
    expect(e.code).toBe(0);
    expect(e.out).toContain(`loss ${metrics.final.valLoss.toFixed(4)} nats/token`);
    const m = e.out.match(/([\d.]+) bits\/token, ([\d.]+) bits\/character, ([\d.]+) bits\/byte/)!;
    expect(m[2]).toBe(m[1]); // one ASCII character per token
    expect(m[3]).toBe(m[1]);
    expect(e.out).toMatch(/covered 1,024 predicted tokens \(1,024 characters, 1,024 bytes\) in 4 batches of 8: the run's 4 evaluation batches/);
    const whole = gptlab("eval", "--run", "out-char", "--whole");
    const val = text.length - Math.round(text.length * 0.9);
    expect(whole.out).toContain(`covered ${(val - 1).toLocaleString("en-US")} predicted tokens`);
  }, 60_000);
});
