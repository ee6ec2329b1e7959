// Notebook parameters, papermill-style: the first cell declares `const params = notebookParams({ steps: 300, ... })`.
// In Jupyter it returns the defaults (or $GPTLAB_PARAMS); the exported script also reads --steps 50 style arguments.

//
// A parameter named like a run-config option (steps, lr, seed, preset, ...) with a value of its type takes that
// option's schema too: its range and choices are checked, and --help shows its description.

import * as fs from "node:fs";
import { inKernel } from "./kernel.js";
import { argKind, describeArg as describe, parseArgs } from "../io/args.js";
import { runConfigSchema } from "../train/config.js";
import { allowedText, checkField } from "../core/schema.js";
import type { FieldSpec } from "../core/schema.js";

export type ParamValue = number | string | boolean | number[] | string[];
export type Params = Record<string, ParamValue>;

/** Checks a JSON value (from $GPTLAB_PARAMS) against the type of the default. */
function checkJSON(key: string, value: unknown, def: ParamValue): ParamValue {
  const kind = argKind(def);
  const ok = Array.isArray(def)
    ? Array.isArray(value) && value.every((v) => typeof v === (kind === "string[]" ? "string" : "number"))
    : typeof value === kind && (kind !== "number" || Number.isFinite(value as number));
  if (!ok) throw new Error(`GPTLAB_PARAMS.${key} must be a ${kind} like its default ${describe(def)} (got ${describe(value)})`);
  return value as ParamValue;
}

/** The run-config option a parameter shares its name and type with, if any. */
function sharedSpec(key: string, def: ParamValue): FieldSpec | null {
  const spec = (runConfigSchema as Readonly<Record<string, FieldSpec>>)[key];
  if (!spec || Array.isArray(def)) return null;
  return typeof def === (spec.type === "integer" ? "number" : spec.type) ? spec : null;
}

/** Checks parameters that share a run-config option's name against its range and choices. */
function checkShared<T extends Params>(defaults: T, values: Partial<T>, where: string): Partial<T> {
  for (const [key, value] of Object.entries(values)) {
    const spec = sharedSpec(key, defaults[key]);
    if (spec) checkField(`${where}${key}`, spec, value);
  }
  return values;
}

function unknownKey(key: string, defaults: Params, where: string): Error {
  return new Error(`unknown parameter ${where}${key}; known parameters: ${Object.keys(defaults).join(", ") || "(none)"}`);
}

/**
 * Parses `--key value`, `--key=value`, `--flag`, `--no-flag` against typed defaults. Values take the type of
 * the default (number, string, boolean, or comma-separated / JSON arrays); unknown keys and bad values throw.
 */
export function parseParamArgs<T extends Params>(defaults: T, argv: readonly string[]): Partial<T> {
  return checkShared(defaults, parseArgs(defaults, argv, { noun: "parameter" }).values as Partial<T>, "--");
}

/** Parses $GPTLAB_PARAMS, a JSON object of overrides (used when executing notebooks in Jupyter). */
export function parseParamJSON<T extends Params>(defaults: T, json: string): Partial<T> {
  let obj: unknown;
  try {
    obj = JSON.parse(json);
  } catch (e) {
    throw new Error(`GPTLAB_PARAMS must be a JSON object like {"steps": 50} (got ${json}): ${(e as Error).message}`);
  }
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) {
    throw new Error(`GPTLAB_PARAMS must be a JSON object like {"steps": 50} (got ${json})`);
  }
  const out: Params = {};
  for (const [key, value] of Object.entries(obj as Record<string, unknown>)) {
    if (!Object.prototype.hasOwnProperty.call(defaults, key)) throw unknownKey(key, defaults, "GPTLAB_PARAMS.");
    out[key] = checkJSON(key, value, defaults[key]);
  }
  return checkShared(defaults, out as Partial<T>, "GPTLAB_PARAMS.");
}

/**
 * A help text listing every parameter with its type, default and description: the notebook's own comment beside the
 * parameter (`comments`, read from the first cell), else the run-config option's description; and its allowed range.
 */
export function paramsHelp(defaults: Params, comments: Record<string, string> = {}): string {
  const lines = ["parameters (override with --name value, or GPTLAB_PARAMS='{\"name\": value}'):"];
  for (const [key, def] of Object.entries(defaults)) {
    const spec = sharedSpec(key, def);
    const text = comments[key] ?? spec?.description;
    lines.push(`  --${key} <${argKind(def)}>  default ${describe(def)}${text ? `: ${text}` : ""}${spec ? ` (${allowedText(spec)})` : ""}`);
  }
  return lines.join("\n");
}

/**
 * The comments beside the parameters of a `notebookParams({ ... })` call, by name: `steps: 600, // what it does`.
 * A comment that continues on the next lines (`// ... with a context of this many tokens`) is joined to the previous.
 */
export function paramComments(source: string): Record<string, string> {
  const start = source.indexOf("notebookParams({");
  if (start < 0) return {};
  const block = source.slice(start, source.indexOf("\n});", start));
  const out: Record<string, string> = {};
  for (const m of block.matchAll(/^\s+(\w+): .*?,\s*\/\/\s*(.+)$/gm)) out[m[1]] = m[2].trim();
  return out;
}

/** Refuses a bad parameter before anything trains: its name, the value and the limit it breaks (and how to fix it). */
export function checkParam(ok: boolean, key: string, value: unknown, rule: string): void {
  if (!ok) throw new Error(`${inKernel() ? "params." : "--"}${key} ${rule} (got ${describe(value)})`);
}

/**
 * The parameters of a notebook: the defaults, overridden by $GPTLAB_PARAMS and (outside Jupyter) by the command
 * line of the exported script; `--help` prints them and exits. Overridden values are printed, so a log tells.
 */
export function notebookParams<T extends Params>(defaults: T): T {
  const result: Params = { ...defaults };
  const overrides: Params = {};
  if (process.env.GPTLAB_PARAMS) Object.assign(overrides, parseParamJSON(defaults, process.env.GPTLAB_PARAMS));
  if (!inKernel()) {
    const argv = process.argv.slice(2);
    if (argv.includes("--help") || argv.includes("-h")) {
      const script = process.argv[1] ?? "";
      console.log(paramsHelp(defaults, fs.existsSync(script) ? paramComments(fs.readFileSync(script, "utf8")) : {}));
      process.exit(0);
    }
    Object.assign(overrides, parseParamArgs(defaults, argv));
  }
  for (const [key, value] of Object.entries(overrides)) {
    console.log(`[params] ${key} = ${describe(value)} (default ${describe(defaults[key])})`);
    result[key] = value;
  }
  return result as T;
}
