// Tests of the attention readout and the induction-head measures.

import { attentionMaps, headHabits, headMap, inductionReport, positionLosses, stackBatches } from "../../src/eval/attention.js";
import { GPT, presetConfig } from "../../src/nn/gpt.js";
import { Rng } from "../../src/core/random.js";
import * as ops from "../../src/nn/ops.js";
import { Tensor } from "../../src/core/tensor.js";
import { makeBatch } from "../../src/data/batch.js";

function model(overrides = {}, seed = 3): GPT {
  return new GPT(presetConfig("lab", { vocabSize: 9, blockSize: 12, nEmbd: 8, nHead: 2, nLayer: 2, initStd: 0.5, ...overrides }), new Rng(seed));
}

/** Zeroes the query part of every layer's c_attn: all scores are 0, so row t attends 1/(t+1) to each position. */
function uniformAttention(m: GPT): GPT {
  const C = m.config.nEmbd;
  for (let l = 0; l < m.config.nLayer; l++) m.store.get(`transformer.h.${l}.attn.c_attn.weight`).tensor.data.fill(0, 0, C * C);
  return m;
}

describe("attentionMaps", () => {
  test("every row is a distribution over the positions up to it, zero after", () => {
    const m = model();
    const maps = attentionMaps(m, Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 1, 2]), 2, 5);
    expect(maps.layers).toHaveLength(2);
    for (const layer of [0, 1]) {
      for (const b of [0, 1]) {
        for (const head of [0, 1]) {
          const a = headMap(maps, layer, head, b);
          a.forEach((row, t) => {
            expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
            row.slice(t + 1).forEach((v) => expect(v).toBe(0));
          });
        }
      }
    }
  });

  test("a model whose queries are zero attends uniformly: row t gives 1/(t+1) to each earlier position", () => {
    const maps = attentionMaps(uniformAttention(model()), Int32Array.from([4, 1, 7, 2]), 1, 4);
    const a = headMap(maps, 1, 1);
    a.forEach((row, t) => row.slice(0, t + 1).forEach((v) => expect(v).toBeCloseTo(1 / (t + 1), 6)));
  });

  test("the first layer's weights are the softmax of q.k / sqrt(hs) computed from its weights", () => {
    const m = model({ embedNorm: false });
    const ids = Int32Array.from([3, 1, 4, 1, 5]);
    const T = ids.length;
    const C = 8;
    const hs = 4;
    const pos = Int32Array.from([0, 1, 2, 3, 4]);
    const x = ops.add(ops.embedding(m.store.get("transformer.wte.weight").tensor, ids, [1, T]), ops.embedding(m.store.get("transformer.wpe.weight").tensor, pos, [T]));
    const qkv = ops.linear(ops.rmsnorm(x, null, 1e-5), m.store.get("transformer.h.0.attn.c_attn.weight").tensor).data; // (1, T, 3C)
    const a = headMap(attentionMaps(m, ids, 1, T), 0, 1);
    for (let t = 0; t < T; t++) {
      const scores = Array.from({ length: t + 1 }, (_, s) => {
        let d = 0;
        for (let i = 0; i < hs; i++) d += qkv[t * 3 * C + hs + i] * qkv[s * 3 * C + C + hs + i];
        return Math.exp(d / Math.sqrt(hs));
      });
      const z = scores.reduce((u, v) => u + v, 0);
      scores.forEach((v, s) => expect(a[t][s]).toBeCloseTo(v / z, 5));
    }
  });

  test("headMap names the bad index", () => {
    const maps = attentionMaps(model(), Int32Array.from([1, 2]), 1, 2);
    expect(() => headMap(maps, 2, 0)).toThrow(/layer must be in 0..1 \(got 2\)/);
    expect(() => headMap(maps, 0, 5)).toThrow(/head must be in 0..1/);
  });
});

describe("positionLosses", () => {
  test("their mean over the targets is the model's cross-entropy loss; padding gives NaN", () => {
    const m = model();
    const inputs = Int32Array.from([1, 2, 3, 4, 5, 6]);
    const targets = Int32Array.from([2, 3, -1, 5, 6, 7]);
    const logits = m.forward(inputs, 2, 3).logits.data;
    const losses = positionLosses(logits, targets, 9);
    expect(Number.isNaN(losses[2])).toBe(true);
    const used = Array.from(losses).filter((v) => !Number.isNaN(v));
    expect(used.reduce((a, b) => a + b, 0) / used.length).toBeCloseTo(ops.crossEntropy(new Tensor(logits, [2, 3, 9]), targets).item(), 5);
  });
});

