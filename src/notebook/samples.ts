// Samples during training in a notebook: a live table (one row per sampling step, one column per prompt) that
// follows run.trainingSamples (config.sampleEvery) as the run trains, and the same table once it is done.

import type { Run } from "../train/run.js";
import type { Callback } from "../train/trainer.js";
import type { TrainingSample } from "../train/samples.js";
import { liveDisplay } from "./display.js";
import type { LiveDisplay } from "./display.js";
import { escapeHtml } from "./figure.js";
import { formatTextTable } from "./text-table.js";

/** The samples as rows: { step, [prompt]: text, ... }. */
export function samplesByStep(samples: readonly TrainingSample[]): Array<Record<string, string | number>> {
  const rows = new Map<number, Record<string, string | number>>();
  for (const s of samples) {
    const row = rows.get(s.step) ?? { step: s.step };
    row[s.prompt === "" ? "(from BOS)" : s.prompt] = s.text;
    rows.set(s.step, row);
  }
  return [...rows.values()];
}

/** HTML and text of the table of samples. */
export function samplesContent(samples: readonly TrainingSample[], title = "Samples during training"): { html: string; text: string } {
  const rows = samplesByStep(samples);
  const columns = rows.length ? Object.keys(rows[0]) : ["step"];
  const head = columns.map((c) => `<th style="text-align:left">${escapeHtml(c)}</th>`).join("");
  const body = rows.map((r) => `<tr>${columns.map((c) => `<td style="text-align:left;font-family:monospace">${escapeHtml(String(r[c] ?? ""))}</td>`).join("")}</tr>`).join("");
  const html = `<div><b>${escapeHtml(title)}</b><table>${`<tr>${head}</tr>`}${body}</table></div>`;
  const text = `${title}\n${formatTextTable(columns, rows.map((r) => columns.map((c) => r[c] ?? "")))}`;
  return { html, text };
}

/** A callback that redraws the table whenever the run has drawn new samples; closes when training ends. */
export class SamplesView implements Callback {
  private shown = 0;
  private readonly display: LiveDisplay = liveDisplay();

  constructor(private readonly run: Run, private readonly title = "Samples during training") {}

  onStep(): void {
    if (this.run.trainingSamples.length === this.shown) return;
    this.shown = this.run.trainingSamples.length;
    this.display.update(() => samplesContent(this.run.trainingSamples, this.title));
  }

  onEnd(): void {
    this.display.close();
  }
}

export function samplesView(run: Run, title?: string): SamplesView {
  if (run.config.sampleEvery <= 0) throw new Error("samplesView: the run draws no samples during training; set sampleEvery (e.g. new Run({ sampleEvery: 500 }))");
  return new SamplesView(run, title);
}
