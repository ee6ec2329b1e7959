// The exercises' checks catch each common mistake with its hint. Every wrong answer below is written the way a
// student would write it (not taken from the check's own list), so a check whose mistake catalogue drifted from
// what students really write fails here.

import { runCheck, STUB_MESSAGE, exercises } from "../../src/exercises/index.js";
import type { AdamHyper, CosineOptions, Exercise, Filters } from "../../src/exercises/index.js";
import { softmaxExercise, crossEntropyExercise, crossEntropyGradExercise } from "../../src/exercises/softmax.js";
import { adamExercise } from "../../src/exercises/adam.js";
import { scheduleExercise, warmupRuleExercise } from "../../src/exercises/schedule.js";
import { attentionExercise } from "../../src/exercises/attention.js";
import { samplingExercise } from "../../src/exercises/sampling.js";
import { perplexityExercise, bitsPerCharExercise } from "../../src/exercises/perplexity.js";
import { pairExercise, mergeExercise, encodeExercise } from "../../src/exercises/bpe.js";

/** Runs the check on a wrong answer: it must fail, with the hint of the named mistake. */
function expectCaught<F>(ex: Exercise<F, any, any>, mistake: string, fn: F): void {
  const hint = ex.mistakes.find((m) => m.name === mistake)?.hint;
  expect(hint).toBeDefined();
  const r = runCheck(ex, fn);
  expect(r.passed).toBe(false);
  expect(r.failure).toBeDefined();
  expect(r.hint).toBe(hint);
}

const sum = (a: number[]): number => a.reduce((s, x) => s + x, 0);
const naiveSoftmax = (l: number[]): number[] => {
  const e = l.map((x) => Math.exp(x));
  return e.map((x) => x / sum(e));
};
const stableSoftmax = (l: number[]): number[] => {
  const m = Math.max(...l);
  const e = l.map((x) => Math.exp(x - m));
  return e.map((x) => x / sum(e));
};

describe("exercise 1: softmax and cross-entropy", () => {
  test("softmax without max-subtraction is caught on large logits with the max-subtraction hint", () => {
    expectCaught(softmaxExercise, "no max-subtraction", naiveSoftmax);
  });
  test("softmax that forgets to normalize is caught", () => {
    expectCaught(softmaxExercise, "not normalized", (l: number[]) => l.map((x) => Math.exp(x - Math.max(...l))));
  });
  test("the cross-entropy without max-subtraction is caught", () => {
    expectCaught(crossEntropyExercise, "no max-subtraction", (l: number[], t: number) => -Math.log(naiveSoftmax(l)[t]));
  });
  test("the cross-entropy as log of a probability that underflows is caught on [0, 800]", () => {
    expectCaught(crossEntropyExercise, "log of an underflowing probability", (l: number[], t: number) => -Math.log(stableSoftmax(l)[t]));
  });
  test("a cross-entropy with the wrong sign is caught", () => {
    expectCaught(crossEntropyExercise, "sign", (l: number[], t: number) => {
      const m = Math.max(...l);
      return l[t] - m - Math.log(sum(l.map((x) => Math.exp(x - m))));
    });
  });
  test("a gradient that forgets the one-hot is caught against finite differences", () => {
    expectCaught(crossEntropyGradExercise, "softmax only", (l: number[]) => stableSoftmax(l));
  });
  test("a gradient with the sign flipped is caught", () => {
    expectCaught(crossEntropyGradExercise, "sign", (l: number[], t: number) => stableSoftmax(l).map((p, i) => (i === t ? 1 - p : -p)));
  });
  test("a gradient without max-subtraction is caught", () => {
    expectCaught(crossEntropyGradExercise, "no max-subtraction", (l: number[], t: number) => naiveSoftmax(l).map((p, i) => (i === t ? p - 1 : p)));
  });
});

/** A student's Adam with switches for the usual slips. */
function adam(slip: { noBiasCorrection?: boolean; tPlusOne?: boolean; epsInside?: boolean; alwaysL2?: boolean; decayWithoutLr?: boolean }) {
  return (p: number[], g: number[], m: number[], v: number[], t: number, h: AdamHyper): void => {
    const step = slip.tPlusOne ? t + 1 : t;
    for (let i = 0; i < p.length; i++) {
      let grad = g[i];
      if (!h.decoupled || slip.alwaysL2) grad += h.weightDecay * p[i];
      m[i] = h.beta1 * m[i] + (1 - h.beta1) * grad;
      v[i] = h.beta2 * v[i] + (1 - h.beta2) * grad * grad;
      const mhat = slip.noBiasCorrection ? m[i] : m[i] / (1 - h.beta1 ** step);
      const vhat = slip.noBiasCorrection ? v[i] : v[i] / (1 - h.beta2 ** step);
      if (h.decoupled && !slip.alwaysL2) p[i] -= (slip.decayWithoutLr ? 1 : h.lr) * h.weightDecay * p[i];
      p[i] -= (h.lr * mhat) / (slip.epsInside ? Math.sqrt(vhat + h.eps) : Math.sqrt(vhat) + h.eps);
    }
  };
}

