import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DocumentSource, StreamSource, dataModeRegistry, dataModes, loadDataset, readLines, splitTrainVal } from "../../src/data/dataset.js";
import { streamMode, textMode } from "../../src/data/modes.js";
import type { Batch } from "../../src/data/dataset.js";
import { buildCharTokenizer } from "../../src/data/char.js";
import { withTrialEntries } from "../helpers/trial-entry.js";

const BOS = 0;
/** Documents of distinct lengths whose tokens are never BOS. */
function docsOfLengths(lengths: number[]): number[][] {
  return lengths.map((n, d) => Array.from({ length: n }, (_, i) => 1 + ((d * 7 + i) % 20)));
}
function rowOf(b: Batch, arr: "inputs" | "targets", r: number): number[] {
  return Array.from(b[arr].subarray(r * b.T, (r + 1) * b.T));
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-data-"));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
function writeFile(name: string, text: string): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
}

describe("reading files", () => {
  test("readLines returns the trimmed non-blank lines, whatever the line endings", () => {
    expect(readLines(writeFile("a.txt", "one\r\n\n  two  \nthree"))).toEqual(["one", "two", "three"]);
  });
  test("a missing file gives an error with its absolute path and a hint", () => {
    const p = path.join(tmp, "nope.txt");
    expect(() => readLines(p)).toThrow(new RegExp(`not found: ${p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}.*Check the path`));
  });
  test("a file of blank lines is an error that says it needs one document per line", () => {
    expect(() => readLines(writeFile("empty.txt", "\n  \n"))).toThrow(/no non-blank lines.*one document per line/);
  });
  test("a folder is an error", () => {
    expect(() => readLines(tmp)).toThrow(/is a folder/);
  });
});

describe("splitTrainVal", () => {
  const items = Array.from({ length: 100 }, (_, i) => i);

  test("is the same for the same seed and differs for another seed", () => {
    const a = splitTrainVal(items, { valFraction: 0.2, seed: 3 });
    expect(splitTrainVal(items, { valFraction: 0.2, seed: 3 })).toEqual(a);
    expect(splitTrainVal(items, { valFraction: 0.2, seed: 4 }).val).not.toEqual(a.val);
  });

  test("train and val are disjoint, cover every item once, and val has round(fraction * n) items", () => {
    const { train, val } = splitTrainVal(items, { valFraction: 0.15, seed: 1 });
    expect(val).toHaveLength(Math.round(0.15 * items.length));
    expect([...train, ...val].sort((x, y) => x - y)).toEqual(items);
    expect(train.filter((x) => val.includes(x))).toEqual([]);
  });

  test("a tiny fraction still gives val one item, and valFraction 0 gives none", () => {
    expect(splitTrainVal(items, { valFraction: 0.001, seed: 1 }).val).toHaveLength(1);
    expect(splitTrainVal(items, { valFraction: 0, seed: 1 }).val).toHaveLength(0);
  });

  test("rejects a fraction outside [0, 1), naming it", () => {
    expect(() => splitTrainVal(items, { valFraction: 1, seed: 1 })).toThrow(/valFraction must be a number in \[0, 1\) \(got 1\)/);
  });
});

