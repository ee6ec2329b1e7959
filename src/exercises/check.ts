// The exercises' checks: a student's function against the engine on seeded random and edge-case inputs. A check
// reports pass/fail with the first mismatch (case, input, expected, got) and, when the student's answer equals a
// known wrong answer, that mistake's hint. A student's exception is a failed check, never a crash.

import * as fs from "fs";
import { Rng } from "../core/random.js";
import { show } from "../notebook/display.js";

/** One input the student's function is tried on; `hint` is said when this case fails and no mistake matches. */
export interface Case<I> {
  name: string;
  input: I;
  hint?: string;
}

/** A common mistake, written as the wrong answer it gives: a student whose output equals it gets its hint. */
export interface Mistake<I, O> {
  name: string;
  hint: string;
  answer: (input: I) => O;
}

export interface Tolerance {
  abs: number;
  rel: number;
}

export interface Exercise<F, I, O> {
  /** The key of `check` and of the score table ("softmax"). */
  id: string;
  /** What the student writes, for messages ("softmax(logits)"). */
  title: string;
  /** The exercise notebook it belongs to (exercises/NAME.ipynb). */
  notebook: string;
  cases: (rng: Rng) => Case<I>[];
  /** The engine's answer. */
  reference: (input: I) => O;
  /** Calls the student's function on (a copy of) the input and returns what is compared. */
  call: (fn: F, input: I) => O;
  tolerance: Tolerance;
  mistakes: Mistake<I, O>[];
}

export interface CheckResult {
  exercise: string;
  passed: boolean;
  /** Cases that passed before the first failure (all of them when passed). */
  casesPassed: number;
  cases: number;
  message: string;
  /** The first mismatch, formatted for reading. */
  failure?: { case: string; input: string; expected: string; got: string; where: string };
  hint?: string;
}

/** The text of the stubs `gptlab exercises student` writes; a check that meets it says the cell is not done yet. */
export const STUB_MESSAGE = "not implemented yet: write your solution here";

/** Seed of every check's random inputs: the same cases for every student. */
export const CHECK_SEED = 1234;

// ---- comparing and formatting values ----

const isArrayLike = (v: unknown): v is ArrayLike<unknown> => Array.isArray(v) || ArrayBuffer.isView(v);

