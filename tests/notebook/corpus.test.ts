import * as path from "path";
import { loadDataset, makeBatch } from "../../src/data/dataset.js";
import { Run } from "../../src/train/run.js";
import { memorizerFloor, memorizerLoss, projectPath, writeSplitCorpus, unknownWords } from "../../src/notebook/corpus.js";
import { createTokenizer } from "../../src/data/tokenizers.js";

const root = path.resolve(__dirname, "..", "..");

describe("writeSplitCorpus", () => {
  const docs = Array.from({ length: 40 }, (_, i) => `sentence number ${i} .`);

  test.each([
    [7, 5, 42],
    [30, 10, 1],
    [1, 1, 3],
  ])("with %i train and %i val documents and seed %i, loadDataset's split gives them back in order", (nTrain, nVal, seed) => {
    const train = docs.slice(0, nTrain);
    const val = docs.slice(nTrain, nTrain + nVal);
    const corpus = writeSplitCorpus(train, val, seed);
    const data = loadDataset({ path: corpus.data, valFraction: corpus.valFraction, seed: seed });
    expect(data.trainDocs).toEqual(train);
    expect(data.valDocs).toEqual(val);
  });

  test("without validation documents everything is training data", () => {
    const corpus = writeSplitCorpus(docs.slice(0, 3), [], 42);
    expect(corpus.valFraction).toBe(0);
    expect(loadDataset({ path: corpus.data, valFraction: 0, seed: 42 }).trainDocs.sort()).toEqual(docs.slice(0, 3).sort());
  });

  test("refuses documents that are not one trimmed line, and an empty training set", () => {
    expect(() => writeSplitCorpus(["a\nb"], [], 1)).toThrow(/document 0 must be one trimmed, non-empty line/);
    expect(() => writeSplitCorpus(["ok"], [" padded"], 1)).toThrow(/document 1/);
    expect(() => writeSplitCorpus([], ["x"], 1)).toThrow(/train needs at least one document/);
  });
});

test("memorizerLoss counts how often each token follows the same prefix among the sequences", () => {
  // BOS = 0; three documents: "1 2", "1 3", "4"
  const batches = [makeBatch([[0, 1, 2, 0]], 3, 0), makeBatch([[0, 1, 3, 0]], 3, 0), makeBatch([[0, 4, 0]], 3, 0)];
  // after BOS: 1 twice in 3, 4 once; after BOS 1: 2 or 3, half each; every other prediction is certain
  const expected = -(2 * Math.log(2 / 3) + Math.log(1 / 3) + 2 * Math.log(1 / 2)) / 8;
  const stats = memorizerLoss(batches);
  expect(stats.tokens).toBe(8);
  expect(stats.loss).toBeCloseTo(expected, 12);
  expect(stats.perplexity).toBeCloseTo(Math.exp(expected), 12);
});

test("memorizerLoss of sequences that share no first token is 0 (perplexity 1)", () => {
  const batches = [makeBatch([[5, 1, 2], [6, 1, 3]], 2, 0)];
  expect(memorizerLoss(batches).perplexity).toBe(1);
});

test("projectPath resolves from the folder holding package.json and keeps absolute paths", () => {
  expect(projectPath("datasets/names/names.txt")).toBe(path.join(root, "datasets/names/names.txt"));
  expect(projectPath("/tmp/x.txt")).toBe("/tmp/x.txt");
});

test("memorizerFloor covers the whole training split, not the evalBatches the trainer evaluates", () => {
  // 40 training sentences, 4 first words: the more sentences, the more a first word branches
  const docs = Array.from({ length: 44 }, (_, i) => `${["a", "b", "c", "d"][i % 4]} word${i} .`);
  const corpus = writeSplitCorpus(docs.slice(0, 40), docs.slice(40), 42);
  const run = new Run({ data: corpus.data, valFraction: corpus.valFraction, evalBatches: 5, samples: 0, steps: 1 });
  const floor = memorizerFloor(run);
  const evaluated = memorizerLoss(run.evalBatches("train")!);
  expect(floor.tokens).toBe(40 * 4); // every sentence: 3 words + the end marker
  expect(evaluated.tokens).toBe(5 * 4);
  // each first word has 10 continuations over the whole set, but only 1-2 among the first 5 sentences
  expect(floor.loss).toBeCloseTo((40 * Math.log(4) + 40 * Math.log(10)) / 160, 12);
  expect(evaluated.loss).toBeLessThan(floor.loss);
});

test("unknownWords names the prompt words a word tokenizer cannot write (07's --distPrompt 'the zebra wants')", () => {
  const word = createTokenizer("word", "the dog wants a ball\nthe horse wants to run");
  expect(unknownWords(word, "the zebra wants")).toEqual(["zebra"]);
  expect(unknownWords(word, "  the horse wants ")).toEqual([]);
  expect(unknownWords(createTokenizer("char", "abc"), "abc abd")).toEqual(["abd"]);
});
