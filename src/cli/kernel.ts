// `gptlab kernel install | list`: registers the tslab (TypeScript) kernel with Jupyter by writing its kernelspec
// directly, so no Python is needed (VS Code, JupyterLab, Notebook and nbconvert all read the same kernel.json).
// The spec starts tslab with absolute paths (this node, the tslab installed beside gptlab), so no PATH is needed.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createRequire } from "node:module";
import { gptlabRoot } from "../core/package-root.js";
import { parseArgs } from "../io/args.js";

export const KERNEL_HELP = `Usage: npx gptlab kernel install [--prefix DIR] [--name NAME]
       npx gptlab kernel list [--prefix DIR]

install  writes the kernelspec of the TypeScript kernel (tslab) that Jupyter front ends (VS Code, JupyterLab,
         Notebook, nbconvert) start: NAME/kernel.json in your Jupyter data folder (${userDataDirText()}),
         or under DIR/share/jupyter/kernels with --prefix (a virtualenv, conda env or a test folder; Jupyter reads
         it when DIR is its prefix or DIR/share/jupyter is on JUPYTER_PATH). No Python is needed.
         It runs the tslab found from the working folder or beside gptlab (npm install tslab adds it).
list     the kernelspecs Jupyter would find (JUPYTER_PATH, your data folder, the active environment, system
         folders), each with the command it starts and whether that command exists.

Options:
  --prefix DIR   install into (list also) DIR/share/jupyter/kernels
  --name NAME    the kernel's folder name (default tslab: the name the notebooks' metadata asks for)`;

export interface KernelSpec {
  argv: string[];
  display_name: string;
  language: string;
  [key: string]: unknown;
}

/** Jupyter's user data folder, as jupyter_core computes it (JUPYTER_DATA_DIR, then the platform's place). */
export function userDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = os.homedir()): string {
  if (env.JUPYTER_DATA_DIR) return env.JUPYTER_DATA_DIR;
  if (platform === "darwin") return path.join(home, "Library", "Jupyter");
  if (platform === "win32") return path.join(env.APPDATA ?? path.join(home, "AppData", "Roaming"), "jupyter");
  return path.join(env.XDG_DATA_HOME || path.join(home, ".local", "share"), "jupyter");
}

function userDataDirText(): string {
  return process.platform === "darwin" ? "~/Library/Jupyter" : process.platform === "win32" ? "%APPDATA%\\jupyter" : "~/.local/share/jupyter";
}

/** Jupyter's data folders in the order it searches them for kernels (earlier ones win). */
export function jupyterDataPath(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string[] {
  const dirs = (env.JUPYTER_PATH ?? "").split(path.delimiter).filter((d) => d !== "");
  dirs.push(userDataDir(env, platform));
  // Python's sys.prefix is unknown without Python: the active virtualenv or conda environment stands in for it
  for (const prefix of [env.VIRTUAL_ENV, env.CONDA_PREFIX]) if (prefix) dirs.push(path.join(prefix, "share", "jupyter"));
  if (platform === "win32") {
    if (env.PROGRAMDATA) dirs.push(path.join(env.PROGRAMDATA, "jupyter"));
  } else {
    dirs.push("/usr/local/share/jupyter", "/usr/share/jupyter");
    if (platform === "darwin") dirs.push("/opt/homebrew/share/jupyter");
  }
  return [...new Set(dirs)];
}

/** The tslab command file (its package's bin), found from the working folder, then beside gptlab; null if absent. */
export function findTslab(from: string[] = [process.cwd(), gptlabRoot()]): string | null {
  for (const dir of from) {
    try {
      const pkgFile = createRequire(path.join(dir, "noop.js")).resolve("tslab/package.json");
      const bin = (JSON.parse(fs.readFileSync(pkgFile, "utf8")) as { bin?: Record<string, string> }).bin?.tslab;
      if (bin) return path.join(path.dirname(pkgFile), bin);
    } catch {
      // not installed there: look further
    }
  }
  return null;
}

/** The kernelspec that starts tslab with this node; no shell, no PATH lookup, so it works the same on Windows. */
export function tslabSpec(tslab: string, node = process.execPath): KernelSpec {
  return { argv: [node, tslab, "kernel", "--config-path", "{connection_file}"], display_name: "TypeScript", language: "typescript", metadata: { gptlab: true } };
}

/** Writes NAME/kernel.json under kernelsDir; returns the file and the argv it replaced, if any. */
export function writeKernelSpec(kernelsDir: string, name: string, spec: KernelSpec): { file: string; replaced: string[] | null } {
  const dir = path.join(kernelsDir, name);
  const file = path.join(dir, "kernel.json");
  const replaced = readSpec(file)?.argv ?? null;
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(spec, null, 2) + "\n");
  fs.renameSync(tmp, file);
  return { file, replaced };
}

