// Notebook parameters, papermill-style: the first cell declares `const params = notebookParams({ steps: 300, ... })`.
// In Jupyter it returns the defaults (or $GPTLAB_PARAMS); the exported script also reads --steps 50 style arguments.

import { inKernel } from "./kernel.js";

export type ParamValue = number | string | boolean | number[] | string[];
export type Params = Record<string, ParamValue>;

function kindOf(v: ParamValue): string {
  if (Array.isArray(v)) return v.length > 0 && typeof v[0] === "string" ? "string[]" : "number[]";
  return typeof v;
}

function describe(v: unknown): string {
  return typeof v === "string" ? `"${v}"` : JSON.stringify(v);
}

/** Converts one text value (from the command line) to the type of the default. */
function parseText(key: string, text: string, def: ParamValue): ParamValue {
  const kind = kindOf(def);
  const bad = (): Error =>
    new Error(`--${key} must be a ${kind} like its default ${describe(def)} (got "${text}")`);
  if (kind === "number") {
    const n = Number(text);
    if (text.trim() === "" || !Number.isFinite(n)) throw bad();
    return n;
  }
  if (kind === "boolean") {
    if (/^(true|1|yes)$/i.test(text)) return true;
    if (/^(false|0|no)$/i.test(text)) return false;
    throw bad();
  }
  if (kind === "string") return text;
  let items: unknown[];
  if (text.trim().startsWith("[")) {
    try {
      items = JSON.parse(text) as unknown[];
    } catch {
      throw bad();
    }
    if (!Array.isArray(items)) throw bad();
  } else {
    items = text.split(",").map((s) => s.trim()).filter((s) => s !== "");
  }
  if (kind === "string[]") return items.map(String);
  return items.map((item) => {
    const n = typeof item === "number" ? item : Number(item);
    if (typeof item === "boolean" || item === "" || !Number.isFinite(n)) throw bad();
    return n;
  });
}

/** Checks a JSON value (from $GPTLAB_PARAMS) against the type of the default. */
function checkJSON(key: string, value: unknown, def: ParamValue): ParamValue {
  const kind = kindOf(def);
  const ok = Array.isArray(def)
    ? Array.isArray(value) && value.every((v) => typeof v === (kind === "string[]" ? "string" : "number"))
    : typeof value === kind && (kind !== "number" || Number.isFinite(value as number));
  if (!ok) throw new Error(`GPTLAB_PARAMS.${key} must be a ${kind} like its default ${describe(def)} (got ${describe(value)})`);
  return value as ParamValue;
}

function unknownKey(key: string, defaults: Params, where: string): Error {
  return new Error(`unknown parameter ${where}${key}; known parameters: ${Object.keys(defaults).join(", ") || "(none)"}`);
}

/**
 * Parses `--key value`, `--key=value`, `--flag`, `--no-flag` against typed defaults. Values take the type of
 * the default (number, string, boolean, or comma-separated / JSON arrays); unknown keys and bad values throw.
 */
export function parseParamArgs<T extends Params>(defaults: T, argv: readonly string[]): Partial<T> {
  const out: Params = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) throw new Error(`unexpected argument "${arg}": parameters are given as --name value`);
    const eq = arg.indexOf("=");
    let key = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    let text: string | undefined = eq >= 0 ? arg.slice(eq + 1) : undefined;
    if (!(key in defaults) && key.startsWith("no-") && typeof defaults[key.slice(3)] === "boolean" && text === undefined) {
      key = key.slice(3);
      text = "false";
    }
    if (!Object.prototype.hasOwnProperty.call(defaults, key)) throw unknownKey(key, defaults, "--");
    const def = defaults[key];
    if (text === undefined) {
      const next = argv[i + 1];
      if (typeof def === "boolean" && (next === undefined || next.startsWith("--"))) text = "true";
      else if (next === undefined) throw new Error(`--${key} needs a value (default ${describe(def)})`);
      else text = argv[++i];
    }
    out[key] = parseText(key, text, def);
  }
  return out as Partial<T>;
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
  return out as Partial<T>;
}

/** A help text listing every parameter with its type and default. */
export function paramsHelp(defaults: Params): string {
  const lines = ["parameters (override with --name value, or GPTLAB_PARAMS='{\"name\": value}'):"];
  for (const [key, def] of Object.entries(defaults)) lines.push(`  --${key} <${kindOf(def)}>  default ${describe(def)}`);
  return lines.join("\n");
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
      console.log(paramsHelp(defaults));
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