/** Where `got` first differs from `expected` beyond the tolerance ("[3]: 0.25 vs 0.2"), or null if it does not. */
export function firstDifference(got: unknown, expected: unknown, tol: Tolerance, at = ""): string | null {
  if (typeof expected === "number") {
    if (typeof got !== "number") return `${at || "the result"} is ${describe(got)}, expected a number`;
    if (Number.isNaN(expected) ? Number.isNaN(got) : got === expected) return null;
    if (Number.isFinite(got) && Math.abs(got - expected) <= tol.abs + tol.rel * Math.abs(expected)) return null;
    return `${at || "the value"}: got ${fmtNumber(got)}, expected ${fmtNumber(expected)}`;
  }
  if (isArrayLike(expected)) {
    if (!isArrayLike(got)) return `${at || "the result"} is ${describe(got)}, expected an array of ${expected.length}`;
    if (got.length !== expected.length) return `${at || "the result"} has length ${got.length}, expected ${expected.length}`;
    for (let i = 0; i < expected.length; i++) {
      const d = firstDifference(got[i], expected[i], tol, `${at}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (expected !== null && typeof expected === "object") {
    if (got === null || typeof got !== "object") return `${at || "the result"} is ${describe(got)}, expected an object`;
    for (const key of Object.keys(expected)) {
      const d = firstDifference((got as Record<string, unknown>)[key], (expected as Record<string, unknown>)[key], tol, at ? `${at}.${key}` : key);
      if (d) return d;
    }
    return null;
  }
  return Object.is(got, expected) ? null : `${at || "the result"}: got ${format(got)}, expected ${format(expected)}`;
}

function describe(v: unknown): string {
  if (v === undefined) return "undefined (did the function return its result?)";
  if (v === null) return "null";
  if (isArrayLike(v)) return `an array of ${v.length}`;
  return `${typeof v} ${format(v)}`;
}

function fmtNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return String(x);
  return String(Number(x.toPrecision(6)));
}

/** A value for a message: numbers to 6 significant digits, long arrays cut after 8 items. */
export function format(v: unknown, depth = 0): string {
  if (typeof v === "number") return fmtNumber(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "function") return "a function";
  if (isArrayLike(v)) {
    const items = Array.from({ length: Math.min(v.length, 8) }, (_, i) => format(v[i], depth + 1));
    return `[${items.join(", ")}${v.length > 8 ? `, … (${v.length} in all)` : ""}]`;
  }
  if (v instanceof Map) return `Map(${format([...v.entries()], depth)})`;
  if (v !== null && typeof v === "object") {
    if (depth > 2) return "{…}";
    return `{ ${Object.entries(v).map(([k, x]) => `${k}: ${format(x, depth + 1)}`).join(", ")} }`;
  }
  return String(v);
}

/** A deep copy of plain data (arrays, typed arrays, objects), so that a student's function cannot change a case. */
export function copy<T>(v: T): T {
  if (ArrayBuffer.isView(v)) return (v as unknown as { slice(): T }).slice();
  if (Array.isArray(v)) return v.map(copy) as T;
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copy(x)])) as T;
  return v;
}

// ---- running a check ----

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** Runs the student's function on every case of the exercise, stopping at the first mismatch or exception. */
export function runCheck<F, I, O>(ex: Exercise<F, I, O>, fn: F): CheckResult {
  const base = { exercise: ex.id, casesPassed: 0 };
  if (typeof fn !== "function") {
    return { ...base, cases: 0, passed: false, message: `${ex.id}: expected your function ${ex.title}, got ${describe(fn)}` };
  }
  const cases = ex.cases(new Rng(CHECK_SEED));
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i];
    const expected = ex.reference(copy(c.input));
    let got: O;
    try {
      got = ex.call(fn, copy(c.input));
    } catch (e) {
      const text = errorText(e);
      if (text.includes(STUB_MESSAGE)) {
        return { ...base, cases: cases.length, passed: false, message: `${ex.id}: ${STUB_MESSAGE} (${ex.title} still throws the stub's error)` };
      }
      return {
        ...base, cases: cases.length, casesPassed: i, passed: false,
        message: `${ex.id}: your ${ex.title} threw ${text} on case "${c.name}"`,
        failure: { case: c.name, input: format(c.input), expected: format(expected), got: `threw ${text}`, where: "" },
        hint: c.hint,
      };
    }
    const where = firstDifference(got, expected, ex.tolerance);
    if (where) {
      const mistake = ex.mistakes.find((m) => firstDifference(got, m.answer(copy(c.input)), ex.tolerance) === null);
      return {
        ...base, cases: cases.length, casesPassed: i, passed: false,
        message: `${ex.id}: wrong on case "${c.name}" (${i} of ${cases.length} cases passed before it): ${where}`,
        failure: { case: c.name, input: format(c.input), expected: format(expected), got: format(got), where },
        hint: mistake?.hint ?? c.hint,
      };
    }
  }
  return { ...base, cases: cases.length, casesPassed: cases.length, passed: true, message: `${ex.id}: all ${cases.length} cases match the engine` };
}

// ---- reporting ----

const escape = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The result as plain text (scripts, the grader's log). */
export function resultText(r: CheckResult): string {
  const lines = [`${r.passed ? "✓" : "✗"} ${r.message}`];
  if (r.failure) lines.push(`    input:    ${r.failure.input}`, `    expected: ${r.failure.expected}`, `    got:      ${r.failure.got}`);
  if (r.hint) lines.push(`    hint: ${r.hint}`);
  return lines.join("\n");
}

/** The result as the student sees it in Jupyter: a green or red box with the mismatch and the hint. */
export function resultHtml(r: CheckResult): string {
  const color = r.passed ? "#1a7f37" : "#cf222e";
  const rows = r.failure
    ? `<table style="margin-top:6px;font-family:monospace;font-size:12px">` +
      (["input", "expected", "got"] as const).map((k) => `<tr><td style="padding-right:12px;color:#555">${k}</td><td style="text-align:left">${escape(r.failure![k])}</td></tr>`).join("") +
      `</table>`
    : "";
  const hint = r.hint ? `<div style="margin-top:6px"><b>Hint:</b> ${escape(r.hint)}</div>` : "";
  return (
    `<div style="border-left:4px solid ${color};padding:6px 10px;background:${r.passed ? "#f0fff4" : "#fff5f5"}">` +
    `<b style="color:${color}">${r.passed ? "✓ passed" : "✗ not yet"}</b> ${escape(r.message)}${rows}${hint}</div>`
  );
}

/**
 * Shows a result (HTML in Jupyter, text in a script) and, when GPTLAB_GRADE_FILE is set (by `gptlab exercises
 * grade`), appends it there as one JSON line, so the grader keeps what ran even if the notebook later hangs.
 */
export function report(r: CheckResult): void {
  const file = process.env.GPTLAB_GRADE_FILE;
  if (file) fs.appendFileSync(file, JSON.stringify(r) + "\n");
  show.html(resultHtml(r), resultText(r));
}
