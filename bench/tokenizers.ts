// Tokenizer benchmark (npm run bench -- --only tokenizers): training time and encode throughput of every tokenizer
// kind on the generated 1 MB stories corpus (datasets/stories), in the text mode's setting (line breaks are symbols).
// Median of --repeats trainings; encoding is timed on a tokenizer freshly loaded from its saved JSON (cold caches),
// then again on the same one (warm: bpe caches each pre-token's pieces).
//
// usage: npm run bench -- --only tokenizers [--data FILE] [--vocab-size 2000] [--repeats 3] [--json FILE]

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createTokenizer, loadTokenizer, tokenizerKinds, tokenizerEntry } from "../src/data/tokenizers.js";
import type { Tokenizer } from "../src/data/tokenizer.js";
import { readText } from "../src/data/files.js";
import { median, parseArgs } from "./util.js";

const USAGE = `npm run bench -- --only tokenizers [--data FILE] [--vocab-size 2000] [--repeats 3] [--json FILE]
Trains each tokenizer kind (${tokenizerKinds.join(", ")}) on the file (default: the 1 MB stories corpus) and encodes it:
training seconds (median of --repeats), encode MB/s cold (a tokenizer loaded from its JSON) and warm (encoded again).
Target: training a subword tokenizer on the corpus in under 10 s.`;

const DEFAULTS = { only: "tokenizers", data: path.join(path.dirname(path.resolve(process.argv[1] ?? "bench/tokenizers.ts")), "..", "datasets", "stories", "stories.txt"), "vocab-size": 2000, repeats: 3, json: "", target: 10 };

function seconds(f: () => void): number {
  const t0 = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function main(): void {
  const o = parseArgs(process.argv.slice(2), DEFAULTS, USAGE);
  const text = readText(o.data);
  const mb = Buffer.byteLength(text) / 1e6;
  console.log(`tokenizer benchmark: ${o.data} (${mb.toFixed(2)} MB, ${text.length} characters), vocabSize ${o["vocab-size"]} for bpe and unigram, median of ${o.repeats}; node ${process.version}, load average ${os.loadavg()[0].toFixed(2)}`);
  console.log("kind      vocab   train s   encode MB/s cold   warm   tokens      chars/token");
  const rows = [];
  for (const kind of tokenizerKinds) {
    const opts = tokenizerEntry(kind).schema?.vocabSize ? { vocabSize: o["vocab-size"], lineBreaks: true } : { lineBreaks: true };
    let tok: Tokenizer | null = null;
    const train = median(Array.from({ length: o.repeats }, () => seconds(() => (tok = createTokenizer(kind, text, opts)))));
    const fresh = loadTokenizer(JSON.stringify(tok!.toJSON()));
    let ids: number[] = [];
    const cold = seconds(() => (ids = fresh.encode(text)));
    const warm = median(Array.from({ length: o.repeats }, () => seconds(() => (ids = fresh.encode(text)))));
    const row = { kind, vocabSize: fresh.vocabSize, trainSeconds: train, encodeMBsCold: mb / cold, encodeMBsWarm: mb / warm, tokens: ids.length, charsPerToken: text.length / ids.length };
    rows.push(row);
    console.log(`${kind.padEnd(9)} ${String(row.vocabSize).padStart(5)}   ${train.toFixed(3).padStart(7)}   ${row.encodeMBsCold.toFixed(2).padStart(16)}   ${row.encodeMBsWarm.toFixed(2).padStart(5)}   ${String(row.tokens).padStart(9)}   ${row.charsPerToken.toFixed(2).padStart(11)}`);
  }
  const slowest = Math.max(...rows.map((r) => r.trainSeconds));
  console.log(`slowest training: ${slowest.toFixed(2)} s (target < ${o.target} s: ${slowest < o.target ? "met" : "not met"})`);
  if (o.json) fs.writeFileSync(o.json, JSON.stringify({ data: o.data, megabytes: mb, rows }, null, 2) + "\n");
  if (slowest >= o.target) process.exitCode = 1;
}

try {
  main();
} catch (e) {
  console.error(`bench tokenizers: ${(e as Error).message}`);
  process.exitCode = 1;
}
