// Reading text data files with errors that say what went wrong and what to do (missing file, a folder, empty, a
// binary file, text in another encoding than UTF-8). One check of the bytes (textProblem) serves both readers:
// readText (the data modes) and inspectTextFile (the run, before it trains: a binary or non-UTF-8 file would
// train silently on garbage).

import * as fs from "node:fs";
import * as path from "node:path";

/** Characters (Unicode code points) of a text: a surrogate pair, an emoji say, is one. */
export function countCharacters(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff && i > 0 && text.charCodeAt(i - 1) >= 0xd800 && text.charCodeAt(i - 1) <= 0xdbff) n--;
  }
  return n;
}

/** Data files above this size are refused before they are read (their text, tokens and batches must fit in memory). */
export const MAX_DATA_BYTES = 1 << 30;

/** Refuses what is not a regular file of a readable size, before reading it: a FIFO or /dev/zero would block or never end. */
function checkRegularFile(abs: string, stat: fs.Stats, given: string): void {
  if (!stat.isFile()) {
    const what = stat.isFIFO() ? "a pipe (FIFO)" : stat.isCharacterDevice() || stat.isBlockDevice() ? "a device" : stat.isSocket() ? "a socket" : "not a regular file";
    throw new Error(`data file ${abs} is ${what}: gptlab reads its data twice (the tokenizer, then the split), so give a regular file (e.g. save the output to a file first: ... > data.txt, then --data data.txt)` + (given !== abs ? ` (given as ${JSON.stringify(given)})` : ""));
  }
  if (stat.size > MAX_DATA_BYTES) throw new Error(`data file ${abs} is ${stat.size} bytes, over the ${MAX_DATA_BYTES}-byte limit of a data file: use a part of it (e.g. head -c 100000000 ${JSON.stringify(given)} > part.txt)`);
}

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
        `Check the path; the datasets that ship with gptlab are datasets/simple-sentences/sentences.txt, datasets/names/names.txt, datasets/stories/stories.txt and datasets/intent-plan/plans.txt`,
    );
  }
  if (stat.isDirectory()) throw new Error(`data path ${abs} is a folder: give the text file inside it (one document per line)`);
  checkRegularFile(abs, stat, file);
  const bytes = fs.readFileSync(abs);
  const problem = textProblem(bytes, { binary: false });
  if (problem) {
    const at = problem.offset;
    throw new Error(
      `data file ${abs} is not UTF-8 text: byte ${at} (0-based) is 0x${bytes[at].toString(16).toUpperCase().padStart(2, "0")}, which does not start a valid UTF-8 character there. ` +
        `Convert it, e.g. iconv -f latin1 -t utf-8 ${JSON.stringify(file)} > out.txt`,
    );
  }
  const text = strictUtf8.decode(bytes);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** What makes bytes unfit as text: a NUL byte (a binary file; checked unless binary: false) or the first byte that breaks UTF-8. */
export function textProblem(bytes: Uint8Array, opts: { binary?: boolean } = {}): { kind: "binary" | "not-utf8"; offset: number; line: number } | null {
  const nul = opts.binary === false ? -1 : bytes.indexOf(0);
  if (nul >= 0) return { kind: "binary", offset: nul, line: lineAt(bytes, nul) };
  try {
    strictUtf8.decode(bytes);
    return null;
  } catch {
    const offset = firstInvalidUtf8(bytes);
    return { kind: "not-utf8", offset, line: lineAt(bytes, offset) };
  }
}

/** File line number (from 1) of a byte offset. */
function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

export interface TextFileInfo {
  /** File line number (from 1) of each non-blank line, in order: the documents loadDataset reads. */
  lineOf: number[];
}

/** Refuses binary and non-UTF-8 files naming the line; returns where each document sits in the file. */
export function inspectTextFile(file: string): TextFileInfo {
  let bytes: Uint8Array;
  try {
    const stat = fs.statSync(file);
    if (!stat.isDirectory()) checkRegularFile(path.resolve(file), stat, file);
    bytes = fs.readFileSync(file);
  } catch (e) {
    if (/data file .* is (a pipe|a device|a socket|not a regular|\d+ bytes, over)/.test((e as Error).message)) throw e;
    return { lineOf: [] }; // loadDataset's reader gives the helpful error for a missing file or a folder
  }
  const problem = textProblem(bytes);
  if (problem?.kind === "binary") throw new Error(`data file ${file} looks binary (a NUL byte on line ${problem.line}, byte ${problem.offset}): give a text file, one document per line`);
  if (problem) throw new Error(`data file ${file} is not UTF-8 text (line ${problem.line} has bytes that are not UTF-8, e.g. Latin-1): convert it, e.g. iconv -f latin1 -t utf-8 ${file} > out.txt`);
  const lineOf: number[] = [];
  strictUtf8
    .decode(bytes)
    .split(/\r?\n|\r/)
    .forEach((l, i) => {
      if (l.trim().length > 0) lineOf.push(i + 1);
    });
  return { lineOf };
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
