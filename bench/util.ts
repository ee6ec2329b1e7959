// Small helpers shared by the benchmark scripts: medians and `--key value` / `--key=value` argument parsing.

import { parseArgs as parseCommandLine } from "../src/io/args.js";

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error("median of an empty list");
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * The defaults overridden by `--key value` / `--key=value` / `--flag` (the project's one parser, src/io/args.ts);
 * `--help` prints `usage` and exits.
 */
export function parseArgs<T extends Record<string, string | number | boolean>>(argv: readonly string[], defaults: T, usage = ""): T {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(usage || `options: ${Object.entries(defaults).map(([k, v]) => `--${k} (default ${JSON.stringify(v)})`).join(", ")}`);
    process.exit(0);
  }
  return { ...defaults, ...parseCommandLine(defaults, argv, { camelCase: true }).values } as T;
}
