// gptlab as a user installs it: `npm pack`, then `npm install gptlab-x.tgz tsx tslab` in a fresh folder outside the
// repository (no overrides, nothing copied), and there a Node ES module script and a tsx TypeScript script train
// 50 steps, `npx gptlab train` trains on the dataset that ships inside the package, and a notebook importing
// "gptlab" and "gptlab/notebook" runs in Jupyter on the kernel `gptlab kernel install --prefix` registered.
// Needs the npm registry (CI has it). The notebook part needs `jupyter` on PATH: it says so and skips without one,
// except in CI (GPTLAB_REQUIRE_SLURM=1), where a missing Jupyter fails it.

import { spawnSync } from "node:child_process";
import type { SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";

const root = path.join(__dirname, "..", "..");
const user = fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-user-"));
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd: user, encoding: "utf8", env: { ...process.env, ...env }, timeout: 300_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r;
}

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? "").split(path.delimiter).some((d) => d !== "" && fs.existsSync(path.join(d, cmd)));
}
const jupyter = onPath("jupyter");
if (!jupyter && process.env.GPTLAB_REQUIRE_SLURM === "1") throw new Error("jupyter is not on PATH in a run that requires every part (GPTLAB_REQUIRE_SLURM=1): run npm run notebooks -- --setup --apt first");
const withJupyter = jupyter ? test : test.skip;

let installSeconds = 0;

beforeAll(() => {
  const packed = JSON.parse(run(npm, ["pack", "--json", "--pack-destination", user, root], { npm_config_loglevel: "error" }).stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  const files = packed[0].files.map((f) => f.path);
  // the package carries the compiled library, the addon's sources and the datasets; not the repository's own parts
  expect(files).toEqual(expect.arrayContaining(["dist/index.js", "dist/index.d.ts", "dist/notebook/index.js", "bin/gptlab.js", "binding.gyp", "native/gemm.cc", "datasets/simple-sentences/sentences.txt"]));
  expect(files.filter((f) => /^(src|tests|scripts|bench|notebooks|\.ci|build|node_modules)\//.test(f))).toEqual([]);
  fs.writeFileSync(path.join(user, "package.json"), JSON.stringify({ name: "my-lab", private: true, type: "module" }, null, 2));
  const t0 = Date.now();
  run(npm, ["install", "--no-audit", "--no-fund", path.join(user, packed[0].filename), "tsx", "tslab"]);
  installSeconds = (Date.now() - t0) / 1000;
  console.log(`npm install of the tarball, tsx and tslab in a fresh folder: ${installSeconds.toFixed(1)} s (load average ${os.loadavg()[0].toFixed(2)})`);
});

afterAll(() => fs.rmSync(user, { recursive: true, force: true }));

test("the install leaves the user's package.json without overrides and gptlab's dependencies resolvable", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(user, "package.json"), "utf8")) as Record<string, unknown>;
  expect(pkg.overrides).toBeUndefined();
  const ls = spawnSync(npm, ["ls", "--all", "--json"], { cwd: user, encoding: "utf8" });
  expect(JSON.parse(ls.stdout).problems ?? []).toEqual([]);
});

test("a Node ES module script imports Run from gptlab and trains 50 steps", () => {
  fs.writeFileSync(
    path.join(user, "train.mjs"),
    `import { Run, kernels } from "gptlab";\nconst run = new Run({ steps: 50, seed: 3 });\nconst end = run.train();\nconsole.log(JSON.stringify({ reason: end.reason, step: end.step, loss: run.history.steps.at(-1).loss, backend: kernels().name }));\n`,
  );
  const out = JSON.parse(run(process.execPath, ["train.mjs"]).stdout.trim().split("\n").pop()!);
  expect(out).toMatchObject({ reason: "completed", step: 50 });
  expect(Number.isFinite(out.loss)).toBe(true);
  // the addon npm install built inside node_modules/gptlab is found from the package, not from the user's folder
  if (fs.existsSync(path.join(user, "node_modules", "gptlab", "build", "Release", "gptlab_native.node"))) expect(out.backend).toBe("wasm-native");
});

test("gptlab/notebook's DataFrame view says how to add danfojs-node, an optional peer the install left out", () => {
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", `import { historyDataFrame } from "gptlab/notebook"; await historyDataFrame([{ step: 1, loss: 2 }]);`], { cwd: user, encoding: "utf8" });
  expect(r.status).not.toBe(0);
  expect(r.stderr).toContain("historyDataFrame needs danfojs-node, which is not installed here");
  expect(r.stderr).toContain("npm install danfojs-node");
});

