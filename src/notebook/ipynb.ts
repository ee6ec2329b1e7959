// The .ipynb format as gptlab uses it: reading and writing, stamping executed notebooks with a hash of each cell's
// source, and the checks a committed notebook must pass (no errors, no outputs from an older source, no plotly bundle).

import * as fs from "fs";
import { createHash } from "crypto";

export interface NotebookOutput {
  output_type: "stream" | "display_data" | "execute_result" | "error" | string;
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  execution_count?: number | null;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

export interface NotebookCell {
  cell_type: "code" | "markdown" | "raw" | string;
  source: string | string[];
  metadata: Record<string, unknown>;
  id?: string;
  outputs?: NotebookOutput[];
  execution_count?: number | null;
}

export interface Notebook {
  cells: NotebookCell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

/** Cell metadata written by gptlab's runner. */
export interface GptlabCellMeta {
  /** sourceHash(cell source) when the outputs were made. */
  source_sha?: string;
  /** Reply status recorded while executing ("ok", "error", "abort"); removed by stampExecuted. */
  status?: string;
}

export function readNotebook(file: string): Notebook {
  const nb = JSON.parse(fs.readFileSync(file, "utf8")) as Notebook;
  if (!Array.isArray(nb.cells)) throw new Error(`${file} is not a notebook (no "cells" array)`);
  return nb;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value as object).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

/** Splits text into lines that keep their "\n", as nbformat stores multi-line strings. */
export function splitLines(text: string): string[] {
  const lines = text.match(/[^\n]*\n|[^\n]+$/g);
  return lines ?? [];
}

/** Serializes like nbformat (sorted keys, one-space indent, strings as lists of lines), so diffs stay small. */
export function formatNotebook(nb: Notebook): string {
  const copy = JSON.parse(JSON.stringify(nb)) as Notebook;
  for (const cell of copy.cells) {
    cell.source = splitLines(cellSource(cell));
    for (const out of cell.outputs ?? []) {
      if (out.text !== undefined) out.text = splitLines(joinText(out.text));
      for (const [mime, value] of Object.entries(out.data ?? {})) {
        if (mime.startsWith("text/") || mime === "image/svg+xml") {
          if (typeof value === "string" || Array.isArray(value)) out.data![mime] = splitLines(joinText(value as string | string[]));
        }
      }
    }
  }
  return JSON.stringify(sortKeys(copy), null, 1) + "\n";
}

export function writeNotebook(file: string, nb: Notebook): void {
  fs.writeFileSync(file, formatNotebook(nb));
}

export function joinText(text: string | string[] | undefined): string {
  return Array.isArray(text) ? text.join("") : text ?? "";
}

export function cellSource(cell: NotebookCell): string {
  return joinText(cell.source).replace(/\r\n/g, "\n");
}

/** First 16 hex digits of the SHA-256 of a cell's source (trailing whitespace ignored). */
export function sourceHash(source: string): string {
  return createHash("sha256").update(source.replace(/\r\n/g, "\n").trimEnd()).digest("hex").slice(0, 16);
}

function gptlabMeta(cell: NotebookCell): GptlabCellMeta | undefined {
  return cell.metadata?.gptlab as GptlabCellMeta | undefined;
}

export interface CellFailure {
  /** Position of the cell among all cells, from 1. */
  index: number;
  status: string;
  source: string;
  /** What the cell wrote to stderr (tslab reports errors there, with no traceback in the reply). */
  stderr: string;
}

/**
 * Turns a notebook just executed by the runner (cells carry metadata.gptlab.status) into its committed form:
 * every executed code cell gets source_sha and execution counts 1..n; timing metadata and status are removed.
 * Returns the cells that did not finish with status "ok" (a tslab error has status "error", later cells "abort").
 */
export function stampExecuted(nb: Notebook): CellFailure[] {
  const failures: CellFailure[] = [];
  let count = 0;
  nb.cells.forEach((cell, i) => {
    if (cell.cell_type !== "code") return;
    const meta = gptlabMeta(cell);
    delete cell.metadata.execution;
    const source = cellSource(cell);
    if (!meta?.status) {
      if (source.trim() !== "") failures.push({ index: i + 1, status: "not run", source, stderr: "" });
      cell.execution_count = null;
      return;
    }
    if (meta.status !== "ok") {
      const stderr = (cell.outputs ?? [])
        .filter((o) => o.output_type === "error" || (o.output_type === "stream" && o.name === "stderr"))
        .map((o) => (o.output_type === "error" ? `${o.ename}: ${o.evalue}` : joinText(o.text)))
        .join("");
      failures.push({ index: i + 1, status: meta.status, source, stderr });
    }
    cell.execution_count = ++count;
    for (const out of cell.outputs ?? []) if (out.output_type === "execute_result") out.execution_count = count;
    cell.metadata.gptlab = { source_sha: sourceHash(source) };
  });
  return failures;
}

export const BUNDLE_STUB =
  "<!-- plotly.js was loaded here when the notebook ran; it is not committed (1.5 MB). " +
  "Run the notebook (or loadPlotly()) to draw the plots in Jupyter Notebook; VS Code draws them as they are. -->";

function isBundleOutput(out: NotebookOutput): boolean {
  const meta = out.metadata?.gptlab as { plotly_bundle?: boolean } | undefined;
  return meta?.plotly_bundle === true;
}

/** Replaces the plotly.js loader outputs with a short stub (for the committed copy of a notebook). */
export function stripPlotlyBundles(nb: Notebook): number {
  let stripped = 0;
  for (const cell of nb.cells) {
    for (const out of cell.outputs ?? []) {
      if (isBundleOutput(out) && out.data && joinText(out.data["text/html"] as string | string[]) !== BUNDLE_STUB) {
        out.data["text/html"] = BUNDLE_STUB;
        stripped++;
      }
    }
  }
  return stripped;
}

/**
 * For the committed copy: each plotly figure output trades its HTML (a div and a script, which GitHub and an
 * un-run Jupyter Notebook cannot draw) for a PNG of the figure; the plotly JSON stays for editors that draw it
 * (VS Code). `render` returns base64 PNG data for a figure's JSON, or null to leave that output as it is.
 * Returns how many figures got a picture.
 */
export function staticFigures(nb: Notebook, render: (figure: unknown) => string | null): number {
  let done = 0;
  for (const cell of nb.cells) {
    for (const out of cell.outputs ?? []) {
      const figure = out.data?.["application/vnd.plotly.v1+json"];
      if (!figure || out.data?.["image/png"]) continue;
      const png = render(figure);
      if (png === null) continue;
      delete out.data!["text/html"];
      out.data!["image/png"] = png;
      done++;
    }
  }
  return done;
}

/** Removes all outputs and execution counts (what `--clear` does). */
export function clearOutputs(nb: Notebook): void {
  for (const cell of nb.cells) {
    if (cell.cell_type !== "code") continue;
    cell.outputs = [];
    cell.execution_count = null;
    if (cell.metadata.gptlab) delete cell.metadata.gptlab;
    delete cell.metadata.execution;
  }
}

/**
 * What is wrong with a committed notebook. Outputs are allowed only when the runner made them from the current
 * source (stamped source_sha), in one top-to-bottom run (execution counts 1..n), without errors or plotly bundle.
 */
export function notebookProblems(nb: Notebook, file: string): string[] {
  const problems: string[] = [];
  const fix = `run \`npm run notebooks:run -- --update ${file}\`, or clear its outputs with \`npm run notebooks:run -- --clear ${file}\``;
  const kernel = (nb.metadata?.kernelspec as { name?: string } | undefined)?.name;
  if (kernel !== "tslab") problems.push(`${file}: kernelspec.name must be "tslab" (got ${JSON.stringify(kernel)})`);
  const counts: number[] = [];
  nb.cells.forEach((cell, i) => {
    const where = `${file} cell ${i + 1}`;
    if (cell.cell_type !== "code") return;
    const outputs = cell.outputs ?? [];
    const hasOutputs = outputs.length > 0 || (cell.execution_count ?? null) !== null;
    const meta = gptlabMeta(cell);
    if (meta?.status !== undefined) problems.push(`${where}: carries a runner status (${meta.status}); ${fix}`);
    for (const out of outputs) {
      if (out.output_type === "error") problems.push(`${where}: has an error output (${out.ename}: ${out.evalue}); ${fix}`);
      if (isBundleOutput(out) && joinText(out.data?.["text/html"] as string | string[]) !== BUNDLE_STUB) {
        problems.push(`${where}: holds the whole plotly.js bundle; ${fix}`);
      }
    }
    if (hasOutputs && meta?.source_sha !== sourceHash(cellSource(cell))) {
      problems.push(`${where}: its outputs were not made from its current source (edited after the run, or run by hand); ${fix}`);
    }
    if (cell.execution_count !== null && cell.execution_count !== undefined) counts.push(cell.execution_count);
    else if (cellSource(cell).trim() !== "") counts.push(-1);
  });
  const ran = counts.filter((c) => c !== -1).length;
  if (ran > 0 && !counts.every((c, k) => c === k + 1)) {
    problems.push(`${file}: execution counts are [${counts.map((c) => (c < 0 ? "-" : c)).join(", ")}], not 1..n from a single top-to-bottom run; ${fix}`);
  }
  return problems;
}
