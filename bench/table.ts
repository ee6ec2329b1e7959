// The README's speed table from bench JSON files (npm run bench -- --compare --json FILE): one row per model, the
// CPU, instruction set and load of the run beside it, so that no figure is typed by hand.
//
// usage: npx tsx bench/table.ts FILE.json [FILE.json ...]   (the files' rows make one table, each run's conditions above it)

import { readFileSync } from "node:fs";
import { cpus } from "node:os";

interface Row {
  model: string;
  backend: string;
  threads: number;
  isa: string;
  tokensPerSec: number;
  peakRssMB: number | null;
}

interface Bench {
  cpu?: string;
  loadAverage: number[];
  repLoads: number[];
  options: { isa?: string; reps: number };
  peaks?: Array<{ bits: number; cpu: number }>;
  isa?: { torch: { aten: string; openblas: string; onednn: string } | null; warnings: string[] };
  results: Row[];
  torch: { torch: string; results: Array<{ model: string; threads: number; tokens_per_s: number; peak_rss_mb: number }>; ratios: Array<{ model: string; threads: number; backend: string; ratio: number; cpuRatio?: number }> } | null;
  roofline?: Array<{ model: string; side: string; share: number | null }>;
}

const n0 = (x: number): string => Math.round(x).toLocaleString("en-US");

/** The conditions of one run: CPU, --isa, what each side ran with, repetitions and load. */
function conditions(b: Bench): string[] {
  const t = b.isa?.torch;
  const loads = [...b.repLoads, b.loadAverage[1]].map((l) => l.toFixed(1));
  const models = [...new Set(b.results.map((r) => r.model))].join(", ");
  const out = [`${models}: ${b.cpu || cpus()[0].model}, \`--isa ${b.options.isa ?? "native"}\`, gptlab's addon ${[...new Set(b.results.filter((r) => r.isa).map((r) => r.isa))].join("/") || "-"}` +
    (t ? `; PyTorch ${b.torch?.torch}: ATen ${t.aten}, OpenBLAS ${t.openblas}, oneDNN ${t.onednn}` : "") +
    `; ${b.options.reps} interleaved repetitions, load average ${loads.join(", ")}${b.peaks ? `; one-core multiply-add peak ${b.peaks.map((p) => `${p.bits}-bit ${p.cpu.toFixed(0)}`).join(", ")} GFLOP/s` : ""}`];
  if (b.isa?.warnings.length) out.push(`(warnings of that run: ${b.isa.warnings.join("; ")})`);
  return out;
}

function table(files: string[]): string {
  const runs = files.map((f) => JSON.parse(readFileSync(f, "utf8")) as Bench);
  const lines = runs.flatMap(conditions).map((l) => `- ${l}`);
  lines.push("");
  lines.push("| model | PyTorch 1.13 | gptlab wasm-native | gptlab wasm-fma (portable) | roofline share: native / portable / PyTorch | peak RSS MB: ours / PyTorch |");
  lines.push("|---|---|---|---|---|---|");
  for (const b of runs) {
    for (const m of [...new Set(b.results.map((r) => r.model))]) {
      const tr = b.torch?.results.find((x) => x.model === m && x.threads === 1);
      const cell = (backend: string): string => {
        const r = b.results.find((x) => x.model === m && x.backend === backend && x.threads === 1);
        if (!r) return "-";
        const q = b.torch?.ratios.find((x) => x.model === m && x.backend === backend && x.threads === 1);
        return `${n0(r.tokensPerSec)}${q ? ` (${q.ratio.toFixed(2)}x; ${q.cpuRatio?.toFixed(2) ?? "-"}x)` : ""}`;
      };
      const share = (side: string): string => {
        const s = b.roofline?.find((x) => x.model === m && x.side === side)?.share;
        return s === undefined || s === null ? "-" : `${(100 * s).toFixed(0)}%`;
      };
      const rss = b.results.find((x) => x.model === m && x.backend === "wasm-native" && x.threads === 1)?.peakRssMB;
      lines.push(`| ${m} | ${tr ? n0(tr.tokens_per_s) : "-"} | ${cell("wasm-native")} | ${cell("wasm-fma")} | ${share("gptlab wasm-native")} / ${share("gptlab wasm-fma")} / ${share("PyTorch")} | ${rss ? n0(rss) : "-"} / ${tr ? n0(tr.peak_rss_mb) : "-"} |`);
    }
  }
  return lines.join("\n");
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: npx tsx bench/table.ts FILE.json [FILE.json ...]");
  process.exit(2);
}
console.log(table(files));