describe("exercise 2: Adam", () => {
  test("my own Adam with no slip passes (the wrong answers below differ from it by one slip each)", () => {
    expect(runCheck(adamExercise, adam({})).passed).toBe(true);
  });
  test("missing bias correction is caught with its hint", () => expectCaught(adamExercise, "no bias correction", adam({ noBiasCorrection: true })));
  test("bias correction with t + 1 is caught", () => expectCaught(adamExercise, "bias correction with t + 1", adam({ tPlusOne: true })));
  test("eps inside the square root is caught", () => expectCaught(adamExercise, "eps inside the square root", adam({ epsInside: true })));
  test("AdamW's decay written as L2 is caught", () => expectCaught(adamExercise, "AdamW decay coupled", adam({ alwaysL2: true })));
  test("AdamW's decay without the learning rate is caught", () => expectCaught(adamExercise, "decay without lr", adam({ decayWithoutLr: true })));
});

describe("exercise 3: schedule", () => {
  const cosine = (o: CosineOptions, s: number, span: number): number => o.minLr + (o.peakLr - o.minLr) * 0.5 * (1 + Math.cos(Math.PI * s / span));
  test("an off-by-one warmup (step / warmupSteps) is caught", () => {
    expectCaught(scheduleExercise, "off-by-one warmup", (step: number, o: CosineOptions) => {
      if (step < o.warmupSteps) return (o.peakLr * step) / o.warmupSteps;
      return cosine(o, Math.min(step - o.warmupSteps, o.totalSteps - o.warmupSteps), o.totalSteps - o.warmupSteps);
    });
  });
  test("a cosine over all the steps instead of after warmup is caught", () => {
    expectCaught(scheduleExercise, "cosine over all steps", (step: number, o: CosineOptions) => (step < o.warmupSteps ? (o.peakLr * (step + 1)) / o.warmupSteps : cosine(o, Math.min(step, o.totalSteps), o.totalSteps)));
  });
  test("a cosine that climbs back up after the end is caught", () => {
    expectCaught(scheduleExercise, "no end", (step: number, o: CosineOptions) => (step < o.warmupSteps ? (o.peakLr * (step + 1)) / o.warmupSteps : cosine(o, step - o.warmupSteps, o.totalSteps - o.warmupSteps)));
  });
  test("a schedule that ignores minLr is caught", () => {
    expectCaught(scheduleExercise, "minLr ignored", (step: number, o: CosineOptions) => {
      if (step < o.warmupSteps) return (o.peakLr * (step + 1)) / o.warmupSteps;
      const span = o.totalSteps - o.warmupSteps;
      return 0.5 * o.peakLr * (1 + Math.cos(Math.PI * (span === 0 ? 1 : Math.min(1, (step - o.warmupSteps) / span))));
    });
  });
  test("the warmup rule without its floor of 100 is caught", () => expectCaught(warmupRuleExercise, "no floor", (n: number) => Math.min(n, Math.round(0.05 * n))));
  test("the warmup rule rounding down is caught", () => expectCaught(warmupRuleExercise, "floor not round", (n: number) => Math.min(n, Math.max(100, Math.floor(n * 0.05)))));
  test("a warmup longer than the run is caught", () => expectCaught(warmupRuleExercise, "longer than the run", (n: number) => Math.max(100, Math.round(n / 20))));
});

