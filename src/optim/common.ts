// Shared pieces of the optimizers and schedules: the value checks (from core/schema.ts), the decay runs of a
// ParamStore, and copying a saved moment array (typed array or JSON number array) back into place.

import type { Arr } from "../core/tensor.js";
import type { ParamStore } from "../nn/params.js";

export { checkBool, checkInt, checkKeys, checkRange, describeValue } from "../core/schema.js";
import { checkInt, checkRange, describeValue } from "../core/schema.js";

function isNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
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
