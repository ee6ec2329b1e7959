// Exports notebooks/*.ipynb to notebooks/scripts/*.ts (npm run export); --check only compares and fails on drift.
// Usage: npx tsx scripts/export-notebooks.ts [--check] [notebooks/NAME.ipynb ...]

import * as fs from "fs";
import * as path from "path";
import { exportNotebook, listNotebooks, notebookName, ExportError, NOTEBOOK_DIR, SCRIPT_DIR } from "../src/notebook/export.js";
import { readNotebook } from "../src/notebook/ipynb.js";

const USAGE = `npx gptlab export [--check] [notebooks/NAME.ipynb ...]
Writes each notebook's code cells to notebooks/scripts/NAME.ts (a header naming the notebook, a marker per cell).
The first cell's parameters become command-line options of the script: npx tsx notebooks/scripts/NAME.ts --steps 300.
--check only compares the committed scripts with the notebooks and fails when they differ.`;

function main(argv: string[]): number {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(USAGE);
    return 0;
  }
  const check = argv.includes("--check");
  const unknown = argv.filter((a) => a.startsWith("-") && a !== "--check");
  if (unknown.length) {
    console.error(`unknown option ${unknown[0]}\n${USAGE}`);
    return 2;
  }
  const root = process.cwd();
  const files = argv.filter((a) => !a.startsWith("-"));
  const notebooks = files.length ? files.map((f) => path.resolve(f)) : listNotebooks(root);
  const outDir = path.join(root, SCRIPT_DIR);
  let failed = 0;
  for (const file of notebooks) {
    const name = notebookName(file);
    const target = path.join(outDir, `${name}.ts`);
    let text: string;
    try {
      text = exportNotebook(readNotebook(file), name);
    } catch (e) {
      if (!(e instanceof ExportError)) throw e;
      console.error(`✗ ${e.message}`);
      failed++;
      continue;
    }
    const current = fs.existsSync(target) ? fs.readFileSync(target, "utf8") : undefined;
    const rel = path.relative(root, target);
    if (current === text) {
      console.log(`  ${rel} is up to date`);
    } else if (check) {
      console.error(`✗ ${rel} does not match ${path.relative(root, file)}: run npm run export`);
      failed++;
    } else {
      fs.mkdirSync(outDir, { recursive: true });
      fs.writeFileSync(target, text);
      console.log(`✓ wrote ${rel}`);
    }
  }
  if (!files.length && fs.existsSync(outDir)) {
    const names = new Set(notebooks.map(notebookName));
    for (const f of fs.readdirSync(outDir).filter((f) => f.endsWith(".ts"))) {
      if (names.has(f.replace(/\.ts$/, ""))) continue;
      const rel = path.relative(root, path.join(outDir, f));
      if (check) {
        console.error(`✗ ${rel} has no notebook in ${NOTEBOOK_DIR}/: delete it or run npm run export`);
        failed++;
      } else {
        fs.unlinkSync(path.join(outDir, f));
        console.log(`✓ deleted ${rel} (its notebook is gone)`);
      }
    }
  }
  return failed ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
