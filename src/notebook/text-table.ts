// Plain-text tables for logs and scripts: aligned columns, numbers with a fixed number of digits.
// Kept free of arquero (ESM-only) so that jest can test it and any module can print a table.

import { escapeHtml } from "./figure.js";

/** Beyond this size a number in a lesson's table is a diverged run, not a figure to read: it prints as "> 1e9". */
export const HUGE = 1e9;

/**
 * Integers as they are; other numbers with `digits` decimals, or in exponent form when very large or small.
 * Infinite and huge values (|v| >= 1e9: a loss or perplexity of a run that blew up) print as "> 1e9" or "< -1e9",
 * never as raw "Infinity" or "1.3e285".
 */
export function formatCell(value: unknown, digits = 4): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "NaN";
    if (Math.abs(value) >= HUGE) return value > 0 ? "> 1e9" : "< -1e9";
    if (Number.isInteger(value)) return String(value);
    const abs = Math.abs(value);
    return abs >= 1e6 || abs < Math.pow(10, -digits) ? value.toExponential(Math.max(1, digits - 1)) : value.toFixed(digits);
  }
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** A table's title as HTML, escaped: "<BOS> not counted" must show as written, not as an unknown tag. */
export function titleHtml(title: string): string {
  return `<div><b>${escapeHtml(title)}</b></div>`;
}

export interface TextTableOptions {
  digits?: number;
  title?: string;
  /** Row (index into rows) marked with "*" in the margin, e.g. the best run of a sweep. */
  mark?: number;
}

/** Numbers are right-aligned, text left-aligned; a rule separates the header. */
export function formatTextTable(columns: string[], rows: unknown[][], options: TextTableOptions = {}): string {
  const cells = rows.map((row) => columns.map((_, j) => formatCell(row[j], options.digits)));
  const numeric = columns.map((_, j) => rows.length > 0 && rows.every((row) => row[j] === null || row[j] === undefined || typeof row[j] === "number"));
  const widths = columns.map((c, j) => Math.max(c.length, ...cells.map((r) => r[j].length)));
  const margin = options.mark !== undefined ? "  " : "";
  const line = (values: string[], prefix: string): string =>
    (prefix + values.map((v, j) => (numeric[j] ? v.padStart(widths[j]) : v.padEnd(widths[j]))).join("  ")).trimEnd();
  const out: string[] = [];
  if (options.title) out.push(options.title);
  out.push(line(columns, margin));
  out.push(margin + widths.map((w) => "-".repeat(w)).join("  "));
  cells.forEach((r, i) => out.push(line(r, options.mark === undefined ? "" : i === options.mark ? "* " : "  ")));
  return out.join("\n");
}
