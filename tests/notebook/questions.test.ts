// Lesson questions are checked against the run's recorded figures, never more tightly than the regression allows.

import { askQuestions, checkQuestion } from "../../src/notebook/questions.js";
import { clearRecordedFigures, record } from "../../src/notebook/record.js";
import type { RecordedFigure } from "../../src/notebook/record.js";
import * as fs from "fs";
import * as path from "path";
import { listNotebooks, notebookName } from "../../src/notebook/export.js";
import { readNotebook } from "../../src/notebook/ipynb.js";

const fig = (name: string, value: number, abs = 0, rel = 0): RecordedFigure => ({ name, value, tolerance: "custom", abs, rel, cell: null });
const figures = [fig("untrained_val_loss", 6.4, 0, 1e-5), fig("param_count", 63296), fig("val_a", 3.0, 0, 1e-4), fig("val_b", 3.0002, 0, 1e-4), fig("val_c", 2.9, 0, 1e-4)];
const number = (answer: number | null, close?: { abs?: number; rel?: number }) => checkQuestion({ ask: "loss?", answer, figure: "untrained_val_loss", close, why: "ln V" }, figures);

describe("lesson questions", () => {
  test("a prediction within the question's closeness is right, outside it wrong", () => {
    expect(number(6.39, { rel: 0.01 }).status).toBe("right");
    expect(number(6.2, { rel: 0.01 }).status).toBe("wrong");
  });
  test("without closeness a number must be within the figure's regression tolerance", () => {
    expect(number(6.40005).status).toBe("right"); // rel 1e-5 of 6.4 = 6.4e-5
    expect(number(6.4001).status).toBe("wrong");
    expect(checkQuestion({ ask: "params?", answer: 63297, figure: "param_count", why: "" }, figures).status).toBe("wrong");
  });
  test("a closeness tighter than the regression's tolerance does not make a prediction fail", () => {
    expect(number(6.40005, { rel: 1e-9 }).status).toBe("right");
  });
  test("an unanswered question is neither right nor wrong, and still carries the run's answer", () => {
    const r = number(null, { rel: 0.01 });
    expect(r.status).toBe("unanswered");
    expect(r.expected).toBe("6.4 (a prediction within ±0.064 counts)");
  });
  test("a choice is right for the option with the lowest figure, and for any option within its regression tolerance", () => {
    const ask = (answer: string | null, lowest: Record<string, string>) => checkQuestion({ ask: "which?", answer, lowest, why: "" }, figures);
    expect(ask("c", { a: "val_a", b: "val_b", c: "val_c" }).status).toBe("right");
    expect(ask("A", { a: "val_a", b: "val_b", c: "val_c" }).status).toBe("wrong");
    // a and b differ by 6.7e-5 relative, inside rel 1e-4: the run cannot rank them
    expect(ask("b", { a: "val_a", b: "val_b" }).status).toBe("right");
    expect(ask("a", { a: "val_a", b: "val_b" }).expected).toBe("a or b (a 3, b 3.0002)");
    expect(checkQuestion({ ask: "which?", answer: "a", highest: { a: "val_a", c: "val_c" }, why: "" }, figures).status).toBe("right");
  });
  test("bad answers and missing figures are errors that say what to write", () => {
    expect(() => checkQuestion({ ask: "which?", answer: "d", lowest: { a: "val_a", b: "val_b" }, why: "" }, figures)).toThrow('answer must be one of "a", "b" (got "d")');
    expect(() => checkQuestion({ ask: "n?", answer: "six" as unknown as number, figure: "param_count", why: "" }, figures)).toThrow("answer must be a number or null");
    expect(() => checkQuestion({ ask: "n?", answer: 1, figure: "nope", why: "" }, figures)).toThrow('no recorded figure "nope"');
  });

  test("askQuestions shows every question with its status and the run's answer", () => {
    clearRecordedFigures();
    record("untrained_val_loss", 6.4, "forward");
    record("val_a", 3, "trained");
    record("val_c", 2.9, "trained");
    const log = jest.spyOn(console, "log").mockImplementation(() => undefined);
    askQuestions({
      loss: { ask: "loss?", answer: null, figure: "untrained_val_loss", close: { rel: 0.01 }, why: "ln V." },
      which: { ask: "which?", answer: "a", lowest: { a: "val_a", c: "val_c" }, why: "c trained longer." },
    });
    const text = log.mock.calls.map((c) => String(c[0])).join("\n");
    log.mockRestore();
    expect(text).toContain("1. loss?\n   ? no prediction yet; the run: 6.4 (a prediction within ±0.064 counts). ln V.");
    expect(text).toContain("2. which?\n   ✗ you predicted a; the run: c (a 3, c 2.9). c trained longer.");
  });
});

// Every lesson ends with its questions cell, and every figure a question names (a template's ${...} parts stand for
// any text) is one the lesson's regression baseline records: a misspelled figure would only fail once a reader runs it.
describe("the lessons' questions cells", () => {
  const root = path.join(__dirname, "..", "..");
  // a quoted or template string that looks like a figure name: lowercase words joined by "_", or ${...} parts
  const figureNames = (code: string): string[] => [...code.matchAll(/["`]((?:[a-z][a-z0-9]*|\$\{[^}`]*\})(?:_[a-z0-9]+|_?\$\{[^}`]*\})+)["`]/g)].map((m) => m[1]).filter((s) => s.includes("_"));
  const lessons = listNotebooks(root).map((file) => ({ name: notebookName(file), cells: readNotebook(file).cells }));

  test.each(lessons.map((l) => [l.name, l] as const))("%s asks 2-4 questions about figures it records", (name, lesson) => {
    const last = lesson.cells[lesson.cells.length - 1];
    const code = [last.source].flat().join("");
    expect(last.cell_type).toBe("code");
    expect([lesson.cells[lesson.cells.length - 2].source].flat().join("")).toMatch(/^## Questions: predict, then run, then check/);
    expect(code).toContain("askQuestions({");
    expect((code.match(/\bask: /g) ?? []).length).toBeGreaterThanOrEqual(2);
    expect((code.match(/\bask: /g) ?? []).length).toBeLessThanOrEqual(4);
    const baseline = Object.keys(JSON.parse(fs.readFileSync(path.join(root, "tests", "regression", "baselines", `${name}.json`), "utf8")).figures);
    const named = figureNames(code);
    expect(named.length).toBeGreaterThanOrEqual(2);
    for (const f of named) {
      const pattern = new RegExp(`^${f.split(/\$\{[^}]*\}/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".+")}$`);
      expect([f, baseline.some((b) => pattern.test(b))]).toEqual([f, true]);
    }
  });
});
