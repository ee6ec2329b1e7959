// The one command-line parser of gptlab: `--key value`, `--key=value`, `--flag`, `--no-flag` against typed
// defaults. Used by the CLI (run config options) and by exported notebook scripts (notebook parameters).

export type ArgDefault = number | string | boolean | number[] | string[] | null;

export interface ParseArgsOptions {
  /** "option" (CLI) or "parameter" (notebooks): the word used in messages. */
  noun?: string;
  /** Keys that also take "none"/"null" (a null value). */
  nullable?: ReadonlySet<string>;
  /** Nullable keys whose value is otherwise a number (their default is null, so it cannot tell). */
  numeric?: ReadonlySet<string>;
  /** Nullable keys whose value is otherwise true or false (--bias, --no-bias, --bias none). */
  booleans?: ReadonlySet<string>;
  /** Collect arguments that are not options instead of refusing them. */
  positional?: boolean;
  /** Accept kebab-case and snake_case spellings of camelCase keys (--warmup-steps for warmupSteps). */
  camelCase?: boolean;
  /** Other names of keys (nanoGPT's max_iters for steps): the key each one stands for. */
  aliases?: Readonly<Record<string, string>>;
}

/** The type name of a default ("number", "string", "boolean", "number[]", "string[]"), as messages show it. */
export function argKind(def: ArgDefault, numeric = false, boolean = false): string {
  if (def === null) return boolean ? "boolean" : numeric ? "number" : "string";
  if (Array.isArray(def)) return def.length > 0 && typeof def[0] === "string" ? "string[]" : "number[]";
  return typeof def;
}

export function describeArg(v: unknown): string {
  return typeof v === "string" ? `"${v}"` : JSON.stringify(v);
}

/** A number as people write it in decimal: 300, -2, 0.5, .5, 3e-4 (not 0x10, 0b11, 1_000, Infinity or " 5"). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Converts one text value to the type of the default; errors name the option, the type and the default. */
export function parseArgText(key: string, text: string, def: ArgDefault, opts: { nullable?: boolean; numeric?: boolean; boolean?: boolean } = {}): ArgDefault {
  if (opts.nullable && (text === "none" || text === "null")) return null;
  const kind = argKind(def, opts.numeric ?? false, opts.boolean ?? false);
  const bad = (): Error => new Error(`--${key} must be a ${kind}${opts.nullable ? ' or "none"' : ""} like its default ${describeArg(def)} (got "${text}")`);
  if (kind === "number") {
    const n = Number(text);
    if (!DECIMAL.test(text) || !Number.isFinite(n)) {
      if (/^[+-]?0[xob]/i.test(text)) throw new Error(`--${key} takes a decimal number (got "${text}"; write ${Number.isFinite(n) ? n : "it in decimal"})`);
      throw bad();
    }
    return n;
  }
  if (kind === "boolean") {
    if (/^(true|1|yes)$/i.test(text)) return true;
    if (/^(false|0|no)$/i.test(text)) return false;
    throw new Error(`--${key} is a switch: write --${key} alone, --no-${key}, or --${key}=true / false${opts.nullable ? " / none" : ""} (got "${text}")`);
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
    if (typeof item === "boolean" || (typeof item === "string" && !DECIMAL.test(item)) || !Number.isFinite(n)) throw bad();
    return n;
  });
}

function camel(s: string): string {
  return s.replace(/[-_]([a-z])/g, (_, ch: string) => ch.toUpperCase());
}

/** Parses argv against typed defaults; unknown keys, missing values and bad values throw with the key named. */
export function parseArgs(defaults: Readonly<Record<string, ArgDefault>>, argv: readonly string[], opts: ParseArgsOptions = {}): { values: Record<string, ArgDefault>; positional: string[] } {
  const noun = opts.noun ?? "option";
  const has = (k: string): boolean => Object.prototype.hasOwnProperty.call(defaults, k);
  const isFlag = (k: string): boolean => typeof defaults[k] === "boolean" || (opts.booleans?.has(k) ?? false);
  const values: Record<string, ArgDefault> = {};
  const given: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) {
      if (opts.positional) {
        positional.push(arg);
        continue;
      }
      throw new Error(`unexpected argument "${arg}": ${noun}s are given as --name value`);
    }
    const eq = arg.indexOf("=");
    const raw = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    let text: string | undefined = eq >= 0 ? arg.slice(eq + 1) : undefined;
    let key = opts.camelCase ? camel(raw) : raw;
    const alias = opts.aliases?.[raw.replace(/-/g, "_")];
    if (!has(key) && alias !== undefined) key = alias;
    if (!has(key) && raw.startsWith("no-") && text === undefined) {
      const flag = opts.camelCase ? camel(raw.slice(3)) : raw.slice(3);
      if (has(flag) && isFlag(flag)) {
        key = flag;
        text = "false";
      }
    }
    if (!has(key)) throw new Error(`unknown ${noun} --${raw}; known ${noun}s: ${Object.keys(defaults).join(", ") || "(none)"}`);
    const def = defaults[key];
    if (text === undefined) {
      const next = argv[i + 1];
      if (isFlag(key) && (next === undefined || next.startsWith("--"))) text = "true";
      else if (next === undefined) throw new Error(`--${raw} needs a value (default ${describeArg(def)})`);
      else text = argv[++i];
    }
    if (Object.prototype.hasOwnProperty.call(values, key)) {
      throw new Error(`--${raw} is given twice (${describeArg(given[key])} and "${text}"); give each ${noun} once`);
    }
    given[key] = text;
    values[key] = parseArgText(raw, text, def, { nullable: opts.nullable?.has(key), numeric: opts.numeric?.has(key), boolean: opts.booleans?.has(key) });
  }
  return { values, positional };
}
