// `gptlab exercises grade` on real notebooks: the teacher versions pass every check, the student versions fail
// every check with the stub's message, and a class of five (right, stubs, a wrong Adam, a notebook that throws,
// one that loops forever) gets the expected table within the time limit. The notebooks run as scripts (tsx), at
// their ci_params, two at a time, as the CLI does.

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { gradeFolder, gradesCsv } from "../../src/exercises/grade.js";
import type { GradeRow } from "../../src/exercises/grade.js";
import { studentNotebook, stripSolutions, writeStudentVersions } from "../../src/exercises/student.js";
import { STUB_MESSAGE, checksOf, assignments } from "../../src/exercises/index.js";
import { cellSource, readNotebook, splitLines, writeNotebook } from "../../src/notebook/ipynb.js";
import type { Notebook } from "../../src/notebook/ipynb.js";

const ROOT = path.join(__dirname, "..", "..");
const TEACHER = path.join(ROOT, "exercises");
const ciParams = (nb: { metadata: Record<string, unknown> }) => (nb.metadata.gptlab as { ci_params?: Record<string, unknown> }).ci_params;
const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-grade-test-"));
const byStudent = (rows: GradeRow[]) => rows.reduce<Record<string, Record<string, string>>>((t, r) => ({ ...t, [r.student]: { ...t[r.student], [r.exercise]: r.passed ? "pass" : "fail" } }), {});

/** The student version of 02-adam with the stub replaced by `body` (and `extraCell` inserted before the last cell). */
function adamSubmission(body: string, extraCell?: string): Notebook {
  const nb = studentNotebook(readNotebook(path.join(TEACHER, "02-adam.ipynb")), "02-adam.ipynb");
  for (const cell of nb.cells) {
    const src = cellSource(cell);
    if (src.includes(STUB_MESSAGE)) cell.source = splitLines(src.replace(/^(\s*)throw new Error\(.*\);$/m, (_, indent: string) => body.split("\n").map((l) => indent + l).join("\n")));
  }
  if (extraCell) nb.cells.splice(nb.cells.length - 1, 0, { cell_type: "code", source: splitLines(extraCell), metadata: {}, outputs: [], execution_count: null });
  return nb;
}

// generous for a loaded machine: the endless notebook holds one of the two jobs that long while the others run on the other
const TIMEOUT = 60;
const CLASS = ["alice-right.ipynb", "bob-stubs.ipynb", "carol-wrong-adam.ipynb", "dave-throws.ipynb", "erin-loops.ipynb"];
const graded: { rows: GradeRow[]; seconds: number; seconds_of: Record<string, number> } = { rows: [], seconds: 0, seconds_of: {} };
let folder = "";

// One folder graded once (two notebooks at a time, as the CLI does): the teacher versions, the student versions and
// a class of five, so the suite costs about one pass over them all.
beforeAll(async () => {
  folder = tmp();
  const students = tmp();
  writeStudentVersions(TEACHER, students);
  for (const a of assignments) {
    fs.copyFileSync(path.join(TEACHER, `${a}.ipynb`), path.join(folder, `teacher-${a}.ipynb`));
    fs.copyFileSync(path.join(students, `${a}.ipynb`), path.join(folder, `student-${a}.ipynb`));
  }
  fs.rmSync(students, { recursive: true, force: true });
  const right = readNotebook(path.join(TEACHER, "02-adam.ipynb"));
  writeNotebook(path.join(folder, "alice-right.ipynb"), right);
  writeNotebook(path.join(folder, "bob-stubs.ipynb"), studentNotebook(right, "02-adam.ipynb"));
  writeNotebook(path.join(folder, "carol-wrong-adam.ipynb"), adamSubmission([
    "for (let i = 0; i < p.length; i++) {",
    "  m[i] = h.beta1 * m[i] + (1 - h.beta1) * g[i];",
    "  v[i] = h.beta2 * v[i] + (1 - h.beta2) * g[i] * g[i];",
    "  p[i] -= (h.lr * m[i]) / (Math.sqrt(v[i]) + h.eps);",
    "}",
  ].join("\n")));
  const solution = cellSource(right.cells.find((c) => c.cell_type === "code" && cellSource(c).includes("BEGIN SOLUTION"))!).split("\n");
  const body = solution.slice(solution.findIndex((l) => l.includes("BEGIN")) + 1, solution.findIndex((l) => l.includes("END"))).map((l) => l.slice(2)).join("\n");
  writeNotebook(path.join(folder, "dave-throws.ipynb"), adamSubmission(body, 'const data = JSON.parse("not json");'));
  writeNotebook(path.join(folder, "erin-loops.ipynb"), adamSubmission("while (p.length > 0) {}"));
  const start = Date.now();
  graded.rows = await gradeFolder(folder, { params: ciParams, timeout: TIMEOUT, jobs: 2, onDone: (s, _r, seconds) => (graded.seconds_of[s] = seconds) });
  graded.seconds = (Date.now() - start) / 1000;
}, 600_000);

afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

describe("teacher and student versions", () => {
  test("stripping solutions keeps the code around them and the BEGIN line's indentation", () => {
    const src = "function f(x: number): number {\n  // ### BEGIN SOLUTION\n  return x + 1;\n  // ### END SOLUTION\n}\nf(1);";
    expect(stripSolutions(src, "cell 3")).toBe(`function f(x: number): number {\n  throw new Error(${JSON.stringify(STUB_MESSAGE)});\n}\nf(1);`);
  });

  test("an unclosed or unopened solution is an error naming the cell and line", () => {
    expect(() => stripSolutions("// ### BEGIN SOLUTION\nx()", "a.ipynb cell 2")).toThrow("a.ipynb cell 2: the solution opened on line 1 has no // ### END SOLUTION");
    expect(() => stripSolutions("x()\n// ### END SOLUTION", "a.ipynb cell 2")).toThrow("a.ipynb cell 2, line 2: END SOLUTION without a BEGIN SOLUTION above it");
  });

  test("writing student versions refuses to overwrite a student's copy unless forced", () => {
    const out = tmp();
    const files = writeStudentVersions(TEACHER, out);
    expect(files.map((f) => path.basename(f, ".ipynb"))).toEqual(assignments);
    fs.writeFileSync(files[0], "a student's work");
    expect(() => writeStudentVersions(TEACHER, out)).toThrow("--force");
    expect(fs.readFileSync(files[0], "utf8")).toBe("a student's work");
    writeStudentVersions(TEACHER, out, { force: true });
    expect(fs.readFileSync(files[0], "utf8")).not.toBe("a student's work");
    fs.rmSync(out, { recursive: true, force: true });
  });

  test("the teacher versions pass every check; the student versions fail every check with the stub's message", () => {
    const expected = (who: string) => assignments.flatMap((a) => checksOf(a).map((exercise) => ({ student: `${who}-${a}.ipynb`, exercise })));
    const of = (who: string) => graded.rows.filter((r) => r.student.startsWith(`${who}-`));
    expect(of("teacher").map((r) => ({ student: r.student, exercise: r.exercise }))).toEqual(expected("teacher"));
    expect(of("teacher").filter((r) => !r.passed)).toEqual([]);
    expect(of("student").map((r) => ({ student: r.student, exercise: r.exercise }))).toEqual(expected("student"));
    expect(of("student").filter((r) => r.passed || !r.message.includes(STUB_MESSAGE))).toEqual([]);
  });
});

describe("grading a class", () => {
  test("five notebooks (right, stubs, wrong Adam, throws, loops forever) give the expected table, the endless one stopped at its limit", () => {
    const rows = graded.rows.filter((r) => CLASS.includes(r.student));
    console.log(`graded in ${graded.seconds.toFixed(1)} s (${Object.keys(graded.seconds_of).length} notebooks, ${graded.rows.length} checks, 2 at a time):\n${gradesCsv(rows)}`);
    expect(byStudent(rows)).toEqual({
      "alice-right.ipynb": { adamStep: "pass", adamTrains: "pass" },
      "bob-stubs.ipynb": { adamStep: "fail", adamTrains: "fail" },
      "carol-wrong-adam.ipynb": { adamStep: "fail", adamTrains: "fail" },
      "dave-throws.ipynb": { adamStep: "pass", adamTrains: "fail" },
      "erin-loops.ipynb": { adamStep: "fail", adamTrains: "fail" },
    });
    const message = (s: string, e: string) => rows.find((r) => r.student === s && r.exercise === e)!.message;
    expect(message("bob-stubs.ipynb", "adamStep")).toContain(STUB_MESSAGE);
    expect(message("carol-wrong-adam.ipynb", "adamStep")).toContain("missing bias correction");
    expect(message("carol-wrong-adam.ipynb", "adamTrains")).toContain("the engine's");
    expect(message("dave-throws.ipynb", "adamTrains")).toMatch(/did not run: the notebook stopped in cell \d+ with SyntaxError/);
    expect(message("erin-loops.ipynb", "adamStep")).toContain(`time limit (${TIMEOUT} s)`);
    expect(message("erin-loops.ipynb", "adamTrains")).toContain(`time limit (${TIMEOUT} s)`);
    // stopped at the limit (the kill is immediate; a second of slack for the process to go)
    expect(graded.seconds_of["erin-loops.ipynb"]).toBeGreaterThanOrEqual(TIMEOUT);
    expect(graded.seconds_of["erin-loops.ipynb"]).toBeLessThan(TIMEOUT + 5);
  });
});
