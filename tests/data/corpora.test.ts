import * as fs from "node:fs";
import * as path from "node:path";
import { buildCharTokenizer } from "../../src/data/char.js";
import { buildWordTokenizer } from "../../src/data/word.js";
import { loadDataset, readLines } from "../../src/data/dataset.js";
import { generateText as generateSentences } from "../../datasets/simple-sentences/generate.js";
import { generateText as generateNames } from "../../datasets/names/generate.js";
import { HELD_OUT_SHARE, consonantSuffix, er, est, generateStories, ing, past, plural } from "../../datasets/stories/generate.js";
import { generateText as generatePlans } from "../../datasets/intent-plan/generate.js";

const root = path.resolve(__dirname, "../../datasets");
const sentencesPath = path.join(root, "simple-sentences/sentences.txt");
const namesPath = path.join(root, "names/names.txt");
const plansPath = path.join(root, "intent-plan/plans.txt");

/** A number stated in a README line such as "- lines: 12,000". */
function stated(readme: string, label: string): number {
  const m = readme.match(new RegExp(`^- ${label}: ([\\d,]+)`, "m"));
  if (!m) throw new Error(`README has no line "- ${label}: N"`);
  return Number(m[1].replace(/,/g, ""));
}

describe("simple-sentences corpus", () => {
  const text = fs.readFileSync(sentencesPath, "utf8");
  const tok = buildWordTokenizer(text);
  const readme = fs.readFileSync(path.join(root, "simple-sentences/README.md"), "utf8");

  test("its word vocabulary (with <BOS>) has 590 to 610 tokens", () => {
    expect(tok.vocabSize).toBeGreaterThanOrEqual(590);
    expect(tok.vocabSize).toBeLessThanOrEqual(610);
  });

  test("the generator reproduces the committed file byte for byte", () => {
    expect(generateSentences()).toBe(text);
  });

  test("every sentence has 4 to 12 words and ends with a punctuation mark", () => {
    for (const line of readLines(sentencesPath)) {
      const words = line.split(" ");
      expect(/^[.?!]$/.test(words[words.length - 1])).toBe(true);
      expect(words.length - 1).toBeGreaterThanOrEqual(4);
      expect(words.length - 1).toBeLessThanOrEqual(12);
    }
  });

  test("the README states the real line count and vocabulary size", () => {
    expect(stated(readme, "lines")).toBe(readLines(sentencesPath).length);
    expect(stated(readme, "vocabulary size")).toBe(tok.vocabSize);
  });

  test("loads as the lab's data: one sentence per step in documents mode", () => {
    const ds = loadDataset({ path: sentencesPath, tokenizer: "word", mode: "documents", blockSize: 16, batchSize: 1, valFraction: 0.1, seed: 42 });
    expect(ds.tokenizer.vocabSize).toBe(tok.vocabSize);
    const b = ds.train.nextBatch();
    expect(b.B).toBe(1);
    expect(b.inputs[0]).toBe(ds.tokenizer.bos);
  });
});

describe("names corpus", () => {
  const text = fs.readFileSync(namesPath, "utf8");
  const readme = fs.readFileSync(path.join(root, "names/README.md"), "utf8");

  test("uses the 26 lowercase letters, so the char vocabulary is 27 with <BOS>", () => {
    expect(buildCharTokenizer(text).vocab.slice(0, -1).join("")).toBe("abcdefghijklmnopqrstuvwxyz");
  });

  test("the generator reproduces the committed file byte for byte, with no name twice", () => {
    expect(generateNames()).toBe(text);
    const names = readLines(namesPath);
    expect(new Set(names).size).toBe(names.length);
  });

  test("the README states the real line count", () => {
    expect(stated(readme, "lines")).toBe(readLines(namesPath).length);
  });
});

