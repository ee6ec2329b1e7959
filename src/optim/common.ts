// Shared pieces of the optimizers and schedules: value checks with errors that name the field, the decay runs of a
// ParamStore, and copying a saved moment array (typed array or JSON number array) back into place.

import type { Arr } from "../core/tensor.js";
import type { ParamStore } from "../nn/params.js";

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
  let want: string;
  if (hi === Infinity) want = `a finite number ${brackets[0] === "[" ? ">=" : ">"} ${lo}`;
  else want = `in ${brackets[0]}${lo}, ${hi}${brackets[1]}`;
  throw new Error(`${field} must be ${want} (got ${describeValue(value)})`);
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

/** The learning rate given to `step(lr)`: a finite number > 0. */
export function checkLr(kind: string, lr: unknown): number {
  return checkRange(`${kind}.step: lr`, lr, 0, Infinity, "()");
}

/** A contiguous run of the flat parameter array that shares one weight-decay flag. */
export interface DecayRun {
  readonly start: number;
  readonly end: number;
  readonly decay: boolean;
}

/**
 * The flat array split into runs of equal `Param.decay`, merged where neighbours agree (so a GPT gives a handful of
 * runs, and the update loop tests no mask per element). Values no Param covers get decay=false.
 */
export function decayRuns(store: ParamStore): DecayRun[] {
  const mask = new Uint8Array(store.size);
  for (const p of store.params) if (p.decay) mask.fill(1, p.offset, p.offset + p.tensor.size);
  const runs: DecayRun[] = [];
  let start = 0;
  for (let i = 1; i <= mask.length; i++) {
    if (i === mask.length || mask[i] !== mask[start]) {
      runs.push({ start, end: i, decay: mask[start] === 1 });
      start = i;
    }
  }
  return runs;
}

/**
 * Checks a saved moment (typed array, or a number array read back from JSON) before it is copied into place: its
 * type, its length against the store, and that every value is finite. Check all arrays before copying any.
 */
export function checkSavedArray(field: string, saved: unknown, length: number): ArrayLike<number> {
  const ok = saved instanceof Float32Array || saved instanceof Float64Array || Array.isArray(saved);
  if (!ok) throw new Error(`${field} must be a Float32Array, Float64Array or number array (got ${describeValue(saved)})`);
  const arr = saved as ArrayLike<number>;
  if (arr.length !== length) {
    throw new Error(`${field} has ${arr.length} values but the parameter store has ${length} (was the state saved for another model?)`);
  }
  for (let i = 0; i < arr.length; i++) {
    if (!isNumber(arr[i])) throw new Error(`${field}[${i}] must be a finite number (got ${describeValue(arr[i])})`);
  }
  return arr;
}

/** The keys of an options object that are set (so `{ beta1: undefined }` keeps the default). */
export function definedOnly<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** Checks the saved step count and kind shared by every optimizer state. */
export function checkStateHeader(kind: string, state: unknown): { t: number; hyper: Record<string, unknown> } {
  if (typeof state !== "object" || state === null) throw new Error(`${kind} state must be an object (got ${describeValue(state)})`);
  const s = state as Record<string, unknown>;
  if (s.kind !== kind) {
    const got = typeof s.kind === "string" ? JSON.stringify(s.kind) : describeValue(s.kind);
    throw new Error(`${kind}.setState: state.kind is ${got} but this optimizer is "${kind}" (create a ${got} optimizer to load it)`);
  }
  const t = checkInt(`${kind} state.t`, s.t, 0);
  if (typeof s.hyper !== "object" || s.hyper === null) throw new Error(`${kind} state.hyper must be an object (got ${describeValue(s.hyper)})`);
  return { t, hyper: s.hyper as Record<string, unknown> };
}
