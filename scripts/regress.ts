// The notebook regression (npx gptlab regress): runs every exported notebook script at its notebook's CI parameters
// and compares the figures it records with tests/regression/baselines/NAME.json, each within its own tolerance.
//
//   npx gptlab regress [options] [NAME | notebooks/NAME.ipynb ...]
//     --update    write the baselines from this run (the only way they change; review the diff before committing)
//     --verbose   list every figure, not only those that moved
//     --output    print each script's output
//     --jobs N    scripts run at once (default 2)
//     --out DIR   keep each script's figures (DIR/NAME/*.html) and recorded figures (DIR/NAME.figures.json)
//     --baselines DIR   read (and with --update write) the baselines there instead
// The scripts run on the kernel backend $GPTLAB_BACKEND, "wasm" unless set: it gives the same bits on every engine,
// so the baselines do not depend on which native build or CPU a machine has.
// Exit status: 0 all figures within tolerance, 1 a figure moved / is missing / is new or a script failed, 2 bad usage.

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawn } from "child_process";
import { listNotebooks, notebookName, SCRIPT_DIR } from "../src/notebook/export.js";
import { readNotebook } from "../src/notebook/ipynb.js";
import { compareFigures, formatBaseline, formatDiffs, makeBaseline, paramsMismatch, readBaseline, readRecordFile } from "../src/notebook/record.js";
import type { FigureDiff, RecordFile } from "../src/notebook/record.js";

const ROOT = process.cwd();
const USAGE = `npx gptlab regress [--update] [--verbose] [--output] [--jobs N] [--out DIR] [--baselines DIR] [NAME ...]
Runs each notebook's exported script at its CI parameters and compares its recorded figures with
tests/regression/baselines/NAME.json. --update rewrites the baselines from this run.`;
const BASELINE_DIR = "tests/regression/baselines";
/** The backend baselines are made and checked on (bit-reproducible everywhere); $GPTLAB_BACKEND overrides it. */
export const REGRESSION_BACKEND = process.env.GPTLAB_BACKEND || "wasm";

interface Options {
  update: boolean;
  verbose: boolean;
  output: boolean;
  jobs: number;
  out: string | null;
  baselines: string;
  names: string[];
  all: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { update: false, verbose: false, output: false, jobs: 2, out: null, baselines: path.join(ROOT, BASELINE_DIR), names: [], all: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--update") o.update = true;
    else if (a === "--verbose") o.verbose = true;
    else if (a === "--output") o.output = true;
    else if (a === "--jobs") {
      o.jobs = Number(argv[++i]);
      if (!(Number.isInteger(o.jobs) && o.jobs >= 1)) throw new Error(`--jobs must be an integer >= 1 (got ${argv[i]})`);
    } else if (a === "--out" || a === "--baselines") {
      const dir = argv[++i];
      if (!dir) throw new Error(`${a} needs a folder`);
      if (a === "--out") o.out = path.resolve(dir);
      else o.baselines = path.resolve(dir);
    } else if (a === "--help" || a === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else if (a.startsWith("-")) throw new Error(`unknown option ${a}; options: --update, --verbose, --output, --jobs N, --out DIR, --baselines DIR`);
    else o.names.push(notebookName(a));
  }
  const known = listNotebooks(ROOT).map(notebookName);
  for (const n of o.names) if (!known.includes(n)) throw new Error(`no notebook notebooks/${n}.ipynb (notebooks: ${known.join(", ")})`);
  if (o.names.length) o.all = false;
  else o.names = known;
  return o;
}

interface ScriptRun {
  name: string;
  params: Record<string, unknown>;
  status: number;
  ms: number;
  stdout: string;
  stderr: string;
  record: RecordFile | null;
}

function runScript(name: string, work: string): Promise<ScriptRun> {
  const nb = readNotebook(path.join(ROOT, "notebooks", `${name}.ipynb`));
  const params = (nb.metadata.gptlab as { ci_params?: Record<string, unknown> } | undefined)?.ci_params ?? {};
  const script = path.join(ROOT, SCRIPT_DIR, `${name}.ts`);
  const recordFile = path.join(work, `${name}.figures.json`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GPTLAB_PARAMS: JSON.stringify(params),
    GPTLAB_DISPLAY: "file",
    GPTLAB_OUT: path.join(work, name),
    GPTLAB_RECORD: recordFile,
    GPTLAB_BACKEND: REGRESSION_BACKEND,
  };
  const start = Date.now();
  return new Promise((resolve) => {
    if (!fs.existsSync(script)) {
      resolve({ name, params, status: -1, ms: 0, stdout: "", stderr: `${path.relative(ROOT, script)} is missing: run npm run export`, record: null });
      return;
    }
    const child = spawn(path.join(ROOT, "node_modules", ".bin", "tsx"), [script], { cwd: ROOT, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => {
      const record = fs.existsSync(recordFile) ? readRecordFile(recordFile) : null;
      resolve({ name, params, status: code ?? -1, ms: Date.now() - start, stdout, stderr, record });
    });
  });
}

/** Runs tasks with at most `jobs` at once, keeping the input order in the results. */
async function pool<T>(items: string[], jobs: number, fn: (item: string) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, worker));
  return results;
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split("\n").slice(-lines).map((l) => `      ${l}`).join("\n");
}

