// Options schemas: one description per option (type, default, range, choices, text) from which a component's
// validation, its CLI flags, notebook parameters and --help are all derived, and the one set of value checks
// (errors that name the field, the value and the allowed range) that the whole code base uses.

/** One option. Numbers are finite; "integer" is a number with no fraction. */
export interface FieldSpec {
  readonly type: "number" | "integer" | "string" | "boolean";
  /** The value when the option is not given (for a required field: the run config's default). */
  readonly default: number | string | boolean | null;
  /** One line for --help. */
  readonly description: string;
  /** null is a value (given as "none" on the command line). */
  readonly nullable?: boolean;
  /** Bounds; exclusive when minExclusive / maxExclusive. */
  readonly min?: number;
  readonly max?: number;
  readonly minExclusive?: boolean;
  readonly maxExclusive?: boolean;
  /** Upper bound given by another field of the same object: `warmupSteps <= totalSteps`. */
  readonly maxField?: string;
  /** The allowed strings (a function when they come from a registry filled at load time). */
  readonly choices?: readonly string[] | (() => readonly string[]);
  /** Must be given (component configs, e.g. a schedule's totalSteps); the default is then only the run config's. */
  readonly required?: boolean;
  /** The run-config key this field is read from when it is named differently there (peakLr <- lr). */
  readonly from?: string;
  /** Not a run-config option: set from code only (e.g. Adam's biasCorrection). */
  readonly codeOnly?: boolean;
  /** Appended to a range error: what the bound means (`0 turns clipping off`). */
  readonly hint?: string;
}

export type Schema = Readonly<Record<string, FieldSpec>>;

type ValueOf<F extends FieldSpec> = F["type"] extends "string" ? string : F["type"] extends "boolean" ? boolean : number;
type Nullable<F extends FieldSpec> = F extends { nullable: true } ? null : never;
type RequiredKeys<S extends Schema> = { [K in keyof S]: S[K] extends { required: true } ? K : never }[keyof S];

/** What a caller passes: required fields must be given, the others may be left out. */
export type ConfigOf<S extends Schema> = { [K in RequiredKeys<S>]: ValueOf<S[K]> | Nullable<S[K]> } & {
  [K in Exclude<keyof S, RequiredKeys<S>>]?: ValueOf<S[K]> | Nullable<S[K]>;
};
/** After resolveOptions: every field present. */
export type ResolvedOf<S extends Schema> = { [K in keyof S]: ValueOf<S[K]> | Nullable<S[K]> };

/** How a bad value reads in an error: `1.2`, `"3e-4", a string`, `undefined`. */
export function describeValue(value: unknown): string {
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return `${JSON.stringify(value)}, a string`;
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return "an array";
  return `${JSON.stringify(value) ?? String(value)}, a ${typeof value}`;
}

function isNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/**
 * Checks that `value` is a finite number in an interval and returns it. `lo`/`hi` may be ±Infinity; the bracket
 * kinds say whether each end is included, e.g. checkRange("adam.beta1", 1.2, 0, 1, "[)") throws
 * `adam.beta1 must be in [0, 1) (got 1.2)`.
 */
export function checkRange(field: string, value: unknown, lo: number, hi: number, brackets: "[]" | "[)" | "(]" | "()"): number {
  const loOk = (v: number): boolean => (brackets[0] === "[" ? v >= lo : v > lo);
  const hiOk = (v: number): boolean => (brackets[1] === "]" ? v <= hi : v < hi);
  if (isNumber(value) && loOk(value) && hiOk(value)) return value;
  throw new Error(`${field} must be ${rangeText(lo, hi, brackets)} (got ${describeValue(value)})`);
}

function rangeText(lo: number, hi: number, brackets: string): string {
  if (hi === Infinity && lo === -Infinity) return "a finite number";
  if (hi === Infinity) return `a finite number ${brackets[0] === "[" ? ">=" : ">"} ${lo}`;
  return `in ${brackets[0]}${lo}, ${hi}${brackets[1]}`;
}

/**
 * Checks that `value` is an integer >= min (and <= max when given) and returns it. `maxName` names a bound that comes
 * from another field: `schedule.warmupSteps must be an integer in [0, totalSteps] (got 5000 with totalSteps 3000)`.
 */
export function checkInt(field: string, value: unknown, min: number, max = Infinity, maxName = ""): number {
  if (typeof value === "number" && Number.isInteger(value) && value >= min && value <= max) return value;
  const want = max === Infinity ? `an integer >= ${min}` : `an integer in [${min}, ${maxName || max}]`;
  const context = max !== Infinity && maxName ? ` with ${maxName} ${max}` : "";
  throw new Error(`${field} must be ${want} (got ${describeValue(value)}${context})`);
}

export function checkBool(field: string, value: unknown): boolean {
  if (typeof value === "boolean") return value;
  throw new Error(`${field} must be true or false (got ${describeValue(value)})`);
}

/**
 * Throws if `obj` sets a key outside `allowed`, naming the key and listing the allowed ones. Keys whose value is
 * undefined count as unset (a CLI may build configs with every option present).
 */
export function checkKeys(what: string, obj: object, allowed: readonly string[]): void {
  for (const [key, value] of Object.entries(obj)) {
    if (value !== undefined && !allowed.includes(key)) throw new Error(`${what}.${key} is not a known field (known: ${allowed.join(", ")})`);
  }
}

