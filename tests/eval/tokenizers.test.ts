import { evaluateCovered, textCost, vocabularyParameters } from "../../src/eval/tokenizers.js";
import { countCharacters } from "../../src/data/files.js";
import { evaluateLoss } from "../../src/eval/metrics.js";
import { GPT, presetConfig } from "../../src/nn/gpt.js";
import { Rng } from "../../src/core/random.js";
import { TextSource } from "../../src/data/sources.js";
import { buildCharTokenizer } from "../../src/data/char.js";

const text = "the cats walked. the dog is walking!\nthe birds walk.\n\n".repeat(6) + "ünïcödé ☃ at the end";
const tok = buildCharTokenizer(text, { lineBreaks: true });
const ids = tok.encode(text);
const windows = () => new TextSource(ids, { blockSize: 16, batchSize: 3, seed: 1, bos: tok.bos, name: "val" });

function model(tie = false): GPT {
  return new GPT(presetConfig("lab", { vocabSize: tok.vocabSize, blockSize: 16, nEmbd: 8, nHead: 2, nLayer: 1, tieWeights: tie }), new Rng(3));
}

describe("textCost", () => {
  test("a model that predicts uniformly pays log2 V bits for every token but the first, spread over the characters and bytes", () => {
    const m = model();
    m.store.data.fill(0); // zero weights: zero logits, a uniform next-token distribution
    const c = textCost(m, tok, text, 3);
    const chars = Array.from(text).length;
    const bytes = Buffer.byteLength(text);
    expect(bytes).toBeGreaterThan(chars); // the multi-byte characters make the two differ
    expect(c.tokens).toBe(ids.length - 1);
    expect(c.bits).toBeCloseTo((ids.length - 1) * Math.log2(tok.vocabSize), 3); // float32 logits: 1e-7 relative
    expect(c.bitsPerCharacter).toBeCloseTo(c.bits / chars, 12);
    expect(c.bitsPerByte).toBeCloseTo(c.bits / bytes, 12);
    expect(c.bitsPerToken).toBeCloseTo(Math.log2(tok.vocabSize), 6);
  });

  test("covers the whole text in the text mode's validation windows, whatever the batch size", () => {
    const m = model();
    const all = textCost(m, tok, text, 3);
    expect(all.bits).toBeCloseTo((evaluateLoss(m, windows().evalBatches()).loss * (ids.length - 1)) / Math.LN2, 9);
    expect(textCost(m, tok, text, 7).bits).toBeCloseTo(all.bits, 3);
  });

  test("an empty text, or one of a single token, is refused", () => {
    expect(() => textCost(model(), tok, "")).toThrow(/empty/);
    expect(() => textCost(model(), tok, "t")).toThrow(/1 token under the char tokenizer/);
  });
});

describe("vocabularyParameters", () => {
  test("counts V x n_embd for the embedding and again for an untied head, none for a tied one", () => {
    const untied = vocabularyParameters(model(false));
    expect(untied).toMatchObject({ embedding: tok.vocabSize * 8, head: tok.vocabSize * 8, total: 2 * tok.vocabSize * 8 });
    const m = model(true);
    const tied = vocabularyParameters(m);
    expect(tied.head).toBe(0);
    expect(tied.share).toBeCloseTo((tok.vocabSize * 8) / m.numParams, 12);
    const wte = m.store.params.find((p) => p.name === "transformer.wte.weight")!;
    expect(wte.tensor.size).toBe(tied.embedding);
  });
});

describe("evaluateCovered", () => {
  test("bits per character and byte count the text the predicted tokens spell, an emoji as one character and four bytes", () => {
    expect(countCharacters("a😀é")).toBe(3);
    const emojiText = "ab😀 ".repeat(30);
    const t = buildCharTokenizer(emojiText);
    const m = new GPT(presetConfig("lab", { vocabSize: t.vocabSize, blockSize: 8, nEmbd: 8, nHead: 2, nLayer: 1 }), new Rng(3));
    m.store.data.fill(0); // uniform: log2 V bits per predicted token
    const source = new TextSource(t.encode(emojiText), { blockSize: 8, batchSize: 2, seed: 1, bos: t.bos, name: "val" });
    const c = evaluateCovered(m, t, source.evalBatches(3));
    expect(c.tokens).toBe(48); // 3 batches of 2 rows of 8 targets
    expect(c.characters).toBe(48); // one character per char token, the emoji included
    expect(c.bytes).toBe(12 * (1 + 1 + 4 + 1)); // 12 repeats of "ab😀 " in 48 characters
    expect(c.bitsPerCharacter).toBeCloseTo(Math.log2(t.vocabSize), 5);
    expect(c.bitsPerByte).toBeCloseTo((48 * Math.log2(t.vocabSize)) / 84, 5);
  });
});
