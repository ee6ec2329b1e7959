// `gptlab exercises student | grade | list`: a teacher's side of the exercise notebooks (src/exercises/).

import * as fs from "node:fs";
import * as path from "node:path";
import { projectPath } from "../io/paths.js";
import { assignments, checksOf } from "../exercises/index.js";
import { writeStudentVersions } from "../exercises/student.js";
import { gradeFolder, gradesCsv, gradeSummary } from "../exercises/grade.js";

export const EXERCISES_HELP = `Usage: npx gptlab exercises <student | grade | list> [options]

  student [--from DIR] [--out DIR] [--force]
      Writes the student version of every teacher notebook in --from (default: the project's exercises/) into
      --out (default exercises/student/): each solution between "// ### BEGIN SOLUTION" and
      "// ### END SOLUTION" becomes a stub that throws "not implemented yet", outputs are cleared. Refuses to
      replace existing notebooks unless --force.

  grade DIR [--timeout S] [--jobs N] [--ci] [--out PREFIX]
      Runs every notebook in DIR (the collected student copies, any file names) as a script, each in its own
      process, stopped after --timeout seconds (default 120), --jobs at a time (default 2). Every check of the
      notebook's assignment is scored: pass, fail with the first mismatch and hint, or 0 with the reason it did not
      run (an exception, the time limit). Writes PREFIX.json and PREFIX.csv (default DIR/grades.*): student,
      exercise, passed, message. --ci runs each notebook at its small ci_params (quick; the last cells' training
      runs get shorter).

  list
      The exercise notebooks and the checks each is graded on.`;

function take(argv: string[], i: number, flag: string): string {
  const v = argv[i + 1];
  if (v === undefined || v.startsWith("--")) throw new Error(`${flag} needs a value (see npx gptlab exercises --help)`);
  return v;
}

function positiveNumber(flag: string, v: string, integer = false): number {
  const n = Number(v);
  if (!(Number.isFinite(n) && n > 0) || (integer && !Number.isInteger(n))) throw new Error(`${flag} must be ${integer ? "an integer" : "a number"} > 0 (got "${v}")`);
  return n;
}

function student(argv: string[]): void {
  let from = projectPath("exercises"), out = projectPath("exercises/student"), force = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--from") from = path.resolve(take(argv, i++, a));
    else if (a === "--out") out = path.resolve(take(argv, i++, a));
    else if (a === "--force") force = true;
    else throw new Error(`exercises student: unknown option "${a}" (options: --from DIR, --out DIR, --force)`);
  }
  const files = writeStudentVersions(from, out, { force });
  console.log(`wrote ${files.length} student notebooks to ${out}:\n${files.map((f) => `  ${path.basename(f)}`).join("\n")}\nHand them out; collect the students' copies into one folder and run: npx gptlab exercises grade FOLDER`);
}

async function grade(argv: string[]): Promise<void> {
  let dir: string | undefined, timeout = 120, jobs = 2, ci = false, out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--timeout") timeout = positiveNumber(a, take(argv, i++, a));
    else if (a === "--jobs") jobs = positiveNumber(a, take(argv, i++, a), true);
    else if (a === "--ci") ci = true;
    else if (a === "--out") out = path.resolve(take(argv, i++, a));
    else if (a.startsWith("-")) throw new Error(`exercises grade: unknown option "${a}" (options: --timeout S, --jobs N, --ci, --out PREFIX)`);
    else if (dir === undefined) dir = path.resolve(a);
    else throw new Error(`exercises grade takes one folder (got "${dir}" and "${a}")`);
  }
  if (dir === undefined) throw new Error("exercises grade needs the folder of student notebooks: npx gptlab exercises grade FOLDER");
  const prefix = out ?? path.join(dir, "grades");
  const start = Date.now();
  const rows = await gradeFolder(dir, {
    timeout,
    jobs,
    params: ci ? (nb) => (nb.metadata.gptlab as { ci_params?: Record<string, unknown> } | undefined)?.ci_params : undefined,
    onDone: (s, r, seconds) => console.error(`  ${s}: ${r.filter((x) => x.passed).length}/${r.length} checks passed (${seconds.toFixed(1)} s)`),
  });
  fs.mkdirSync(path.dirname(prefix), { recursive: true });
  fs.writeFileSync(`${prefix}.json`, JSON.stringify(rows, null, 1) + "\n");
  fs.writeFileSync(`${prefix}.csv`, gradesCsv(rows));
  for (const s of gradeSummary(rows)) console.log(`${s.student.padEnd(32)} ${s.passed}/${s.checks}`);
  console.log(`graded ${gradeSummary(rows).length} notebooks in ${((Date.now() - start) / 1000).toFixed(1)} s; score table: ${prefix}.json and ${prefix}.csv`);
}

export async function exercisesCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h" || rest.includes("--help")) return void console.log(EXERCISES_HELP);
  if (sub === "student") return student(rest);
  if (sub === "grade") return grade(rest);
  if (sub === "list") return void console.log(assignments.map((a) => `${a}: ${checksOf(a).join(", ")}`).join("\n"));
  throw new Error(`unknown exercises command "${sub}" (student, grade, list; npx gptlab exercises --help)`);
}
