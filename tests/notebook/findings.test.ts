import { warmupFindings, referenceFinding, clippingFindings, highestStableLr, sizeFindings, guideTier, guideAgrees, tinyRunFindings, tierFindings } from "../../src/notebook/findings.js";
import { seedSpread, marginNoise, beyondNoise, unfinishedTrialsText, lrEdgeText, repetitionFindings, timingFindings, forgettingFindings, tierWinners, rightSizingFindings, earlyStoppingFindings, halfLossFindings, circuitFindings, uniformPrevious, digestMismatches, tokenizerFindings } from "../../src/notebook/findings.js";
import type { ReplayResult, TierTrial } from "../../src/notebook/findings.js";
import { loopStart } from "../../src/eval/sample.js";
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

describe("margins are judged against the seed-to-seed noise", () => {
  test("seedSpread is max - min of the finite values; a margin is beyond the noise only when the noise is measured and smaller", () => {
    expect(seedSpread([2.1, 2.4, NaN, 2.2])).toBeCloseTo(0.3, 12);
    expect(beyondNoise(0.003, 0.02)).toBe(false);
    expect(beyondNoise(-0.05, 0.02)).toBe(true);
    expect(beyondNoise(0.5, null)).toBe(false);
    expect(beyondNoise(0.5, NaN)).toBe(false);
  });

  test("marginNoise is the spread of paired differences: a seed that lifts every tier cancels (09's 10,800-sentence cells)", () => {
    // seeds 42, 1, 7: seed 7 is 0.05 higher for all; small vs standard flips sign, micro stays 0.02 behind
    const noise = marginNoise({ micro: [2.3996, 2.4099, 2.4560], small: [2.3807, 2.3882, 2.4387], standard: [2.3828, 2.3915, 2.4359] });
    expect(noise).toBeCloseTo(0.0061, 4);
    expect(noise).toBeLessThan(seedSpread([2.3996, 2.4099, 2.4560]));
    expect(marginNoise({ a: [1], b: [2] })).toBeNaN();
  });
});

describe("05 · sweeps", () => {
  test("unfinished trials are named with their axes and where they diverged; a sweep that completed says nothing", () => {
    const rows = [
      { lr: 0.03, batchSize: 1, status: "diverged", diverged_step: 412 },
      { lr: 0.01, batchSize: 1, status: "completed" },
      { lr: 0.03, batchSize: 4, status: "failed" },
    ];
    const text = unfinishedTrialsText(rows, ["lr", "batchSize"]);
    expect(text).toMatch(/\*\*1 of 3 trials diverged\*\* \(lr 0\.03, batchSize 1 at step 412\): .*its cell is blank/);
    expect(text).toMatch(/\*\*1 of 3 trials did not finish\*\* \(lr 0\.03, batchSize 4: failed\)/);
    expect(unfinishedTrialsText([{ lr: 1, status: "completed" }], ["lr"])).toBe("");
  });

  test("lrEdgeText agrees in number, and a one-lr grid places nothing (no '(0.01 or 0.01)')", () => {
    expect(lrEdgeText([0.01], [0.01])).toBe("The sweep tried a single lr (0.01), so it cannot say where the best lr lies.");
    expect(lrEdgeText([0.001, 0.01], [0.001, 0.003, 0.01, 0.03])).toMatch(/^1 of the 2 best lrs sits at the edge of the grid \(0\.001 or 0\.03\)/);
    expect(lrEdgeText([0.001, 0.03, 0.03], [0.001, 0.03])).toMatch(/^3 of the 3 best lrs sit at the edge/);
    expect(lrEdgeText([0.003], [0.001, 0.003, 0.01])).toBe("The best lr lies inside the grid.");
  });
});

