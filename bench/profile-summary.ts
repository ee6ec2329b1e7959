// Summarizes a V8 .cpuprofile (node --cpu-prof): self time per function, largest first.
// usage: npx tsx bench/profile-summary.ts FILE.cpuprofile [FILE ...] [--top 30]  (several files: one profile per thread)

import { readFileSync } from "node:fs";
import { parseArgs } from "../src/io/args.js";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function main(): void {
  const { values, positional: files } = parseArgs({ top: 30 }, process.argv.slice(2), { positional: true });
  if (files.length === 0) throw new Error("usage: npx tsx bench/profile-summary.ts FILE.cpuprofile [FILE ...] [--top 30]");
  const self = new Map<string, number>();
  let total = 0;
  for (const file of files) {
    const prof = JSON.parse(readFileSync(file, "utf8")) as Profile;
    const byId = new Map(prof.nodes.map((n) => [n.id, n]));
    prof.samples.forEach((id, i) => {
      const f = byId.get(id)!.callFrame;
      const where = f.url ? `${f.url.replace(/^.*\/(src|bench|node_modules)\//, "$1/")}:${f.lineNumber + 1}` : "";
      const key = `${f.functionName || "(anonymous)"} ${where}`.trim();
      const dt = prof.timeDeltas[i] ?? 0;
      self.set(key, (self.get(key) ?? 0) + dt);
      total += dt;
    });
  }
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top ?? 30));
  console.log(`total ${(total / 1000).toFixed(0)} ms sampled`);
  for (const [k, us] of rows) console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`);
}

main();
