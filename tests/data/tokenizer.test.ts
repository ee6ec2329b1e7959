import { buildCharTokenizer, CharTokenizer } from "../../src/data/char.js";
import { buildWordTokenizer, splitWords, WordTokenizer } from "../../src/data/word.js";
import { BOS_SYMBOL, UNK_SYMBOL } from "../../src/data/tokenizer.js";
import { loadTokenizer } from "../../src/data/tokenizers.js";

describe("character tokenizer", () => {
  const text = "emma\nolivia\nava\n";
  const tok = buildCharTokenizer(text);

  test("its vocabulary is the sorted distinct characters (no line breaks) followed by <BOS> as the last id", () => {
    const expected = Array.from(new Set(text.replace(/\n/g, ""))).sort();
    expect(tok.vocab).toEqual([...expected, BOS_SYMBOL]);
    expect(tok.bos).toBe(tok.vocabSize - 1);
    expect(tok.unk).toBeNull();
    expect(tok.kind).toBe("char");
  });

  test("encode gives one id per character and decode inverts it", () => {
    const ids = tok.encode("olivia");
    expect(ids).toHaveLength(6);
    expect(ids.map((i) => tok.vocab[i]).join("")).toBe("olivia");
    expect(tok.decode(ids)).toBe("olivia");
  });

  test("building twice from the same text gives the same ids, whatever the order of characters in the text", () => {
    const a = buildCharTokenizer("abcxyz");
    const b = buildCharTokenizer("zyxcba");
    expect(a.vocab).toEqual(b.vocab);
  });

  test("decode drops a leading and trailing BOS and turns an inner BOS into a line break", () => {
    const ids = [tok.bos, ...tok.encode("ava"), tok.bos, ...tok.encode("emma"), tok.bos];
    expect(tok.decode(ids)).toBe("ava\nemma");
  });

  test("an unknown character throws an error naming the character and its position", () => {
    expect(() => tok.encode("emzma")).toThrow(/unknown character "z".*position 2 \(0-based\)/);
  });

  test("with { unk: true } an unknown character maps to the <UNK> id instead", () => {
    const t = buildCharTokenizer(text, { unk: true });
    expect(t.vocab[t.unk!]).toBe(UNK_SYMBOL);
    expect(t.unk).not.toBe(t.bos);
    const ids = t.encode("ezm");
    expect(ids[1]).toBe(t.unk);
    expect(ids[0]).toBe(t.vocab.indexOf("e"));
  });

  test("characters outside the basic plane count as one position", () => {
    const t = buildCharTokenizer("a😀b");
    expect(t.vocabSize).toBe(4);
    expect(t.decode(t.encode("b😀a"))).toBe("b😀a");
    expect(() => t.encode("😀😀c")).toThrow(/"c".*position 2/);
  });

  test("toJSON then loadTokenizer gives a tokenizer with the same vocabulary, ids and unknown-symbol rule", () => {
    for (const t of [tok, buildCharTokenizer(text, { unk: true })]) {
      const back = loadTokenizer(JSON.parse(JSON.stringify(t.toJSON())));
      expect(back).toBeInstanceOf(CharTokenizer);
      expect(back.vocab).toEqual(t.vocab);
      expect(back.bos).toBe(t.bos);
      expect(back.unk).toBe(t.unk);
      expect(back.encode("olivia")).toEqual(t.encode("olivia"));
    }
  });
});

describe("word tokenizer", () => {
  const text = "The cat sat on the mat.\nA dog ran, and the cat didn't run!\n";
  const tok = buildWordTokenizer(text);

  test("splitWords lowercases and makes each punctuation mark its own token, keeping inner apostrophes", () => {
    expect(splitWords("The cat didn't run, Tom!").map((w) => w.word)).toEqual(["the", "cat", "didn't", "run", ",", "tom", "!"]);
  });

  test("its vocabulary is the sorted distinct words and punctuation marks, then <BOS>", () => {
    const words = new Set(text.toLowerCase().match(/[a-z']+|[.,!]/g));
    expect(tok.vocabSize).toBe(words.size + 1);
    expect(tok.vocab.slice(0, -1)).toEqual([...words].sort());
    expect(tok.vocab[tok.bos]).toBe(BOS_SYMBOL);
  });

  test("decode joins words with single spaces, so decode(encode(s)) is s lowercased with punctuation spaced out", () => {
    const s = "The dog sat on the mat.";
    expect(tok.decode(tok.encode(s))).toBe("the dog sat on the mat .");
    expect(tok.encode(tok.decode(tok.encode(s)))).toEqual(tok.encode(s));
  });

  test("a sentence wrapped in BOS decodes without the BOS markers", () => {
    const ids = [tok.bos, ...tok.encode("a cat ran."), tok.bos];
    expect(tok.decode(ids)).toBe("a cat ran .");
  });

  test("an unknown word throws an error naming the word and where it stands", () => {
    expect(() => tok.encode("the zebra sat")).toThrow(/unknown word "zebra" at word 1 \(0-based; character 4\)/);
  });

  test("with { unk: true } an unknown word maps to the <UNK> id and decodes as <UNK>", () => {
    const t = buildWordTokenizer(text, { unk: true });
    const ids = t.encode("the zebra sat");
    expect(ids[1]).toBe(t.unk);
    expect(t.decode(ids)).toBe(`the ${UNK_SYMBOL} sat`);
  });

  test("the special symbols cannot be produced by text", () => {
    const t = buildWordTokenizer("hello <BOS> world", { unk: true });
    expect(t.encode("<BOS>")).not.toContain(t.bos); // "<", "bos", ">" are separate lowercase tokens
  });

  test("toJSON then loadTokenizer (from a JSON string) keeps the vocabulary and the ids", () => {
    const back = loadTokenizer(JSON.stringify(tok));
    expect(back).toBeInstanceOf(WordTokenizer);
    expect(back.toJSON()).toEqual(tok.toJSON());
    expect(back.encode("the cat ran!")).toEqual(tok.encode("the cat ran!"));
  });
});

describe("loadTokenizer", () => {
  test("rejects an unknown kind, naming it", () => {
    expect(() => loadTokenizer({ kind: "bpe" as never, vocab: ["a", "<BOS>"], bos: 1, unk: null, version: 1 })).toThrow(/"bpe"/);
  });
  test("rejects a bos id outside the vocabulary", () => {
    expect(() => loadTokenizer({ kind: "word", vocab: ["a", "<BOS>"], bos: 5, unk: null, version: 1 })).toThrow(/bos must be an id in \[0, 2\)/);
  });
  test("rejects a char vocabulary entry longer than one character", () => {
    expect(() => loadTokenizer({ kind: "char", vocab: ["ab", "<BOS>"], bos: 1, unk: null, version: 1 })).toThrow(/vocab\[0\]/);
  });
  test("decode rejects ids outside the vocabulary", () => {
    expect(() => buildCharTokenizer("ab").decode([0, 7])).toThrow(/token id 7 at position 1/);
  });
});
