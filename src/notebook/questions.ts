// "Predict, then run, then check" questions at the end of a lesson: the reader writes a prediction into a question's
// `answer`, runs the notebook, and askQuestions checks it against a figure the run recorded (record()), within the
// question's `close` but never more tightly than the regression's tolerance for that figure. A lesson adds its
// questions as one cell: askQuestions({ name: { ask, answer: null, figure, close, why }, ... }).

import { recordedFigures } from "./record.js";
import type { RecordedFigure, Tolerance } from "./record.js";
import { show } from "./display.js";

/** A number to predict: the figure the run recorded under `figure`. */
export interface NumberQuestion {
  ask: string;
  answer: number | null;
  figure: string;
  /** How close a good prediction must be (default: the figure's regression tolerance alone). */
  close?: Tolerance;
  /** The explanation shown once the reader has answered (write it from the run's numbers). */
  why: string;
}

/** A choice: the option whose figure came out lowest (or highest). */
export interface ChoiceQuestion {
  ask: string;
  answer: string | null;
  /** option -> figure name; the answer is the option with the lowest (highest) value. */
  lowest?: Record<string, string>;
  highest?: Record<string, string>;
  why: string;
}

export type Question = NumberQuestion | ChoiceQuestion;

export interface QuestionResult {
  ask: string;
  status: "right" | "wrong" | "unanswered";
  /** The run's answer, for reading ("6.4012 (within ±0.064)", "cosine"). */
  expected: string;
  answer: string | null;
  why: string;
}

const round = (x: number): string => (Number.isInteger(x) ? x.toLocaleString("en-US") : String(Number(x.toPrecision(5))));

function figureNamed(name: string, figures: readonly RecordedFigure[]): RecordedFigure {
  const f = figures.find((x) => x.name === name);
  if (!f) throw new Error(`question: no recorded figure "${name}" (recorded: ${figures.map((x) => x.name).join(", ") || "none yet"}); ask questions after the record(...) cell`);
  return f;
}

/** |a - b| allowed around a figure: the wider of its regression tolerance and the question's `close`. */
function allowed(f: RecordedFigure, close: Tolerance = {}): number {
  return Math.max(f.abs, f.rel * Math.abs(f.value), close.abs ?? 0, (close.rel ?? 0) * Math.abs(f.value));
}

/** Checks one question against the recorded figures (no display). */
export function checkQuestion(q: Question, figures: readonly RecordedFigure[] = recordedFigures()): QuestionResult {
  const base = { ask: q.ask, why: q.why, answer: q.answer === null || q.answer === undefined ? null : String(q.answer) };
  if ("figure" in q) {
    const f = figureNamed(q.figure, figures);
    const tol = allowed(f, q.close);
    const expected = `${round(f.value)}${tol > 0 ? ` (a prediction within ±${round(tol)} counts)` : ""}`;
    if (q.answer === null || q.answer === undefined) return { ...base, status: "unanswered", expected };
    if (typeof q.answer !== "number" || !Number.isFinite(q.answer)) throw new Error(`question "${q.ask}": answer must be a number or null (got ${JSON.stringify(q.answer)})`);
    return { ...base, status: Math.abs(q.answer - f.value) <= tol ? "right" : "wrong", expected };
  }
  const options = q.lowest ?? q.highest;
  if (!options || Object.keys(options).length < 2) throw new Error(`question "${q.ask}": give lowest or highest with two or more options`);
  const sign = q.lowest ? 1 : -1;
  const scored = Object.entries(options).map(([option, name]) => ({ option, f: figureNamed(name, figures) }));
  const best = scored.reduce((a, b) => (sign * b.f.value < sign * a.f.value ? b : a));
  // options within the regression tolerance of the best are as good as it: the run cannot tell them apart
  const winners = scored.filter((s) => Math.abs(s.f.value - best.f.value) <= allowed(best.f)).map((s) => s.option);
  const expected = `${winners.join(" or ")} (${scored.map((s) => `${s.option} ${round(s.f.value)}`).join(", ")})`;
  if (q.answer === null || q.answer === undefined || q.answer === "") return { ...base, status: "unanswered", expected };
  const given = String(q.answer).trim().toLowerCase();
  if (!scored.some((s) => s.option.toLowerCase() === given)) throw new Error(`question "${q.ask}": answer must be one of ${scored.map((s) => JSON.stringify(s.option)).join(", ")} (got ${JSON.stringify(q.answer)})`);
  return { ...base, status: winners.some((w) => w.toLowerCase() === given) ? "right" : "wrong", expected };
}

const escape = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function resultHtml(r: QuestionResult, n: number): string {
  const color = { right: "#1a7f37", wrong: "#cf222e", unanswered: "#6e7781" }[r.status];
  const said =
    r.status === "unanswered" ? "? No prediction yet: write it into <code>answer</code>, then run the notebook."
      : `${r.status === "right" ? "✓" : "✗"} You predicted ${escape(r.answer ?? "")}${r.status === "right" ? ": right." : "."}`;
  const reveal = `The run: <b>${escape(r.expected)}</b>. ${escape(r.why)}`;
  return (
    `<div style="border-left:4px solid ${color};padding:4px 10px;margin:6px 0"><b>${n}. ${escape(r.ask)}</b><br>` +
    `<span style="color:${color}">${said}</span> ` +
    (r.status === "unanswered" ? `<details><summary>Show the run's answer</summary>${reveal}</details>` : reveal) +
    `</div>`
  );
}

function resultText(r: QuestionResult, n: number): string {
  const head = { right: `✓ you predicted ${r.answer}: right`, wrong: `✗ you predicted ${r.answer}`, unanswered: "? no prediction yet" }[r.status];
  return `${n}. ${r.ask}\n   ${head}; the run: ${r.expected}. ${r.why}`;
}

/** Checks and shows the questions of a lesson; returns nothing, so a cell can end with it. */
export function askQuestions(questions: Record<string, Question>): void {
  const results = Object.values(questions).map((q) => checkQuestion(q));
  show.html(results.map((r, i) => resultHtml(r, i + 1)).join(""), results.map((r, i) => resultText(r, i + 1)).join("\n"));
}
