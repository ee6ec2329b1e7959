// npm run notebooks: opens copies of the notebooks in the Jupyter found on PATH (however it was installed: pip,
// conda, Homebrew, a virtualenv, apt), with the TypeScript kernel registered by gptlab itself (no Python needed for
// that). Copies go to my-notebooks/ (git-ignored; GPTLAB_WORK_DIR changes it), so running and saving a notebook never
// changes the tracked notebooks/ (npm test checks those); a copy that exists is kept. Everything here is Node, so it
// runs the same under cmd.exe, PowerShell and sh.
//
//   npm run notebooks [-- JUPYTER_ARGS...]    e.g. npm run notebooks -- --no-browser --port 8899
//   npm run notebooks -- --setup [--apt] [--chromium]
//       set up only (compile dist/, register the kernel); --apt installs Jupyter (and with --chromium the headless
//       browser the notebook runner checks plots with) from apt, on Debian and Ubuntu only
//
// Without Jupyter it prints the command for this platform and exits with code 1. GPTLAB_KERNEL_PREFIX=DIR registers
// the kernel under DIR/share/jupyter/kernels instead of your Jupyter data folder.

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { createRequire } from "node:module";
import { findTslab, tslabSpec, userDataDir, writeKernelSpec } from "../src/cli/kernel.js";
import { gptlabRoot } from "../src/core/package-root.js";

const ROOT = gptlabRoot();

/** The full path of a command on PATH (with PATHEXT's extensions on Windows), or null. */
export function findOnPath(cmd: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | null {
  const exts = platform === "win32" ? ["", ...(env.PATHEXT ?? ".COM;.EXE;.BAT;.CMD").split(";").filter((e) => e)] : [""];
  for (const dir of (env.PATH ?? env.Path ?? "").split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const file = path.join(dir, cmd + ext);
      try {
        if (fs.statSync(file).isFile()) return file;
      } catch {
        // not there
      }
    }
  }
  return null;
}

/** Debian or Ubuntu (or a derivative), from /etc/os-release's ID and ID_LIKE. */
export function isDebianLike(osRelease: string): boolean {
  const field = (k: string): string => (new RegExp(`^${k}=("?)(.*)\\1$`, "m").exec(osRelease)?.[2] ?? "").toLowerCase();
  return [field("ID"), ...field("ID_LIKE").split(/\s+/)].some((id) => id === "debian" || id === "ubuntu");
}

export const APT_PACKAGES = ["jupyter-notebook", "jupyter-nbconvert", "jupyter-client", "python3-nbclient", "python3-ipykernel"];

/** The one line that says how to get Jupyter here, and the route that needs no Python. */
export function installAdvice(platform: NodeJS.Platform, debianLike: boolean): string {
  const vscode = "or, with no Python at all, open the notebooks in VS Code (Jupyter extension) after `npx gptlab kernel install`";
  if (platform === "darwin") return `install it with \`brew install jupyterlab\` (Homebrew) or \`python3 -m pip install --user notebook\`, ${vscode}`;
  if (platform === "win32") return `install Python (\`winget install Python.Python.3.12\`), then \`py -m pip install notebook\` in a new terminal, ${vscode}`;
  if (debianLike) return `install it with \`sudo apt-get install ${APT_PACKAGES.join(" ")}\` (or \`npm run notebooks -- --setup --apt\`), ${vscode}`;
  return `install it with \`python3 -m pip install --user notebook\` (or your distribution's package, or conda), ${vscode}`;
}

interface Options {
  setup: boolean;
  apt: boolean;
  chromium: boolean;
  jupyterArgs: string[];
}

function parseOptions(argv: string[]): Options {
  const o: Options = { setup: false, apt: false, chromium: false, jupyterArgs: [] };
  for (const a of argv) {
    if (a === "--setup") o.setup = true;
    else if (a === "--apt") o.apt = true;
    else if (a === "--chromium") o.chromium = true;
    else o.jupyterArgs.push(a);
  }
  if ((o.apt || o.chromium) && !o.setup) throw new Error("--apt and --chromium go with --setup (npm run notebooks -- --setup --apt)");
  if (o.setup && o.jupyterArgs.length) throw new Error(`--setup takes no Jupyter arguments (got ${o.jupyterArgs.join(" ")})`);
  return o;
}

