// Tests of sampling: the filtered distributions against the softmax formula, seeded draws, and generation
// with and without the KV cache (past blockSize too).

import { generate, generationTime, nextTokenDistribution, nextTokenLogits, nextTokenProbs, repeatedNgramShare, sampleText, sampleToken } from "../../src/eval/sample.js";
import type { SampleTokenizer } from "../../src/eval/sample.js";
import { GPT, presetConfig } from "../../src/nn/gpt.js";
import type { GPTConfig } from "../../src/nn/gpt.js";
import { Rng } from "../../src/core/random.js";

function softmax(xs: number[]): number[] {
  const e = xs.map((x) => Math.exp(x));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

function expectClose(actual: ArrayLike<number>, expected: number[], digits = 12): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((v, i) => expect(actual[i]).toBeCloseTo(v, digits));
}

function tinyModel(overrides: Partial<GPTConfig> = {}, preset = "lab", seed = 1): GPT {
  const config = presetConfig(preset, { vocabSize: 7, blockSize: 5, nEmbd: 8, nHead: 2, nLayer: 2, initStd: 0.5, ...overrides });
  return new GPT(config, new Rng(seed));
}

/** Characters "a".."f" as ids 1..6, "^" (id 0) as BOS. */
const charTokenizer: SampleTokenizer = {
  vocabSize: 7,
  bos: 0,
  encode: (text) => [...text].map((c) => "^abcdef".indexOf(c)),
  decode: (ids) => Array.from(ids, (i) => (i === 0 ? "" : "^abcdef"[i])).join(""),
};

describe("nextTokenProbs", () => {
  const logits = [2, 1, 0];

  test("temperature 1 gives the softmax of the logits", () => {
    expectClose(nextTokenProbs(logits, { temperature: 1 }), softmax([2, 1, 0]));
    expectClose(nextTokenProbs(logits), softmax([2, 1, 0]));
  });

  test("temperature 0.5 gives the softmax of the doubled logits", () => {
    expectClose(nextTokenProbs(logits, { temperature: 0.5 }), softmax([4, 2, 0]));
  });

  test("temperature 0 is a one-hot at the argmax, ties going to the lowest id", () => {
    expect(Array.from(nextTokenProbs([0.1, 3, -1, 2.9], { temperature: 0 }))).toEqual([0, 1, 0, 0]);
    expect(Array.from(nextTokenProbs([1, 5, 5, 2], { temperature: 0 }))).toEqual([0, 1, 0, 0]);
  });

  test("large logits do not overflow", () => {
    expectClose(nextTokenProbs([1000, 999, 998]), softmax([2, 1, 0]));
  });

  test("top-k = 2 zeroes the third token and renormalizes the other two", () => {
    const p = nextTokenProbs(logits, { topK: 2 });
    expectClose(p, [...softmax([2, 1]), 0]);
  });

  test("top-k keeps the lowest ids among tokens tied at its boundary", () => {
    expectClose(nextTokenProbs([1, 3, 1, 1], { topK: 2 }), [...softmax([1, 3]), 0, 0]);
    expect(Array.from(nextTokenProbs([0, 0, 0], { topK: 5 })).every((v) => Math.abs(v - 1 / 3) < 1e-15)).toBe(true);
  });

  test("top-p keeps the smallest set of most likely tokens whose mass reaches p", () => {
    const [p0, p1] = softmax([2, 1, 0]);
    // p0 alone is below 0.7, p0 + p1 reaches it
    expect(p0).toBeLessThan(0.7);
    expect(p0 + p1).toBeGreaterThanOrEqual(0.7);
    expectClose(nextTokenProbs(logits, { topP: 0.7 }), [p0 / (p0 + p1), p1 / (p0 + p1), 0]);
    // p0 alone reaches 0.6
    expectClose(nextTokenProbs(logits, { topP: 0.6 }), [1, 0, 0]);
    expectClose(nextTokenProbs(logits, { topP: 1 }), softmax([2, 1, 0]));
  });

  test("top-p applies after temperature and top-k, on the renormalized distribution", () => {
    // after top-k 2: [q0, q1] = softmax([2, 1]) with q0 above 0.7, so top-p 0.7 keeps only token 0
    const [q0] = softmax([2, 1]);
    expect(q0).toBeGreaterThan(0.7);
    expectClose(nextTokenProbs(logits, { topK: 2, topP: 0.7 }), [1, 0, 0]);
    // temperature 2 flattens: softmax([1, 0.5, 0]) needs all three tokens to reach 0.9
    const flat = softmax([1, 0.5, 0]);
    expect(flat[0] + flat[1]).toBeLessThan(0.9);
    expectClose(nextTokenProbs(logits, { temperature: 2, topP: 0.9 }), flat);
  });

  test("bad options are errors that name the option", () => {
    expect(() => nextTokenProbs(logits, { temperature: -1 })).toThrow(/temperature must be a finite number >= 0.*got -1/);
    expect(() => nextTokenProbs(logits, { temperature: NaN })).toThrow(/temperature/);
    expect(() => nextTokenProbs(logits, { topK: 0 })).toThrow(/topK must be an integer >= 1 \(got 0\)/);
    expect(() => nextTokenProbs(logits, { topK: 1.5 })).toThrow(/topK.*1\.5/);
    expect(() => nextTokenProbs(logits, { topP: 0 })).toThrow(/topP must be in \(0, 1\] \(got 0\)/);
    expect(() => nextTokenProbs(logits, { topP: 1.5 })).toThrow(/topP.*1\.5/);
    expect(() => nextTokenProbs([1, NaN], {})).toThrow(/logit 1 is NaN/);
  });
});

