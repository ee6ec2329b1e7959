// The committed notebooks themselves: clean outputs, and exported scripts that match them.
import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "child_process";
import { exportNotebook, listNotebooks, notebookName, SCRIPT_DIR } from "../../src/notebook/export.js";
import { notebookProblems, readNotebook } from "../../src/notebook/ipynb.js";

const root = path.resolve(__dirname, "..", "..");
const notebooks = listNotebooks(root);

test("notebooks/src points at the compiled library (dist/, what the package ships), which covers every module of src/", () => {
  // tslab reads the .d.ts files and runs the .js ones instead of type-checking and emitting src/ in the kernel; a
  // link remains because tslab resolves modules the Node 10 way, which has no import of a package by its own name
  const link = path.join(root, "notebooks", "src");
  expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
  expect(fs.readlinkSync(link)).toBe("../dist");
  const built = spawnSync(process.execPath, [path.join(root, "scripts", "build.cjs")], { cwd: root, encoding: "utf8" });
  expect(built.status).toBe(0);
  const excluded = new Set((JSON.parse(fs.readFileSync(path.join(root, "tsconfig.build.json"), "utf8")).exclude as string[]).map((f) => f.replace(/^src\//, "").replace(/\.ts$/, "")));
  const modules = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? modules(path.join(dir, e.name)).map((m) => `${e.name}/${m}`) : e.name.endsWith(".ts") ? [e.name.slice(0, -3)] : []));
  const missing = modules(path.join(root, "src"))
    .filter((m) => !excluded.has(m))
    .filter((m) => !fs.existsSync(path.join(link, `${m}.js`)) || !fs.existsSync(path.join(link, `${m}.d.ts`)));
  expect(missing).toEqual([]);
  expect(excluded.size).toBeLessThan(5);
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
