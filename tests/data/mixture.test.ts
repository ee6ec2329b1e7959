// Tests of the mixture (replay) data source and the induction toy's repeated sequences.

import { MixtureSource } from "../../src/data/mixture.js";
import { DocumentSource, StreamSource } from "../../src/data/sources.js";
import { repeatedSequences } from "../../src/data/repeated.js";

const opts = { bos: 0, blockSize: 6, batchSize: 1 };
/** Source A serves documents of token 1, source B of token 2: a batch's first target says where it came from. */
const a = () => new DocumentSource([[1], [1, 1], [1, 1, 1]], { ...opts, seed: 3 });
const b = () => new DocumentSource([[2], [2, 2]], { ...opts, seed: 4 });
const origin = (m: MixtureSource) => m.nextBatch().targets[0];

describe("MixtureSource", () => {
  test("draws batches from each part in proportion to its weight (5% of 20,000 within 3 standard errors)", () => {
    const m = new MixtureSource([{ source: a(), weight: 0.95 }, { source: b(), weight: 0.05 }], 7);
    const n = 20_000;
    let fromB = 0;
    for (let i = 0; i < n; i++) if (origin(m) === 2) fromB++;
    const se = Math.sqrt((0.05 * 0.95) / n);
    expect(Math.abs(fromB / n - 0.05)).toBeLessThan(3 * se);
    expect(m.counts).toEqual([n - fromB, fromB]);
  });

  test("a part of weight 0 is never drawn", () => {
    const m = new MixtureSource([{ source: a(), weight: 1 }, { source: b(), weight: 0 }], 1);
    for (let i = 0; i < 500; i++) expect(origin(m)).toBe(1);
  });

  test("the same seed gives the same batches; another seed other ones", () => {
    const seq = (seed: number) => {
      const m = new MixtureSource([{ source: a(), weight: 1 }, { source: b(), weight: 1 }], seed);
      return Array.from({ length: 60 }, () => Array.from(m.nextBatch().inputs).join(",")).join(" ");
    };
    expect(seq(5)).toBe(seq(5));
    expect(seq(6)).not.toBe(seq(5));
  });

  test("setState(getState()) resumes with the same next batches, through JSON", () => {
    const make = () => new MixtureSource([{ source: a(), weight: 2 }, { source: b(), weight: 1 }], 9);
    const m = make();
    for (let i = 0; i < 17; i++) m.nextBatch();
    const saved = JSON.parse(JSON.stringify(m.getState()));
    const next = Array.from({ length: 30 }, () => Array.from(m.nextBatch().targets).join(","));
    const resumed = make();
    resumed.setState(saved);
    expect(Array.from({ length: 30 }, () => Array.from(resumed.nextBatch().targets).join(","))).toEqual(next);
  });

  test("bad parts, weights and states are errors that name them", () => {
    expect(() => new MixtureSource([])).toThrow(/at least one part/);
    expect(() => new MixtureSource([{ source: a(), weight: -1, name: "old" }])).toThrow(/mixture old: weight must be a finite number >= 0 \(got -1\)/);
    expect(() => new MixtureSource([{ source: a(), weight: 0 }])).toThrow(/every weight is 0/);
    const other = new DocumentSource([[1]], { ...opts, blockSize: 4 });
    expect(() => new MixtureSource([{ source: a(), weight: 1 }, { source: other, weight: 1 }])).toThrow(/blockSize 4 differs/);
    const m = new MixtureSource([{ source: a(), weight: 1 }, { source: b(), weight: 1 }]);
    expect(() => m.setState(a().getState())).toThrow(/this source is a mixture/);
    const w = new MixtureSource([{ source: a(), weight: 3 }, { source: b(), weight: 1 }]);
    expect(() => m.setState(w.getState())).toThrow(/saved for weights \[3, 1\]/);
  });

  test("mixes stream sources too", () => {
    const s1 = new StreamSource([[1, 1, 1, 1, 1, 1, 1, 1]], { ...opts, batchSize: 2, seed: 1 });
    const s2 = new StreamSource([[2, 2, 2, 2, 2, 2, 2, 2]], { ...opts, batchSize: 2, seed: 2 });
    const m = new MixtureSource([{ source: s1, weight: 1 }, { source: s2, weight: 1 }], 3);
    const seen = new Set(Array.from({ length: 40 }, () => m.nextBatch().targets[1]));
    expect([...seen].sort()).toEqual([1, 2]);
    expect(m.mode).toBe("stream");
  });
});

describe("repeatedSequences", () => {
  test("each document is a random half written twice, with half lengths in length..maxLength", () => {
    const docs = repeatedSequences(300, { vocab: 5, length: 3, maxLength: 6, seed: 1 });
    const lengths = new Set<number>();
    for (const d of docs) {
      const L = d.length / 2;
      expect(d.slice(0, L)).toBe(d.slice(L));
      expect(d).toMatch(/^[a-e]+$/);
      lengths.add(L);
    }
    expect([...lengths].sort()).toEqual([3, 4, 5, 6]);
  });

  test("is seeded, and refuses a vocabulary past the alphabet", () => {
    expect(repeatedSequences(5, { vocab: 8, length: 4, seed: 2 })).toEqual(repeatedSequences(5, { vocab: 8, length: 4, seed: 2 }));
    expect(repeatedSequences(5, { vocab: 8, length: 4, seed: 2 })).not.toEqual(repeatedSequences(5, { vocab: 8, length: 4, seed: 3 }));
    expect(() => repeatedSequences(5, { vocab: 27, length: 4, seed: 2 })).toThrow(/at most 26/);
    expect(() => repeatedSequences(5, { vocab: 8, length: 4, maxLength: 3, seed: 2 })).toThrow(/maxLength must be an integer >= 4/);
  });
});
