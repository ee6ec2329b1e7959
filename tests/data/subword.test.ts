import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BPETokenizer, trainBPE } from "../../src/data/bpe.js";
import { UnigramTokenizer, trainUnigram } from "../../src/data/unigram.js";
import { createTokenizer, loadTokenizer, tokenizerKinds, tokenizerRegistry } from "../../src/data/tokenizers.js";
import { choicesOf } from "../../src/core/schema.js";
import { runConfigSchema } from "../../src/train/config.js";
import { Rng } from "../../src/core/random.js";

const corpus = fs.readFileSync(path.join(__dirname, "../../datasets/simple-sentences/sentences.txt"), "utf8");

/** Random valid Unicode: ASCII, Latin-1, CJK, emoji, line breaks and spaces (no lone surrogates, no "▁"). */
function randomUnicode(rng: Rng, n: number): string {
  const ranges = [[0x20, 0x7e], [0xa0, 0xff], [0x4e00, 0x4fff], [0x1f600, 0x1f64f], [0x0400, 0x04ff], [0x0a, 0x0a], [0x20, 0x20]];
  let s = "";
  for (let i = 0; i < n; i++) {
    const [lo, hi] = ranges[rng.int(ranges.length)];
    s += String.fromCodePoint(lo + rng.int(hi - lo + 1));
  }
  return s;
}

const bpe = trainBPE(corpus, { vocabSize: 600 });
const unigram = trainUnigram(corpus, { vocabSize: 600 });

describe.each([
  ["bpe", bpe],
  ["unigram", unigram],
])("%s", (kind, tok) => {
  test("reaches the target vocabulary size exactly", () => {
    expect(tok.vocabSize).toBe(600);
    expect(new Set(tok.vocab).size).toBe(600);
  });

  test("decode(encode(x)) is x for the corpus and for random Unicode never seen in training", () => {
    expect(tok.decode(tok.encode(corpus))).toBe(corpus);
    const rng = new Rng(7);
    for (let i = 0; i < 20; i++) {
      const s = randomUnicode(rng, 50);
      expect(tok.decode(tok.encode(s))).toBe(s);
    }
  });

  test("compresses the corpus: fewer tokens than characters", () => {
    expect(tok.encode(corpus).length).toBeLessThan(corpus.length / 2.5);
  });

  test("training twice gives the same vocabulary and ids", () => {
    const again = createTokenizer(kind, corpus, { vocabSize: 600 });
    expect(again.vocab).toEqual(tok.vocab);
    expect(JSON.stringify(again.toJSON())).toBe(JSON.stringify(tok.toJSON()));
  });

  test("saved JSON loads back to a tokenizer with the same ids", () => {
    const back = loadTokenizer(JSON.stringify(tok.toJSON()));
    expect(back.kind).toBe(kind);
    expect(back.encode(corpus)).toEqual(tok.encode(corpus));
    expect(back.bos).toBe(tok.bos);
  });

  test("an empty corpus is refused with a message", () => {
    expect(() => createTokenizer(kind, "", { vocabSize: 600 })).toThrow(/training text is empty/);
  });
});

describe("errors", () => {
  test("a vocabulary smaller than the alphabet is refused, naming the minimum", () => {
    expect(() => trainBPE(corpus, { vocabSize: 100 })).toThrow(/vocabSize must be an integer in \[257/);
    expect(() => trainUnigram(corpus, { vocabSize: 270 })).toThrow(/vocabSize must be an integer >= \d+ \(the \d+ characters of the text, 256 byte tokens/);
  });
  test("a vocabulary the corpus cannot reach is refused", () => {
    expect(() => trainBPE("ab ab", { vocabSize: 400 })).toThrow(/cannot be reached/);
  });
  test("vocabSize with the word tokenizer is refused, naming the kinds it applies to", () => {
    expect(() => createTokenizer("word", corpus, { vocabSize: 600 })).toThrow(/does not apply to the word tokenizer \(it applies to bpe, unigram\)/);
  });
  test("tokenizerKinds are the registry's kinds, each once, and they are the CLI's --tokenizer choices, each in its help", () => {
    expect(tokenizerKinds).toEqual(tokenizerRegistry.map((e) => e.kind));
    expect(new Set(tokenizerKinds).size).toBe(tokenizerKinds.length);
    expect(choicesOf(runConfigSchema.tokenizer)).toEqual(tokenizerKinds);
    for (const e of tokenizerRegistry) expect(runConfigSchema.tokenizer.description).toContain(`${e.kind}: ${e.description}`);
  });
});

// Hugging Face's own implementation (the Rust `tokenizers` core that Python's Tokenizer.from_file uses too) reads
// the tokenizer.json files and must give the same ids.
let hf: { Tokenizer: { fromFile(p: string): { encode(s: string): Promise<{ getIds(): number[] }>; decode(ids: number[], skip: boolean): Promise<string> } } } | null = null;
try {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  hf = require("tokenizers");
} catch (e) {
  // CI (GPTLAB_REQUIRE_SLURM=1: the run that installs everything) must not skip it; elsewhere it says why it skips
  if (process.env.GPTLAB_REQUIRE_SLURM === "1") throw new Error(`the Hugging Face format check needs the tokenizers devDependency: ${(e as Error).message}`);
  console.warn(`Hugging Face tokenizers (npm) not loadable, the format check is skipped: ${(e as Error).message}`);
}
const hfTest = hf ? test : test.skip;

describe("Hugging Face tokenizer.json", () => {
  hfTest.each([
    ["bpe", bpe],
    ["unigram", unigram],
  ])("%s: Hugging Face's tokenizers loads the file and gives the same ids and text", async (_kind, tok) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-hf-"));
    const file = path.join(dir, "tokenizer.json");
    fs.writeFileSync(file, JSON.stringify(tok.toJSON()));
    const theirs = hf!.Tokenizer.fromFile(file);
    const rng = new Rng(3);
    const texts = [corpus.slice(0, 3000), "The cats walkeded  quickly.\n\nÜber 😀 日本語", randomUnicode(rng, 200)];
    for (const s of texts) {
      const ids = (await theirs.encode(s)).getIds();
      expect(Array.from(ids)).toEqual(tok.encode(s));
      expect(await theirs.decode(Array.from(ids), false)).toBe(s);
    }
  });

  test("BPE files in the older merges format (\"a b\" strings) load too", () => {
    const j = bpe.toJSON();
    const old = { ...j, model: { ...j.model, merges: (j.model.merges as string[][]).map((m) => m.join(" ")) } };
    expect(BPETokenizer.fromJSON(old).encode("the cat")).toEqual(bpe.encode("the cat"));
  });

  test("a tokenizer.json with another pre-tokenizer is refused, naming the field", () => {
    const j = unigram.toJSON();
    expect(() => UnigramTokenizer.fromJSON({ ...j, pre_tokenizer: { type: "Whitespace" } })).toThrow(/pre_tokenizer must be Metaspace/);
  });
});