describe("sampleToken", () => {
  test("frequencies over 20,000 draws match the probabilities (chi-square, 2 degrees of freedom)", () => {
    const rng = new Rng(123);
    for (const opts of [{ temperature: 1 }, { temperature: 0.5 }, { topK: 2 }]) {
      const probs = nextTokenProbs([2, 1, 0], opts);
      const counts = [0, 0, 0];
      const N = 20_000;
      for (let i = 0; i < N; i++) counts[sampleToken([2, 1, 0], opts, rng)]++;
      let chi2 = 0;
      let df = -1;
      for (let k = 0; k < 3; k++) {
        if (probs[k] === 0) {
          expect(counts[k]).toBe(0);
          continue;
        }
        chi2 += (counts[k] - N * probs[k]) ** 2 / (N * probs[k]);
        df++;
      }
      expect(chi2).toBeLessThan(df === 2 ? 13.82 : 10.83); // p = 0.001 critical values for 2 and 1 degrees of freedom
    }
  });

  test("the same seed gives the same samples", () => {
    const draw = (seed: number) => {
      const rng = new Rng(seed);
      return Array.from({ length: 50 }, () => sampleToken([0.3, 0.1, 0.2, 0], { temperature: 1.2 }, rng));
    };
    expect(draw(5)).toEqual(draw(5));
    expect(draw(5)).not.toEqual(draw(6));
  });

  test("greedy sampling returns the argmax and leaves the generator untouched", () => {
    const rng = new Rng(9);
    const before = rng.getState();
    expect(sampleToken([0.5, 2, 1.9], { temperature: 0 }, rng)).toBe(1);
    expect(rng.getState()).toEqual(before);
  });
});

describe("generate", () => {
  test("cached and uncached generation give the same tokens, running past blockSize", () => {
    for (const [model, opts] of [
      [tinyModel(), { temperature: 1 }],
      [tinyModel(), { temperature: 0 }],
      [tinyModel({}, "gpt2", 2), { temperature: 0.8, topK: 4 }],
      [tinyModel({}, "gpt2", 3), { temperature: 0 }],
    ] as const) {
      const run = (useCache: boolean) => generate(model, { prompt: [0, 3], maxNewTokens: 14, rng: new Rng(7), useCache, ...opts });
      const cached = run(true);
      expect(cached).toHaveLength(14); // 2 + 14 tokens: well past blockSize 5
      expect(run(false)).toEqual(cached);
    }
  });

  test("a prompt longer than blockSize keeps only its last blockSize tokens", () => {
    const model = tinyModel();
    const greedy = (prompt: number[], useCache: boolean) => generate(model, { prompt, maxNewTokens: 6, rng: new Rng(1), temperature: 0, useCache });
    const long = [1, 2, 3, 4, 5, 6, 1, 2];
    expect(greedy(long, true)).toEqual(greedy(long.slice(-5), true));
    expect(greedy(long, false)).toEqual(greedy(long, true));
  });

  test("greedy generation takes the argmax of the model's logits at each step", () => {
    const model = tinyModel();
    const tokens = generate(model, { prompt: [0], maxNewTokens: 3, rng: new Rng(1), temperature: 0 });
    const context = [0];
    for (const t of tokens) {
      const { logits } = model.forward(Int32Array.from(context), 1, context.length);
      const V = model.config.vocabSize;
      const last = Array.from(logits.data.slice((context.length - 1) * V));
      expect(t).toBe(last.indexOf(Math.max(...last)));
      context.push(t);
    }
  });

  test("generation stops after the stop token and includes it", () => {
    const model = tinyModel();
    const free = generate(model, { prompt: [0], maxNewTokens: 8, rng: new Rng(4) });
    const stopAt = free.findIndex((t, i) => i > 0 && free.indexOf(t) === i); // the first token that is not the first
    expect(stopAt).toBeGreaterThan(0);
    const stop = free[stopAt];
    const stopped = generate(model, { prompt: [0], maxNewTokens: 8, rng: new Rng(4), stopToken: stop });
    expect(stopped).toEqual(free.slice(0, free.indexOf(stop) + 1));
    expect(stopped[stopped.length - 1]).toBe(stop);
  });

  test("bad generation options are errors that name the option", () => {
    const model = tinyModel();
    const base = { prompt: [0], maxNewTokens: 3, rng: new Rng(1) };
    expect(() => generate(model, { ...base, prompt: [] })).toThrow(/prompt must be a non-empty array/);
    expect(() => generate(model, { ...base, prompt: [0, 7] })).toThrow(/prompt\[1\] = 7 is not a token id in 0\.\.6/);
    expect(() => generate(model, { ...base, maxNewTokens: -1 })).toThrow(/maxNewTokens must be an integer >= 0/);
    expect(() => generate(model, { ...base, stopToken: 9 })).toThrow(/stopToken/);
    expect(() => generate(model, { ...base, topP: 2 })).toThrow(/topP/);
  });
});

