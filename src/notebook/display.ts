// One display API for notebooks and their exported scripts: inside a tslab kernel it sends Jupyter outputs,
// elsewhere (tsx scripts, CI, jest) the same calls print text and write figures as HTML files under out/<notebook>/.

import * as fs from "fs";
import * as path from "path";
import { inKernel, kernelWriter } from "./kernel.js";
import type { Figure, MimeBundle } from "./figure.js";
import { figureBundle, figureId, figurePage, figureText, plotlyBundlePath, plotlyLoaderHtml } from "./figure.js";
import { projectRoot } from "../io/paths.js";
export { projectRoot };

/** What can be shown: plain text, a plotly figure, HTML (with a text fallback), markdown, or a raw MIME bundle. */
export type Content =
  | string
  | Figure
  | { html: string; text?: string }
  | { markdown: string }
  | { bundle: MimeBundle; text?: string };

// ---------------------------------------------------------------------------------------------------------------
// Where file-mode outputs go

let notebookName: string | undefined;

/** Names the outputs folder (out/<name>/); exported notebook scripts call this with their notebook's name. */
export function setNotebookName(name: string): void {
  if (!/^[\w.-]+$/.test(name)) throw new Error(`notebook name must be letters, digits, "-", "_" or "." (got "${name}")`);
  notebookName = name;
}

function currentName(): string {
  if (notebookName) return notebookName;
  const script = process.argv[1];
  return script && !inKernel() ? path.basename(script).replace(/\.[^.]*$/, "") : "notebook";
}

/** The folder holding package.json, found upwards from the working folder (notebooks run in notebooks/). */
/** $GPTLAB_OUT, else out/<notebook name>/ at the project root (the folder holding package.json). */
export function outputDir(): string {
  const dir = process.env.GPTLAB_OUT ? path.resolve(process.env.GPTLAB_OUT) : path.join(projectRoot(), "out", currentName());
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering

let figureSerial = 0;
let fileSerial = 0;
let plotlyLoaded = false;

export function isFigure(c: unknown): c is Figure {
  return typeof c === "object" && c !== null && Array.isArray((c as Figure).data);
}

/** A rough text rendering of HTML for logs: rows on lines, cells separated by two spaces, tags dropped. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, "")
    .replace(/<br\s*\/?>|<\/(p|div|tr|h\d|li|caption)>/gi, "\n")
    .replace(/<\/(td|th)>/gi, "  ")
    .replace(/<[^>]+>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&nbsp;/g, " ")
    .replace(/&amp;/g, "&")
    .split("\n")
    .map((line) => line.trimEnd())
    .filter((line, i, lines) => line !== "" || (i > 0 && lines[i - 1] !== ""))
    .join("\n")
    .trim();
}

/** The Jupyter MIME bundle of a content. */
export function contentBundle(c: Content): MimeBundle {
  if (typeof c === "string") return { "text/plain": c };
  if (isFigure(c)) return figureBundle(c, figureId(c, ++figureSerial));
  if ("html" in c) return { "text/html": c.html, "text/plain": c.text ?? htmlToText(c.html) };
  if ("markdown" in c) return { "text/markdown": c.markdown, "text/plain": c.markdown };
  return c.bundle;
}

/** What file mode prints for a content. */
export function contentText(c: Content): string {
  if (typeof c === "string") return c;
  if (isFigure(c)) return figureText(c);
  if ("html" in c) return c.text ?? htmlToText(c.html);
  if ("markdown" in c) return c.markdown;
  const plain = c.bundle["text/plain"];
  return c.text ?? (typeof plain === "string" ? plain : `[display: ${Object.keys(c.bundle).join(", ")}]`);
}

function send(bundle: MimeBundle, displayId?: string, update = false, metadata: Record<string, unknown> = {}): void {
  const write = kernelWriter();
  if (!write) throw new Error("no tslab kernel to display to (this is a bug in gptlab's display facade)");
  write({ data: bundle, metadata, transient: displayId ? { display_id: displayId } : {} }, update);
}

/**
 * Sends the plotly.js bundle to the notebook once per kernel session (figures call this themselves).
 * Call it with force=true at the top of a notebook so that the page loads plotly even when the kernel had sent it
 * before in an output that is gone. Outside a kernel it does nothing.
 */
export function loadPlotly(force = false): void {
  if (!inKernel() || (plotlyLoaded && !force)) return;
  const source = fs.readFileSync(plotlyBundlePath(), "utf8");
  send(
    { "text/html": plotlyLoaderHtml(source), "text/plain": "(plotly.js loaded)" },
    undefined,
    false,
    { gptlab: { plotly_bundle: true } },
  );
  plotlyLoaded = true;
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40) || "figure";
}