describe("documents source", () => {
  const docs = docsOfLengths([3, 0, 7, 20, 5, 1]);
  const blockSize = 8;

  test("with batch size 1 each step is one document [BOS] doc [BOS] with T = its length - 1", () => {
    const src = new DocumentSource(docs, { bos: BOS, blockSize: 50, batchSize: 1, seed: 5 });
    const seen = new Set<string>();
    for (let i = 0; i < docs.length; i++) {
      const b = src.nextBatch();
      expect(b.B).toBe(1);
      const seq = [...Array.from(b.inputs), b.targets[b.T - 1]];
      expect(seq[0]).toBe(BOS);
      expect(seq[seq.length - 1]).toBe(BOS);
      const doc = seq.slice(1, -1);
      expect(b.T).toBe(doc.length + 1);
      expect(Array.from(b.targets)).toEqual(seq.slice(1)); // targets are inputs shifted by one
      seen.add(JSON.stringify(doc));
    }
    // one epoch serves every document exactly once
    expect(seen).toEqual(new Set(docs.map((d) => JSON.stringify(d))));
  });

  test("a long document is cut to blockSize + 1 tokens", () => {
    const src = new DocumentSource([docs[3]], { bos: BOS, blockSize, batchSize: 1 });
    const b = src.nextBatch();
    expect(b.T).toBe(blockSize);
    expect(Array.from(b.inputs)).toEqual([BOS, ...docs[3].slice(0, blockSize - 1)]);
    expect(src.numTruncated).toBe(1);
  });

  test("a batch pads shorter rows: inputs with BOS, targets with -1, T = longest - 1", () => {
    const src = new DocumentSource(docs, { bos: BOS, blockSize, batchSize: 3, seed: 2 });
    const rows = src.evalBatches(1)[0]; // the first three documents in order
    const lens = docs.slice(0, 3).map((d) => Math.min(d.length + 2, blockSize + 1));
    expect(rows.T).toBe(Math.max(...lens) - 1);
    for (let r = 0; r < 3; r++) {
      const targets = rowOf(rows, "targets", r);
      const inputs = rowOf(rows, "inputs", r);
      const real = lens[r] - 1;
      expect(targets.slice(real).every((t) => t === -1)).toBe(true);
      expect(targets.slice(0, real).every((t) => t >= 0)).toBe(true);
      expect(inputs.slice(real).every((t) => t === BOS)).toBe(true);
      expect(targets[real - 1]).toBe(BOS); // the closing BOS is the last real target (the doc fits)
    }
  });

  test("evalBatches covers every document once, in order, and is the same on every call", () => {
    const src = new DocumentSource(docs, { bos: BOS, blockSize: 50, batchSize: 4 });
    const batches = src.evalBatches();
    expect(batches.map((b) => b.B)).toEqual([4, 2]);
    const targetsCount = batches.reduce((n, b) => n + Array.from(b.targets).filter((t) => t >= 0).length, 0);
    expect(targetsCount).toBe(docs.reduce((n, d) => n + d.length + 1, 0));
    expect(src.evalBatches()).toEqual(batches);
    expect(src.evalBatches(1)).toHaveLength(1);
  });

  test("the order is the same for the same seed and is reshuffled in the next epoch", () => {
    const many = docsOfLengths(Array.from({ length: 30 }, (_, i) => 1 + i));
    const firstOf = (src: DocumentSource) => Array.from({ length: 30 }, () => src.nextBatch().T);
    const a = new DocumentSource(many, { bos: BOS, blockSize: 64, batchSize: 1, seed: 9 });
    const b = new DocumentSource(many, { bos: BOS, blockSize: 64, batchSize: 1, seed: 9 });
    const epoch0 = firstOf(a);
    expect(firstOf(b)).toEqual(epoch0);
    const epoch1 = firstOf(a);
    expect(epoch1).not.toEqual(epoch0);
    expect([...epoch1].sort((x, y) => x - y)).toEqual([...epoch0].sort((x, y) => x - y));
  });

  test("getState/setState (through JSON) resumes with the same next batches, across an epoch boundary", () => {
    const a = new DocumentSource(docs, { bos: BOS, blockSize, batchSize: 2, seed: 4 });
    for (let i = 0; i < 4; i++) a.nextBatch(); // into the second epoch
    const state = JSON.parse(JSON.stringify(a.getState()));
    const expected = Array.from({ length: 7 }, () => a.nextBatch());
    const b = new DocumentSource(docs, { bos: BOS, blockSize, batchSize: 2, seed: 123 });
    b.setState(state);
    expect(Array.from({ length: 7 }, () => b.nextBatch())).toEqual(expected);
  });

  test("setState rejects a state saved for other data or the other mode", () => {
    const a = new DocumentSource(docs, { bos: BOS, blockSize, batchSize: 1 });
    const other = new DocumentSource(docs.slice(1), { bos: BOS, blockSize, batchSize: 1 });
    expect(() => other.setState(a.getState())).toThrow(/saved for 6 documents.*has 5/);
    const stream = new StreamSource(docs, { bos: BOS, blockSize, batchSize: 1 });
    expect(() => a.setState(stream.getState())).toThrow(/"stream".*documents mode/);
  });

  test("blockSize < 1 or a fractional batch size is an error naming the option", () => {
    expect(() => new DocumentSource(docs, { bos: BOS, blockSize: 0, batchSize: 1 })).toThrow(/blockSize must be an integer >= 1 \(got 0\)/);
    expect(() => new DocumentSource(docs, { bos: BOS, blockSize: 4, batchSize: 1.5 })).toThrow(/batchSize must be an integer >= 1 \(got 1.5\)/);
  });
});

