// Tables of metrics and sweep results, built with arquero: HTML in a notebook, aligned text in scripts.
// arquero 8 is ESM-only, so jest (CommonJS) cannot load this module: it is checked by the smoke notebook and its script.

import * as aq from "arquero";
import type { ColumnTable } from "arquero";
import { show } from "./display.js";
import { formatCell, formatTextTable, titleHtml } from "./text-table.js";
import { escapeHtml } from "./figure.js";
import { recordedFigures } from "./record.js";

export type Row = Record<string, unknown>;
/** Rows (any objects, e.g. history records), columns ({ lr: [...], loss: [...] }) or an arquero table. */
export type TableData = readonly object[] | Record<string, unknown[]> | ColumnTable;

export interface TableOptions {
  title?: string;
  /** Columns to show, in order (default: all). */
  columns?: string[];
  sortBy?: string;
  descending?: boolean;
  /** Decimals of non-integer numbers. Default 4. */
  digits?: number;
  /** Highlights the row with the lowest (or highest) value of a column, e.g. { column: "val_loss", mode: "min" }. */
  best?: { column: string; mode?: "min" | "max" };
  /** Most rows shown. Default 50. */
  limit?: number;
}

/** An arquero table from rows ([{ lr, loss }, ...]), columns ({ lr: [...], loss: [...] }) or a table. */
export function toTable(data: TableData): ColumnTable {
  if (Array.isArray(data)) return aq.from(data as Row[]);
  if (data instanceof aq.ColumnTable) return data;
  return aq.table(data as Record<string, unknown[]>);
}

interface Prepared {
  table: ColumnTable;
  columns: string[];
  best: number | undefined;
  limit: number;
}

function prepare(data: TableData, options: TableOptions): Prepared {
  let table = toTable(data);
  const names = table.columnNames();
  for (const c of [...(options.columns ?? []), options.sortBy, options.best?.column]) {
    if (c !== undefined && !names.includes(c)) throw new Error(`table has no column "${c}" (columns: ${names.join(", ")})`);
  }
  if (options.sortBy) table = table.orderby(options.descending ? aq.desc(options.sortBy) : options.sortBy).reify();
  const columns = options.columns ?? names;
  let best: number | undefined;
  if (options.best) {
    const values = table.array(options.best.column) as ArrayLike<unknown>;
    const better = options.best.mode === "max" ? (a: number, b: number) => a > b : (a: number, b: number) => a < b;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v === "number" && Number.isFinite(v) && (best === undefined || better(v, values[best] as number))) best = i;
    }
  }
  return { table, columns, best, limit: options.limit ?? 50 };
}

export function tableHtml(data: TableData, options: TableOptions = {}): string {
  const p = prepare(data, options);
  const digits = options.digits ?? 4;
  const format: Record<string, (v: unknown) => string> = {};
  for (const c of p.columns) format[c] = (v) => formatCell(v, digits);
  let html = p.table.toHTML({
    columns: p.columns,
    limit: p.limit,
    format,
    style: {
      table: "border-collapse: collapse; font-variant-numeric: tabular-nums;",
      td: (_name: string, row: number) => (row === p.best ? "font-weight: bold; background: #e6f4ea;" : ""),
    },
  });
  // arquero escapes the cells but writes the header names as they are: a column "<UNK> share" must not vanish
  const head = html.indexOf("</thead>");
  const escapedHead = p.columns.reduce((h, c) => h.replace(`>${c}</th>`, `>${escapeHtml(c)}</th>`), html.slice(0, head));
  html = escapedHead + html.slice(head);
  const more = p.table.numRows() > p.limit ? `<div><i>${p.table.numRows() - p.limit} more rows</i></div>` : "";
  return `${options.title ? titleHtml(options.title) : ""}${html}${more}`;
}

export function tableText(data: TableData, options: TableOptions = {}): string {
  const p = prepare(data, options);
  const rows = p.table.objects({ limit: p.limit }) as Row[];
  const text = formatTextTable(p.columns, rows.map((r) => p.columns.map((c) => r[c])), {
    digits: options.digits,
    title: options.title,
    mark: p.best !== undefined && p.best < p.limit ? p.best : undefined,
  });
  return p.table.numRows() > p.limit ? `${text}\n(${p.table.numRows() - p.limit} more rows)` : text;
}

/** Shows a table: HTML in a notebook, text elsewhere (use toTable for arquero verbs). */
export function showTable(data: TableData, options: TableOptions = {}): void {
  show.html(tableHtml(data, options), tableText(data, options));
}

/**
 * A danfo.js DataFrame of a training history (rows or columns), for pandas-style exploration. danfojs-node is big
 * (about 340 MB installed, 1-2 s to load), so it is imported only when this is called.
 */
export async function historyDataFrame(history: readonly object[] | Record<string, unknown[]>): Promise<import("danfojs-node").DataFrame> {
  let dfd: typeof import("danfojs-node");
  try {
    dfd = await import("danfojs-node");
  } catch (e) {
    // an optional peer of the gptlab package: a user's folder has it only when asked for
    throw new Error(
      `historyDataFrame needs danfojs-node, which is not installed here (${(e as Error).message.split("\n")[0]}): npm install danfojs-node, with "overrides": { "xlsx": "0.18.5", "@tensorflow/tfjs-node": "npm:@tensorflow/tfjs@3.21.0" } in your package.json (it installs without them only where its CDN and binary downloads work)`,
    );
  }
  return new dfd.DataFrame(Array.isArray(history) ? (history as Row[]) : (history as Record<string, unknown[]>));
}

/** Shows the figures this notebook recorded for the regression (npx gptlab regress), with their tolerances. */
export function showRecords(options: TableOptions = {}): void {
  const rows = recordedFigures().map((f) => ({
    figure: f.name,
    value: f.value,
    tolerance: f.tolerance === "custom" ? `abs ${f.abs}, rel ${f.rel}` : f.tolerance,
    ...(f.note ? { note: f.note } : {}),
  }));
  if (rows.length === 0) {
    show.text("(no figures recorded)");
    return;
  }
  // collapsed: the list is bookkeeping for the regression, not part of the lesson
  const table = { title: "figures recorded for the regression test", digits: 6, limit: 200, ...options };
  const summary = `${rows.length} figures recorded for the regression test (npx gptlab regress): click to open`;
  show.html(`<details><summary>${summary}</summary>${tableHtml(rows, table)}</details>`, tableText(rows, table));
}
