// Compiles src/ into dist/ (ES modules + .d.ts, tsconfig.build.json): the library that package.json's exports, the
// CLI (bin/gptlab.js) and the notebooks import. Run by `npm install` in a checkout (prepare), by `npm pack`, and by
// `npm run build` (--force). Skipped when dist/ is newer than every source. bin/gptlab.js asks stale() so that a
// checkout whose src/ was edited after the build never runs the old dist/.
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.join(__dirname, "..");
const out = path.join(root, "dist");
const stamp = path.join(out, ".built");
const config = path.join(root, "tsconfig.build.json");

function newestSource(dir) {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : e.name.endsWith(".ts") ? fs.statSync(p).mtimeMs : 0);
  }
  return newest;
}

/** True when dist/ is missing or older than a source or the build's config. */
function stale() {
  if (!fs.existsSync(stamp)) return true;
  return fs.statSync(stamp).mtimeMs < Math.max(newestSource(path.join(root, "src")), fs.statSync(config).mtimeMs);
}

function build(force) {
  if (!force && !stale()) return;
  let tsc;
  try {
    tsc = require.resolve("typescript/bin/tsc", { paths: [root] });
  } catch {
    console.error("gptlab: cannot compile src/ (typescript is not installed): run npm install in the gptlab checkout");
    process.exit(1);
  }
  fs.rmSync(out, { recursive: true, force: true });
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [tsc, "-p", config], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`gptlab: compiling src/ failed (tsc -p tsconfig.build.json, exit ${r.status}); fix the error above and run npm run build`);
    process.exit(1);
  }
  fs.writeFileSync(stamp, new Date().toISOString() + "\n");
  console.log(`gptlab: compiled src/ into dist/ (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

module.exports = { stale, build };
if (require.main === module) build(process.argv.includes("--force"));
