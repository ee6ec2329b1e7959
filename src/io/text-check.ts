// Checks a text data file before training on it: a binary file or text in another encoding than UTF-8 would train
// silently on garbage (replacement characters), so they are refused with the file, the line and what to do.

import * as fs from "node:fs";

export interface TextFileInfo {
  /** File line number (from 1) of each non-blank line, in order: the documents loadDataset reads. */
  lineOf: number[];
}

function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/** Refuses binary and non-UTF-8 files naming the line; returns where each document sits in the file. */
export function inspectTextFile(file: string): TextFileInfo {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return { lineOf: [] }; // loadDataset's reader gives the helpful error for a missing file or a folder
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new Error(`data file ${file} looks binary (a NUL byte on line ${lineAt(bytes, nul)}, byte ${nul}): give a text file, one document per line`);
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    // find the first bad sequence for the message
    const decoder = new TextDecoder("utf-8", { fatal: true });
    let start = 0;
    for (let i = 0; i <= bytes.length; i++) {
      if (i === bytes.length || bytes[i] === 0x0a) {
        try {
          decoder.decode(bytes.subarray(start, i));
        } catch {
          const line = lineAt(bytes, start);
          throw new Error(`data file ${file} is not UTF-8 text (line ${line} has bytes that are not UTF-8, e.g. Latin-1): convert it, e.g. iconv -f latin1 -t utf-8 ${file} > out.txt`);
        }
        start = i + 1;
      }
    }
  }
  const lineOf: number[] = [];
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  text.split(/\r?\n|\r/).forEach((l, i) => {
    if (l.trim().length > 0) lineOf.push(i + 1);
  });
  return { lineOf };
}