test("a tsx TypeScript script type-checks against gptlab's declarations with TypeScript 5.0 and trains 50 steps", () => {
  fs.writeFileSync(
    path.join(user, "train.ts"),
    `import { Run } from "gptlab";\nimport type { EndEvent } from "gptlab";\nconst run: Run = new Run({ steps: 50, seed: 3 });\nconst end: EndEvent = run.train();\nconsole.log(\`\${end.reason} at step \${end.step}\`);\n`,
  );
  // tslab brings TypeScript 5.0.4 (as @tslab/typescript-for-tslab), the version it compiles notebooks with
  const tsPackage = createRequire(path.join(user, "node_modules", "tslab", "package.json")).resolve("@tslab/typescript-for-tslab/package.json");
  expect(JSON.parse(fs.readFileSync(tsPackage, "utf8")).version).toMatch(/^5\.0\./);
  const tsc = path.join(path.dirname(tsPackage), "bin", "tsc");
  run(process.execPath, [tsc, "--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022", "train.ts"]);
  const tsx = path.join(user, "node_modules", "tsx", "dist", "cli.mjs");
  expect(run(process.execPath, [tsx, "train.ts"]).stdout).toContain("completed at step 50");
});

test("npx gptlab train --steps 50 trains on the dataset inside the package and writes a run folder", () => {
  const r = run(npm, ["exec", "--", "gptlab", "train", "--steps", "50", "--out", "runs/cli"]);
  expect(r.stdout).toContain("run folder: runs/cli");
  const metrics = JSON.parse(fs.readFileSync(path.join(user, "runs", "cli", "metrics.json"), "utf8"));
  expect(metrics.final.stopReason).toBe("completed");
  expect(fs.realpathSync(metrics.data.path)).toBe(fs.realpathSync(path.join(user, "node_modules", "gptlab", "datasets", "simple-sentences", "sentences.txt")));
});

withJupyter(`a notebook importing gptlab and gptlab/notebook runs in Jupyter on the kernel gptlab registered, with a plot${jupyter ? "" : " (skipped: jupyter is not on PATH)"}`, () => {
  const prefix = path.join(user, "jupyter-prefix");
  const reg = run(npm, ["exec", "--", "gptlab", "kernel", "install", "--prefix", prefix, "--name", "gptlab-test"]);
  expect(reg.stdout).toContain(path.join(prefix, "share", "jupyter", "kernels", "gptlab-test", "kernel.json"));
  const cells = [
    `import { Run } from "gptlab";\nimport { show, lossCurves } from "gptlab/notebook";`,
    `const run = new Run({ steps: 50, seed: 3 });\nconst end = run.train();\nconsole.log(\`\${end.reason} at step \${end.step}\`);`,
    `show(lossCurves(run));`,
  ];
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "gptlab-test", display_name: "TypeScript", language: "typescript" } },
    cells: cells.map((source, i) => ({ cell_type: "code", id: `c${i}`, metadata: {}, execution_count: null, outputs: [], source })),
  };
  fs.writeFileSync(path.join(user, "lab.ipynb"), JSON.stringify(nb, null, 1));
  run("jupyter", ["nbconvert", "--to", "notebook", "--execute", "lab.ipynb", "--output", "lab.out.ipynb"], { JUPYTER_PATH: path.join(prefix, "share", "jupyter") });
  const out = JSON.parse(fs.readFileSync(path.join(user, "lab.out.ipynb"), "utf8"));
  const outputs = out.cells.flatMap((c: { outputs: Array<Record<string, unknown>> }) => c.outputs);
  expect(outputs.filter((o: Record<string, unknown>) => o.output_type === "error")).toEqual([]);
  expect(JSON.stringify(outputs)).toContain("completed at step 50");
  const plots = outputs.filter((o: { output_type: string; data?: Record<string, unknown> }) => o.output_type === "display_data" && o.data?.["application/vnd.plotly.v1+json"]);
  expect(plots.length).toBe(1);
  expect((plots[0].data["application/vnd.plotly.v1+json"] as { data: unknown[] }).data.length).toBeGreaterThan(0);
});