/** A student's attention head with switches for the usual slips. */
function head(slip: { noMask?: boolean; strict?: boolean; maskAfter?: boolean; scale?: (hs: number) => number; naive?: boolean }) {
  return (q: number[][], k: number[][], v: number[][]): number[][] => {
    const hs = q[0].length;
    const scale = slip.scale ? slip.scale(hs) : 1 / Math.sqrt(hs);
    return q.map((qt, t) => {
      const seen = (t2: number) => slip.noMask || (slip.strict ? t2 < t : t2 <= t);
      const scores = k.map((kt, t2) => (seen(t2) || slip.maskAfter ? scale * qt.reduce((s, x, i) => s + x * kt[i], 0) : -Infinity));
      const m = slip.naive ? 0 : Math.max(...scores);
      let w = scores.map((s) => Math.exp(s - m));
      const z = sum(w);
      w = w.map((x, t2) => (slip.maskAfter && !seen(t2) ? 0 : x / z));
      return Array.from({ length: hs }, (_, i) => w.reduce((s, x, t2) => s + x * v[t2][i], 0));
    });
  };
}

describe("exercise 4: attention", () => {
  test("my own head with no slip passes", () => expect(runCheck(attentionExercise, head({})).passed).toBe(true));
  test("a mask that leaks the future is caught with its hint", () => expectCaught(attentionExercise, "mask leaks the future", head({ noMask: true })));
  test("a mask that hides the position itself is caught", () => expectCaught(attentionExercise, "mask hides the present", head({ strict: true })));
  test("masking after the softmax is caught", () => expectCaught(attentionExercise, "mask after the softmax", head({ maskAfter: true })));
  test("unscaled scores are caught", () => expectCaught(attentionExercise, "no scaling", head({ scale: () => 1 })));
  test("scores scaled by 1/hs are caught", () => expectCaught(attentionExercise, "scaled by 1/hs", head({ scale: (hs) => 1 / hs })));
  test("a softmax without max-subtraction is caught on large scores", () => expectCaught(attentionExercise, "no max-subtraction", head({ naive: true })));
});

/** A student's sampler: `boundary` decides whether the token that crosses p is kept. */
function sampler(slip: { boundary?: "exclude" | "oneMore"; multiply?: boolean; pBeforeK?: boolean; noRenorm?: boolean }) {
  return (logits: number[], o: Filters): number[] => {
    const V = logits.length;
    if (o.temperature === 0) return logits.map((l, i) => (i === logits.indexOf(Math.max(...logits)) ? 1 : 0));
    const scaled = logits.map((l) => (slip.multiply ? l * o.temperature : l / o.temperature));
    let p = stableSoftmax(scaled);
    const full = p.slice();
    const order = p.map((_, i) => i).sort((a, b) => p[b] - p[a] || a - b);
    const topK = (q: number[]) => {
      const keep = new Set(order.slice(0, o.topK));
      return q.map((x, i) => (keep.has(i) ? x : 0));
    };
    const topP = (q: number[]) => {
      const z = sum(q);
      let mass = 0;
      const keep = new Set<number>();
      for (const i of order) {
        if (q[i] === 0) break;
        const withIt = mass + q[i] / z;
        if (slip.boundary === "exclude" ? keep.size > 0 && withIt >= o.topP - 1e-12 : slip.boundary === "oneMore" ? mass > o.topP + 1e-12 : mass >= o.topP - 1e-12) break;
        keep.add(i);
        mass = withIt;
      }
      return q.map((x, i) => (keep.has(i) ? x : 0));
    };
    p = slip.pBeforeK ? topK(topP(p)) : topP(topK(p));
    if (slip.noRenorm) return p.map((x, i) => (x > 0 ? full[i] : 0));
    const z = sum(p);
    return p.map((x) => x / z);
  };
}

describe("exercise 5: sampling", () => {
  test("my own sampler with no slip passes", () => expect(runCheck(samplingExercise, sampler({})).passed).toBe(true));
  test("top-p that excludes the boundary token is caught with its hint", () => expectCaught(samplingExercise, "top-p excludes the boundary token", sampler({ boundary: "exclude" })));
  test("top-p that keeps one token past the boundary is caught", () => expectCaught(samplingExercise, "top-p includes one token too many", sampler({ boundary: "oneMore" })));
  test("a temperature that multiplies the logits is caught", () => expectCaught(samplingExercise, "temperature multiplies", sampler({ multiply: true })));
  test("top-p before top-k is caught", () => expectCaught(samplingExercise, "top-p before top-k", sampler({ pBeforeK: true })));
  test("filtering without renormalizing is caught", () => expectCaught(samplingExercise, "not renormalized", sampler({ noRenorm: true })));
});

