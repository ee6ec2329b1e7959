// Issue 22.1: stop requests that do not arrive as a signal to gptlab itself. npx does not forward a SIGTERM sent to
// its own pid; it exits, and gptlab (started by npx) must then stop and save instead of training on unseen.
import * as fs from "node:fs";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { tmpDir } from "../helpers/run-folders.js";

const root = path.join(__dirname, "..", "..");
const bin = path.join(root, "bin", "gptlab.js");

test("22.1: under npx, when npx exits (SIGTERM to its pid), gptlab train stops after the step, saves and says why", async () => {
  const out = path.join(tmpDir(), "run");
  // a stand-in for npx: a parent shell with npx's environment that is killed while the trainer runs
  const cmd = `'${process.execPath}' '${bin}' train --steps 1000000 --eval-every 0 --samples 0 --out '${out}'; true`;
  const parent = spawn("sh", ["-c", cmd], { cwd: root, env: { ...process.env, npm_command: "exec", npm_lifecycle_event: "npx" } });
  let stdout = "";
  let stderr = "";
  parent.stdout.on("data", (d) => (stdout += d));
  parent.stderr.on("data", (d) => {
    stderr += d;
    if (/step 1\/1000000/.test(stderr) && parent.exitCode === null) setTimeout(() => parent.kill("SIGKILL"), 500);
  });
  // the trainer keeps the pipes open until it ends
  await new Promise<void>((resolve) => parent.stdout.on("close", () => resolve()));
  expect(stdout).toMatch(/stopped by the exit of npx, its parent at step \d+ of 1000000, saved in/);
  const m = JSON.parse(fs.readFileSync(path.join(out, "metrics.json"), "utf8"));
  expect(m.final.stopReason).toBe("aborted");
  expect(m.final.step).toBeGreaterThan(0);
  expect(fs.existsSync(path.join(out, "last", "trainer-state.safetensors"))).toBe(true);
}, 60_000);