export function choicesOf(spec: FieldSpec): readonly string[] | null {
  if (!spec.choices) return null;
  return typeof spec.choices === "function" ? spec.choices() : spec.choices;
}

/** The allowed values in words: `an integer >= 1`, `a number in [0, 1)`, `one of word, char`. */
export function allowedText(spec: FieldSpec, maxValue?: number): string {
  const choices = choicesOf(spec);
  if (choices) return `one of ${choices.join(", ")}`;
  if (spec.type === "boolean") return "true or false";
  if (spec.type === "string") return "a string";
  const lo = spec.min ?? -Infinity;
  const hi = spec.maxField ? (maxValue ?? Infinity) : (spec.max ?? Infinity);
  const loB = spec.minExclusive ? "(" : "[";
  const hiB = spec.maxExclusive ? ")" : "]";
  const hiText = spec.maxField ?? String(hi);
  if (spec.type === "integer") {
    if (hi === Infinity && !spec.maxField) return lo === -Infinity ? "an integer" : `an integer >= ${spec.minExclusive ? lo + 1 : lo}`;
    return `an integer in [${lo}, ${hiText}]`;
  }
  if (spec.maxField) return `in ${loB}${lo}, ${hiText}${hiB}`;
  return rangeText(lo, hi, loB + hiB);
}

/**
 * Checks one value against its spec and returns it; `field` names it in the error (`config.lr`, `adam.beta1`).
 * `maxValue` is the value of spec.maxField when the spec has one.
 */
export function checkField(field: string, spec: FieldSpec, value: unknown, maxValue?: number): unknown {
  if (value === null && spec.nullable) return null;
  const fail = (context = ""): never => {
    const hint = spec.hint ? `; ${spec.hint}` : "";
    throw new Error(`${field} must be ${allowedText(spec, maxValue)}${spec.nullable ? " or null" : ""} (got ${describeValue(value)}${context})${hint}`);
  };
  switch (spec.type) {
    case "boolean":
      return typeof value === "boolean" ? value : fail();
    case "string": {
      if (typeof value !== "string") fail();
      // a path or name left empty ("--out=", --data "") is a slip: refused where the default is not itself empty
      if (value === "" && spec.default !== "") throw new Error(`${field} is empty; give a value${spec.nullable ? " or leave it out" : ` (default ${JSON.stringify(spec.default)})`}`);
      const choices = choicesOf(spec);
      if (choices && !choices.includes(value as string)) fail();
      return value;
    }
    case "number":
    case "integer": {
      if (!isNumber(value) || (spec.type === "integer" && !Number.isInteger(value))) fail();
      const v = value as number;
      const lo = spec.min ?? -Infinity;
      const hi = spec.maxField ? (maxValue ?? Infinity) : (spec.max ?? Infinity);
      const loOk = spec.minExclusive ? v > lo : v >= lo;
      const hiOk = spec.maxExclusive ? v < hi : v <= hi;
      if (!loOk || !hiOk) fail(spec.maxField && maxValue !== undefined ? ` with ${spec.maxField} ${maxValue}` : "");
      return v;
    }
  }
}

/**
 * Fills in defaults and checks an options object against a schema: unknown keys, missing required fields, types,
 * ranges and choices, each error naming `what.key`. Keys set to undefined count as unset.
 */
export function resolveOptions<S extends Schema>(what: string | ((key: string) => string), schema: S, options: object, kind = ""): ResolvedOf<S> {
  const name = typeof what === "function" ? what : (key: string): string => `${what}.${key}`;
  if (typeof options !== "object" || options === null) throw new Error(`${typeof what === "string" ? what : "options"} config must be an object (got ${describeValue(options)})`);
  const given = options as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(schema)) {
    let v = given[key];
    if (v === undefined && spec.required) throw new Error(`${name(key)} is required${kind ? ` for ${kind}` : ""} (it takes: ${Object.keys(schema).join(", ")})`);
    if (v === undefined) v = spec.default;
    out[key] = v;
  }
  for (const [key, value] of Object.entries(given)) {
    if (value !== undefined && !(key in schema)) throw new Error(`${name(key)} is not a known field (known: ${Object.keys(schema).join(", ")})`);
  }
  for (const [key, spec] of Object.entries(schema)) {
    const bound = spec.maxField ? (out[spec.maxField] as number) : undefined;
    out[key] = checkField(name(key), spec, out[key], bound);
  }
  return out as ResolvedOf<S>;
}

/** The defaults of a schema as an object. */
export function defaultsOf<S extends Schema>(schema: S): ResolvedOf<S> {
  return Object.fromEntries(Object.entries(schema).map(([k, s]) => [k, s.default])) as ResolvedOf<S>;
}

/** The --help line of one option: its description, then what it takes, e.g. `(an integer >= 1; default 5000)`. */
export function fieldHelp(spec: FieldSpec): string {
  const takes = spec.type === "string" && !spec.choices ? "" : `${allowedText(spec)}${spec.nullable ? ` or none` : ""}; `;
  return `${spec.description} (${takes}default ${spec.default === null ? "none" : JSON.stringify(spec.default)})`;
}
