// Exports notebooks/*.ipynb to notebooks/scripts/*.ts (npm run export); --check only compares and fails on drift.
// Usage: npx tsx scripts/export-notebooks.ts [--check] [notebooks/NAME.ipynb ...]

import * as fs from "fs";
import * as path from "path";
import { exportNotebook, listNotebooks, notebookName, ExportError, NOTEBOOK_DIR, SCRIPT_DIR } from "../src/notebook/export.js";
import { readNotebook } from "../src/notebook/ipynb.js";

function main(argv: string[]): number {
  const check = argv.includes("--check");
  const unknown = argv.filter((a) => a.startsWith("-") && a !== "--check");
  if (unknown.length) {
    console.error(`unknown option ${unknown[0]}; usage: export-notebooks [--check] [notebooks/NAME.ipynb ...]`);
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
