// Issue 22.10: the edges of a run folder's life: a claim killed before step 1, a full disk before any checkpoint.
import * as fs from "node:fs";
import * as path from "node:path";
import { trainInFolder } from "../../src/train/train-in-folder.js";
import { ioFaults } from "../../src/io/atomic.js";
import { tmpDir } from "../helpers/run-folders.js";

const o = { steps: 10, evalEvery: 0, samples: 0, saveEvery: 0, saveEverySeconds: 0, backend: "wasm" };
const quiet = { log: () => undefined };

test("a claim killed before its first write (an empty metrics.json): --resume says so, and --out reuses the folder without --force", async () => {
  const dir = path.join(tmpDir(), "claimed");
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, "metrics.json"), "");
  await expect(trainInFolder(dir, o, { ...quiet, resume: true })).rejects.toThrow(/is a claim killed before step 1, nothing was trained: start it again with --out/);
  const r = await trainInFolder(dir, o, quiet);
  expect(r.end).toMatchObject({ reason: "completed", step: 10 });
}, 60_000);

test("a full disk before any checkpoint does not claim that a previous checkpoint is untouched", async () => {
  const dir = path.join(tmpDir(), "full");
  ioFaults.before = (op, file) => {
    if (op === "write" && file.includes(".last.tmp-")) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
  };
  try {
    await expect(trainInFolder(dir, o, quiet)).rejects.toThrow(/could not save the last checkpoint of step 10 .* \(the disk is full: free some space\); no last\/ checkpoint exists yet/);
  } finally {
    ioFaults.before = null;
  }
}, 60_000);