function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): number {
  // .cmd and .bat files (npm's shims, conda's) run only through the shell on Windows
  const shell = process.platform === "win32" && /\.(cmd|bat)$/i.test(cmd);
  const r = spawnSync(cmd, args, { stdio: "inherit", shell, env: opts.env ?? process.env, cwd: opts.cwd });
  if (r.error) throw new Error(`${cmd} could not start: ${r.error.message}`);
  return r.status ?? 1;
}

function aptInstall(packages: string[]): void {
  const osRelease = fs.existsSync("/etc/os-release") ? fs.readFileSync("/etc/os-release", "utf8") : "";
  if (process.platform !== "linux" || !isDebianLike(osRelease)) throw new Error(`--apt is for Debian and Ubuntu; here ${installAdvice(process.platform, false)}`);
  const root = process.getuid?.() === 0;
  const sudo = root ? [] : ["sudo"];
  const [cmd, ...pre] = [...sudo, "apt-get"];
  console.log(`installing ${packages.join(" ")} from apt`);
  if (run(cmd, [...pre, "update"]) !== 0 || run(cmd, [...pre, "-o", "DPkg::Lock::Timeout=900", "install", "-y", ...packages]) !== 0) throw new Error("apt-get failed (see above)");
}

/** The Jupyter command, or null; with the front end (notebook or lab) it can open. */
function findJupyter(): { jupyter: string; frontEnd: "notebook" | "lab" | null; nbconvert: boolean } | null {
  const jupyter = process.env.GPTLAB_JUPYTER ?? findOnPath("jupyter");
  if (!jupyter) return null;
  // subcommands are programs named jupyter-NAME, beside jupyter or on PATH
  const has = (sub: string): boolean => findOnPath(`jupyter-${sub}`, { ...process.env, PATH: `${path.dirname(jupyter)}${path.delimiter}${process.env.PATH ?? ""}` }) !== null;
  return { jupyter, frontEnd: has("notebook") ? "notebook" : has("lab") ? "lab" : null, nbconvert: has("nbconvert") };
}

/** The TypeScript kernel of this checkout, registered where Jupyter looks (or under GPTLAB_KERNEL_PREFIX). */
function registerKernel(): void {
  const tslab = findTslab([ROOT]);
  if (!tslab) throw new Error("tslab is missing from node_modules: run npm install first");
  const prefix = process.env.GPTLAB_KERNEL_PREFIX;
  const kernels = prefix ? path.join(path.resolve(prefix), "share", "jupyter", "kernels") : path.join(userDataDir(), "kernels");
  const { file, replaced } = writeKernelSpec(kernels, "tslab", tslabSpec(tslab));
  if (replaced?.join(" ") !== tslabSpec(tslab).argv.join(" ")) console.log(`registered the TypeScript kernel: ${file}${replaced ? ` (it ran ${replaced.slice(0, 2).join(" ")})` : ""}`);
}

/** notebooks/src -> ../dist, made again as a directory junction where git checked the link out as a file (Windows). */
function linkLibrary(dir: string): void {
  const link = path.join(dir, "src");
  const target = path.join(ROOT, "dist");
  let stat: fs.Stats | null = null;
  try {
    stat = fs.lstatSync(link);
  } catch {
    // absent
  }
  if (stat?.isSymbolicLink() && fs.existsSync(path.join(link, "index.js"))) return;
  if (stat && !stat.isSymbolicLink() && !(stat.isFile() && stat.size < 100)) throw new Error(`${link} exists and is not the link to the compiled library: move it away`);
  fs.rmSync(link, { force: true });
  fs.symlinkSync(process.platform === "win32" ? target : path.relative(dir, target), link, "junction");
}

/** Trusts the copies (so their plot scripts run in Notebook): `jupyter trust`, else nbformat in Jupyter's own Python. */
function trust(jupyter: string, files: string[]): void {
  if (files.length === 0) return;
  const shell = process.platform === "win32" && /\.(cmd|bat)$/i.test(jupyter);
  if (spawnSync(jupyter, ["trust", ...files], { stdio: "ignore", shell }).status === 0) return;
  // the interpreter Jupyter runs on, named by its launcher's first line (#!/path/to/python), however it was installed
  const shebang = /^#!\s*(\S*python[\d.]*)\s*$/.exec(fs.readFileSync(jupyter, "utf8").split("\n", 1)[0]);
  const sign = "import sys, nbformat\nfrom nbformat.sign import NotebookNotary\nn = NotebookNotary()\nfor f in sys.argv[1:]: n.sign(nbformat.read(f, as_version=4))";
  if (shebang && spawnSync(shebang[1], ["-c", sign, ...files], { stdio: "ignore" }).status === 0) return;
  console.log("(the copies are not trusted: plots of the saved outputs appear once you run the cells, or File > Trust Notebook)");
}

