// The committed notebooks themselves: clean outputs, and exported scripts that match them.
import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "child_process";
import { exportNotebook, listNotebooks, notebookName, SCRIPT_DIR } from "../../src/notebook/export.js";
import { notebookProblems, readNotebook } from "../../src/notebook/ipynb.js";

const root = path.resolve(__dirname, "..", "..");
const notebooks = listNotebooks(root);

test("notebooks/src points at the engine compiled for the notebooks, which covers every module of src/", () => {
  // tslab reads the .d.ts files and runs the .js ones instead of type-checking and emitting src/ in the kernel
  const link = path.join(root, "notebooks", "src");
  expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
  expect(fs.readlinkSync(link)).toBe("../build/notebook-lib");
  const built = spawnSync(process.execPath, [path.join(root, "scripts", "build-notebook-lib.cjs")], { cwd: root, encoding: "utf8" });
  expect(built.status).toBe(0);
  const modules = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? modules(path.join(dir, e.name)).map((m) => `${e.name}/${m}`) : e.name.endsWith(".ts") ? [e.name.slice(0, -3)] : []));
  const missing = modules(path.join(root, "src"))
    .filter((m) => m !== "kernels/wasm/kernels.as")
    .filter((m) => !fs.existsSync(path.join(link, `${m}.js`)) || !fs.existsSync(path.join(link, `${m}.d.ts`)));
  expect(missing).toEqual([]);
  expect(JSON.parse(fs.readFileSync(path.join(link, "package.json"), "utf8")).type).toBe("commonjs");
}, 300_000);

for (const file of notebooks) {
  const name = notebookName(file);
  describe(`notebooks/${name}.ipynb`, () => {
    const nb = readNotebook(file);

    test("has no error outputs, no outputs older than its source and no plotly bundle", () => {
      expect(notebookProblems(nb, `notebooks/${name}.ipynb`)).toEqual([]);
    });

    test(`matches its committed export ${SCRIPT_DIR}/${name}.ts (run npm run export)`, () => {
      const script = path.join(root, SCRIPT_DIR, `${name}.ts`);
      expect(fs.existsSync(script)).toBe(true);
      expect(fs.readFileSync(script, "utf8")).toBe(exportNotebook(nb, name));
    });
  });
}

test("every exported script has its notebook", () => {
  const dir = path.join(root, SCRIPT_DIR);
  const scripts = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".ts")) : [];
  const names = new Set(notebooks.map(notebookName));
  expect(scripts.filter((s) => !names.has(s.replace(/\.ts$/, "")))).toEqual([]);
});

test("the exported scripts type-check under the project's strict settings (tsc -p notebooks)", () => {
  const r = spawnSync(path.join(root, "node_modules", ".bin", "tsc"), ["-p", "notebooks", "--noEmit"], { cwd: root, encoding: "utf8" });
  expect(r.stdout + r.stderr).toBe("");
  expect(r.status).toBe(0);
}, 60_000);