describe("07 · sampling", () => {
  test("greedy 'repeats itself' only when above every sampled text at every seed (seed 1: 19% vs 17%-25% is no clear difference)", () => {
    const loop = { start: 20, period: 9 };
    expect(repetitionFindings(0.5, { "T = 1": [0.1, 0.2], "top-p 0.9": [0.05, 0.3] }, loop, 16, 60)).toMatch(/^\*\*Greedy decoding repeats itself\*\*: 50% .*any of 2 seeds/);
    const close = repetitionFindings(0.19, { "T = 1": [0.17, 0.25] }, loop, 16, 60);
    expect(close).toMatch(/^\*\*No clear difference here\*\*/);
    expect(close).not.toMatch(/repeats itself\*\*/);
  });

  test("the loop claim is made only where the text shows it, and the loop is found from the token sequence", () => {
    const tokens = [5, 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 1, 2];
    expect(loopStart(tokens, 3)).toEqual({ start: 5, period: 4 });
    expect(loopStart([1, 2, 3, 4, 5, 6], 2)).toBeNull();
    expect(repetitionFindings(0.5, { x: [0.1] }, { start: 5, period: 4 }, 3, 15)).toMatch(/everything after token 8 repeats with a period of 4 tokens/);
    expect(repetitionFindings(0.5, { x: [0.1] }, { start: 50, period: 4 }, 16, 60)).toMatch(/but it ends first/);
    expect(repetitionFindings(0.5, { x: [0.1] }, null, 16, 60)).toMatch(/no 16-token window of greedy's text repeats/);
  });

  test("timing exponents come from all points by least squares, with an error, and a non-monotone series is flagged", () => {
    // the series of the issue: cached 28, 17, 299, 199, 885 ms; the first-and-last slope was 1.25
    const lengths = [16, 32, 64, 128, 255];
    const pts = lengths.map((n, i) => ({ tokens: n, cached: [28, 17, 299, 199, 885][i], uncached: 0.05 * n * n }));
    const { text, cached, uncached } = timingFindings(pts);
    const lx = lengths.map(Math.log), ly = [28, 17, 299, 199, 885].map(Math.log);
    const mx = lx.reduce((a, b) => a + b) / 5, my = ly.reduce((a, b) => a + b) / 5;
    const slope = lx.reduce((s, x, i) => s + (x - mx) * (ly[i] - my), 0) / lx.reduce((s, x) => s + (x - mx) ** 2, 0);
    expect(cached.exponent).toBeCloseTo(slope, 10);
    expect(cached.exponent).not.toBeCloseTo(Math.log(885 / 28) / Math.log(255 / 16), 2);
    expect(uncached.exponent).toBeCloseTo(2, 10);
    expect(text).toMatch(/⚠ The cached times are not monotone in n \(28, 17, 299, 199, 885 ms\)/);
    expect(text).toMatch(/n\^\d\.\d\d ± \d\.\d\d\*\* with the cache/);
    const clean = timingFindings(lengths.map((n) => ({ tokens: n, cached: 0.3 * n * (1 + 0.01 * Math.sin(n)), uncached: 0.01 * n * n * (1 + 0.01 * Math.cos(n)) })));
    expect(clean.text).not.toMatch(/not monotone/);
    expect(clean.text).toMatch(/lower by more than twice the combined error/);
  });
});

describe("08 · forgetting", () => {
  const row = (run: string, fraction: number, aEnd: number, bEnd = 1.5): ReplayResult => ({ run, fraction, batchesFromA: Math.round(fraction * 300), aStart: 2.2, aPeak: aEnd + 0.1, aEnd, bEnd });
  test("the run without replay is found by its fraction, not by its position (--replayFractions 0.25,0.05 has none)", () => {
    const text = forgettingFindings([row("replay 25%", 0.25, 2.3), row("replay 5%", 0.05, 2.9)], { lossA0: 2.155, lnV: 3.43, stepsB: 300 });
    expect(text).toMatch(/^\*\*This grid has no run without replay\*\* \(add 0 to `replayFractions`\)/);
    expect(text).not.toMatch(/Without replay, A's validation loss rose/);
    expect(text).not.toMatch(/than without replay/);
    const reordered = forgettingFindings([row("replay 25%", 0.25, 2.3), row("no replay", 0, 3.0)], { lossA0: 2.155, lnV: 3.43, stepsB: 300 });
    expect(reordered).toMatch(/Without replay, A's validation loss rose from 2\.155 after phase 1 to 3\.000/);
    expect(reordered).toMatch(/\*\*replay 25%\*\* .*less than half the rise without replay/);
  });

  test("a loss after B above ln V is called worse than a uniform guess; rises within the tolerance are 'about the same'", () => {
    const text = forgettingFindings([row("no replay", 0, 7.27), row("replay 1%", 0.01, 7.25), row("replay 5%", 0.05, 2.5)], { lossA0: 2.1, lnV: 3.43, stepsB: 1500 });
    expect(text).toMatch(/\*\*worse than a uniform guess\*\* over the characters \(ln V = 3\.43\)/);
    expect(text).toMatch(/\*\*replay 1%\*\* .*about the same rise as without replay/);
    expect(text).toMatch(/\*\*replay 5%\*\* .*less than half the rise/);
  });
});

describe("09 · right-sizing", () => {
  const tiers = ["micro", "small", "standard"];
  const table: Record<string, Record<number, number>> = { micro: { 200: 4.0, 10800: 3.300 }, small: { 200: 4.3, 10800: 3.297 }, standard: { 200: 4.5, 10800: 3.299 } };
  const loss = (t: string, n: number) => table[t]?.[n] ?? NaN;

  test("a winner inside the seed-to-seed noise is 'no clear winner', and the headline rests only on clear wins", () => {
    const winners = tierWinners(tiers, [200, 10800], loss, 0.02);
    expect(winners.map((w) => [w.winner, w.clear])).toEqual([["micro", true], ["small", false]]);
    const text = rightSizingFindings(tiers, winners, { seeds: [42, 1, 7] });
    expect(text).toMatch(/\*\*No clear winner\*\* at 10,800 \(small ahead of standard by 0\.002, noise 0\.020\)/);
    expect(text).toMatch(/\*\*Smaller wins wherever a tier wins clearly\*\*/);
    expect(text).not.toMatch(/a larger tier on more data/);
    expect(text).toMatch(/over seeds 42, 1 and 7\) is 0\.020 at 200 and 0\.020 at 10,800 sentences/);
    const perSize = tierWinners(tiers, [200, 10800], loss, (n) => (n === 200 ? 0.6 : 0.001));
    expect(perSize.map((w) => w.clear)).toEqual([false, true]);
    // 09 at 200 sentences: micro lowest at seeds 42, 1 and 7, by less than the noise; at 10,800 the winner changes with the seed
    const bySeed: Record<string, Record<number, number[]>> = { micro: { 200: [4.073, 4.062, 4.160], 10800: [2.400, 2.410, 2.456] }, small: { 200: [4.093, 4.101, 4.224], 10800: [2.381, 2.388, 2.439] }, standard: { 200: [4.164, 4.153, 4.294], 10800: [2.383, 2.392, 2.436] } };
    const seeded = tierWinners(tiers, [200, 10800], (t, n) => bySeed[t][n][0], (n) => (n === 200 ? 0.045 : 0.006), (t, n) => bySeed[t][n]);
    expect(seeded.map((w) => [w.winner, w.clear, w.everySeed])).toEqual([["micro", false, true], ["small", false, false]]);
    expect(rightSizingFindings(tiers, seeded, { seeds: [42, 1, 7] })).toMatch(/The same tier wins at every seed at 200 \(micro\): a consistent order, though at 200 its margin is inside the noise\./);
    expect(winners.every((w) => w.everySeed === null)).toBe(true);
  });

  test("with the noise unmeasured nothing is called a win; one tier and failed trials give no Infinity", () => {
    const winners = tierWinners(tiers, [200, 10800], loss, null);
    expect(winners.every((w) => !w.clear)).toBe(true);
    expect(rightSizingFindings(tiers, winners, { seeds: [42] })).toMatch(/^With one seed the seed-to-seed noise is unmeasured.*\*\*No tier wins beyond the noise/);
    const one = tierWinners(["micro"], [200, 10800], loss, 0.02);
    expect(one[0].margin).toBeNull();
    expect(rightSizingFindings(["micro"], one, { seeds: [42, 1] })).toMatch(/^Only one tier \(micro\)/);
    const failed = tierWinners(tiers, [200, 20000], loss, 0.02);
    expect(failed[1]).toMatchObject({ winner: null, margin: null, clear: false });
    expect(rightSizingFindings(tiers, failed, { seeds: [42, 1] })).not.toMatch(/Infinity|NaN/);
  });

  test("clear winners that grow with the data give 'yes', and disagreements with the guide are named", () => {
    const t2: Record<string, Record<number, number>> = { micro: { 1000: 3.5, 10800: 3.4 }, small: { 1000: 3.7, 10800: 3.2 } };
    const winners = tierWinners(["micro", "small"], [1000, 10800], (t, n) => t2[t][n], 0.05);
    const text = rightSizingFindings(["micro", "small"], winners, { seeds: [42, 1] });
    expect(text).toMatch(/\*\*Yes: smaller wins on small data here, and a larger tier on more data\.\*\* Clear winners: \*\*micro\*\* at 1,000 and \*\*small\*\* at 10,800/);
    expect(text).toMatch(/agree at 0 of 2 data sizes; they disagree at 1,000 \(micro, the guide says small\)/);
  });

  const trial = (tier: string, docs: number, bestVal: number, finalVal: number, bestStep: number, steps: number, stoppedEarlyAt: number | null = null): TierTrial => ({ tier, docs, status: "completed", steps, bestStep, bestVal, finalVal, stoppedEarlyAt });
  test("patience 0: the overfit trials are named instead of 'a new best within the last 0 evaluations'", () => {
    const text = earlyStoppingFindings([trial("micro", 200, 4.07, 8.31, 52, 600), trial("small", 1000, 3.6, 3.62, 580, 600)], { patience: 0, maxSteps: 600 });
    expect(text).toMatch(/^\*\*Early stopping is off\*\* \(`patience` 0\)/);
    expect(text).toMatch(/One trial ended more than 0\.1 nats above its best .*micro on 200 \(best 4\.07 at step 52, 8\.31 at step 600\)/);
    expect(text).not.toMatch(/last 0 evaluations/);
  });

  test("with patience, the stopped trials' lr at their best step is compared with the full-budget trials'", () => {
    const text = earlyStoppingFindings([trial("micro", 200, 4.0, 4.2, 150, 250, 250), trial("small", 10800, 3.2, 3.2, 1500, 1500)], { patience: 4, maxSteps: 1500 });
    expect(text).toMatch(/ended \*\*1 of 2 completed trials\*\*/);
    expect(text).toMatch(/lr was still 90% of its peak, against 0% for the trials that ran their whole budget/);
    expect(text).toMatch(/new best within their last 4 evaluations, .*: small on 10,800\./);
  });
});

describe("10 · attention", () => {
  test("with no previous-token head (seed 2: 0.00 and 0.00) the two-head circuit is not described", () => {
    const text = circuitFindings([0.0, 0.0], { layer: 1, head: 0, score: 0.6 }, { positions: 19 });
    expect(text).toMatch(/^\*\*No layer-0 head attends to the previous token here\*\*: the most any puts on it is 0\.00/);
    expect(text).not.toMatch(/: the previous-token head\./);
    // seed 42: 0.31 on the previous token over 19 positions is 2.6x uniform attention's 0.12
    expect(uniformPrevious(19)).toBeCloseTo((1 / 3 + 1 / 4 + 1 / 5 + 1 / 6 + 1 / 7 + 1 / 8 + 1 / 9 + 1 / 10 + 1 / 11 + 1 / 12 + 1 / 13 + 1 / 14 + 1 / 15 + 1 / 16 + 1 / 17 + 1 / 18 + 1 / 19) / 17, 12);
    expect(circuitFindings([0.31, 0.0], { layer: 1, head: 0, score: 0.75 }, { positions: 19 })).toMatch(/layer 0 head 0 puts on average \*\*0\.31\*\* .*\(head 1: 0\.00\), 2\.6× the 0\.12 uniform attention would give: the previous-token head\. In the repeated half, layer 1 head 0/);
    expect(circuitFindings([0.2, 0.0], { layer: 1, head: 0, score: 0.75 }, { positions: 19 })).toMatch(/^\*\*No layer-0 head/);
  });

  test("a random half costing more than ln V is explained, not called 'cannot be predicted better than ln V'", () => {
    const o = { secondHalf: 0.2, lnV: Math.log(16), vocab: 16, steps: 1500, dropStep: 350, probeEvery: 50 };
    expect(halfLossFindings({ ...o, firstHalf: 2.9 })).toMatch(/\*\*more than a uniform guess\*\* \(2\.900 > ln 16 = 2\.773\)/);
    expect(halfLossFindings({ ...o, firstHalf: 2.7 })).toMatch(/at or below a uniform guess/);
    expect(halfLossFindings({ ...o, firstHalf: 2.7, dropStep: null })).toMatch(/never fell below ln\(V\)\/2 in 1500 steps/);
  });
});

describe("06 · the long runs' digest", () => {
  const digests = {
    "lr 0.001, warmup 100": { config: { lr: 0.001, warmupSteps: 100, beta2: 0.99, nEmbd: 128, steps: 50000, scheduleSteps: null } },
    "lr 0.0005, warmup 2500": { config: { lr: 0.0005, warmupSteps: 2500, beta2: 0.99, nEmbd: 128, steps: 50000, scheduleSteps: null } },
  };
  const runs = [{ lr: 0.001, warmupSteps: 100 }, { lr: 0.0005, warmupSteps: 2500 }];
  test("the committed digest matches the defaults: nothing to say", () => {
    expect(digestMismatches({ shared: { beta2: 0.99, nEmbd: 128 }, runs, steps: 50000 }, digests)).toEqual([]);
  });
  test("a changed beta2, lr or schedule length is named (the digest is not of these settings)", () => {
    const m = digestMismatches({ shared: { beta2: 0.95, nEmbd: 128 }, runs: [{ lr: 0.002, warmupSteps: 100 }, runs[1]], steps: 20000 }, digests);
    expect(m).toEqual(["`beta2` 0.95 here, 0.99 in the digest", "no digested run has lr 0.002 with warmup 100", "a 20,000-step schedule here, 50,000 steps in the digest"]);
  });
});

describe("11 · tokenizers", () => {
  const cost = (kind: string, bitsPerChar: number, _spread: number | null, bitsPerToken = 3, charactersPerToken = 4) => ({ kind, bitsPerChar, bitsPerToken, charactersPerToken });
  test("a 1.5% gap between unigram and BPE is no clear winner with one seed (the --seed 1 case), and a win beyond a measured spread", () => {
    const one = tokenizerFindings([cost("char", 1.48, null, 1.48, 1), cost("word", 0.95, null), cost("bpe", 1.015, null), cost("unigram", 1.0, null)], { wordCharged: 1.006, unkShare: 0.01, steps: 600, seeds: [1], noise: null });
    expect(one).toMatch(/\*\*no clear winner\*\* between unigram \(1\.000\) and bpe \(1\.015\)/);
    expect(one).toMatch(/with one seed the seed-to-seed spread is unmeasured/);
    expect(one).toMatch(/about the same as unigram's 1\.000 \(the noise is unmeasured, so no order can be called\)/);
    expect(one).toMatch(/All of this holds for 600 steps/);
    const two = tokenizerFindings([cost("char", 1.48, 0.004, 1.48, 1), cost("word", 0.95, 0.003), cost("bpe", 1.013, 0.002), cost("unigram", 1.04, 0.003)], { wordCharged: 1.006, unkShare: 0.01, steps: 600, seeds: [42, 1], noise: 0.004 });
    expect(two).toMatch(/\*\*bpe\*\* costs the least, 1\.013 bits per character against unigram's 1\.040: a gap of 0\.027, beyond the noise \(over seeds 42 and 1 the difference between two tokenizers' bits per character varies by up to 0\.004\)/);
    expect(two).toMatch(/about \*\*1\.006\*\* bits per character, \*\*still below\*\* bpe's 1\.013: on this corpus, at this budget, word is the cheapest/);
    expect(two).toMatch(/Char pays 1\.46× bpe's cost/);
  });
  test("word charged above the best open tokenizer loses its lead; within the noise it is 'about the same'", () => {
    const base = [cost("char", 1.4, 0.01, 1.4, 1), cost("word", 0.9, 0.01), cost("bpe", 1.0, 0.01), cost("unigram", 1.2, 0.01)];
    expect(tokenizerFindings(base, { wordCharged: 1.1, unkShare: 0.02, steps: 600, seeds: [42, 1], noise: 0.01 })).toMatch(/more than bpe's 1\.000: word's lead came from the words it never had to spell/);
    expect(tokenizerFindings(base, { wordCharged: 1.005, unkShare: 0.02, steps: 600, seeds: [42, 1], noise: 0.01 })).toMatch(/about the same as bpe's 1\.000 \(not beyond the noise\)/);
  });
});