/** Environment for running Jupyter with the kernel setUp() registered (JUPYTER_PATH gains GPTLAB_KERNEL_PREFIX's). */
export function jupyterEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const prefix = env.GPTLAB_KERNEL_PREFIX;
  if (!prefix) return env;
  const data = path.join(path.resolve(prefix), "share", "jupyter");
  return { ...env, JUPYTER_PATH: [data, ...(env.JUPYTER_PATH ? [env.JUPYTER_PATH] : [])].join(path.delimiter) };
}

/**
 * Makes this checkout ready to run notebooks: Jupyter on PATH (with --apt, installed from apt on Debian/Ubuntu),
 * dist/ compiled, the kernel registered, notebooks/src linked. Throws the one-line advice when Jupyter is missing.
 */
export function setUp(opts: { apt?: boolean; chromium?: boolean; frontEnd?: boolean } = {}): { jupyter: string; frontEnd: "notebook" | "lab" | null } {
  if (opts.apt) {
    const have = findJupyter();
    const missing = [...(have?.nbconvert && have.frontEnd ? [] : APT_PACKAGES), ...(opts.chromium && !findOnPath("chromium") ? ["chromium"] : [])];
    if (missing.length) aptInstall(missing);
  }
  const found = findJupyter();
  const osRelease = fs.existsSync("/etc/os-release") ? fs.readFileSync("/etc/os-release", "utf8") : "";
  if (!found || !found.nbconvert || (opts.frontEnd && !found.frontEnd)) {
    const what = !found ? "no `jupyter` on PATH" : `${found.jupyter} has no ${found.nbconvert ? "notebook or lab" : "nbconvert"} command`;
    throw new Error(`Jupyter is not installed (${what}): ${installAdvice(process.platform, isDebianLike(osRelease))}`);
  }
  (createRequire(path.join(ROOT, "package.json"))("./scripts/build.cjs") as { build(force: boolean): void }).build(false);
  registerKernel();
  linkLibrary(path.join(ROOT, "notebooks"));
  return found;
}

function main(): number {
  const o = parseOptions(process.argv.slice(2));
  const found = setUp({ apt: o.apt, chromium: o.chromium, frontEnd: !o.setup });
  if (o.setup) {
    console.log(`Jupyter (${found.jupyter}) with the TypeScript kernel is ready`);
    return 0;
  }
  const work = path.resolve(ROOT, process.env.GPTLAB_WORK_DIR ?? "my-notebooks");
  fs.mkdirSync(work, { recursive: true });
  linkLibrary(work);
  const copied: string[] = [];
  for (const name of fs.readdirSync(path.join(ROOT, "notebooks")).filter((f) => f.endsWith(".ipynb")).sort()) {
    const dest = path.join(work, name);
    if (fs.existsSync(dest)) console.log(`keeping your copy ${path.relative(ROOT, dest)} (delete it to start again from notebooks/${name})`);
    else {
      fs.copyFileSync(path.join(ROOT, "notebooks", name), dest);
      copied.push(dest);
    }
  }
  trust(found.jupyter, copied);
  console.log(`Jupyter opens your copies in ${path.relative(ROOT, work) || work}/; the committed notebooks/ stay as they are`);
  const rootFlag = process.getuid?.() === 0 ? ["--allow-root"] : [];
  return run(found.jupyter, [found.frontEnd!, `--notebook-dir=${work}`, ...rootFlag, ...o.jupyterArgs], { env: jupyterEnv() });
}

// run as `tsx scripts/notebooks.ts`, not when imported (by the notebook runner, scripts/run-notebooks.ts, and tests)
if (path.basename(process.argv[1] ?? "") === "notebooks.ts") {
  try {
    process.exitCode = main();
  } catch (e) {
    console.error(`gptlab: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}
