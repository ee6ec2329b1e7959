import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { trialState } from "../../src/sweep/folder.js";

describe("trialState", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-trial-state-"));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test("a claim caught between its create and its write (empty metrics.json) is pending, not an error", () => {
    const dir = path.join(tmp, "claimed");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "metrics.json"), "");
    expect(trialState(dir)).toEqual({ state: "pending", metrics: null });
  });

  test("an unreadable metrics.json beside a checkpoint is stopped (the trial resumes from last/)", () => {
    const dir = path.join(tmp, "saved");
    fs.mkdirSync(path.join(dir, "last"), { recursive: true });
    for (const f of ["model.safetensors", "config.json"]) fs.writeFileSync(path.join(dir, "last", f), "x");
    fs.writeFileSync(path.join(dir, "metrics.json"), '{"final": {"st');
    expect(trialState(dir).state).toBe("stopped");
  });

  test("a finished trial reads as its stop reason", () => {
    const dir = path.join(tmp, "done");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "metrics.json"), JSON.stringify({ final: { stopReason: "diverged" } }));
    expect(trialState(dir).state).toBe("diverged");
  });
});
