// Reading text data files with errors that say what went wrong and what to do (missing file, a folder, empty).

import * as fs from "node:fs";
import * as path from "node:path";

/** The whole file as UTF-8 text (a leading byte-order mark is dropped). */
export function readText(file: string): string {
  if (typeof file !== "string" || file === "") throw new Error(`data path must be a non-empty string (got ${JSON.stringify(file)})`);
  const abs = path.resolve(file);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(abs);
  } catch {
    throw new Error(
      `data file not found: ${abs} (given as ${JSON.stringify(file)}, relative to the working folder ${process.cwd()}). ` +
        `Check the path; the datasets that ship with gptlab are datasets/simple-sentences/sentences.txt and datasets/names/names.txt`,
    );
  }
  if (stat.isDirectory()) throw new Error(`data path ${abs} is a folder: give the text file inside it (one document per line)`);
  const bytes = fs.readFileSync(abs);
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    throw new Error(
      `data file ${abs} is not UTF-8 text: byte ${at} (0-based) is 0x${bytes[at].toString(16).toUpperCase().padStart(2, "0")}, which does not start a valid UTF-8 character there. ` +
        `Convert it, e.g. iconv -f latin1 -t utf-8 ${JSON.stringify(file)} > out.txt`,
    );
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Offset of the first byte that breaks UTF-8 (only called once decoding has failed, so a bad byte exists). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const n = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (n === 0) return i;
    for (let k = 1; k < n; k++) {
      if (i + k >= bytes.length || (bytes[i + k] & 0xc0) !== 0x80) return i;
    }
    if (strictUtf8Part(bytes.subarray(i, i + n))) return i; // overlong, surrogate or beyond U+10FFFF
    i += n;
  }
  return Math.max(0, bytes.length - 1);
}

function strictUtf8Part(seq: Uint8Array): boolean {
  try {
    strictUtf8.decode(seq);
    return false;
  } catch {
    return true;
  }
}

/** The non-blank lines of a file, trimmed (one document per line); an empty file is an error. */
export function readLines(file: string): string[] {
  const lines = splitLines(readText(file));
  if (lines.length === 0) throw new Error(`data file ${path.resolve(file)} has no non-blank lines: it needs one document per line`);
  return lines;
}

/** The non-blank lines of a text, trimmed; "\r\n" and "\n" both end a line. */
export function splitLines(text: string): string[] {
  return text
    .split(/\r?\n|\r/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}