describe("sampleText", () => {
  test("returns n decoded samples that start with the prompt and match generate from [BOS] + prompt", () => {
    const model = tinyModel();
    const texts = sampleText(model, charTokenizer, { n: 3, prompt: "ab", maxNewTokens: 6, rng: new Rng(11), temperature: 0.9 });
    expect(texts).toHaveLength(3);
    const rng = new Rng(11);
    for (const text of texts) {
      const tokens = generate(model, { prompt: [0, 1, 2], maxNewTokens: 6, rng, temperature: 0.9, stopToken: 0 });
      expect(text).toBe("ab" + charTokenizer.decode(tokens));
      expect(text).not.toContain("^");
    }
  });

  test("a tokenizer whose vocabulary does not match the model is an error", () => {
    const model = tinyModel({ vocabSize: 9 });
    expect(() => sampleText(model, charTokenizer, { rng: new Rng(1) })).toThrow(/tokenizer has 7 tokens but the model's vocabSize is 9/);
  });
});

describe("the guide's checks and the sampling lessons", () => {
  test("logits [2, 1, 0] give 0.665 / 0.245 / 0.090 at temperature 1 and 0.867 / 0.117 / 0.016 at 0.5", () => {
    expectClose(nextTokenProbs([2, 1, 0], { temperature: 1 }), [0.665, 0.245, 0.09], 3);
    expectClose(nextTokenProbs([2, 1, 0], { temperature: 0.5 }), [0.867, 0.117, 0.016], 3);
  });

  test("nextTokenDistribution lists the filtered next-token probabilities after [BOS] + prompt, most likely first", () => {
    const model = tinyModel();
    const top = nextTokenDistribution(model, charTokenizer, "ab", { temperature: 0.7 }, 7);
    const logits = model.forward(Int32Array.from([0, 1, 2]), 1, 3).logits.data.slice(2 * 7, 3 * 7);
    const probs = nextTokenProbs(logits, { temperature: 0.7 });
    expect(top.map((t) => t.prob)).toEqual([...probs].sort((a, b) => b - a));
    for (const t of top) {
      expect(t.prob).toBe(probs[t.id]);
      expect(t.token).toBe(charTokenizer.decode([t.id]));
    }
    expect(nextTokenDistribution(model, charTokenizer, "ab", { topK: 2 }, 3)[2].prob).toBe(0);
  });

  test("nextTokenLogits are the last position's logits of [BOS] + prompt, cut to the model's last blockSize tokens", () => {
    const model = tinyModel();
    const V = 7;
    expect(Array.from(nextTokenLogits(model, charTokenizer, "ab"))).toEqual(Array.from(model.forward(Int32Array.from([0, 1, 2]), 1, 3).logits.data.slice(2 * V, 3 * V)));
    // "abcdef" + BOS is 7 tokens; blockSize 5 keeps "bcdef"
    const long = nextTokenLogits(model, charTokenizer, "abcdef");
    expect(long).toHaveLength(V);
    expect(Array.from(long)).toEqual(Array.from(model.forward(Int32Array.from([2, 3, 4, 5, 6]), 1, 5).logits.data.slice(4 * V, 5 * V)));
  });

  test("repeatedNgramShare counts the n-grams seen before in the same sequence", () => {
    expect(repeatedNgramShare([1, 2, 3, 4, 5], 2)).toBe(0);
    expect(repeatedNgramShare([1, 2, 1, 2, 1, 2], 2)).toBeCloseTo(3 / 5, 12); // (1,2) (2,1) new, then 3 repeats
    expect(repeatedNgramShare([7, 7, 7, 7], 1)).toBeCloseTo(3 / 4, 12);
    expect(repeatedNgramShare([1], 3)).toBe(0);
    expect(() => repeatedNgramShare([1, 2], 0)).toThrow(/n must be an integer >= 1/);
  });

  test("generationTime measures both paths and refuses lengths past the cache", () => {
    const model = tinyModel({ blockSize: 16 });
    expect(generationTime(model, 8, { useCache: true, repeats: 1 })).toBeGreaterThan(0);
    expect(generationTime(model, 8, { useCache: false, repeats: 1 })).toBeGreaterThan(0);
    expect(() => generationTime(model, 16, { useCache: true })).toThrow(/length must be an integer in 1..15/);
  });
});