describe("exercise 6: perplexity and bits per character", () => {
  test("perplexity as 2^loss is caught", () => expectCaught(perplexityExercise, "base 2", (l: number) => 2 ** l));
  test("perplexity as 10^loss is caught", () => expectCaught(perplexityExercise, "base 10", (l: number) => 10 ** l));
  test("bits per token given for bits per character is caught", () => expectCaught(bitsPerCharExercise, "bits per token", (l: number) => l / Math.log(2)));
  test("nats per character is caught", () => expectCaught(bitsPerCharExercise, "nats", (l: number, t: number, c: number) => (l * t) / c));
  test("the ratio upside down is caught", () => expectCaught(bitsPerCharExercise, "inverted ratio", (l: number, t: number, c: number) => (l / Math.LN2) * (c / t)));
});

describe("exercise 7: BPE", () => {
  const pairs = (words: number[][], counts: number[], weigh: boolean): [number, number] | null => {
    const c = new Map<string, number>();
    words.forEach((w, i) => w.slice(1).forEach((b, j) => c.set(`${w[j]} ${b}`, (c.get(`${w[j]} ${b}`) ?? 0) + (weigh ? counts[i] : 1))));
    const best = [...c.entries()].map(([k, n]) => [...k.split(" ").map(Number), n]).sort((x, y) => y[2] - x[2] || x[0] - y[0] || x[1] - y[1])[0];
    return best ? [best[0], best[1]] : null;
  };
  test("pair counts that ignore how often a word occurs are caught", () => expectCaught(pairExercise, "counts ignored", (w: number[][], c: number[]) => pairs(w, c, false)));
  test("pairs counted across word boundaries are caught", () => expectCaught(pairExercise, "pairs across words", (w: number[][], c: number[]) => pairs([w.flatMap((x, i) => Array.from({ length: c[i] }, () => x).flat())], [1], true)));
  test("a merge that keeps the pair's second token is caught", () => {
    expectCaught(mergeExercise, "second token kept", (ids: number[], a: number, b: number, id: number) => ids.map((t, i) => (t === a && ids[i + 1] === b ? id : t)));
  });
  test("a merge of the first occurrence only is caught", () => {
    expectCaught(mergeExercise, "first occurrence only", (ids: number[], a: number, b: number, id: number) => {
      const s = ids.join(","), at = s.indexOf(`${a},${b}`);
      if (at < 0) return ids;
      const i = s.slice(0, at).split(",").filter(Boolean).length;
      return [...ids.slice(0, i), id, ...ids.slice(i + 2)];
    });
  });
  test("encoding that merges the leftmost known pair instead of the lowest rank is caught", () => {
    expectCaught(encodeExercise, "leftmost pair first", (bytes: number[], merges: [number, number, number][]) => {
      let ids = bytes;
      for (let changed = true; changed; ) {
        changed = false;
        for (let i = 0; i + 1 < ids.length && !changed; i++) {
          const m = merges.find(([a, b]) => a === ids[i] && b === ids[i + 1]);
          if (m) (ids = [...ids.slice(0, i), m[2], ...ids.slice(i + 2)]), (changed = true);
        }
      }
      return ids;
    });
  });
});

describe("what every check does", () => {
  test("a student's exception is reported as a failed check with its message, not thrown", () => {
    const r = runCheck(softmaxExercise, () => {
      throw new RangeError("index 3 out of range");
    });
    expect(r.passed).toBe(false);
    expect(r.message).toContain("RangeError: index 3 out of range");
    expect(r.failure?.got).toContain("threw RangeError");
  });
  test("the stub's error is reported as not implemented yet, for every exercise", () => {
    for (const ex of exercises) {
      const r = runCheck(ex as Exercise<unknown, unknown, unknown>, () => {
        throw new Error(STUB_MESSAGE);
      });
      expect([ex.id, r.passed, r.message.includes("not implemented yet")]).toEqual([ex.id, false, true]);
    }
  });
  test("the first mismatch names the case, the input, what was expected and what was returned", () => {
    const r = runCheck(perplexityExercise, (l: number) => (l > 1 ? Math.exp(l) : 7));
    expect(r.failure).toEqual({ case: "a perfect model (loss 0)", input: "0", expected: "1", got: "7", where: "the value: got 7, expected 1" });
    expect(r.casesPassed).toBe(1);
    expect(r.hint).toBeUndefined();
  });
  test("something that is not a function is a failed check that says what it got", () => {
    const r = runCheck(softmaxExercise, undefined as never);
    expect(r.passed).toBe(false);
    expect(r.message).toContain("got undefined");
  });
  test("a function that returns nothing is told so", () => {
    const r = runCheck(softmaxExercise, ((l: number[]) => void stableSoftmax(l)) as never);
    expect(r.message).toContain("did the function return its result?");
  });
});
