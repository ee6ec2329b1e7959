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
