import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseConfigArgs, resolveRunConfig, runConfigFromFile, runComponents } from "../../src/train/config.js";
import { parseKeyValueText, readConfigFile } from "../../src/io/config-file.js";
import { nanoGPTAliases, nanoGPTUnsupported } from "../../src/train/nanogpt.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-config-"));
function file(name: string, text: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

describe("config files", () => {
  test("nanoGPT's key = value lines are read as literals: strings, numbers with exponents and underscores, True/False/None, comments", () => {
    const values = parseKeyValueText("# a comment\nout_dir = 'out-x' # trailing\nlearning_rate = 1e-3\nmax_iters = 5_000\nbias = False\nname = \"a # b\"\ninit_from = None\n", "c.py");
    expect(Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.value]))).toEqual({ out_dir: "out-x", learning_rate: 0.001, max_iters: 5000, bias: false, name: "a # b", init_from: null });
  });

  test("code in a nanoGPT config is refused with the file and line, never run", () => {
    expect(() => parseKeyValueText("max_iters = 100\nimport os\n", "c.py")).toThrow(/c.py line 2: "import os" is not a "key = value" line/);
    expect(() => parseKeyValueText("max_iters = 2000 * 2\n", "c.py")).toThrow(/c.py line 1: the value of max_iters is 2000 \* 2, which is not a literal/);
    expect(() => parseKeyValueText("a = 1\na = 2\n", "c.py")).toThrow(/line 2: a is set twice \(first on line 1\)/);
  });

  test("a nanoGPT config maps onto run options, skips what has no equivalent with the reason, and chooses nanoGPT's schedule", () => {
    const p = file("train_char.py", "max_iters = 2000\nlearning_rate = 1e-3\nlr_decay_iters = 2000\nmin_lr = 1e-4\nwarmup_iters = 100\neval_interval = 250\neval_iters = 200\ngradient_accumulation_steps = 2\nn_layer = 6\nn_head = 6\nn_embd = 384\nbatch_size = 64\nblock_size = 256\nbias = False\nwandb_log = False\ncompile = False\ndataset = 'shakespeare_char'\n");
    const { overrides, notes } = runConfigFromFile(p);
    expect(overrides).toEqual({ steps: 2000, lr: 1e-3, scheduleSteps: 2000, minLr: 1e-4, warmupSteps: 100, evalEvery: 250, evalBatches: 200, gradAccum: 2, nLayer: 6, nHead: 6, nEmbd: 384, batchSize: 64, blockSize: 256, bias: false, schedule: "warmup_cosine_floor" });
    expect(notes.join("\n")).toMatch(/wandb_log skipped: no Weights & Biases/);
    expect(notes.join("\n")).toMatch(/dataset skipped: gptlab reads a text file.*data = 'path\/to\/input.txt'/);
    expect(notes.join("\n")).toMatch(/compile skipped/);
    const c = resolveRunConfig(overrides);
    expect(runComponents(c).schedule).toEqual({ kind: "warmup_cosine_floor", peakLr: 1e-3, warmupSteps: 100, totalSteps: 2000, minLr: 1e-4 });
    expect(runComponents(c).model.bias).toBe(false);
  });

  test("decay_lr = False is the constant schedule; init_from = 'resume' points to --resume", () => {
    expect(runConfigFromFile(file("c1.py", "decay_lr = False\nwarmup_iters = 10\n")).overrides).toEqual({ schedule: "constant", warmupSteps: 10 });
    expect(() => runConfigFromFile(file("c2.py", "init_from = 'resume'\n"))).toThrow(/init_from = 'resume'.*--resume DIR/);
  });

  test("JSON configs take gptlab's names in any spelling; a bad value or unknown key names the file and the key", () => {
    expect(runConfigFromFile(file("a.json", '{ "steps": 30, "warmup-steps": 5, "eval_every": 10, "mode": "text" }')).overrides).toEqual({ steps: 30, warmupSteps: 5, evalEvery: 10, mode: "text" });
    expect(() => runConfigFromFile(file("b.json", '{ "max_iters": "many" }'))).toThrow(/b.json: max_iters must be an integer >= 1 \(got "many", a string\)/);
    expect(() => runConfigFromFile(file("c.json", '{ "evalevery": 5 }'))).toThrow(/c.json: evalevery is not an option \(did you mean evalEvery\?\)/);
    expect(() => runConfigFromFile(file("d.json", '{ "steps": 5, "max_iters": 6 }'))).toThrow(/max_iters and steps both set steps/);
    expect(() => readConfigFile(file("e.yaml", "steps: 5"))).toThrow(/unknown format ".yaml"; use .json, .py, .toml/);
    expect(() => readConfigFile(path.join(dir, "missing.json"))).toThrow(/missing.json cannot be read: no such file/);
  });

  test("nanoGPT's names are aliases on the command line too, and an alias and its option given together are refused", () => {
    const { overrides } = parseConfigArgs(["--max_iters=300", "--learning_rate", "0.002", "--eval_iters=7", "--no-bias", "--norm", "layer", "--tie-embeddings"]);
    expect(overrides).toEqual({ steps: 300, lr: 0.002, evalBatches: 7, bias: false, norm: "layer", tieEmbeddings: true });
    expect(() => parseConfigArgs(["--steps", "5", "--max_iters", "6"])).toThrow(/given twice/);
    for (const key of Object.values(nanoGPTAliases)) expect(() => resolveRunConfig({ [key]: undefined })).not.toThrow();
  });

  test("the text mode's tokenizer is char unless one is given", () => {
    expect(resolveRunConfig({ mode: "text" }).tokenizer).toBe("char");
    expect(resolveRunConfig({ mode: "text", tokenizer: "bpe" }).tokenizer).toBe("bpe");
    expect(resolveRunConfig({}).tokenizer).toBe("word");
  });

  test("the README's nanoGPT table names every alias and every option without an equivalent", () => {
    const readme = fs.readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");
    const table = readme.slice(readme.indexOf("### Coming from nanoGPT"), readme.indexOf("### Tokenizers and data modes"));
    for (const name of [...Object.keys(nanoGPTAliases), ...Object.keys(nanoGPTUnsupported), "decay_lr", "init_from"]) expect({ name, listed: table.includes(`\`${name}\``) }).toEqual({ name, listed: true });
  });
});
