import { warmupFindings, referenceFinding, clippingFindings, highestStableLr, sizeFindings, guideTier, guideAgrees, tinyRunFindings, tierFindings } from "../../src/notebook/findings.js";
import type { WarmupResult } from "../../src/notebook/findings.js";

const blew = (step: number, lr: number) => ({ step, lr, how: "x", stopped: false });
function result(lr: number, warmup: number, blowUpStep: number | null, clipNorm = 0): WarmupResult {
  return { lr, warmup, clipNorm, blowUp: blowUpStep === null ? null : blew(blowUpStep, lr * Math.min(1, blowUpStep / Math.max(1, warmup))), worstLoss: 3 };
}

describe("warmupFindings phrases the case that happened", () => {
  test("short warmups blow up, long ones do not: the guides' lesson holds", () => {
    const [line] = warmupFindings([result(0.03, 0, 20), result(0.03, 10, 25), result(0.03, 200, null)], 1000);
    expect(line).toMatch(/^- \*\*Peak LR 0\.03\*\*: warmup 0 \(step 20\) and 10 \(step 25\) blow up, warmup 200 does not: here the guides' lesson holds/);
  });

  test("no warmup survives while the warmed-up runs blow up: the opposite of the lesson (the --unstableLr 0.03 case)", () => {
    const [line] = warmupFindings([result(0.03, 0, null), result(0.03, 10, null), result(0.03, 200, 176), result(0.03, 400, 384)], 1000);
    expect(line).toMatch(/warmup 200 \(step 176\) and 400 \(step 384\) blow up, warmup 0 and 10 do not: the \*opposite\*/);
    expect(line).toMatch(/the run without warmup starts at the full peak LR and survives.*\(all on the way up, before the warmup ends\)/);
  });

  test("every warmup blows up, later with a longer warmup: warmup only postpones it", () => {
    const [line] = warmupFindings([result(0.05, 0, 20), result(0.05, 200, 135), result(0.05, 400, 249)], 1000);
    expect(line).toMatch(/every warmup blows up .*a longer warmup only \*postpones\* the blow-up/);
  });

  test("nothing blows up; one line per LR, lowest first; clipped runs are left to clippingFindings", () => {
    const lines = warmupFindings([result(0.05, 0, 20), result(0.01, 0, null), result(0.01, 400, null), result(0.05, 0, 30, 1)], 1000);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe("- **Peak LR 0.01**: no warmup blows up within 1000 steps (warmups 0 and 400).");
    expect(highestStableLr([result(0.05, 0, 20), result(0.01, 0, null), result(0.02, 0, null), result(0.02, 400, 428)])).toBe(0.01);
    expect(highestStableLr([result(0.05, 0, 20)])).toBeNull();
  });
});

test("the run at peakLr is called the stable reference only if it did not blow up (the --peakLr 0.02 case)", () => {
  const blown = referenceFinding(result(0.02, 400, 428), 9, Math.log(597));
  expect(blown).toMatch(/blows up too\*\*, at step 428/);
  expect(blown).not.toMatch(/stable reference:/);
  expect(referenceFinding(result(0.01, 400, null), 3.25, Math.log(597))).toMatch(/never blows up: it is the stable reference, with a final validation loss of 3\.250/);
});

test("clippingFindings compares each clipped run with the same run unclipped and says whether clipping rescued it", () => {
  const notRescued = clippingFindings([result(0.05, 0, 20), result(0.05, 0, 20, 1)]);
  expect(notRescued[0]).toBe("- **clipNorm 1** at LR 0.05, warmup 0: **still blows up**, at step 20 (without it the run blows up at step 20).");
  expect(notRescued[1]).toMatch(/clipping does not rescue a too-high LR here/);
  expect(clippingFindings([result(0.05, 0, 20), result(0.05, 0, null, 1)])[1]).toMatch(/Clipping rescued warmup 0 at LR 0\.05/);
  expect(clippingFindings([result(0.05, 0, 20)])).toEqual([]);
});

describe("sizeFindings", () => {
  const sizes = [
    { name: "micro", params: 28576, lr: 0.0149, edge: false },
    { name: "lab", params: 63296, lr: 0.005, edge: true },
    { name: "standard", params: 159000, lr: 0.0063, edge: false },
  ];

  test("an order that changes with the step budget is said to, with the sizes that moved", () => {
    const text = sizeFindings(sizes, [
      { steps: 1500, ppl: { micro: 20, lab: 18.8, standard: 18.3 } },
      { steps: 6000, ppl: { micro: 13.86, lab: 14.31, standard: 16.77 } },
    ]);
    expect(text).toMatch(/- \*\*1,500 steps\*\*: standard 18\.30 < lab 18\.80 < micro 20\.00; the largest model, \*\*standard\*\*, is best\./);
    expect(text).toMatch(/- \*\*6,000 steps\*\*: micro 13\.86 < lab 14\.31 < standard 16\.77; the largest, standard, is last, 21% above \*\*micro\*\*\./);
    expect(text).toMatch(/\*\*The order changes with the step budget\*\* \(micro and standard move\)/);
    expect(text).toMatch(/The chosen LR of lab \(0\.005\) is at the edge of the search/);
  });

  test("an order that holds at both budgets is said to", () => {
    const text = sizeFindings(sizes.map((s) => ({ ...s, edge: false })), [
      { steps: 1500, ppl: { micro: 20, lab: 19, standard: 18 } },
      { steps: 3000, ppl: { micro: 17, lab: 16, standard: 15 } },
    ]);
    expect(text).toMatch(/The order is the same at 1,500 and 3,000 steps/);
    expect(text).toMatch(/Every chosen LR lies inside its search/);
    expect(text).not.toMatch(/close to a tie/);
  });

  test("sizes within 5% at the longest budget are called close to a tie; several edge LRs are named together", () => {
    const text = sizeFindings(sizes.map((s) => ({ ...s, edge: true })), [
      { steps: 3000, ppl: { micro: 16.77, lab: 15.64, standard: 15.53 } },
      { steps: 6000, ppl: { micro: 13.67, lab: 13.17, standard: 13.15 } },
    ]);
    expect(text).toMatch(/At 6,000 steps all sizes are within 4% of each other.*close to a tie/);
    expect(text).toMatch(/The chosen LRs of micro \(0\.0149\), lab \(0\.005\) and standard \(0\.0063\) are at the edge of their searches/);
  });
});

test("guideTier follows the guide's bands: micro < 500, small 1K-5K, standard 5K+", () => {
  expect([0, 499, 500, 999, 1000, 5000, 5001].map(guideTier)).toEqual(["micro", "micro", "micro or small", "micro or small", "small", "small", "standard"]);
  expect(() => guideTier(NaN)).toThrow(/examples must be a number >= 0/);
  expect([guideAgrees(200, "micro"), guideAgrees(200, "small"), guideAgrees(700, "small"), guideAgrees(700, "micro"), guideAgrees(700, "standard")]).toEqual([true, false, true, true, false]);
});

describe("tinyRunFindings says where the validation minimum fell", () => {
  const base = { steps: 1500, evalEvery: 25, bestVal: 50, lastVal: 250, lastTrain: 2.8, floor: 1.8, vocabSize: 597 };
  test("in the middle: the U-shaped curve, and how much higher it ends", () => {
    const t = tinyRunFindings({ ...base, bestStep: 400 });
    expect(t).toMatch(/bottoms out at step \*\*400\*\* of 1500 \(27% into the run, perplexity 50\.0\), then climbs again/);
    expect(t).toMatch(/\*\*5\.0 times higher\*\* \(250\.0\), still below V = 597/);
  });
  test("a minimum followed by a rise under 10% is a climb that has barely started (the --tinyDocs 500 case)", () => {
    const t = tinyRunFindings({ ...base, bestStep: 975, bestVal: 30, lastVal: 31.2 });
    expect(t).toMatch(/ends only 4% higher \(31\.2\): the climb has \*\*barely started\*\*/);
    expect(t).not.toMatch(/U-shaped curve of overfitting|Restoring the best checkpoint/);
  });
  test("at the start (the old default: step 50 of 1,500): squeezed against the edge", () => {
    expect(tinyRunFindings({ ...base, bestStep: 50 })).toMatch(/at the very start of the 1500 steps/);
  });
  test("at the end: no overfitting yet; above V: worse than a uniform guess", () => {
    expect(tinyRunFindings({ ...base, bestStep: 1500, lastVal: 50 })).toMatch(/\*\*no overfitting yet\*\*/);
    expect(tinyRunFindings({ ...base, bestStep: 300, lastVal: 3000 })).toMatch(/above V = 597, worse than a uniform guess/);
  });
});

test("tierFindings lines the winner of each data size up with the guide's tier and counts agreements", () => {
  const tiers = [{ tier: "micro", params: 28576 }, { tier: "small", params: 86800 }, { tier: "standard", params: 159000 }];
  const cells = (m: number, s: number, st: number) => ({ micro: { bestVal: m, gap: 5 }, small: { bestVal: s, gap: 1.05 }, standard: { bestVal: st, gap: 1.02 } });
  const text = tierFindings(tiers, [
    { docs: 200, epochs: 5, cells: cells(52, 55, 60) },
    { docs: 2000, epochs: 0.5, cells: cells(33, 31, 29) },
  ]);
  expect(text).toMatch(/- \*\*200 sentences\*\* \(5\.0 passes\): best validation perplexity by \*\*micro\*\* \(52\.0\), as the guide says \(micro\); gaps micro 5\.00/);
  expect(text).toMatch(/- \*\*2,000 sentences\*\* .*by \*\*standard\*\* \(29\.0\), not the guide's small/);
  expect(text).toMatch(/agrees with the guide's tiers at 1 of 2 data sizes/);
});
