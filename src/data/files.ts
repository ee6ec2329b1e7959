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
  const text = fs.readFileSync(abs, "utf8");
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
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
