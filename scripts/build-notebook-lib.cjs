// Compiles src/ for the notebooks (npm install, npm run build:notebooks, and before notebooks are opened or run):
// CommonJS + .d.ts into build/notebook-lib/, which notebooks/src points at. A tslab kernel then reads declarations
// and runs compiled JavaScript instead of type-checking and emitting all of src/ on the first import and
// re-checking it on every cell (a notebook's import cell took a minute on a loaded 2-core machine, now seconds).
// Skipped when the build is newer than every source; --force rebuilds. After editing src/, run it again and
// restart the kernel.
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.join(__dirname, "..");
const out = path.join(root, "build", "notebook-lib");
const stamp = path.join(out, ".built");

function newestSource(dir) {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : e.name.endsWith(".ts") ? fs.statSync(p).mtimeMs : 0);
  }
  return newest;
}

function main() {
  const force = process.argv.includes("--force");
  const config = path.join(root, "tsconfig.notebook-lib.json");
  if (!force && fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs >= Math.max(newestSource(path.join(root, "src")), fs.statSync(config).mtimeMs)) return;
  let tsc;
  try {
    tsc = require.resolve("typescript/bin/tsc", { paths: [root] });
  } catch {
    console.error("gptlab: cannot build the notebooks' engine (typescript is not installed): run npm install");
    process.exit(1);
  }
  fs.rmSync(out, { recursive: true, force: true });
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [tsc, "-p", config], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`gptlab: compiling src/ for the notebooks failed (tsc -p tsconfig.notebook-lib.json, exit ${r.status}); fix the error above and run npm run build:notebooks`);
    process.exit(1);
  }
  fs.writeFileSync(path.join(out, "package.json"), JSON.stringify({ type: "commonjs" }) + "\n");
  fs.writeFileSync(stamp, new Date().toISOString() + "\n");
  console.log(`gptlab: compiled src/ for the notebooks into build/notebook-lib (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

main();