/** Copies the plotly bundle next to figure pages once, so that pages stay small and open offline. */
function ensureBundleIn(dir: string): string {
  const target = path.join(dir, "plotly.min.js");
  const source = plotlyBundlePath();
  if (!fs.existsSync(target) || fs.statSync(target).size !== fs.statSync(source).size) fs.copyFileSync(source, target);
  return "plotly.min.js";
}

/** Writes a figure as a standalone HTML page (default out/<notebook>/fig-NN-<title>.html) and returns its path. */
export function saveFigure(fig: Figure, file?: string): string {
  let target = file;
  if (!target) {
    const title = fig.layout?.title;
    const name = typeof title === "string" ? title : (title as { text?: string } | undefined)?.text ?? "figure";
    target = path.join(outputDir(), `fig-${String(++fileSerial).padStart(2, "0")}-${slug(name)}.html`);
  }
  const dir = path.dirname(path.resolve(target));
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(target, figurePage(fig, ensureBundleIn(dir)));
  return target;
}

function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith("..") ? file : rel;
}

/** Shows a content: a Jupyter output in a kernel; printed text (and a figure file) elsewhere. */
function showContent(c: Content): void {
  if (inKernel()) {
    if (isFigure(c)) loadPlotly();
    send(contentBundle(c));
    return;
  }
  if (isFigure(c)) {
    const file = saveFigure(c);
    console.log(`${figureText(c)}\n  -> ${displayPath(file)}`);
    return;
  }
  console.log(contentText(c));
}

/** `show(x)` shows any content; the methods name the kind. */
export const show = Object.assign(showContent, {
  text: (s: string): void => showContent(s),
  markdown: (s: string): void => showContent({ markdown: s }),
  html: (html: string, text?: string): void => showContent({ html, text }),
  plot: (fig: Figure): void => showContent(fig),
  bundle: (bundle: MimeBundle, text?: string): void => showContent({ bundle, text }),
});

// ---------------------------------------------------------------------------------------------------------------
// Live displays: one output updated in place, throttled

export interface LiveDisplayOptions {
  /** Least time between two kernel updates (each resends the whole content). Default 250 ms. */
  intervalMs?: number;
  /** Least time between two printed lines or figure-file writes outside a kernel. Default 2000 ms. */
  printIntervalMs?: number;
  /** Clock in ms (tests pass a fake one). Default Date.now. */
  clock?: () => number;
}

const openLiveDisplays = new Set<LiveDisplay>();
let exitHookInstalled = false;

export class LiveDisplay {
  private readonly kernel: boolean;
  private readonly interval: number;
  private readonly clock: () => number;
  private readonly displayId: string;
  private pending: Content | (() => Content) | undefined;
  private lastSent = -Infinity;
  private started = false;
  private closed = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private figureFile: string | undefined;
  private lastFigure: Figure | undefined;

  constructor(options: LiveDisplayOptions = {}) {
    this.kernel = inKernel();
    this.interval = this.kernel ? options.intervalMs ?? 250 : options.printIntervalMs ?? 2000;
    if (!(this.interval >= 0)) throw new Error(`live display interval must be a number of ms >= 0 (got ${this.interval})`);
    this.clock = options.clock ?? Date.now;
    this.displayId = `gptlab-live-${process.pid}-${++figureSerial}`;
    if (!this.kernel) {
      openLiveDisplays.add(this);
      if (!exitHookInstalled) {
        exitHookInstalled = true;
        process.on("exit", () => openLiveDisplays.forEach((d) => d.close()));
      }
    }
  }

  /**
   * Replaces the displayed content; sent at once if the last send is older than the interval, else later.
   * A function is called only when its content is sent (cheap to call on every step).
   */
  update(c: Content | (() => Content)): void {
    if (this.closed) throw new Error("this live display is closed: create a new one with liveDisplay()");
    this.pending = c;
    const wait = this.lastSent + this.interval - this.clock();
    if (wait <= 0) {
      this.flush();
    } else if (this.kernel && this.timer === undefined) {
      // an awaiting loop gives the timer a chance; a synchronous loop sends on its next update or on close()
      this.timer = setTimeout(() => {
        this.timer = undefined;
        if (!this.closed) this.flush();
      }, wait);
      this.timer.unref?.();
    }
  }