function baselinePath(name: string, o: Options): string {
  return path.join(o.baselines, `${name}.json`);
}

/** Reports one notebook; returns true when it passes. */
function report(r: ScriptRun, o: Options): boolean {
  const header = `${r.name} (${(r.ms / 1000).toFixed(1)} s, params ${JSON.stringify(r.params)})`;
  const figures = r.record?.figures ?? [];
  if (o.output) console.log(`--- output of ${r.name}\n${r.stdout}${r.stderr}---`);
  if (r.status !== 0) {
    const where = /\[notebook\] (.*failed in cell .*?);/.exec(r.stderr)?.[1];
    console.log(`✗ ${header}: the script failed${where ? ` (${where})` : ` with exit status ${r.status}`}\n${tail(r.stderr || r.stdout, 25)}`);
    if (figures.length) console.log(`    (it recorded ${figures.length} figures before failing; they are not compared)`);
    return false;
  }
  if (figures.length === 0) {
    console.log(`✗ ${header}: recorded no figures; a notebook records what the regression checks with record(name, value, tolerance)`);
    return false;
  }
  const file = baselinePath(r.name, o);
  const rel = path.relative(ROOT, file);
  if (o.update) {
    const previous = fs.existsSync(file) ? readBaseline(file) : null;
    const baseline = makeBaseline(r.name, r.params, r.record!);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, formatBaseline(baseline));
    const changes = previous ? compareFigures(previous, figures).filter((d) => d.status !== "ok") : [];
    console.log(`✓ ${header}: wrote ${rel} (${figures.length} figures${previous ? `, ${changes.length} changed` : ", new"})`);
    for (const line of formatDiffs(changes)) console.log(line);
    return true;
  }
  if (!fs.existsSync(file)) {
    console.log(`✗ ${header}: no baseline ${rel}; make it with npx gptlab regress --update ${r.name}`);
    return false;
  }
  const baseline = readBaseline(file);
  const mismatch = paramsMismatch(baseline, r.params);
  if (mismatch.length) {
    console.log(`✗ ${header}: the baseline was made with other parameters (${mismatch.join("; ")}); after changing ci_params run npx gptlab regress --update ${r.name}`);
    return false;
  }
  const diffs: FigureDiff[] = compareFigures(baseline, figures);
  const bad = diffs.filter((d) => d.status !== "ok");
  const backend = r.record!.backend !== baseline.backend ? ` [backend ${r.record!.backend}; baseline made on ${baseline.backend}]` : "";
  if (bad.length === 0) console.log(`✓ ${header}: ${diffs.length} figures within tolerance${backend}`);
  else console.log(`✗ ${header}: ${bad.length} of ${diffs.length} figures ${bad.every((d) => d.status === "moved") ? "moved" : "differ from the baseline"}${backend}`);
  for (const line of formatDiffs(diffs, o.verbose)) console.log(line);
  return bad.length === 0;
}

async function main(): Promise<number> {
  const o = parseArgs(process.argv.slice(2));
  const work = o.out ?? fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-regress-"));
  fs.mkdirSync(work, { recursive: true });
  const start = Date.now();
  try {
    console.log(
      `regress: ${o.names.length} notebook script${o.names.length === 1 ? "" : "s"} at CI parameters on the ${REGRESSION_BACKEND} backend, ` +
        `baselines in ${path.relative(ROOT, o.baselines) || "."}/${o.update ? " (updating)" : ""}`,
    );
    const runs = await pool(o.names, o.jobs, (name) => runScript(name, work));
    let failed = runs.filter((r) => !report(r, o)).length;
    if (o.all && fs.existsSync(o.baselines)) {
      for (const f of fs.readdirSync(o.baselines).filter((f) => f.endsWith(".json"))) {
        if (o.names.includes(f.replace(/\.json$/, ""))) continue;
        console.log(`✗ ${path.relative(ROOT, path.join(o.baselines, f))} has no notebook: delete it`);
        failed++;
      }
    }
    const moved = failed && !o.update ? `; to accept the new values: npx gptlab regress --update NAME (and review the diff)` : "";
    console.log(`${failed ? "✗" : "✓"} ${o.names.length - Math.min(failed, o.names.length)}/${o.names.length} notebooks pass in ${((Date.now() - start) / 1000).toFixed(1)} s${moved}`);
    return failed ? 1 : 0;
  } finally {
    if (!o.out) fs.rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  (code) => (process.exitCode = code),
  (e: Error) => {
    console.error(`✗ regress: ${e.message}`);
    process.exitCode = 2;
  },
);
