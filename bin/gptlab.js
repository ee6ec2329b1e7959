#!/usr/bin/env node
// Entry point of `npx gptlab`: runs the compiled CLI (dist/cli/main.js). In a checkout whose dist/ is missing or older
// than src/ (an edit since the last `npm run build`), it runs the sources through tsx instead of stale code.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const checkout = existsSync(join(root, "src", "cli", "main.ts")) && existsSync(join(root, "scripts", "build.cjs"));
let entry = join(root, "dist", "cli", "main.js");
if (checkout && require("../scripts/build.cjs").stale()) {
  const { register } = await import("tsx/esm/api");
  register();
  entry = join(root, "src", "cli", "main.ts");
}
const { main } = await import(pathToFileURL(entry).href);
await main(process.argv.slice(2));
