// Plotly figures as data, and their offline renderings: a Jupyter MIME bundle, a standalone HTML page, a text summary.
// plotly.js is a browser bundle: it is never loaded in Node, only read as text and sent to the page.

import * as fs from "fs";
import * as path from "path";
import { createHash } from "crypto";
import { createRequire } from "module";
import { gptlabRoot } from "../core/package-root.js";

export type Trace = Record<string, unknown>;
export type Layout = Record<string, unknown>;

export interface Figure {
  data: Trace[];
  layout?: Layout;
  config?: Record<string, unknown>;
}

export type MimeBundle = Record<string, unknown>;

export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/** Bundles tried in order: the cartesian one (1.5 MB: scatter, bar, heatmap, histogram, box) before the full one. */
const BUNDLES = [
  "plotly.js-cartesian-dist-min/plotly-cartesian.min.js",
  "plotly.js-dist/plotly.js",
];

/**
 * Path of the plotly.js browser bundle: $GPTLAB_PLOTLY, else the first bundle found in a node_modules folder above
 * the working folder, else one gptlab's own package resolves (a dependency installed beside it in a user's folder).
 */
export function plotlyBundlePath(): string {
  const fromEnv = process.env.GPTLAB_PLOTLY;
  if (fromEnv) {
    if (!fs.existsSync(fromEnv)) throw new Error(`GPTLAB_PLOTLY points to a missing file (${fromEnv})`);
    return fromEnv;
  }
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    for (const rel of BUNDLES) {
      const candidate = path.join(dir, "node_modules", rel);
      if (fs.existsSync(candidate)) return candidate;
    }
    if (path.dirname(dir) === dir) break;
  }
  const fromPackage = createRequire(path.join(gptlabRoot(), "package.json"));
  for (const rel of BUNDLES) {
    try {
      return fromPackage.resolve(rel);
    } catch {
      // not installed: try the next bundle
    }
  }
  throw new Error(
    `no plotly.js bundle found in node_modules above ${process.cwd()} or beside gptlab (looked for ${BUNDLES.join(", ")}): run npm install plotly.js-cartesian-dist-min`,
  );
}

/** Makes text safe inside an inline <script>: no "</script" and no line separators that break JS strings. */
export function scriptSafe(source: string): string {
  return source.replace(/<\/(script)/gi, "<\\/$1").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** HTML that defines window.Plotly once per page; later copies do nothing. */
export function plotlyLoaderHtml(bundleSource: string): string {
  return `<script type="text/javascript">if (!window.Plotly) {\n${scriptSafe(bundleSource)}\n}</script>`;
}

/** The JSON plotly receives: the figure with gptlab's defaults applied. */
export function figureJSON(fig: Figure): Required<Figure> {
  return {
    data: fig.data.map(roundTrace),
    layout: { height: 400, margin: { l: 60, r: 30, t: 50, b: 50 }, ...fig.layout },
    config: { responsive: true, displaylogo: false, ...fig.config },
  };
}

/** Significant digits kept in a figure's x and y values: plenty for a plot, and a committed notebook stays small. */
export const FIGURE_DIGITS = 6;

function roundTrace(trace: Trace): Trace {
  const round = (values: unknown): unknown =>
    Array.isArray(values) ? values.map((v) => (typeof v === "number" && Number.isFinite(v) ? Number(v.toPrecision(FIGURE_DIGITS)) : v)) : values;
  return "x" in trace || "y" in trace ? { ...trace, ...("x" in trace ? { x: round(trace.x) } : {}), ...("y" in trace ? { y: round(trace.y) } : {}) } : trace;
}

/** A div id that is the same for the same figure shown at the same position, so re-runs give identical outputs. */
export function figureId(fig: Figure, serial: number): string {
  const digest = createHash("sha256").update(JSON.stringify(fig)).digest("hex").slice(0, 10);
  return `gptlab-fig-${digest}-${serial}`;
}

/** A div and the script that draws the figure into it; it waits a few seconds for Plotly if the loader runs later. */
export function figureHtml(fig: Figure, divId: string): string {
  const json = figureJSON(fig);
  const height = typeof json.layout.height === "number" ? `${json.layout.height}px` : "400px";
  return (
    `<div id="${divId}" class="gptlab-plot" style="width:100%;height:${height};"></div>\n` +
    `<script type="text/javascript">\n(function () {\n` +
    `  var fig = ${scriptSafe(JSON.stringify(json))};\n` +
    `  function draw() { window.Plotly.newPlot("${divId}", fig.data, fig.layout, fig.config); }\n` +
    `  if (window.Plotly) { draw(); return; }\n` +
    `  var tries = 0, timer = setInterval(function () {\n` +
    `    if (window.Plotly) { clearInterval(timer); draw(); }\n` +
    `    else if (++tries > 100) { clearInterval(timer); var el = document.getElementById("${divId}");\n` +
    `      if (el) el.textContent = "Plotly is not loaded: run loadPlotly() or re-run the notebook from the top"; }\n` +
    `  }, 50);\n})();\n</script>`
  );
}

/** One line per trace: what a reader of a log (or of text/plain) needs to know about the figure. */
export function figureText(fig: Figure): string {
  const title = titleOf(fig);
  const lines = [`Figure${title ? `: ${title}` : ""} (${fig.data.length} trace${fig.data.length === 1 ? "" : "s"})`];
  for (const trace of fig.data) {
    const y = Array.isArray(trace.y) ? (trace.y as unknown[]) : [];
    const x = Array.isArray(trace.x) ? (trace.x as unknown[]) : [];
    const numeric = y.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
    let summary = `${y.length} points`;
    if (numeric.length > 0) {
      const last = numeric[numeric.length - 1];
      summary += `, last ${fmt(last)}${x.length === y.length ? ` at x=${String(x[x.length - 1])}` : ""}`;
      let min = Infinity, max = -Infinity;
      for (const v of numeric) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      summary += `, min ${fmt(min)}, max ${fmt(max)}`;
    }
    lines.push(`  ${String(trace.name ?? trace.type ?? "trace")}: ${summary}`);
  }
  return lines.join("\n");
}

/** The MIME bundle of one figure: VS Code uses the plotly JSON, Jupyter Notebook and nbconvert the HTML. */
export function figureBundle(fig: Figure, divId: string): MimeBundle {
  return {
    [PLOTLY_MIME]: figureJSON(fig),
    "text/html": figureHtml(fig, divId),
    "text/plain": figureText(fig),
  };
}

/** A standalone page; scriptSrc is the plotly bundle next to it, so the page works offline from a file:// URL. */
export function figurePage(fig: Figure, scriptSrc: string): string {
  const title = titleOf(fig) ?? "figure";
  return (
    `<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n<title>${escapeHtml(title)}</title>\n` +
    `<script src="${escapeHtml(scriptSrc)}"></script>\n</head>\n<body>\n` +
    `${figureHtml(fig, "gptlab-fig")}\n</body>\n</html>\n`
  );
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function titleOf(fig: Figure): string | undefined {
  const t = fig.layout?.title;
  if (typeof t === "string") return t;
  if (t && typeof t === "object" && typeof (t as { text?: unknown }).text === "string") return (t as { text: string }).text;
  return undefined;
}

function fmt(v: number): string {
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : String(Number(v.toPrecision(4)));
}
