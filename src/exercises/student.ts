// Teacher and student versions from one source: the teacher's notebook marks each solution with nbgrader's
// markers, `// ### BEGIN SOLUTION` ... `// ### END SOLUTION`; the student's version has a stub in their place.

import * as fs from "fs";
import * as path from "path";
import { cellSource, clearOutputs, readNotebook, splitLines, writeNotebook } from "../notebook/ipynb.js";
import type { Notebook } from "../notebook/ipynb.js";
import { STUB_MESSAGE } from "./check.js";
import { assignments } from "./index.js";

const BEGIN = /^(\s*)\/\/\s*### BEGIN SOLUTION\s*$/;
const END = /^\s*\/\/\s*### END SOLUTION\s*$/;

/** The stub a solution becomes, at the indentation of its BEGIN marker. */
export const stubLine = (indent: string): string => `${indent}throw new Error(${JSON.stringify(STUB_MESSAGE)});\n`;

/** A cell's source with every marked solution replaced by the stub; `where` names the cell in errors. */
export function stripSolutions(source: string, where: string): string {
  const out: string[] = [];
  let open: { line: number; indent: string } | null = null;
  splitLines(source).forEach((line, i) => {
    const text = line.replace(/\n$/, "");
    const begin = BEGIN.exec(text);
    if (begin) {
      if (open) throw new Error(`${where}, line ${i + 1}: BEGIN SOLUTION inside the solution opened on line ${open.line} (close it with // ### END SOLUTION first)`);
      open = { line: i + 1, indent: begin[1] };
      out.push(stubLine(begin[1]));
    } else if (END.test(text)) {
      if (!open) throw new Error(`${where}, line ${i + 1}: END SOLUTION without a BEGIN SOLUTION above it`);
      open = null;
    } else if (!open) out.push(line);
  });
  if (open) throw new Error(`${where}: the solution opened on line ${(open as { line: number }).line} has no // ### END SOLUTION`);
  return out.join("");
}

/** Counts the solutions a notebook marks. */
export function countSolutions(nb: Notebook): number {
  return nb.cells.reduce((n, c) => n + (c.cell_type === "code" ? splitLines(cellSource(c)).filter((l) => BEGIN.test(l.replace(/\n$/, ""))).length : 0), 0);
}

/** The student's version of a teacher's notebook: solutions stubbed, outputs cleared. */
export function studentNotebook(teacher: Notebook, file: string): Notebook {
  const nb = JSON.parse(JSON.stringify(teacher)) as Notebook;
  if (countSolutions(nb) === 0) throw new Error(`${file} marks no solution (// ### BEGIN SOLUTION ... // ### END SOLUTION): is it a teacher's version?`);
  nb.cells.forEach((cell, i) => {
    if (cell.cell_type === "code") cell.source = splitLines(stripSolutions(cellSource(cell), `${file} cell ${i + 1}`));
  });
  clearOutputs(nb);
  return nb;
}

/** The assignment a notebook is (metadata.gptlab.assignment), checked against the known exercise notebooks. */
export function assignmentOf(nb: Notebook, file: string): string {
  const name = (nb.metadata.gptlab as { assignment?: unknown } | undefined)?.assignment;
  if (typeof name !== "string" || !assignments.includes(name)) {
    throw new Error(`${file}: metadata.gptlab.assignment is ${JSON.stringify(name)}, not one of ${assignments.join(", ")} (was this notebook made from exercises/ by gptlab exercises student?)`);
  }
  return name;
}

/**
 * Writes the student version of every teacher notebook in `from` into `to`, with a `src` link to the engine the
 * notebooks import. Refuses to replace a file that exists unless `force` (a student's work may be in it).
 */
export function writeStudentVersions(from: string, to: string, opts: { force?: boolean; engine?: string } = {}): string[] {
  if (!fs.existsSync(from)) throw new Error(`no folder ${from} (the teacher's notebooks; the project's are in exercises/)`);
  const files = fs.readdirSync(from).filter((f) => f.endsWith(".ipynb")).sort();
  if (files.length === 0) throw new Error(`no .ipynb notebooks in ${from}`);
  if (path.resolve(from) === path.resolve(to)) throw new Error(`the student versions would overwrite the teacher's notebooks in ${from}: give another --out folder`);
  const made = files.map((f) => ({ f, nb: studentNotebook(readNotebook(path.join(from, f)), path.join(from, f)) }));
  const existing = made.map(({ f }) => path.join(to, f)).filter((p) => fs.existsSync(p));
  if (existing.length && !opts.force) throw new Error(`${existing.join(", ")} ${existing.length === 1 ? "already exists: it may hold" : "already exist: they may hold"} a student's work; pass --force to replace, or choose another --out folder`);
  fs.mkdirSync(to, { recursive: true });
  for (const { f, nb } of made) writeNotebook(path.join(to, f), nb);
  const link = path.join(to, "src");
  const engine = opts.engine ?? path.join(from, "src");
  if (!fs.existsSync(link) && fs.existsSync(engine)) fs.symlinkSync(path.relative(to, fs.realpathSync(engine)), link);
  return made.map(({ f }) => path.join(to, f));
}