  /** Sends the pending content now. */
  flush(): void {
    const next = this.pending;
    if (next === undefined) return;
    const c = typeof next === "function" ? next() : next;
    this.pending = undefined;
    this.lastSent = this.clock();
    if (this.kernel) {
      if (isFigure(c)) loadPlotly();
      send(contentBundle(c), this.displayId, this.started);
    } else if (isFigure(c)) {
      const first = this.figureFile === undefined;
      this.figureFile = saveFigure(c, this.figureFile);
      this.lastFigure = c;
      if (first && !this.closed) console.log(`(live figure, rewritten until it closes: ${displayPath(this.figureFile)})`);
    } else {
      this.lastFigure = undefined;
      console.log(contentText(c));
    }
    this.started = true;
  }

  /** Sends what is pending and stops; call it when the loop ends (file mode also does it when the process exits). */
  close(): void {
    if (this.closed) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.closed = true;
    this.flush();
    if (this.lastFigure && this.figureFile) console.log(`${figureText(this.lastFigure)}\n  -> ${displayPath(this.figureFile)}`);
    openLiveDisplays.delete(this);
  }
}

export function liveDisplay(options?: LiveDisplayOptions): LiveDisplay {
  return new LiveDisplay(options);
}

// ---------------------------------------------------------------------------------------------------------------
// Progress lines

export interface ProgressState {
  label: string;
  done: number;
  total: number;
  elapsedMs: number;
  info?: Record<string, number | string>;
  width?: number;
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number): string => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

function formatValue(v: number | string): string {
  if (typeof v === "string") return v;
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3 ? v.toExponential(3) : v.toFixed(4);
}

/** `label [#####.....] 45/100 45% | 12.3 it/s | ETA 0:04 | loss 2.3100` */
export function formatProgress(p: ProgressState): string {
  const width = p.width ?? 24;
  const fraction = p.total > 0 ? Math.min(1, Math.max(0, p.done / p.total)) : 0;
  const filled = Math.round(fraction * width);
  const parts = [
    `${p.label ? p.label + " " : ""}[${"#".repeat(filled)}${".".repeat(width - filled)}] ${p.done}/${p.total} ${Math.floor(fraction * 100)}%`,
  ];
  // a rate from the first second (which includes start-up work) would give a wild ETA: wait for one second
  if ((p.elapsedMs >= 1000 || (p.done >= p.total && p.elapsedMs > 0)) && p.done > 0) {
    const rate = (p.done * 1000) / p.elapsedMs;
    parts.push(`${rate >= 100 ? rate.toFixed(0) : rate.toPrecision(3)} it/s`);
    parts.push(p.done < p.total ? `ETA ${formatDuration(((p.total - p.done) / rate) * 1000)}` : `took ${formatDuration(p.elapsedMs)}`);
  }
  for (const [k, v] of Object.entries(p.info ?? {})) parts.push(`${k} ${formatValue(v)}`);
  return parts.join(" | ");
}

export interface ProgressOptions extends LiveDisplayOptions {
  label?: string;
  width?: number;
}

export class Progress {
  private readonly live: LiveDisplay;
  private readonly clock: () => number;
  private readonly start: number;
  private count = 0;
  private info: Record<string, number | string> | undefined;

  constructor(readonly total: number, private readonly options: ProgressOptions = {}) {
    if (!(Number.isInteger(total) && total >= 0)) throw new Error(`progress total must be an integer >= 0 (got ${total})`);
    this.clock = options.clock ?? Date.now;
    this.start = this.clock();
    this.live = new LiveDisplay(options);
  }

  get done(): number {
    return this.count;
  }

  /** Advances by n steps; info values (e.g. { loss }) are shown after the bar. */
  tick(n = 1, info?: Record<string, number | string>): void {
    this.set(this.count + n, info);
  }

  set(done: number, info?: Record<string, number | string>): void {
    this.count = done;
    if (info) this.info = info;
    this.live.update(this.line());
  }

  /** Shows the final line and closes the display. */
  finish(info?: Record<string, number | string>): void {
    if (info) this.info = info;
    this.live.update(this.line());
    this.live.close();
  }

  private line(): string {
    return formatProgress({
      label: this.options.label ?? "",
      done: this.count,
      total: this.total,
      elapsedMs: this.clock() - this.start,
      info: this.info,
      width: this.options.width,
    });
  }
}

export function progress(total: number, options?: ProgressOptions): Progress {
  return new Progress(total, options);
}
