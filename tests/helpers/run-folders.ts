// Helpers for tests of run folders: temporary folders, the deterministic part of metrics.json, file bytes.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export function tmpDir(prefix = "gptlab-test-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** metrics.json without what depends on the clock or the folder: what must be byte-identical between runs. */
export function comparableMetrics(file: string): string {
  const m = JSON.parse(fs.readFileSync(file, "utf8"));
  delete m.startedAt;
  delete m.finishedAt;
  delete m.timing;
  delete m.config.out;
  return JSON.stringify(m);
}

export function bytes(file: string): Buffer {
  return fs.readFileSync(file);
}
