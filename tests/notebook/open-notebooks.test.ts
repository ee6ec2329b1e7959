// npm run notebooks (scripts/notebooks.ts): the Jupyter on PATH wherever it lives, the kernel registered by gptlab,
// and without Jupyter one line with this platform's command and exit code 1. The server test needs a Jupyter to copy
// (it skips and says so without one, except in CI: GPTLAB_REQUIRE_SLURM=1).

import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { findOnPath, installAdvice, isDebianLike } from "../../scripts/notebooks.js";

const root = path.join(__dirname, "..", "..");
const tsx = require.resolve("tsx/cli", { paths: [root] });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-open-notebooks-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A folder holding only a link to this node: a PATH with nothing else on it. */
function nodeOnlyBin(): string {
  const dir = fs.mkdtempSync(path.join(tmp, "bin-"));
  fs.symlinkSync(process.execPath, path.join(dir, "node"));
  return dir;
}

function isolatedEnv(pathDirs: string[]): NodeJS.ProcessEnv {
  return {
    HOME: tmp,
    PATH: pathDirs.join(path.delimiter),
    GPTLAB_KERNEL_PREFIX: path.join(tmp, "prefix"),
    JUPYTER_DATA_DIR: path.join(tmp, "data"),
    JUPYTER_RUNTIME_DIR: path.join(tmp, "runtime"),
    JUPYTER_CONFIG_DIR: path.join(tmp, "config"),
    GPTLAB_WORK_DIR: path.join(tmp, "work"),
  };
}

test("Debian and Ubuntu (and their derivatives) are told apt; macOS Homebrew or pip; Windows winget and pip; each also VS Code", () => {
  expect(isDebianLike('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n')).toBe(true);
  expect(isDebianLike("ID=linuxmint\nID_LIKE=\"ubuntu debian\"\n")).toBe(true);
  expect(isDebianLike("ID=fedora\n")).toBe(false);
  expect(installAdvice("linux", true)).toContain("sudo apt-get install jupyter-notebook");
  expect(installAdvice("linux", false)).toContain("python3 -m pip install --user notebook");
  expect(installAdvice("darwin", false)).toContain("brew install jupyterlab");
  expect(installAdvice("win32", false)).toContain("winget install Python.Python.3.12");
  for (const p of ["linux", "darwin", "win32"] as const) expect(installAdvice(p, false)).toContain("VS Code");
});

test("a command is found on PATH with Windows' PATHEXT extensions", () => {
  const dir = fs.mkdtempSync(path.join(tmp, "win-"));
  fs.writeFileSync(path.join(dir, "jupyter.EXE"), "");
  expect(findOnPath("jupyter", { PATH: dir, PATHEXT: ".COM;.EXE" }, "win32")).toBe(path.join(dir, "jupyter.EXE"));
  expect(findOnPath("jupyter", { PATH: dir }, "linux")).toBeNull();
});

test("without Jupyter, npm run notebooks prints one line with this platform's command and exits 1", () => {
  const r = spawnSync(process.execPath, [tsx, path.join(root, "scripts", "notebooks.ts")], { cwd: root, encoding: "utf8", env: isolatedEnv([nodeOnlyBin()]) });
  expect(r.status).toBe(1);
  const lines = r.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^gptlab: Jupyter is not installed \(no `jupyter` on PATH\): install it with /);
  const debian = fs.existsSync("/etc/os-release") && isDebianLike(fs.readFileSync("/etc/os-release", "utf8"));
  expect(lines[0]).toContain(process.platform === "darwin" ? "brew" : process.platform === "win32" ? "winget" : debian ? "sudo apt-get install" : "pip install");
  expect(fs.existsSync(path.join(tmp, "prefix"))).toBe(false); // nothing registered, nothing copied
  expect(fs.existsSync(path.join(tmp, "work"))).toBe(false);
});

const jupyter = findOnPath("jupyter");
if (!jupyter && process.env.GPTLAB_REQUIRE_SLURM === "1") throw new Error("jupyter is not on PATH in a run that requires every part (GPTLAB_REQUIRE_SLURM=1)");
const withJupyter = jupyter ? test : test.skip;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function getJson(url: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve(JSON.parse(body)));
    }).on("error", reject);
  });
}

withJupyter(`with a copy of Jupyter on PATH only (not in /usr/bin), npm run notebooks starts it with gptlab's kernel${jupyter ? "" : " (skipped: jupyter is not on PATH)"}`, async () => {
  // a private bin folder with copies of the jupyter launchers, as a virtualenv has (they name their Python by absolute path)
  const venvBin = path.join(tmp, "venv", "bin");
  fs.mkdirSync(venvBin, { recursive: true });
  for (const name of fs.readdirSync(path.dirname(jupyter!)).filter((n) => /^jupyter(-(notebook|nbconvert|trust))?$/.test(n))) fs.copyFileSync(path.join(path.dirname(jupyter!), name), path.join(venvBin, name));
  for (const name of fs.readdirSync(venvBin)) fs.chmodSync(path.join(venvBin, name), 0o755);
  const port = await freePort();
  const env = isolatedEnv([venvBin, nodeOnlyBin()]);
  const child = spawn(process.execPath, [tsx, path.join(root, "scripts", "notebooks.ts"), "--no-browser", `--port=${port}`, "--NotebookApp.token=gptlab-test"], { cwd: root, env, detached: true });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  try {
    const deadline = Date.now() + 120_000;
    while (!log.includes(`:${port}/`) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 200));
    expect(log).toContain(`:${port}/`);
    const specs = (await getJson(`http://127.0.0.1:${port}/api/kernelspecs?token=gptlab-test`)) as { kernelspecs: Record<string, { spec: { argv: string[] } }> };
    const tslab = specs.kernelspecs.tslab;
    if (!tslab) throw new Error(`no tslab kernel: ${JSON.stringify(specs).slice(0, 1500)}\n${log}`);
    // the spec written under GPTLAB_KERNEL_PREFIX (Jupyter reads it through JUPYTER_PATH), running this checkout's tslab
    expect(fs.existsSync(path.join(tmp, "prefix", "share", "jupyter", "kernels", "tslab", "kernel.json"))).toBe(true);
    expect(tslab.spec.argv.slice(0, 2)).toEqual([process.execPath, path.join(root, "node_modules", "tslab", "bin", "tslab")]);
    expect(fs.readdirSync(path.join(tmp, "work")).filter((f) => f.endsWith(".ipynb")).length).toBe(fs.readdirSync(path.join(root, "notebooks")).filter((f) => f.endsWith(".ipynb")).length);
  } finally {
    if (child.pid && child.exitCode === null) process.kill(-child.pid, "SIGTERM");
  }
}, 180_000);
