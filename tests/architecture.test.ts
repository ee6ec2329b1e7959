// The dependency picture of docs/ARCHITECTURE.md, checked on the sources: imports point one way,
// core <- kernels <- nn / optim / data <- train / eval / io <- sweep <- notebook / cli, and no module imports
// itself through others (type-only imports included: they are cycles for a reader too).

import * as fs from "node:fs";
import * as path from "node:path";

const src = path.join(__dirname, "..", "src");
const layers: Record<string, number> = { core: 0, kernels: 1, nn: 2, optim: 2, data: 2, train: 3, eval: 3, io: 3, sweep: 4, notebook: 5, exercises: 5, cli: 5 };

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith(".ts") ? [p] : [];
  });
}

/** Relative imports and re-exports of a file, resolved to source paths. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"(\.{1,2}\/[^"]+)"/gms)) out.push(path.resolve(path.dirname(file), m[1].replace(/\.js$/, ".ts")));
  return out;
}

const rel = (f: string): string => path.relative(src, f);
const layerOf = (f: string): number | undefined => layers[rel(f).split(path.sep)[0]];
const files = sources(src);
const graph = new Map(files.map((f) => [f, importsOf(f)]));

describe("the dependency picture", () => {
  test("every source folder has a layer", () => {
    const folders = new Set(files.map((f) => rel(f).split(path.sep)).filter((p) => p.length > 1).map((p) => p[0]));
    expect([...folders].filter((d) => !(d in layers))).toEqual([]);
  });

  test("no import points up a layer (src/index.ts, the package entry, sits on top)", () => {
    const against: string[] = [];
    for (const [f, deps] of graph) {
      const from = layerOf(f);
      if (from === undefined) continue;
      for (const d of deps) {
        const to = layerOf(d);
        if (to === undefined || to > from) against.push(`${rel(f)} -> ${rel(d)}`);
      }
    }
    expect(against).toEqual([]);
  });

  test("no import cycle between modules", () => {
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const stack: string[] = [];
    const visit = (f: string): void => {
      state.set(f, "open");
      stack.push(f);
      for (const d of graph.get(f) ?? []) {
        if (state.get(d) === "open") cycles.push([...stack.slice(stack.indexOf(d)), d].map(rel).join(" -> "));
        else if (!state.has(d)) visit(d);
      }
      stack.pop();
      state.set(f, "done");
    };
    for (const f of graph.keys()) if (!state.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });
});
