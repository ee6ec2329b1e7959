// Where things are: the project root (the folder holding package.json, found upwards), and data paths that work
// from the repository root, from notebooks/ (a notebook kernel's working folder) and from anywhere below.

import * as fs from "node:fs";
import * as path from "node:path";
import { gptlabRoot } from "../core/package-root.js";

/** The nearest folder at or above `start` that holds a package.json (start itself when there is none). */
export function packageRootFrom(start: string): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "package.json"))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(start);
  }
}

/** The project root seen from the working folder. */
export function projectRoot(): string {
  return packageRootFrom(process.cwd());
}

/** A path relative to the project root, e.g. projectPath("datasets/names/names.txt"); absolute paths stay as they are. */
export function projectPath(rel: string): string {
  return path.isAbsolute(rel) ? rel : path.join(projectRoot(), rel);
}

/**
 * A user-given file path: as given when it exists (relative to the working folder), else relative to the project
 * root when it exists there (so "datasets/..." works from notebooks/), else in the gptlab package (the datasets it
 * ships, from a user's own folder), else as given (the reader's error names it).
 */
export function resolveUserPath(p: string): string {
  if (path.isAbsolute(p) || fs.existsSync(p)) return p;
  for (const candidate of [projectPath(p), path.join(gptlabRoot(), p)]) if (fs.existsSync(candidate)) return candidate;
  return p;
}

/**
 * Makes the folder `dir` (and its parents) for output named by `option`, with one clear line when it cannot be:
 * a parent that is a file, a place that cannot be written (/proc, a read-only disk), or a non-folder in the way.
 */
export function makeOutputFolder(dir: string, option: string): void {
  if (dir === "") throw new Error(`${option} is empty; give a folder to write to`);
  // one level at a time: Node's recursive mkdir spins for ever under /proc (Node 20), and names no culprit
  const missing: string[] = [];
  let at = path.resolve(dir);
  while (!fs.existsSync(at) && path.dirname(at) !== at) {
    missing.unshift(at);
    at = path.dirname(at);
  }
  if (!fs.statSync(at).isDirectory()) throw new Error(`${option} ${dir}: cannot create the folder: ${at} is a file, not a folder; choose a folder you can write to`);
  try {
    for (const d of missing) fs.mkdirSync(d);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOTDIR" || code === "EEXIST" ? "a file is in the way (a folder is needed there)" : code === "EACCES" || code === "EPERM" || code === "EROFS" ? "that place cannot be written" : code === "ENOENT" ? "its parent cannot hold folders" : `${code ?? (e as Error).message}`;
    throw new Error(`${option} ${dir}: cannot create the folder: ${why}; choose a folder you can write to`);
  }
  if (!fs.statSync(dir).isDirectory()) throw new Error(`${option} ${dir} is not a folder; choose a folder you can write to`);
}

/**
 * Makes the folder of an output file and refuses a file that exists but is not a regular one (a FIFO, a device, a
 * folder): writing it would hang or fail.
 */
export function prepareOutputFile(file: string, option: string): void {
  if (file === "") throw new Error(`${option} is empty; give a file to write to`);
  makeOutputFolder(path.dirname(path.resolve(file)), option);
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    return;
  }
  if (!st.isFile()) throw new Error(`${option}: ${file} exists and is not a regular file (${st.isDirectory() ? "a folder" : "a FIFO, device or socket"}); choose another path`);
}
