// Where gptlab itself lies: the repository, or node_modules/gptlab in a user's folder. The native addon, the bundled
// datasets and the CLI are found from here, not from the user's working folder.

import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * This module's own file. import.meta is not available under tslab or in CommonJS (jest, the notebooks' build), so
 * V8's structured call sites name it: a path in CommonJS, a file: URL in an ES module.
 */
function thisFile(): string {
  const prepare = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  try {
    Error.prepareStackTrace = (_error, sites) => sites;
    Error.stackTraceLimit = 1;
    const sites = new Error().stack as unknown as NodeJS.CallSite[];
    const name = sites[0]?.getFileName() ?? "";
    return name.startsWith("file:") ? fileURLToPath(name) : name;
  } finally {
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
  }
}

let root: string | undefined;

/**
 * The folder of the gptlab package this code belongs to: the nearest folder above this module whose package.json is
 * named "gptlab" (build folders with a package.json of their own are passed over).
 */
export function gptlabRoot(): string {
  if (root !== undefined) return root;
  const file = thisFile();
  for (let dir = path.dirname(path.resolve(file)); ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, "package.json");
    if (fs.existsSync(pkg) && readName(pkg) === "gptlab") return (root = dir);
    if (path.dirname(dir) === dir) throw new Error(`gptlab cannot find its own package.json above ${file}; reinstall gptlab`);
  }
}

function readName(pkg: string): unknown {
  try {
    return (JSON.parse(fs.readFileSync(pkg, "utf8")) as { name?: unknown }).name;
  } catch {
    return undefined;
  }
}