function readSpec(file: string): KernelSpec | null {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as KernelSpec;
  } catch {
    return null;
  }
}

export interface FoundKernel {
  name: string;
  dir: string;
  spec: KernelSpec | null;
  /** The first argv entry that is an absolute path and does not exist, if any. */
  missing: string | null;
}

/** Every kernelspec in the search path, the first of each name being the one Jupyter uses. */
export function listKernels(dataDirs: string[]): FoundKernel[] {
  const found: FoundKernel[] = [];
  for (const data of dataDirs) {
    const kernels = path.join(data, "kernels");
    let names: string[];
    try {
      names = fs.readdirSync(kernels).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      const dir = path.join(kernels, name);
      if (!fs.existsSync(path.join(dir, "kernel.json"))) continue;
      const spec = readSpec(path.join(dir, "kernel.json"));
      const missing = spec?.argv?.slice(0, 2).find((a) => path.isAbsolute(a) && !fs.existsSync(a)) ?? null;
      found.push({ name, dir, spec, missing });
    }
  }
  return found;
}

const NO_TSLAB = "tslab is not installed here or beside gptlab: run `npm install tslab` in this folder, then `npx gptlab kernel install` again";

export function kernelCommand(argv: string[]): void {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
    console.log(KERNEL_HELP);
    return;
  }
  if (sub !== "install" && sub !== "list") throw new Error(`unknown kernel command "${sub}"; use install or list (npx gptlab kernel --help)`);
  const defaults = { prefix: "", name: "tslab" };
  const o = { ...defaults, ...parseArgs(defaults, rest).values } as typeof defaults;
  if (sub === "list" && rest.some((a) => a.startsWith("--name"))) throw new Error("--name is an option of kernel install only");
  const prefix = o.prefix === "" ? null : path.resolve(o.prefix);
  const name = o.name;
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`--name must be letters, digits, ".", "_" or "-" (a folder name Jupyter accepts; got "${name}")`);
  const prefixData = prefix === null ? [] : [path.join(prefix, "share", "jupyter")];
  if (sub === "list") {
    const kernels = listKernels([...prefixData, ...jupyterDataPath()]);
    if (kernels.length === 0) console.log(`no kernelspecs found (searched ${[...prefixData, ...jupyterDataPath()].join(", ")}); npx gptlab kernel install adds the TypeScript one`);
    const seen = new Set<string>();
    for (const k of kernels) {
      const shadowed = seen.has(k.name);
      seen.add(k.name);
      const what = k.spec ? `${k.spec.display_name} (${k.spec.language}): ${k.spec.argv.join(" ")}` : "unreadable kernel.json";
      const notes = [shadowed ? "hidden by the one above" : "", k.missing ? `BROKEN: ${k.missing} does not exist (npx gptlab kernel install rewrites it)` : ""].filter((s) => s);
      console.log(`${k.name.padEnd(12)} ${k.dir}\n${"".padEnd(12)} ${what}${notes.length ? `\n${"".padEnd(12)} ${notes.join("; ")}` : ""}`);
    }
    return;
  }
  const tslab = findTslab();
  if (!tslab) throw new Error(NO_TSLAB);
  const kernelsDir = path.join(prefixData[0] ?? userDataDir(), "kernels");
  const { file, replaced } = writeKernelSpec(kernelsDir, name, tslabSpec(tslab));
  const same = replaced !== null && replaced.join("\0") === tslabSpec(tslab).argv.join("\0");
  const was = replaced === null ? "" : same ? " (unchanged)" : ` (replaced one that ran ${replaced.slice(0, 2).join(" ")})`;
  console.log(`registered the TypeScript kernel "${name}": ${file}${was}\n  it runs ${process.execPath} ${tslab}`);
  if (prefix !== null) console.log(`  Jupyter finds it when ${prefix} is its prefix, or with JUPYTER_PATH=${path.join(prefix, "share", "jupyter")}`);
}
