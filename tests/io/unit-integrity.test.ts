// Issue 22.6: every file of a checkpoint unit is under its integrity check (the SHA-256 of each in the unit's
// checksums.json), trainer-state values are range-checked, and a run folder's missing parts are named, never papered over.
import * as fs from "node:fs";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import { trainInFolder } from "../../src/train/train-in-folder.js";
import { loadModel, validateRunState } from "../../src/io/checkpoint.js";
import { tmpDir } from "../helpers/run-folders.js";

const base = { steps: 20, evalEvery: 10, evalBatches: 2, samples: 1, saveEvery: 10, saveEverySeconds: 0, backend: "wasm" };
const quiet = { log: () => undefined };
let dir: string;
let pristine: string;

beforeAll(async () => {
  pristine = path.join(tmpDir(), "run");
  await trainInFolder(pristine, base, quiet);
});

beforeEach(() => {
  dir = path.join(tmpDir(), "copy");
  fs.cpSync(pristine, dir, { recursive: true });
});

const resume = () => trainInFolder(dir, { ...base, steps: 30 }, { ...quiet, resume: true, allowConfigChange: true });

describe("22.6: files trusted too far", () => {
  test("an edited seed in last/config.json is refused on resume, naming config.json", async () => {
    const file = path.join(dir, "last", "config.json");
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace('"seed": 42', '"seed": 43'));
    await expect(resume()).rejects.toThrow(/last\/config\.json was changed after it was saved: its SHA-256 is not the one checksums\.json records/);
  });

  test("a flipped bit in tokenizer.json is refused when sampling (loadModel) and on resume, naming tokenizer.json", async () => {
    const file = path.join(dir, "last", "tokenizer.json");
    const bytes = fs.readFileSync(file);
    bytes[200] ^= 0x01;
    fs.writeFileSync(file, bytes);
    expect(() => loadModel(dir)).toThrow(/last\/tokenizer\.json was changed after it was saved/);
    await expect(resume()).rejects.toThrow(/tokenizer\.json was changed after it was saved/);
  });

  test("garbage in last/metrics.json's history, or the file missing, is refused naming it", async () => {
    const file = path.join(dir, "last", "metrics.json");
    const saved = fs.readFileSync(file, "utf8");
    // a malformed record gets its field's message; a well-formed but edited one is caught by the checksum
    fs.writeFileSync(file, saved.replace('"step": 3,', '"step": "x",'));
    await expect(resume()).rejects.toThrow(/last\/metrics\.json: "history\.steps\[2\]" must be \{ step: 3, loss, lr, gradNorm \}/);
    const m = JSON.parse(saved);
    m.history.steps[2].loss += 1;
    fs.writeFileSync(file, JSON.stringify(m, null, 2) + "\n");
    await expect(resume()).rejects.toThrow(/last\/metrics\.json was changed after it was saved/);
    fs.rmSync(file);
    await expect(resume()).rejects.toThrow(/last\/metrics\.json is missing: the checkpoint was saved with it \(checksums\.json lists it\)/);
  });

  test("with last/ gone, --resume refuses to restart at step 0 over the folder's own history", async () => {
    fs.rmSync(path.join(dir, "last"), { recursive: true });
    await expect(resume()).rejects.toThrow(/has no checkpoint \(last\/ is missing\) but its metrics\.json records 20 steps: resuming would start again at step 0/);
  });

  test("a FIFO in place of a run file is refused at once instead of hanging", async () => {
    const file = path.join(dir, "last", "config.json");
    fs.rmSync(file);
    execFileSync("mkfifo", [file]);
    expect(() => loadModel(dir)).toThrow(/config\.json is not a regular file/);
  });

  test("trainer-state header values out of range are refused naming the field", () => {
    const ok = { step: 10, bestStep: 10, bestLoss: 3.2, dropoutRng: [1, 2, 3, 4], sampleRng: [1, 2, 3, 4], trainData: {} };
    expect(validateRunState(ok, "f", 20)).toBe(ok);
    expect(() => validateRunState({ ...ok, bestLoss: -5 }, "f", 20)).toThrow(/"bestLoss" must be null or a finite number >= 0/);
  });
});