describe("stories corpus", () => {
  const storiesPath = path.join(root, "stories/stories.txt");
  const text = fs.readFileSync(storiesPath, "utf8");
  const readme = fs.readFileSync(path.join(root, "stories/README.md"), "utf8");
  const made = generateStories();
  const words = (s: string) => new Set(s.match(/[a-z]+(?:'[a-z]+)?/g) ?? []);

  test("the generator reproduces the committed file byte for byte, and it is over 1 MB", () => {
    expect(made.text).toBe(text);
    expect(Buffer.byteLength(text)).toBeGreaterThan(2 ** 20);
  });

  test("the spelling rules inflect as English does", () => {
    expect(["walk", "wish", "cry", "play", "potato"].map(plural)).toEqual(["walks", "wishes", "cries", "plays", "potatoes"]);
    expect(["bake", "stop", "cry", "play", "feed"].map(past)).toEqual(["baked", "stopped", "cried", "played", "fed"]);
    expect(["bake", "stop", "cry", "tie", "see"].map(ing)).toEqual(["baking", "stopping", "crying", "tying", "seeing"]);
    expect(["paint", "bake", "shop", "happy", "big"].map(er)).toEqual(["painter", "baker", "shopper", "happier", "bigger"]);
    expect(["safe", "sad", "busy"].map(est)).toEqual(["safest", "saddest", "busiest"]);
    expect([consonantSuffix("happy", "ly"), consonantSuffix("gentle", "ly"), consonantSuffix("kind", "ness")]).toEqual(["happily", "gently", "kindness"]);
  });

  test("no held-out form occurs in the training part, many occur after it, and all lie in the text mode's validation split", () => {
    const train = words(text.slice(0, made.trainChars));
    const later = words(text.slice(made.trainChars));
    expect(made.heldOut.filter((f) => train.has(f))).toEqual([]);
    expect(made.heldOut.filter((f) => later.has(f)).length).toBeGreaterThan(200);
    // the text mode cuts at round(length * (1 - valFraction)) characters
    expect(Math.round(text.length * (1 - HELD_OUT_SHARE))).toBeLessThanOrEqual(made.trainChars);
  });

  test("the README states the real counts", () => {
    expect(stated(readme, "stories")).toBe(readLines(storiesPath).length);
    expect(stated(readme, "characters")).toBe(text.length);
    expect(stated(readme, "training part")).toBe(made.trainChars);
    expect(stated(readme, "held-out forms")).toBe(made.heldOut.length);
    expect(stated(readme, "distinct words")).toBe(words(text).size);
  });
});

describe("intent-plan corpus", () => {
  const text = fs.readFileSync(plansPath, "utf8");
  const readme = fs.readFileSync(path.join(root, "intent-plan/README.md"), "utf8");
  const lines = readLines(plansPath);

  test("the generator reproduces the committed file byte for byte, with no line twice", () => {
    expect(generatePlans()).toBe(text);
    expect(new Set(lines).size).toBe(lines.length);
  });

  test("every line is an intent, ' -> ', and two to four plan steps, and fits a 128-character block with its BOS tokens", () => {
    for (const line of lines) {
      const [intent, plan, ...rest] = line.split(" -> ");
      expect(rest).toEqual([]);
      expect(intent.length).toBeGreaterThan(10);
      const steps = plan.split("; ");
      expect(steps.length).toBeGreaterThanOrEqual(2);
      expect(steps.length).toBeLessThanOrEqual(4);
      expect(line.length + 2).toBeLessThanOrEqual(129);
    }
  });

  test("the README states the real line count and char vocabulary size; about 1.5K lines train at valFraction 0.1", () => {
    expect(stated(readme, "lines")).toBe(lines.length);
    expect(stated(readme, "vocabulary size")).toBe(buildCharTokenizer(text).vocabSize);
    const ds = loadDataset({ path: plansPath, tokenizer: "char", mode: "documents", blockSize: 128, batchSize: 1, valFraction: 0.1, seed: 42 });
    expect(ds.trainDocs.length).toBe(1530);
  });
});
