// `gptlab kernel install | list`: the kernelspec written without Python, where each platform's Jupyter looks for it,
// and the kernel it registers driven the way VS Code drives one: over ZeroMQ, from the spec's argv, with no Python
// (and nothing else) on PATH, executing notebook 01's cells at its CI parameters and receiving its plotly figures.

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { findTslab, jupyterDataPath, listKernels, tslabSpec, userDataDir, writeKernelSpec } from "../../src/cli/kernel.js";
import { cellSource, readNotebook } from "../../src/notebook/ipynb.js";
import { KernelClient } from "../helpers/jupyter-client.js";

const root = path.join(__dirname, "..", "..");
const bin = path.join(root, "bin", "gptlab.js");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-kernel-test-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function gptlab(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: "utf8", env: { ...process.env, ...env } });
}

test("the user's kernel folder is where jupyter_core puts it on Linux, macOS and Windows, and JUPYTER_DATA_DIR overrides it", () => {
  expect(userDataDir({}, "linux", "/home/ada")).toBe(path.join("/home/ada", ".local", "share", "jupyter"));
  expect(userDataDir({ XDG_DATA_HOME: "/data" }, "linux", "/home/ada")).toBe(path.join("/data", "jupyter"));
  expect(userDataDir({}, "darwin", "/Users/ada")).toBe(path.join("/Users/ada", "Library", "Jupyter"));
  expect(userDataDir({ APPDATA: "C:\\Users\\ada\\AppData\\Roaming" }, "win32", "C:\\Users\\ada")).toBe(path.join("C:\\Users\\ada\\AppData\\Roaming", "jupyter"));
  expect(userDataDir({ JUPYTER_DATA_DIR: "/j" }, "darwin", "/Users/ada")).toBe("/j");
});

test("kernels are searched on JUPYTER_PATH first, then the user's folder, the active environment, then the system", () => {
  const dirs = jupyterDataPath({ JUPYTER_PATH: ["/a", "/b"].join(path.delimiter), JUPYTER_DATA_DIR: "/user", VIRTUAL_ENV: "/venv" }, "linux");
  expect(dirs).toEqual(["/a", "/b", "/user", path.join("/venv", "share", "jupyter"), "/usr/local/share/jupyter", "/usr/share/jupyter"]);
});

test("a spec is written with this node and tslab by absolute path; list reports a spec whose program is gone", () => {
  const tslab = findTslab([root]);
  expect(tslab).not.toBeNull();
  expect(fs.existsSync(tslab!)).toBe(true);
  expect(findTslab([tmp])).toBeNull(); // no tslab under a bare folder: install then says `npm install tslab`
  const kernels = path.join(tmp, "data", "kernels");
  const first = writeKernelSpec(kernels, "ts", tslabSpec(tslab!));
  expect(first.replaced).toBeNull();
  expect(JSON.parse(fs.readFileSync(first.file, "utf8")).argv).toEqual([process.execPath, tslab, "kernel", "--config-path", "{connection_file}"]);
  writeKernelSpec(kernels, "old", tslabSpec("/nowhere/tslab"));
  const found = listKernels([path.join(tmp, "data")]);
  expect(found.map((k) => [k.name, k.missing])).toEqual([["old", "/nowhere/tslab"], ["ts", null]]);
  expect(writeKernelSpec(kernels, "old", tslabSpec(tslab!)).replaced).toEqual(tslabSpec("/nowhere/tslab").argv);
});

test("gptlab kernel install --prefix DIR writes DIR/share/jupyter/kernels/NAME/kernel.json, and kernel list shows it", () => {
  const prefix = path.join(tmp, "prefix");
  const r = gptlab(["kernel", "install", "--prefix", prefix, "--name", "ts-test"]);
  expect(r.stderr).toBe("");
  const file = path.join(prefix, "share", "jupyter", "kernels", "ts-test", "kernel.json");
  expect(r.stdout).toContain(file);
  expect(JSON.parse(fs.readFileSync(file, "utf8"))).toMatchObject({ display_name: "TypeScript", language: "typescript" });
  const list = gptlab(["kernel", "list", "--prefix", prefix]);
  expect(list.stdout.split("\n")[0]).toContain(`ts-test      ${path.dirname(file)}`);
  const bad = gptlab(["kernel", "install", "--name", "a/b", "--prefix", prefix]);
  expect(bad.status).toBe(2);
  expect(bad.stderr).toContain("--name must be");
});

test("the registered kernel starts with no Python on PATH and runs notebook 01's cells, sending its plotly figures as display_data", async () => {
  const prefix = path.join(tmp, "vscode");
  expect(gptlab(["kernel", "install", "--prefix", prefix]).status).toBe(0);
  const emptyPath = fs.mkdtempSync(path.join(tmp, "path-"));
  const nb = readNotebook(path.join(root, "notebooks", "01-training.ipynb"));
  const params = (nb.metadata.gptlab as { ci_params: Record<string, unknown> }).ci_params;
  const env: NodeJS.ProcessEnv = { PATH: emptyPath, HOME: tmp, GPTLAB_PARAMS: JSON.stringify(params), GPTLAB_OUT: path.join(tmp, "out"), GPTLAB_BACKEND: "wasm" };
  const kernel = await KernelClient.start(path.join(prefix, "share", "jupyter", "kernels", "tslab", "kernel.json"), { cwd: path.join(root, "notebooks"), env });
  try {
    const plotly: unknown[] = [];
    for (const cell of nb.cells.filter((c) => c.cell_type === "code")) {
      const code = cellSource(cell);
      const r = await kernel.execute(code);
      if (r.status !== "ok") throw new Error(`cell failed (${r.status}):\n${code.slice(0, 300)}\n${JSON.stringify(r.outputs.map((o) => o.content)).slice(0, 2000)}\n${kernel.stderr().slice(-2000)}`);
      for (const o of r.outputs) {
        const data = o.content.data as Record<string, unknown> | undefined;
        if (o.header.msg_type === "display_data" && data?.["application/vnd.plotly.v1+json"]) plotly.push(data["application/vnd.plotly.v1+json"]);
      }
    }
    expect(plotly.length).toBeGreaterThan(0);
    for (const fig of plotly) expect((fig as { data: unknown[] }).data.length).toBeGreaterThan(0);
  } finally {
    await kernel.shutdown();
  }
}, 600_000);
