// Generates names.txt: pronounceable invented names (one per line, lowercase a-z) from syllable patterns,
// deterministic (seeded Rng) so a re-run is byte-identical. Run: npx tsx datasets/names/generate.ts

import * as fs from "node:fs";
import * as path from "node:path";
import { Rng } from "../../src/core/random.js";
import { buildCharTokenizer } from "../../src/data/char.js";

const SEED = 7;
const COUNT = 4000;
const OUT = path.join(path.dirname(path.resolve(process.argv[1] ?? "datasets/names/generate.ts")), "names.txt");

let rng = new Rng(SEED);
/** Zipf-like pick: earlier entries are more common. */
function pick(items: readonly string[], skew = 0.8): string {
  return items[rng.categorical(items.map((_, i) => 1 / Math.pow(i + 1, skew)))];
}

const onsets = ["m", "l", "n", "r", "s", "t", "d", "k", "b", "j", "v", "h", "p", "g", "f", "z", "c", "w", "br", "st", "tr", "th", "sh", "ch", "gr", "fr", "cl", "kr", "y", "qu", "x", "dr", "pl", "sl"];
const vowels = ["a", "e", "i", "o", "ia", "u", "ai", "ie", "ea", "y", "ou", "ei"];
const middles = ["r", "l", "n", "m", "s", "d", "t", "v", "k", "ll", "nn", "th", "ss", "b", "g", "rd", "nd", "ck", "x", "z", "ph", "lv"];
const endings = ["a", "", "n", "e", "o", "ia", "el", "on", "us", "in", "y", "an", "er", "is", "ah", "en", "ie", "et", "ard", "ix", "ora", "ius", "wyn", "ek", "oz", "ith"];

function name(): string {
  const syllables = 1 + rng.categorical([2, 5, 3]); // 1 to 3 syllables before the ending
  let s = rng.random() < 0.85 ? pick(onsets) : "";
  s += pick(vowels);
  for (let i = 1; i < syllables; i++) s += pick(middles) + pick(vowels);
  s += pick(endings, 1.0);
  // squash awkward runs of three vowels or three identical letters
  return s.replace(/([aeiouy])[aeiouy]([aeiouy])/g, "$1$2").replace(/(.)\1\1/g, "$1$1");
}

/** The whole list; the same text on every call (the Rng is re-seeded). */
export function generateText(): string {
  rng = new Rng(SEED);
  const seen = new Set<string>();
  const names: string[] = [];
  let tries = 0;
  while (names.length < COUNT) {
    if (++tries > COUNT * 20) throw new Error("generator: too few distinct names; add syllables");
    const n = name();
    if (n.length < 3 || n.length > 10 || seen.has(n)) continue;
    seen.add(n);
    names.push(n);
  }
  return names.join("\n") + "\n";
}

function main(): void {
  const text = generateText();
  fs.writeFileSync(OUT, text);
  const names = text.split("\n").filter((l) => l.length > 0);
  const tok = buildCharTokenizer(text);
  const chars = names.reduce((k, n) => k + n.length, 0);
  console.log(`wrote ${OUT}`);
  console.log(`lines ${names.length}, characters (without line breaks) ${chars}, mean length ${(chars / names.length).toFixed(2)}, bytes ${Buffer.byteLength(text)}`);
  console.log(`distinct characters ${tok.vocabSize - 1}, vocabSize with <BOS> ${tok.vocabSize}, ln(vocabSize) ${Math.log(tok.vocabSize).toFixed(4)}`);
}

if (/generate\.ts$/.test(process.argv[1] ?? "")) main();