describe("stream source", () => {
  const docs = docsOfLengths([4, 9, 2, 6]);
  const stream = [BOS, ...docs.flatMap((d) => [...d, BOS])];

  test("counts BOS before each document and after the last", () => {
    const src = new StreamSource(docs, { bos: BOS, blockSize: 4, batchSize: 3 });
    expect(src.numTokens).toBe(stream.length);
    expect(src.numDocs).toBe(4);
  });

  test("each row is a window of the stream, and its targets are its inputs shifted by one", () => {
    const T = 5;
    const src = new StreamSource(docs, { bos: BOS, blockSize: T, batchSize: 4, seed: 3 });
    for (let step = 0; step < 20; step++) {
      const b = src.nextBatch();
      expect([b.B, b.T]).toEqual([4, T]);
      for (let r = 0; r < b.B; r++) {
        const window = [...rowOf(b, "inputs", r), rowOf(b, "targets", r)[T - 1]];
        expect(rowOf(b, "targets", r)).toEqual(window.slice(1));
        const starts = stream.map((_, i) => i).filter((i) => i + T < stream.length && stream.slice(i, i + T + 1).join() === window.join());
        expect(starts.length).toBeGreaterThan(0);
      }
    }
  });

  test("evalBatches holds every next-token pair of the stream once, padding the last window", () => {
    const src = new StreamSource(docs, { bos: BOS, blockSize: 4, batchSize: 2 });
    const pairs: string[] = [];
    for (const b of src.evalBatches()) {
      for (let i = 0; i < b.B * b.T; i++) if (b.targets[i] >= 0) pairs.push(`${b.inputs[i]}>${b.targets[i]}`);
    }
    expect(pairs).toEqual(stream.slice(0, -1).map((t, i) => `${t}>${stream[i + 1]}`));
  });

  test("getState/setState resumes with the same next batches", () => {
    const a = new StreamSource(docs, { bos: BOS, blockSize: 3, batchSize: 2, seed: 8 });
    a.nextBatch();
    const state = JSON.parse(JSON.stringify(a.getState()));
    const expected = [a.nextBatch(), a.nextBatch(), a.nextBatch()];
    const b = new StreamSource(docs, { bos: BOS, blockSize: 3, batchSize: 2, seed: 1 });
    b.setState(state);
    expect([b.nextBatch(), b.nextBatch(), b.nextBatch()]).toEqual(expected);
  });

  test("data shorter than one block is an error with the token count, the block size and what to do", () => {
    expect(() => new StreamSource([[1, 2], [3]], { bos: BOS, blockSize: 8, batchSize: 1, name: "train" })).toThrow(
      /needs at least blockSize \+ 1 = 9 tokens, but the train split has 6 .*smaller blockSize/,
    );
  });
});

describe("loadDataset", () => {
  test("builds the tokenizer from the file and splits its lines into train and val sources", () => {
    const lines = Array.from({ length: 40 }, (_, i) => `line ${i} says hello.`);
    const p = writeFile("lines.txt", lines.join("\n"));
    const ds = loadDataset({ path: p, tokenizer: "word", valFraction: 0.25, seed: 3, batchSize: 2 });
    expect(ds.docs).toEqual(lines);
    expect(ds.valDocs).toHaveLength(10);
    expect([...ds.trainDocs, ...ds.valDocs].sort()).toEqual([...lines].sort());
    expect(ds.train.numDocs).toBe(30);
    expect(ds.val!.numDocs).toBe(10);
    expect(ds.tokenizer.kind).toBe("word");
    const b = ds.train.nextBatch();
    expect(b.B).toBe(2);
    expect(b.T).toBe(ds.tokenizer.encode(lines[0]).length + 1); // all lines have the same number of tokens
  });

  test("a given tokenizer is used as is, and an unknown symbol names the file line", () => {
    const p = writeFile("names.txt", "ann\nbob\nzed\n");
    const tok = buildCharTokenizer("anbo");
    expect(() => loadDataset({ path: p, tokenizer: tok })).toThrow(/names\.txt line 3: unknown character "z" \(U\+007A\) at position 0/);
  });

  test("an unknown option is an error that lists the known ones", () => {
    expect(() => loadDataset({ path: "x", blocksize: 4 } as never)).toThrow(/unknown option "blocksize".*blockSize/);
  });

  test("trainDocs applies to the modes whose entry declares documents, whatever their name", () => {
    const p = writeFile("docs.txt", Array.from({ length: 20 }, (_, i) => `line ${i}`).join("\n"));
    const oneText = { ...textMode, kind: "one_text" };
    const lines = { ...streamMode, kind: "line_stream" };
    withTrialEntries([[dataModeRegistry, oneText], [dataModes, oneText.kind], [dataModeRegistry, lines], [dataModes, lines.kind]], () => {
      const opts = { path: p, tokenizer: "char", blockSize: 4, trainDocs: 3 } as const;
      expect(() => loadDataset({ ...opts, mode: "one_text" as never })).toThrow(/trainDocs counts documents \(lines\) and applies to modes documents, stream, (\w+, )*line_stream, not one_text/);
      expect(loadDataset({ ...opts, mode: "line_stream" as never }).trainDocs).toHaveLength(3);
    });
  });

  test("stream mode on a file shorter than one block says so", () => {
    const p = writeFile("short.txt", "ab\ncd\n");
    expect(() => loadDataset({ path: p, tokenizer: "char", mode: "stream", blockSize: 32, valFraction: 0 })).toThrow(/blockSize \+ 1 = 33 tokens.*has 7/);
  });
});
