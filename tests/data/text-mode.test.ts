import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { dataModeEntry, loadDataset } from "../../src/data/dataset.js";

function file(name: string, content: string | Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-text-"));
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
}

const play = "ROMEO:\nBut soft, what light?\n\nJULIET:\nAy me.\n".repeat(20);

describe("text mode", () => {
  test("the whole file is one stream with line breaks as tokens; validation is the last valFraction, contiguous", () => {
    const d = loadDataset({ path: file("play.txt", play), tokenizer: "char", mode: "text", blockSize: 8, valFraction: 0.1 });
    expect(d.tokenizer.vocab).toContain("\n");
    expect(d.trainDocs[0] + d.valDocs[0]).toBe(play);
    expect(d.valDocs[0].length).toBe(play.length - Math.round(play.length * 0.9));
    // train starts with BOS, then every character of the train text
    expect(d.train.numTokens).toBe(d.trainDocs[0].length + 1);
    expect(d.val!.numTokens).toBe(d.valDocs[0].length);
    const b = d.train.nextBatch();
    expect(b.T).toBe(8);
    expect(Array.from(b.targets).every((t) => t >= 0)).toBe(true);
  });

  test("the data position resumes: the same next batches after setState(getState())", () => {
    const p = file("play.txt", play);
    const a = loadDataset({ path: p, tokenizer: "bpe", vocabSize: 280, mode: "text", blockSize: 8, batchSize: 2 });
    a.train.nextBatch();
    const state = JSON.parse(JSON.stringify(a.train.getState()));
    expect(state.mode).toBe("text");
    const next = a.train.nextBatch();
    const b = loadDataset({ path: p, tokenizer: "bpe", vocabSize: 280, mode: "text", blockSize: 8, batchSize: 2 });
    b.train.setState(state);
    expect(Array.from(b.train.nextBatch().inputs)).toEqual(Array.from(next.inputs));
  });

  test("a non-UTF-8 file is refused, naming the file and the byte", () => {
    const p = file("latin1.txt", Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
    expect(() => loadDataset({ path: p, tokenizer: "char", mode: "text" })).toThrow(/latin1\.txt is not UTF-8 text: byte 3 \(0-based\) is 0xE9/);
  });

  test("an empty file is refused, naming it", () => {
    expect(() => loadDataset({ path: file("empty.txt", ""), tokenizer: "char", mode: "text" })).toThrow(/empty\.txt is empty/);
  });

  test("a file shorter than two blocks is refused, naming it and what to do", () => {
    expect(() => loadDataset({ path: file("short.txt", "hello world\n"), tokenizer: "char", mode: "text", blockSize: 16 })).toThrow(/short\.txt: the train split has \d+ tokens.*at least two blocks/);
  });
});

describe("22.7: the text mode's validation cut", () => {
  test("falls on a word boundary, so --tokenizer word validates a file whose character cut splits a word", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-cut-"));
    // 90% of 253 characters is 228, inside "meaning": a character cut would leave "meani" and "ng" as unknown words
    const text = "the cat sat on the mat ".repeat(9) + "and the dog sat meaning the cat sat on the mat";
    const p = path.join(dir, "words.txt");
    fs.writeFileSync(p, text);
    const split = dataModeEntry("text").read(p, { valFraction: 0.1, seed: 1 });
    expect(split.train[0] + split.val[0]).toBe(text);
    expect(split.val[0]).toBe(" the cat sat on the mat");
    const d = loadDataset({ path: p, tokenizer: "word", mode: "text", blockSize: 2, valFraction: 0.1 });
    expect(d.val).not.toBeNull();
  });
});
