import { tokenizerStats, pieces, unseenWords } from "../../src/data/tokenizer-stats.js";
import { buildCharTokenizer } from "../../src/data/char.js";
import { buildWordTokenizer } from "../../src/data/word.js";
import { trainBPE } from "../../src/data/bpe.js";

const train = "the cat walked. the cats walk.\nthe dog walks and the dogs walked.\n".repeat(20);
const val = "the cat talked.\n\nthe dogs were walking.\n";

describe("tokenizerStats", () => {
  test("counts tokens, characters, tokens per non-blank line and <UNK> tokens", () => {
    const word = buildWordTokenizer(train, { unk: true, lineBreaks: true });
    const s = tokenizerStats(word, val);
    // the cat <UNK> . \n \n the dogs <UNK> <UNK> . \n
    expect(s.tokens).toBe(12);
    expect(s.unknown).toBe(3);
    expect(s.unknownShare).toBeCloseTo(3 / 12, 12);
    expect(s.characters).toBe(val.length);
    expect(s.tokensPerLine).toBe((4 + 5) / 2);
    expect(s.charactersPerToken).toBeCloseTo(val.length / 12, 12);
  });

  test("a char tokenizer has one token per character and no unknown ones", () => {
    const s = tokenizerStats(buildCharTokenizer(train + val, { lineBreaks: true }), val);
    expect(s).toMatchObject({ kind: "char", tokens: val.length, unknown: 0, charactersPerToken: 1 });
  });
});

describe("pieces", () => {
  test("a word tokenizer shows an unknown word as <UNK>; a BPE spells it, and its pieces join back to the text", () => {
    const text = " walking";
    expect(pieces(buildWordTokenizer(train, { unk: true }), text)).toEqual(["<UNK>"]);
    const p = pieces(trainBPE(train, { vocabSize: 270 }), text);
    expect(p.length).toBeGreaterThan(1);
    expect(p.join("")).toBe(text);
  });
});

describe("unseenWords", () => {
  test("lists the words of a text that another never has, most frequent first, punctuation left out", () => {
    expect(unseenWords(train, "talked! were talked, walking were talked")).toEqual([
      { word: "talked", count: 3 },
      { word: "were", count: 2 },
      { word: "walking", count: 1 },
    ]);
    expect(unseenWords(train, val).map((u) => u.word)).toEqual(["talked", "walking", "were"]);
  });
});
