import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadDataset } from "../../src/data/dataset.js";
import type { LoadDatasetOptions } from "../../src/data/dataset.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-cache-"));
const text = Array.from({ length: 400 }, (_, i) => `the ${["cat", "dog", "bird"][i % 3]} walked to the ${["park", "river"][i % 2]} and sang ${i % 11} songs.`).join("\n") + "\n";

function tokensOf(d: ReturnType<typeof loadDataset>): number[][] {
  return [...d.train.evalBatches(), ...(d.val?.evalBatches() ?? [])].map((b) => Array.from(b.inputs));
}

describe("the encoded-data cache", () => {
  test("a second load of the same file reads the learned tokenizer and the encoded splits, and they equal a fresh build", () => {
    const file = path.join(dir, "a.txt");
    fs.writeFileSync(file, text);
    const cache = path.join(dir, "cache");
    const opts: LoadDatasetOptions = { path: file, tokenizer: "bpe", vocabSize: 300, mode: "text", blockSize: 16, batchSize: 4 };
    const fresh = loadDataset(opts);
    expect(fresh.cache).toBeUndefined();
    const first = loadDataset({ ...opts, cache });
    expect(first.cache).toEqual({ dir: expect.stringContaining(cache), tokenizer: "stored", encoded: "stored" });
    const second = loadDataset({ ...opts, cache });
    expect(second.cache).toEqual({ dir: first.cache!.dir, tokenizer: "hit", encoded: "hit" });
    expect(JSON.stringify(second.tokenizer.toJSON())).toBe(JSON.stringify(fresh.tokenizer.toJSON()));
    expect(second.tokenizer.encode("the cat sang 7 songs")).toEqual(fresh.tokenizer.encode("the cat sang 7 songs"));
    expect(tokensOf(second)).toEqual(tokensOf(fresh));
    // another split of the same file: the tokenizer is reused, the splits are encoded anew
    const other = loadDataset({ ...opts, cache, valFraction: 0.2 });
    expect(other.cache).toMatchObject({ tokenizer: "hit", encoded: "stored" });
  });

  test("a changed file gets another entry; a cut-short cache file is rebuilt, not read", () => {
    const file = path.join(dir, "b.txt");
    const cache = path.join(dir, "cache-b");
    fs.writeFileSync(file, text);
    const opts: LoadDatasetOptions = { path: file, tokenizer: "char", mode: "documents", cache };
    const a = loadDataset(opts);
    fs.appendFileSync(file, "a zebra!\n");
    const b = loadDataset(opts);
    expect(b.cache).toMatchObject({ tokenizer: "stored", encoded: "stored" });
    expect(b.cache!.dir).not.toBe(a.cache!.dir);
    expect(b.tokenizer.vocabSize).toBeGreaterThan(a.tokenizer.vocabSize);
    const encoded = fs.readdirSync(b.cache!.dir).find((f) => f.startsWith("encoded-"))!;
    const p = path.join(b.cache!.dir, encoded);
    fs.truncateSync(p, fs.statSync(p).size - 8);
    const c = loadDataset(opts);
    expect(c.cache).toMatchObject({ tokenizer: "hit", encoded: "stored" });
    expect(tokensOf(c)).toEqual(tokensOf(b));
  });
});
