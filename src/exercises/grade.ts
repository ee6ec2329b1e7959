// `gptlab exercises grade DIR`: runs every student notebook of a folder as a script in its own process with a
// time limit, collects the checks it reported (GPTLAB_GRADE_FILE, one JSON line per check, written as each runs),
// and scores every check of its assignment: what did not run (a crash, the time limit) gets 0 with the reason.

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawn } from "child_process";
import { exportNotebook } from "../notebook/export.js";
import { readNotebook } from "../notebook/ipynb.js";
import { projectRoot } from "../io/paths.js";
import type { CheckResult } from "./check.js";
import { checksOf } from "./index.js";
import { assignmentOf } from "./student.js";

export interface GradeRow {
  student: string;
  exercise: string;
  passed: boolean;
  message: string;
}

export interface GradeOptions {
  /** Seconds a notebook may run (default 120). */
  timeout?: number;
  /** Notebooks run at the same time (default 2). */
  jobs?: number;
  /** Parameters for every notebook (as GPTLAB_PARAMS), e.g. its ci_params for a quick pass. */
  params?: (nb: { metadata: Record<string, unknown> }) => Record<string, unknown> | undefined;
  /** Called when a notebook is done. */
  onDone?: (student: string, rows: GradeRow[], seconds: number) => void;
}

interface RunOutcome {
  status: number | null;
  timedOut: boolean;
  stderr: string;
  seconds: number;
}

function runScript(script: string, env: NodeJS.ProcessEnv, timeoutS: number): Promise<RunOutcome> {
  const tsx = path.join(projectRoot(), "node_modules", ".bin", "tsx");
  const start = Date.now();
  return new Promise((resolve) => {
    // its own process group, so that the time limit ends the notebook and anything it started
    const child = spawn(tsx, [script], { cwd: projectRoot(), env, detached: true, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    let timedOut = false;
    child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20000)));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    }, timeoutS * 1000);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, timedOut, stderr, seconds: (Date.now() - start) / 1000 });
    });
  });
}

/** Why the checks that did not report did not run, from how the process ended. */
function notRunReason(o: RunOutcome, timeoutS: number): string {
  if (o.timedOut) return `did not run: the notebook was stopped at the time limit (${timeoutS} s) before this check reported (an endless loop, or a run slower than the limit: raise --timeout)`;
  const lines = o.stderr.split("\n").map((l) => l.trim()).filter(Boolean);
  const cell = lines.find((l) => l.startsWith("[notebook]"))?.match(/failed in cell (\d+)/)?.[1];
  const error = lines.find((l) => /^\w*Error\b|^Error:/.test(l)) ?? lines[lines.length - 1] ?? `exit code ${o.status}`;
  return `did not run: the notebook stopped${cell ? ` in cell ${cell}` : ""} with ${error}`;
}

/** Grades one student notebook. */
export async function gradeNotebook(file: string, opts: GradeOptions = {}): Promise<GradeRow[]> {
  const student = path.basename(file);
  const timeout = opts.timeout ?? 120;
  const nb = readNotebook(file);
  let expected: string[];
  try {
    expected = checksOf(assignmentOf(nb, student));
  } catch (e) {
    return [{ student, exercise: "(notebook)", passed: false, message: (e as Error).message }];
  }
  const rows = (message: (id: string) => string, results: Map<string, CheckResult> = new Map()) =>
    expected.map((exercise) => {
      const r = results.get(exercise);
      return r ? { student, exercise, passed: r.passed, message: r.message + (r.hint ? ` (hint: ${r.hint})` : "") } : { student, exercise, passed: false, message: message(exercise) };
    });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-grade-"));
  try {
    // the exported script imports ../../src/...: two folders down from a link to the engine's sources
    const dir = path.join(work, "notebooks", "scripts");
    fs.mkdirSync(dir, { recursive: true });
    fs.symlinkSync(path.join(projectRoot(), "src"), path.join(work, "src"));
    const script = path.join(dir, "notebook.ts");
    try {
      fs.writeFileSync(script, exportNotebook(nb, path.basename(file, ".ipynb")));
    } catch (e) {
      return rows(() => `did not run: the notebook's code could not be read (${(e as Error).message})`);
    }
    const gradeFile = path.join(work, "checks.jsonl");
    const params = opts.params?.(nb);
    const env: NodeJS.ProcessEnv = { ...process.env, GPTLAB_GRADE_FILE: gradeFile, GPTLAB_DISPLAY: "file", GPTLAB_OUT: path.join(work, "out") };
    if (params) env.GPTLAB_PARAMS = JSON.stringify(params);
    else delete env.GPTLAB_PARAMS;
    const outcome = await runScript(script, env, timeout);
    const results = new Map<string, CheckResult>();
    if (fs.existsSync(gradeFile)) {
      for (const line of fs.readFileSync(gradeFile, "utf8").split("\n")) {
        if (!line.trim()) continue;
        try {
          const r = JSON.parse(line) as CheckResult;
          if (!results.has(r.exercise)) results.set(r.exercise, r); // the first report counts (a notebook may re-run a check)
        } catch {
          // a line cut by the kill at the time limit
        }
      }
    }
    const graded = rows(() => notRunReason(outcome, timeout), results);
    opts.onDone?.(student, graded, outcome.seconds);
    return graded;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Grades every notebook of a folder, `jobs` at a time; rows in file order. */
export async function gradeFolder(dir: string, opts: GradeOptions = {}): Promise<GradeRow[]> {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new Error(`no folder ${dir} (the folder of collected student notebooks)`);
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".ipynb")).sort().map((f) => path.join(dir, f));
  if (files.length === 0) throw new Error(`no .ipynb notebooks in ${dir}`);
  const results: GradeRow[][] = new Array(files.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const i = next++;
      results[i] = await gradeNotebook(files[i], opts);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.jobs ?? 2, files.length)) }, worker));
  return results.flat();
}

const csvField = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** The score table as CSV: student, exercise, passed, message. */
export function gradesCsv(rows: GradeRow[]): string {
  return ["student,exercise,passed,message", ...rows.map((r) => [r.student, r.exercise, r.passed ? "pass" : "fail", r.message].map(csvField).join(","))].join("\n") + "\n";
}

/** One line per student: checks passed out of checks. */
export function gradeSummary(rows: GradeRow[]): Array<{ student: string; passed: number; checks: number }> {
  const by = new Map<string, { student: string; passed: number; checks: number }>();
  for (const r of rows) {
    const s = by.get(r.student) ?? { student: r.student, passed: 0, checks: 0 };
    s.checks++;
    if (r.passed) s.passed++;
    by.set(r.student, s);
  }
  return [...by.values()];
}
