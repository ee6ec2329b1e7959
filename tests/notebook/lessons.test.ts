import { History } from "../../src/train/callbacks.js";
import { num, lrText, listText, perplexityText, divergence, divergenceNote } from "../../src/notebook/lessons.js";
import type { Run } from "../../src/train/run.js";

function history(losses: number[], lr = (step: number) => 0.01 * step): History {
  const h = new History();
  losses.forEach((loss, i) => h.steps.push({ step: i + 1, loss, lr: lr(i + 1), gradNorm: 1 }));
  return h;
}

/** The parts of a Run that divergence() reads. */
function fakeRun(h: History, end: Partial<NonNullable<Run["lastEnd"]>> | null, steps = h.steps.length): Run {
  return { history: h, tokenizer: { vocabSize: 100 }, lastEnd: end, config: { steps } } as unknown as Run;
}

describe("numbers in a lesson's prose", () => {
  test("a diverged run's loss never prints as Infinity or 1e285", () => {
    expect(num(Infinity)).toBe("more than 1e9");
    expect(num(1.3e285)).toBe("more than 1e9");
    expect(num(1292276667409179.3)).toBe("more than 1e9");
    expect(num(-Infinity)).toBe("less than -1e9");
    expect(num(NaN)).toBe("NaN");
    expect(num(null)).toBe("n/a");
  });

  test("ordinary numbers get their digits, large integers separators", () => {
    expect(num(18.3249, 2)).toBe("18.32");
    expect(num(63296)).toBe("63,296");
    expect(num(999)).toBe("999.0");
  });

  test("perplexityText says 'a choice among' only below V", () => {
    expect(perplexityText(18.32, 597)).toBe("as unsure as a uniform choice among 18.3 words");
    expect(perplexityText(1292276667409179.3, 597)).toMatch(/^worse than any uniform guess \(perplexity more than 1e9: the run diverged\)$/);
    expect(perplexityText(2000, 597)).toBe("worse than a uniform guess over all 597 words (perplexity 2,000)");
  });

  test("lrText and listText", () => {
    expect(lrText(0.0063087)).toBe("0.00631");
    expect(lrText(0.05)).toBe("0.05");
    expect(listText(["a"])).toBe("a");
    expect(listText(["a", "b", "c"])).toBe("a, b and c");
  });
});

describe("History.blowUp", () => {
  test("finds the first step whose 20-step mean passes the threshold, with that step's LR", () => {
    const losses = [...Array(50).fill(3), ...Array(30).fill(10)];
    // the mean of steps 42..61 is (9 * 3 + 11 * 10) / 20 = 6.85 > 6.5, and of 41..60 it is 6.5 (not above)
    expect(history(losses).blowUp(6.5, 20)).toEqual({ step: 61, lr: 0.61, meanLoss: (9 * 3 + 11 * 10) / 20 });
  });

  test("a single spike does not count, a non-finite loss does at once", () => {
    const spike = Array(60).fill(3);
    spike[30] = 50; // mean of any window with it: (19 * 3 + 50) / 20 = 5.35
    expect(history(spike).blowUp(6, 20)).toBeNull();
    const nan = Array(10).fill(3);
    nan[4] = NaN;
    expect(history(nan).blowUp(6, 20)).toMatchObject({ step: 5 });
  });
});

describe("divergence of a run", () => {
  const threshold = Math.log(100) + 1;

  test("a run whose mean loss goes above ln V + 1 is flagged at that step", () => {
    const d = divergence(fakeRun(history([...Array(30).fill(3), ...Array(40).fill(threshold + 2)]), { reason: "completed" }));
    // with k of the 20 steps at ln V + 3, the mean (3 (20 - k) + (ln V + 3) k) / 20 passes ln V + 1 from k = 12: step 42
    expect(d).toMatchObject({ stopped: false, step: 42 });
    expect(d!.how).toMatch(/ln V \+ 1 = 5\.61/);
  });

  test("a run the trainer stopped as diverged is flagged at its stop step when that came first", () => {
    const d = divergence(fakeRun(history(Array(12).fill(3)), { reason: "diverged", step: 12, divergedAtStep: 13, divergedLr: 0.05 }, 1000));
    expect(d).toMatchObject({ stopped: true, step: 13, lr: 0.05 });
    expect(divergenceNote("Run \"x\"", d!)).toMatch(/Run "x" blew up at step 13\*\* \(LR 0\.05 there\).*step 13 of 1000.*a peak LR about 3 times lower \(0\.0167\)/);
  });

  test("a stable run is not flagged", () => {
    expect(divergence(fakeRun(history(Array(100).fill(3)), { reason: "completed" }))).toBeNull();
  });
});