describe("inductionReport", () => {
  // rows [BOS] s s [BOS] with halves of 3 and 4 tokens, BOS = 0
  const rows = [
    [0, 1, 2, 3, 1, 2, 3, 0],
    [0, 4, 5, 6, 7, 4, 5, 6, 7, 0],
  ];
  const batch = makeBatch(rows, 9, 0);

  test("uniform attention scores the mean of 1/(p+1) over the repeated positions p = L+1..2L-1", () => {
    const r = inductionReport(uniformAttention(model()), batch.inputs, batch.targets, batch.B, batch.T);
    const expected = (1 / 5 + 1 / 6 + (1 / 6 + 1 / 7 + 1 / 8)) / 5; // row 1: p = 4, 5; row 2: p = 5, 6, 7
    for (const layer of r.prefixMatching) for (const score of layer) expect(score).toBeCloseTo(expected, 6);
  });

  test("the half losses average the per-position losses of the scored targets", () => {
    const m = model();
    const r = inductionReport(m, batch.inputs, batch.targets, batch.B, batch.T);
    const losses = positionLosses(m.forward(batch.inputs, batch.B, batch.T).logits.data, batch.targets, 9);
    const at = (b: number, p: number) => losses[b * 9 + p];
    expect(r.firstHalfLoss).toBeCloseTo((at(0, 1) + at(0, 2) + at(1, 1) + at(1, 2) + at(1, 3)) / 5, 6);
    expect(r.secondHalfLoss).toBeCloseTo((at(0, 4) + at(0, 5) + at(1, 5) + at(1, 6) + at(1, 7)) / 5, 6);
    expect(r.best.score).toBe(Math.max(...r.prefixMatching.flat()));
  });

  test("a row that is not two equal halves is refused", () => {
    const b = makeBatch([[0, 1, 2, 3, 2, 1, 3, 0]], 7, 0);
    expect(() => inductionReport(model(), b.inputs, b.targets, 1, 7)).toThrow(/row 0 is not \[BOS\] s s \[BOS\]: token 1 differs from token 4/);
    const odd = makeBatch([[0, 1, 2, 1, 2, 0, 0]], 6, 0);
    expect(() => inductionReport(model(), odd.inputs, odd.targets, 1, 6)).toThrow(/row 0 has 6 targets/);
  });
});

describe("headHabits", () => {
  test("averages rows 2..T-1 on position 0, the previous position and the query itself", () => {
    const map = [
      [1, 0, 0, 0],
      [0.5, 0.5, 0, 0],
      [0.2, 0.6, 0.2, 0],
      [0.1, 0.1, 0.4, 0.4],
    ];
    const h = headHabits(map);
    expect(h.bos).toBeCloseTo((0.2 + 0.1) / 2, 12);
    expect(h.previous).toBeCloseTo((0.6 + 0.4) / 2, 12);
    expect(h.self).toBeCloseTo((0.2 + 0.4) / 2, 12);
  });

  test("on a uniform-attention model's map the three habits are the mean of 1/(t+1) over the rows", () => {
    const a = headMap(attentionMaps(uniformAttention(model()), Int32Array.from([4, 1, 7, 2, 5]), 1, 5), 0, 0);
    const expected = (1 / 3 + 1 / 4 + 1 / 5) / 3;
    const h = headHabits(a);
    for (const v of [h.bos, h.previous, h.self]) expect(v).toBeCloseTo(expected, 6);
  });

  test("a map of fewer than 3 rows, or rows shorter than the map, is refused", () => {
    expect(() => headHabits([[1], [0.5, 0.5]])).toThrow(/2 rows; it needs 3 or more/);
    expect(() => headHabits([[1], [0.5, 0.5], [0.5, 0.5]])).toThrow(/row 2 has 2 columns/);
  });
});

describe("stackBatches", () => {
  test("stacks the rows of batches of different lengths, padding inputs with pad and targets with -1", () => {
    const a = { inputs: Int32Array.from([1, 2, 3, 4]), targets: Int32Array.from([2, 3, 4, 5]), B: 2, T: 2 };
    const b = { inputs: Int32Array.from([6, 7, 8]), targets: Int32Array.from([7, 8, -1]), B: 1, T: 3 };
    const s = stackBatches([a, b], 0);
    expect([s.B, s.T]).toEqual([3, 3]);
    expect(Array.from(s.inputs)).toEqual([1, 2, 0, 3, 4, 0, 6, 7, 8]);
    expect(Array.from(s.targets)).toEqual([2, 3, -1, 4, 5, -1, 7, 8, -1]);
  });

  test("the stacked batch gives inductionReport the same measures as the rows on their own", () => {
    const m = model({ vocabSize: 9, blockSize: 12 });
    const row = (s: number[]) => {
      const ids = [0, ...s, ...s, 0];
      return { inputs: Int32Array.from(ids.slice(0, -1)), targets: Int32Array.from(ids.slice(1)), B: 1, T: ids.length - 1 };
    };
    const short = row([1, 2, 3]);
    const long = row([4, 5, 6, 7]);
    const s = stackBatches([short, long], 0);
    const alone = inductionReport(m, long.inputs, long.targets, 1, long.T);
    const both = inductionReport(m, s.inputs, s.targets, s.B, s.T);
    const shortAlone = inductionReport(m, short.inputs, short.targets, 1, short.T);
    // scored positions: 2 in the short row, 3 in the long one
    expect(both.secondHalfLoss).toBeCloseTo((2 * shortAlone.secondHalfLoss + 3 * alone.secondHalfLoss) / 5, 5);
  });

  test("no batches is an error that says so", () => {
    expect(() => stackBatches([], 0)).toThrow(/no batches to stack/);
  });
});
