// Plain-text tables for logs and scripts: aligned columns, numbers with a fixed number of digits.
// Kept free of arquero (ESM-only) so that jest can test it and any module can print a table.

/** Integers as they are; other numbers with `digits` decimals, or in exponent form when very large or small. */
export function formatCell(value: unknown, digits = 4): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "NaN";
    if (!Number.isFinite(value) || Number.isInteger(value)) return String(value);
    const abs = Math.abs(value);
    return abs >= 1e6 || abs < Math.pow(10, -digits) ? value.toExponential(Math.max(1, digits - 1)) : value.toFixed(digits);
  }
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
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
