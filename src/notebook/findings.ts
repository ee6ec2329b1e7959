// The conclusions of the lesson notebooks, phrased from the runs by code that checks which case happened, so that
// the markdown stays true when a student turns a knob (02: warmup and peak LR, 03: model sizes, 04: size × data,
// 05-11 below: sweeps, sampling, forgetting, right-sizing, attention, tokenizers). A margin is only called a win
// when it is larger than the seed-to-seed spread measured for it.

import type { Divergence } from "./lessons.js";
import { listText, lrText, num, plural } from "./lessons.js";
import { fitPowerLaw } from "../sweep/analysis.js";
import type { PowerLawFit } from "../sweep/analysis.js";

// ---------------------------------------------------------------------------------------------------------------
// 02 · warmup against a too-high peak LR

export interface WarmupResult {
  lr: number;
  warmup: number;
  clipNorm: number;
  blowUp: Divergence | null;
  /** Highest mean loss over 20 steps. */
  worstLoss: number;
}

function blownText(rs: readonly WarmupResult[]): string {
  return listText(rs.map((r) => `${r.warmup} (step ${r.blowUp!.step})`));
}

/** One sentence per peak LR: which warmups blew up, where, and whether that fits "too short a warmup diverges". */
export function warmupFindings(results: readonly WarmupResult[], steps: number): string[] {
  const plain = results.filter((r) => r.clipNorm === 0);
  const lrs = [...new Set(plain.map((r) => r.lr))].sort((a, b) => a - b);
  return lrs.map((lr) => {
    const rs = plain.filter((r) => r.lr === lr).sort((a, b) => a.warmup - b.warmup);
    const blown = rs.filter((r) => r.blowUp);
    const safe = rs.filter((r) => !r.blowUp);
    const head = `- **Peak LR ${lrText(lr)}**: `;
    if (blown.length === 0) return `${head}no warmup blows up within ${steps} steps (warmups ${listText(rs.map((r) => String(r.warmup)))}).`;
    const warmed = blown.filter((r) => r.warmup > 0);
    const lrsThere = warmed.map((r) => r.blowUp!.lr);
    const rising = warmed.filter((r) => r.blowUp!.step <= r.warmup).length;
    const range = lrsThere.length > 1 ? `${lrText(Math.min(...lrsThere))}–${lrText(Math.max(...lrsThere))}` : lrText(lrsThere[0]);
    const phase = rising === warmed.length ? "all on the way up, before the warmup ends" : rising === 0 ? "all after the warmup, near the peak" : `${rising} of ${warmed.length} on the way up`;
    const where = warmed.length ? ` The warmed-up runs blow up at LR ${range} (${phase}).` : "";
    if (safe.length === 0) {
      const later = blown.every((r, i) => i === 0 || r.blowUp!.step >= blown[i - 1].blowUp!.step);
      return `${head}every warmup blows up (warmup ${blownText(blown)}): ${later && blown.length > 1 ? "a longer warmup only *postpones* the blow-up, it does not prevent it" : "warmup does not prevent it"}.${where}`;
    }
    const maxBlown = Math.max(...blown.map((r) => r.warmup));
    const minBlown = Math.min(...blown.map((r) => r.warmup));
    const maxSafe = Math.max(...safe.map((r) => r.warmup));
    const minSafe = Math.min(...safe.map((r) => r.warmup));
    const mixed = `warmup ${blownText(blown)} blow${blown.length === 1 ? "s" : ""} up, warmup ${listText(safe.map((r) => String(r.warmup)))} ${safe.length === 1 ? "does" : "do"} not`;
    if (maxBlown < minSafe) return `${head}${mixed}: here the guides' lesson holds, a long enough warmup prevents the blow-up.${where}`;
    if (maxSafe < minBlown) {
      return `${head}${mixed}: the *opposite* of "too short a warmup diverges". So the LR alone does not decide it: ${minSafe === 0 ? "the run without warmup starts at the full peak LR and survives" : `warmup ${minSafe} reaches the peak early and survives`}, while longer warmups meet the high LR later, with weights already trained further.${where}`;
    }
    return `${head}${mixed}: no order by warmup length, so at this LR the outcome is close to a coin toss.${where}`;
  });
}

/** What the run at the schedule comparison's own peak LR did: it is called a reference only if it stayed stable. */
export function referenceFinding(r: WarmupResult, finalValLoss: number, lnV: number): string {
  if (r.blowUp) {
    return (
      `⚠ The run at the schedule comparison's peak LR (${lrText(r.lr)}, warmup ${r.warmup}) **blows up too**, at step ${r.blowUp.step}: ` +
      `at this \`peakLr\` no run here is a stable reference. Lower \`peakLr\` (the lab's is 0.01).`
    );
  }
  return `The run at the schedule comparison's peak LR (${lrText(r.lr)}, warmup ${r.warmup}) never blows up: it is the stable reference, with a final validation loss of ${num(finalValLoss, 3)} (ln V = ${lnV.toFixed(2)}).`;
}

/** What gradient clipping did at the too-high LR, next to the same run without it, and what that means. */
export function clippingFindings(results: readonly WarmupResult[]): string[] {
  const clipped = results.filter((r) => r.clipNorm > 0);
  if (clipped.length === 0) return [];
  const lines = clipped.map((c) => {
      const without = results.find((r) => r.clipNorm === 0 && r.lr === c.lr && r.warmup === c.warmup);
      const before = without ? (without.blowUp ? `without it the run blows up at step ${without.blowUp.step}` : "without it the run does not blow up either") : "";
      const now = c.blowUp ? `**still blows up**, at step ${c.blowUp.step}` : "**does not blow up**";
      return `- **clipNorm ${c.clipNorm}** at LR ${lrText(c.lr)}, warmup ${c.warmup}: ${now}${before ? ` (${before})` : ""}.`;
    });
  const rescued = clipped.filter((c) => !c.blowUp && results.some((r) => r.clipNorm === 0 && r.lr === c.lr && r.warmup === c.warmup && r.blowUp));
  lines.push(
    rescued.length === 0
      ? `- So clipping does not rescue a too-high LR here: Adam divides each gradient by its own running scale, so scaling the gradient down barely shrinks the step; the LR sets the step size.`
      : `- Clipping rescued ${listText(rescued.map((c) => `warmup ${c.warmup}`))} at LR ${lrText(rescued[0].lr)}: at this LR, bounding the gradient norm is enough to keep the run stable (at a higher \`unstableLr\` it may not be).`,
  );
  return lines;
}

/** The highest peak LR of the grid at which no warmup blew up, or null. */
export function highestStableLr(results: readonly WarmupResult[]): number | null {
  const plain = results.filter((r) => r.clipNorm === 0);
  const stable = [...new Set(plain.map((r) => r.lr))].filter((lr) => plain.every((r) => r.lr !== lr || !r.blowUp));
  return stable.length ? Math.max(...stable) : null;
}

// ---------------------------------------------------------------------------------------------------------------
// 03 · model sizes, each at the LR its search chose, at several step budgets

export interface SizeChoice {
  name: string;
  params: number;
  /** The LR its search chose, and whether that was the lowest or highest LR it tried. */
  lr: number;
  edge: boolean;
}

function pct(a: number, b: number): string {
  return `${num(Math.abs(a / b - 1) * 100, 0)}%`;
}

/** The ranking of the sizes at each step budget, whether it changes with the budget, and where the search fell short. */
export function sizeFindings(sizes: readonly SizeChoice[], budgets: ReadonlyArray<{ steps: number; ppl: Record<string, number> }>): string {
  const bySize = [...sizes].sort((a, b) => a.params - b.params);
  const largest = bySize[bySize.length - 1];
  const orders = budgets.map((b) => [...sizes].sort((x, y) => b.ppl[x.name] - b.ppl[y.name]).map((s) => s.name));
  const lines = budgets.map((b, i) => {
    const order = orders[i];
    const best = order[0];
    const rank = order.indexOf(largest.name) + 1;
    const ranked = order.map((n) => `${n} ${num(b.ppl[n], 2)}`).join(" < ");
    const largestText = best === largest.name ? `the largest model, **${largest.name}**, is best` : `the largest, ${largest.name}, is ${rank === order.length ? "last" : `#${rank} of ${order.length}`}, ${pct(b.ppl[largest.name], b.ppl[best])} above **${best}**`;
    return `- **${b.steps.toLocaleString("en-US")} steps**: ${ranked}; ${largestText}.`;
  });
  const same = orders.every((o) => o.join() === orders[0].join());
  const last = budgets[budgets.length - 1];
  const bestLast = orders[orders.length - 1][0];
  let verdict: string;
  if (budgets.length < 2) verdict = "";
  else if (same) verdict = `The order is the same at ${listText(budgets.map((b) => b.steps.toLocaleString("en-US")))} steps: within these budgets the comparison does not hinge on the step count.`;
  else {
    const moved = sizes.filter((s) => orders[0].indexOf(s.name) !== orders[orders.length - 1].indexOf(s.name)).map((s) => s.name);
    verdict =
      `**The order changes with the step budget** (${listText(moved)} move): a size comparison holds only for the budget it was run at. ` +
      (bestLast === largest.name ? `With the longer budget the largest model pulls ahead.` : `Even at ${last.steps.toLocaleString("en-US")} steps the largest model is not the best; more steps (\`--longSteps\`) may change that again.`);
  }
  const edges = sizes.filter((s) => s.edge);
  const edgeNames = listText(edges.map((s) => `${s.name} (${lrText(s.lr)})`));
  const edgeText =
    edges.length === 0
      ? " Every chosen LR lies inside its search, so no size was held back by its LR at the search's budget."
      : edges.length === 1
        ? ` The chosen LR of ${edgeNames} is at the edge of the search: its best LR may lie outside it (widen \`lrFactors\`).`
        : ` The chosen LRs of ${edgeNames} are at the edge of their searches: their best LRs may lie outside them (widen \`lrFactors\`).`;
  const lastPpl = sizes.map((s) => last.ppl[s.name]);
  const spread = Math.max(...lastPpl) / Math.min(...lastPpl) - 1;
  const noise = spread < 0.05 ? ` At ${last.steps.toLocaleString("en-US")} steps all sizes are within ${num(spread * 100, 0)}% of each other, about the noise of evaluating on a hundred sentences: there the ranking is close to a tie.` : "";
  return [
    `**Validation perplexity of each size at the LR its search chose** (lower is better):`,
    "",
    ...lines,
    "",
    verdict + noise + edgeText +
      ` The LRs were chosen at ${budgets[0].steps.toLocaleString("en-US")} steps; a longer run often prefers a lower LR, so the longer comparison may still under-serve the bigger models (search again with \`--sizeSteps ${last.steps}\`).`,
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------------------------
// 04 · overfitting: the tiny run's U-shaped validation curve, and model size against data size

/**
 * The guides' size tier for a number of training examples: micro below 500, small for 1K-5K, standard for 5K and
 * more. Between 500 and 1K the guides name none: "micro or small".
 */
export function guideTier(examples: number): string {
  if (!(examples >= 0)) throw new Error(`guideTier: examples must be a number >= 0 (got ${examples})`);
  if (examples < 500) return "micro";
  if (examples < 1000) return "micro or small";
  if (examples <= 5000) return "small";
  return "standard";
}

/** Whether `tier` is (one of) the guides' tier(s) for that many training examples. */
export function guideAgrees(examples: number, tier: string): boolean {
  return guideTier(examples).split(" or ").includes(tier);
}

export interface TinyRun {
  steps: number;
  evalEvery: number;
  bestStep: number;
  bestVal: number;
  lastVal: number;
  lastTrain: number;
  floor: number;
  vocabSize: number;
}

/** Where the validation minimum fell in the run, how far it rose after, and how close training got to its floor. */
export function tinyRunFindings(r: TinyRun): string {
  const share = r.bestStep / r.steps;
  const rise = r.lastVal / r.bestVal;
  const climbed = r.bestStep < r.steps - r.evalEvery && rise >= 1.1;
  let shape: string;
  if (r.bestStep >= r.steps - r.evalEvery) {
    shape = `The validation perplexity is still at its lowest at the end (step ${r.bestStep}, ${num(r.bestVal)}): **no overfitting yet** at these settings. Train longer (\`steps\`), on fewer sentences (\`tinyDocs\`), or with a higher \`lr\`.`;
  } else if (!climbed) {
    shape = `The validation perplexity bottoms out at step **${r.bestStep}** of ${r.steps} (${num(r.bestVal)}) and ends only ${num((rise - 1) * 100, 0)}% higher (${num(r.lastVal)}): the climb has **barely started** at these settings. Train longer (\`steps\`) or on fewer sentences (\`tinyDocs\`) to see the U.`;
  } else {
    const where = r.bestStep <= 2 * r.evalEvery
      ? `at step **${r.bestStep}**, at the very start of the ${r.steps} steps, so the U-shaped curve is squeezed against the left edge (lower \`lr\` or raise \`tinyDocs\` to see it fall first)`
      : `at step **${r.bestStep}** of ${r.steps} (${num(share * 100, 0)}% into the run, perplexity ${num(r.bestVal)}), then climbs again: the U-shaped curve of overfitting`;
    shape = `The validation perplexity bottoms out ${where}. By step ${r.steps} it is **${num(rise, 1)} times higher** (${num(r.lastVal)})`;
    shape +=
      r.lastVal > r.vocabSize
        ? `: above V = ${r.vocabSize}, worse than a uniform guess on new sentences. The model has become confidently wrong, giving almost all its probability to continuations of the sentences it memorized.`
        : `, still below V = ${r.vocabSize} (a uniform guess).`;
  }
  const train = ` Meanwhile the training perplexity fell to ${num(r.lastTrain, 2)}, ${num(r.lastTrain / r.floor, 2)} × the memorizer's floor (${num(r.floor, 2)}).`;
  return shape + train + (climbed ? " Restoring the best checkpoint brings back the model from before the climb." : "");
}

export interface TierCell {
  bestVal: number;
  gap: number;
}

/** Per data size: which tier reached the best validation perplexity, against the guide's tier, and how the gap grew. */
export function tierFindings(tiers: ReadonlyArray<{ tier: string; params: number }>, sizes: ReadonlyArray<{ docs: number; epochs: number; cells: Record<string, TierCell> }>): string {
  const winners = sizes.map((s) => [...tiers].sort((a, b) => s.cells[a.tier].bestVal - s.cells[b.tier].bestVal)[0].tier);
  const lines = sizes.map((s, i) => {
    const winner = winners[i];
    const guide = guideTier(s.docs);
    const gaps = tiers.map((t) => s.cells[t.tier].gap);
    const gapText = Math.max(...gaps) < 1.1 ? "no gap for any tier (at most " + num(Math.max(...gaps), 2) + ")" : `gaps ${listText(tiers.map((t) => `${t.tier} ${num(s.cells[t.tier].gap, 2)}`))}`;
    const inGrid = tiers.some((t) => guideAgrees(s.docs, t.tier));
    const verdict = guideAgrees(s.docs, winner) ? `as the guide says (${guide})` : inGrid ? `not the guide's ${guide}` : `the guide's ${guide} is not in this grid`;
    return `- **${s.docs.toLocaleString("en-US")} sentences** (${num(s.epochs, 1)} passes): best validation perplexity by **${winner}** (${num(s.cells[winner].bestVal, 1)}), ${verdict}; ${gapText}.`;
  });
  const agreeing = sizes.filter((s, i) => guideAgrees(s.docs, winners[i])).length;
  return [
    "**What the grid shows** (best validation perplexity is the early-stopping checkpoint's):",
    "",
    ...lines,
    "",
    `The run agrees with the guide's tiers at ${agreeing} of ${sizes.length} data sizes. ` +
      `These runs are short (\`tierSteps\`) and use one LR for all sizes, so the bigger tiers may be held back by steps or LR rather than by data (03-perplexity shows both).`,
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------------------------
// Shared by 05-11: margins against the seed-to-seed noise, and what a sweep's unfinished trials mean

/** max - min of repeated measurements of one setting (several seeds): the noise a margin is judged against. */
export function seedSpread(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v));
  return finite.length ? Math.max(...finite) - Math.min(...finite) : NaN;
}

/**
 * The noise of a margin between two settings: for each pair, the spread over seeds of their paired difference (the
 * same seed's values subtracted, so that what a seed does to both cancels), and the largest over the pairs. Values
 * are aligned by seed; NaN with fewer than two seeds.
 */
export function marginNoise(bySetting: Readonly<Record<string, readonly number[]>>): number {
  const names = Object.keys(bySetting);
  let worst = NaN;
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      const a = bySetting[names[i]], b = bySetting[names[j]];
      const diffs = a.map((v, k) => v - b[k]).filter((d) => Number.isFinite(d));
      if (diffs.length >= 2) worst = Number.isNaN(worst) ? seedSpread(diffs) : Math.max(worst, seedSpread(diffs));
    }
  }
  return worst;
}

/** Whether `margin` is beyond the noise; with the noise unmeasured (null or NaN) it cannot be, so it is not. */
export function beyondNoise(margin: number, noise: number | null): boolean {
  return noise !== null && Number.isFinite(noise) && Math.abs(margin) > noise;
}

/**
 * The trials of a sweep that did not complete (diverged, failed, stopped, pending), named by their axes: they have no
 * validation loss, so their cells are blank in the tables and heatmaps. "" when every trial completed.
 */
export function unfinishedTrialsText(rows: ReadonlyArray<Record<string, unknown>>, axes: readonly string[]): string {
  const name = (r: Record<string, unknown>) => axes.map((a) => `${a} ${r[a]}`).join(", ");
  const diverged = rows.filter((r) => r.status === "diverged");
  const other = rows.filter((r) => r.status !== "completed" && r.status !== "diverged");
  const parts: string[] = [];
  if (diverged.length) {
    parts.push(`**${diverged.length} of ${plural(rows.length, "trial")} diverged** (${diverged.map((r) => `${name(r)}${typeof r.diverged_step === "number" ? ` at step ${r.diverged_step}` : ""}`).join("; ")}): the engine stopped ${diverged.length === 1 ? "it" : "them"} when the loss exploded, so ${diverged.length === 1 ? "it has" : "they have"} no final validation loss and ${diverged.length === 1 ? "its cell is" : "their cells are"} blank in the table and the heatmap.`);
  }
  if (other.length) {
    parts.push(`**${other.length} of ${plural(rows.length, "trial")} did not finish** (${other.map((r) => `${name(r)}: ${r.status}`).join("; ")}): ${other.length === 1 ? "it is" : "they are"} left out of the comparison; the sweep's log says why (run the cell again to retry).`);
  }
  return parts.join(" ");
}

// ---------------------------------------------------------------------------------------------------------------
// 05 · sweeps

/** Where the best lrs of a sweep lie in the lrs it tried: inside, at an edge, or a grid of one lr that places nothing. */
export function lrEdgeText(bestLrs: readonly number[], tried: readonly number[]): string {
  const lo = Math.min(...tried);
  const hi = Math.max(...tried);
  if (lo === hi) return `The sweep tried a single lr (${lrText(lo)}), so it cannot say where the best lr lies.`;
  const atEdge = bestLrs.filter((lr) => lr === lo || lr === hi).length;
  if (atEdge === 0) return bestLrs.length === 1 ? "The best lr lies inside the grid." : "Every best lr lies inside the grid.";
  const which = bestLrs.length === 1 ? "The best lr sits" : `${atEdge} of the ${bestLrs.length} best lrs ${atEdge === 1 ? "sits" : "sit"}`;
  return `${which} at the edge of the grid (${lrText(lo)} or ${lrText(hi)}): the optimum may lie outside it, so widen the lrs.`;
}

/** A power-law exponent with its standard error, and whether the fit of all points can be trusted to that digit. */
export function exponentText(fit: PowerLawFit): string {
  return `${fit.exponent.toFixed(2)}${fit.exponentStdErr === null ? " (two points: no error estimate)" : ` ± ${fit.exponentStdErr.toFixed(2)}`}`;
}

// ---------------------------------------------------------------------------------------------------------------
// 07 · sampling: repetition under greedy decoding, and the KV cache's timings

/**
 * Whether greedy decoding repeats itself more than sampling: only if its share of repeated trigrams is above every
 * sampled text's at every seed tried; otherwise the difference is inside what another seed changes.
 */
export function repetitionFindings(greedy: number, sampled: Readonly<Record<string, readonly number[]>>, loop: { start: number; period: number } | null, window: number, tokens: number): string {
  const all = Object.values(sampled).flat();
  const top = Math.max(...all);
  const seeds = Math.max(...Object.values(sampled).map((v) => v.length));
  const ranges = Object.entries(sampled).map(([k, v]) => `${k} ${pctText(Math.min(...v))}${v.length > 1 ? `-${pctText(Math.max(...v))}` : ""}`);
  const head = greedy > top
    ? `**Greedy decoding repeats itself**: ${pctText(greedy)} of its trigrams occurred earlier in the same text, more than any sampled text at ${seeds === 1 ? "this seed" : `any of ${seeds} seeds`} (${listText(ranges)}).`
    : `**No clear difference here**: greedy decoding repeats ${pctText(greedy)} of its trigrams, inside the range of the sampled texts over ${plural(seeds, "seed")} (${listText(ranges)}): at these settings the lesson does not show.`;
  const loopText = loop
    ? ` From token ${loop.start + 1} on, greedy's ${window}-token window is one it had at token ${loop.start - loop.period + 1}: its choice depends only on that window, so ${loop.start + window < tokens ? `everything after token ${loop.start + window} repeats with a period of ${plural(loop.period, "token")}` : `the text would repeat from there with a period of ${plural(loop.period, "token")}, but it ends first (raise \`longTokens\` to see it)`}.`
    : ` In ${plural(tokens, "token")} no ${window}-token window of greedy's text repeats, so it has not entered a loop yet (raise \`longTokens\` to see whether it does).`;
  return head + loopText;
}

function pctText(x: number): string {
  return `${(100 * x).toFixed(0)}%`;
}

export interface TimingPoint {
  tokens: number;
  cached: number;
  uncached: number;
}

/**
 * How generation time grows with the number of tokens, with and without the KV cache: a least-squares fit of all
 * points on log-log axes with its standard error, a warning when the times are not monotone (a loaded machine), and
 * the cache's advantage only where the exponents differ by more than their errors.
 */
export function timingFindings(points: readonly TimingPoint[]): { text: string; cached: PowerLawFit; uncached: PowerLawFit } {
  const xs = points.map((p) => p.tokens);
  const cached = fitPowerLaw(xs, points.map((p) => p.cached));
  const uncached = fitPowerLaw(xs, points.map((p) => p.uncached));
  const bumpy = (["cached", "uncached"] as const).filter((k) => points.some((p, i) => i > 0 && p[k] < points[i - 1][k]));
  const last = points[points.length - 1];
  const err = (f: PowerLawFit) => f.exponentStdErr ?? Infinity;
  const separated = uncached.exponent - cached.exponent > 2 * Math.hypot(err(cached), err(uncached));
  const text =
    `Fitted by least squares over all ${points.length} lengths (log-log, ± one standard error): the time grows as **n^${exponentText(cached)}** with the cache and **n^${exponentText(uncached)}** without (O(n) would be 1, O(n²) 2). ` +
    (bumpy.length
      ? `⚠ The ${listText(bumpy.map((k) => (k === "cached" ? "cached" : "uncached")))} times are not monotone in n (${bumpy.map((k) => points.map((p) => p[k].toFixed(0)).join(", ") + " ms").join("; ")}): other work on the machine disturbed them, so the exponents are rough; raise \`timingRepeats\` or run on a quieter machine. `
      : "") +
    (separated
      ? `The cache's exponent is lower by more than twice the combined error: the cache changes how the cost grows, not only its size. At ${last.tokens} tokens it is ${(last.uncached / last.cached).toFixed(1)}× faster.`
      : `The two exponents are not separated by more than twice their combined error, so these timings do not show the cache changing how the cost grows (at ${last.tokens} tokens it is ${(last.uncached / last.cached).toFixed(1)}× faster); try longer \`timingLengths\`.`) +
    " Times are wall-clock on a shared machine: the exponents, not the milliseconds, are the lesson.";
  return { text, cached, uncached };
}

// ---------------------------------------------------------------------------------------------------------------
// 08 · forgetting and replay

export interface ReplayResult {
  run: string;
  /** Share of B's batches drawn from A (0: no replay). */
  fraction: number;
  batchesFromA: number;
  /** A's validation loss at the first watch of phase 2, its peak, its end; B's validation loss at the end. */
  aStart: number;
  aPeak: number;
  aEnd: number;
  bEnd: number;
}

/**
 * What phase 2 did to A: forgetting measured on the run without replay (whichever row it is; if the grid has none,
 * against A's loss after phase 1, and replay cannot be judged), against a uniform guess (ln V), and each replay run
 * against it. Rises that differ by less than `tolerance` nats count as the same.
 */
export function forgettingFindings(results: readonly ReplayResult[], o: { lossA0: number; lnV: number; stepsB: number; tolerance?: number }): string {
  const tol = o.tolerance ?? 0.05;
  const base = results.find((r) => r.fraction === 0);
  const rise = (r: ReplayResult) => r.aEnd - o.lossA0;
  const signed = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(3)}`;
  const uniform = (r: ReplayResult) => (r.aEnd > o.lnV ? ` That is **worse than a uniform guess** over the characters (ln V = ${o.lnV.toFixed(2)}): the model does not merely forget A, it confidently predicts B's letters on A's names.` : ` That is still below a uniform guess (ln V = ${o.lnV.toFixed(2)}).`);
  let head: string;
  if (!base) {
    head = `**This grid has no run without replay** (add 0 to \`replayFractions\`): each run's rise below is measured from A's loss after phase 1 (${o.lossA0.toFixed(3)}), and whether replay helps cannot be judged without the run it should beat.`;
  } else if (rise(base) > tol) {
    head = `**Forgetting reproduces.** Without replay, A's validation loss rose from ${o.lossA0.toFixed(3)} after phase 1 to ${base.aEnd.toFixed(3)} (peak ${base.aPeak.toFixed(3)}) while B's fell to ${base.bEnd.toFixed(3)}.` + uniform(base);
  } else {
    head = `**Forgetting does not show here:** without replay A's validation loss moved by only ${signed(rise(base))} in ${o.stepsB} steps on B (from ${o.lossA0.toFixed(3)}).`;
  }
  const lines = results.filter((r) => r !== base).map((r) => {
    const vs = base
      ? rise(r) < rise(base) - tol
        ? rise(r) < rise(base) / 2 ? "less than half the rise without replay" : "a smaller rise than without replay"
        : Math.abs(rise(r) - rise(base)) <= tol ? `about the same rise as without replay (within ${tol} nats)` : "a larger rise than without replay"
      : r.aEnd > o.lnV ? "worse than a uniform guess" : "below a uniform guess";
    return `- **${r.run}** (${r.batchesFromA} of ${o.stepsB} batches from A): A's loss ends at ${r.aEnd.toFixed(3)} (${signed(rise(r))}), ${vs}; B's loss ${r.bEnd.toFixed(3)}${base ? ` (${signed(r.bEnd - base.bEnd)} against no replay)` : ""}.`;
  });
  return [head, "", ...lines].join("\n");
}

// ---------------------------------------------------------------------------------------------------------------
// 09 · right-sizing: tier × data size with early stopping

export interface TierWinner {
  docs: number;
  /** The tier with the lowest loss, and the next; null where no trial of that size completed. */
  winner: string | null;
  loss: number;
  runnerUp: string | null;
  margin: number | null;
  /** The seed-to-seed noise of a margin at this data size (null: unmeasured), and whether the margin is beyond it. */
  noise: number | null;
  clear: boolean;
  /** True when the winner also has the lowest loss at every seed measured (null: one seed). */
  everySeed: boolean | null;
  guide: string;
}

/**
 * The winner of each data size and its margin over the runner-up, judged against the noise measured at that size
 * (a number: the same at every size). NaN losses are trials that did not complete.
 */
export function tierWinners(tiers: readonly string[], docs: readonly number[], loss: (tier: string, docs: number) => number, noise: number | null | ((docs: number) => number | null), seedLosses?: (tier: string, docs: number) => readonly number[]): TierWinner[] {
  return docs.map((n) => {
    const ranked = tiers.filter((t) => Number.isFinite(loss(t, n))).sort((a, b) => loss(a, n) - loss(b, n));
    const margin = ranked.length > 1 ? loss(ranked[1], n) - loss(ranked[0], n) : null;
    const raw = typeof noise === "function" ? noise(n) : noise;
    const here = raw !== null && Number.isFinite(raw) ? raw : null;
    const perSeed = seedLosses && ranked.length > 1 ? ranked.map((t) => seedLosses(t, n)) : null;
    const seeds = perSeed ? Math.min(...perSeed.map((v) => v.length)) : 0;
    const everySeed = perSeed && seeds > 1 ? Array.from({ length: seeds }, (_, i) => perSeed.every((v, k) => k === 0 || perSeed[0][i] < v[i])).every(Boolean) : null;
    return { docs: n, winner: ranked[0] ?? null, loss: ranked.length ? loss(ranked[0], n) : NaN, runnerUp: ranked[1] ?? null, margin, noise: here, clear: margin !== null && beyondNoise(margin, here), everySeed, guide: guideTier(n) };
  });
}

const docsText = (n: number) => n.toLocaleString("en-US");

/**
 * The answer to "does smaller win on small data?", built only on the data sizes whose winner is beyond the noise;
 * the others are named as "no clear winner". `tiers` is ordered by parameters, smallest first.
 */
export function rightSizingFindings(tiers: readonly string[], winners: readonly TierWinner[], o: { seeds: readonly number[] }): string {
  const decided = winners.filter((w) => w.winner !== null);
  if (tiers.length < 2) return `Only one tier (${tiers[0] ?? "none"}) is in this grid: there is nothing to rank. Add tiers (\`--tiers micro,small,standard\`).`;
  if (decided.length === 0) return "No data size has a completed trial: there is nothing to compare (see the table above for why).";
  const size = (t: string) => tiers.indexOf(t);
  const clear = decided.filter((w) => w.clear);
  const unclear = decided.filter((w) => !w.clear);
  const measured = decided.filter((w) => w.noise !== null);
  const noiseText =
    measured.length === 0
      ? `With one seed the seed-to-seed noise is unmeasured (\`noiseSeeds\` measures it), so no margin can be called a win: `
      : `The seed-to-seed noise of a margin (how much the difference between two tiers' best losses changes over seeds ${listText(o.seeds.map(String))}) is ${listText(measured.map((w) => `${w.noise!.toFixed(3)} at ${docsText(w.docs)}`))} sentences; a winner's margin must be larger than the noise at its data size. `;
  const spans: Array<{ tier: string; docs: number[] }> = [];
  for (const w of clear) {
    const last = spans[spans.length - 1];
    if (last && last.tier === w.winner) last.docs.push(w.docs);
    else spans.push({ tier: w.winner!, docs: [w.docs] });
  }
  const spanText = listText(spans.map((s) => `**${s.tier}** at ${listText(s.docs.map(docsText))}`));
  const unclearText = unclear.length
    ? ` **No clear winner** at ${listText(unclear.map((w) => `${docsText(w.docs)} (${w.winner}${w.runnerUp ? ` ahead of ${w.runnerUp} by ${w.margin!.toFixed(3)}${w.noise !== null ? `, noise ${w.noise.toFixed(3)}` : ""}` : ""})`))}.`
    : "";
  let verdict: string;
  if (clear.length === 0) verdict = `**No tier wins beyond the noise at any data size here.**`;
  else {
    const smallestWins = clear.filter((w) => size(w.winner!) === 0);
    const largerWins = clear.filter((w) => size(w.winner!) > 0);
    const grows = clear.every((w, i) => i === 0 || size(w.winner!) >= size(clear[i - 1].winner!));
    if (smallestWins.length && largerWins.length && grows) verdict = `**Yes: smaller wins on small data here, and a larger tier on more data.** Clear winners: ${spanText}.`;
    else if (smallestWins.length && !largerWins.length) verdict = `**Smaller wins wherever a tier wins clearly** (${spanText}); no larger tier wins beyond the noise at any data size.`;
    else if (!smallestWins.length) verdict = `**No: ${tiers[0]} never wins beyond the noise here.** Clear winners: ${spanText}.`;
    else verdict = `**The winning size does not grow steadily with the data here.** Clear winners: ${spanText}.`;
  }
  const guided = clear.map((w) => ({ w, agrees: guideAgrees(w.docs, w.winner!), inGrid: tiers.some((t) => guideAgrees(w.docs, t)) }));
  const against = guided.filter((g) => !g.agrees && g.inGrid);
  const guideText = clear.length
    ? ` Against the guide's tiers, the clear winners agree at ${guided.filter((g) => g.agrees).length} of ${clear.length} data sizes` +
      (against.length ? `; they disagree at ${listText(against.map((g) => `${docsText(g.w.docs)} (${g.w.winner}, the guide says ${g.w.guide})`))}` : "") + "."
    : "";
  const steady = decided.filter((w) => w.everySeed);
  const steadyText = steady.length
    ? ` The same tier wins at every seed at ${listText(steady.map((w) => `${docsText(w.docs)} (${w.winner})`))}` +
      (steady.some((w) => !w.clear) ? `: a consistent order, though at ${listText(steady.filter((w) => !w.clear).map((w) => docsText(w.docs)))} its margin is inside the noise` : "") + "."
    : "";
  return noiseText + verdict + unclearText + steadyText + guideText;
}

export interface TierTrial {
  tier: string;
  docs: number;
  status: string;
  steps: number | null;
  bestStep: number | null;
  bestVal: number | null;
  finalVal: number | null;
  stoppedEarlyAt: number | null;
}

/**
 * What early stopping did (or, with patience 0, would have done: the trials that ended well above their best), and
 * what it does to the comparison: a trial stopped early never reaches the low end of the linear lr decay.
 */
export function earlyStoppingFindings(trials: readonly TierTrial[], o: { patience: number; maxSteps: number; overfitNats?: number }): string {
  const done = trials.filter((t) => t.status === "completed" && t.bestVal !== null && t.finalVal !== null);
  const name = (t: TierTrial) => `${t.tier} on ${docsText(t.docs)}`;
  const overfit = done.filter((t) => t.finalVal! - t.bestVal! > (o.overfitNats ?? 0.1)).sort((a, b) => b.finalVal! - b.bestVal! - (a.finalVal! - a.bestVal!));
  const overfitText = overfit.length
    ? listText(overfit.map((t) => `${name(t)} (best ${t.bestVal!.toFixed(2)} at step ${t.bestStep}, ${t.finalVal!.toFixed(2)} at step ${t.steps})`))
    : "";
  if (o.patience === 0) {
    return `**Early stopping is off** (\`patience\` 0): every trial ran its whole budget of ${o.maxSteps} steps. ` +
      (overfit.length
        ? `${overfit.length === 1 ? "One trial" : `${overfit.length} trials`} ended more than ${o.overfitNats ?? 0.1} nats above ${overfit.length === 1 ? "its" : "their"} best validation loss, overfitting after the best step: ${overfitText}. Early stopping would have ended ${overfit.length === 1 ? "it" : "them"} soon after the best step; the best checkpoint, and so the cells above, would be the same.`
        : `No trial ended more than ${o.overfitNats ?? 0.1} nats above its best validation loss: at these settings nothing needed early stopping.`);
  }
  const stopped = done.filter((t) => t.stoppedEarlyAt !== null);
  const ran = done.filter((t) => t.stoppedEarlyAt === null);
  const used = done.reduce((s, t) => s + (t.steps ?? 0), 0);
  const lrAt = (t: TierTrial) => 1 - (t.bestStep ?? 0) / o.maxSteps;
  const pctRange = (ts: TierTrial[]) => {
    const [lo, hi] = [pctText(Math.min(...ts.map(lrAt))), pctText(Math.max(...ts.map(lrAt)))];
    return lo === hi ? lo : `${lo}-${hi}`;
  };
  const decay = stopped.length && ran.length
    ? ` The trials stopped early never reached the low end of the linear lr decay: at their best steps the lr was still ${pctRange(stopped)} of its peak, against ${pctRange(ran)} for the trials that ran their whole budget. So the cells they decide (usually the small-data ones) are compared at a higher effective lr than the others.`
    : "";
  return `Early stopping ended **${stopped.length} of ${plural(done.length, "completed trial")}** before the budget; the sweep trained ${docsText(used)} of the ${docsText(done.length * o.maxSteps)} steps allowed (${pctText(used / Math.max(1, done.length * o.maxSteps))}).` +
    (ran.length ? ` The others had a new best within their last ${plural(o.patience, "evaluation")}, so more steps might have lowered their cells: ${listText(ran.map(name))}.` : "") +
    decay +
    (overfit.length ? ` Trials that ended more than ${o.overfitNats ?? 0.1} nats above their best: ${overfitText}.` : "");
}

// ---------------------------------------------------------------------------------------------------------------
// 10 · the induction-head toy

/**
 * The two halves' losses against a uniform guess: the repeated half should fall far below ln V, and the random half
 * cannot be predicted better than ln V; when it costs more, the model is betting on copies that are not there.
 */
export function halfLossFindings(o: { firstHalf: number; secondHalf: number; lnV: number; vocab: number; steps: number; dropStep: number | null; probeEvery: number }): string {
  const lnText = `ln ${o.vocab} = ${o.lnV.toFixed(3)}`;
  const drop = o.dropStep !== null
    ? `The repeated half's loss first fell below ln(V)/2 at step **${o.dropStep}** (measured every ${o.probeEvery} steps).`
    : `The repeated half's loss never fell below ln(V)/2 in ${o.steps} steps: no copying mechanism formed at these settings.`;
  const random = o.firstHalf > o.lnV
    ? ` The random half costs **more than a uniform guess** (${o.firstHalf.toFixed(3)} > ${lnText}): letters there are new draws, but some repeat by chance, and a model that has learned "a letter seen before is followed by what followed it then" bets on those chance repeats and loses when the next letter is fresh. The price of copying is paid on the half where there is nothing to copy.`
    : ` The random half costs ${o.firstHalf.toFixed(3)}, at or below a uniform guess (${lnText}), as it must be for letters drawn at random.`;
  return `After ${o.steps} steps the repeated half costs **${o.secondHalf.toFixed(3)}** nats per token against **${o.firstHalf.toFixed(3)}** for the random half (${lnText}). ${drop}${random}`;
}

/** The mean weight on the previous token that uniform causal attention gives over positions 2..T-1 (headHabits' range). */
export function uniformPrevious(T: number): number {
  let sum = 0;
  for (let t = 2; t < T; t++) sum += 1 / (t + 1);
  return T > 2 ? sum / (T - 2) : NaN;
}

/**
 * The circuit on one sequence of T positions: a layer-0 head that attends to the previous token (at least `factor`
 * times what uniform attention gives) and the layer-1 head with the highest prefix-matching score. When no layer-0
 * head does, the two-head story does not apply and the text says so.
 */
export function circuitFindings(prevScores: readonly number[], best: { layer: number; head: number; score: number }, o: { positions: number; factor?: number; inductionThreshold?: number }): string {
  const uniform = uniformPrevious(o.positions);
  const factor = o.factor ?? 2;
  const prevHead = prevScores.indexOf(Math.max(...prevScores));
  const others = prevScores.map((s, h) => (h === prevHead ? null : `head ${h}: ${s.toFixed(2)}`)).filter(Boolean) as string[];
  const induction = best.score >= (o.inductionThreshold ?? 0.3);
  const times = `${(prevScores[prevHead] / uniform).toFixed(1)}× the ${uniform.toFixed(2)} uniform attention would give`;
  if (!(prevScores[prevHead] >= factor * uniform)) {
    return `**No layer-0 head attends to the previous token here**: the most any puts on it is ${prevScores[prevHead].toFixed(2)} (head ${prevHead}${others.length ? `; ${listText(others)}` : ""}), ${times}, less than the ${factor}× that would mark a previous-token head. ` +
      `So the two-head circuit described above did not form at this seed: ${induction ? `layer ${best.layer} head ${best.head} still scores ${best.score.toFixed(2)} on prefix matching, so the model found another way to locate the earlier occurrence (look at its weights above)` : `no head scores much on prefix matching either (best ${best.score.toFixed(2)}, layer ${best.layer} head ${best.head})`}. Another \`seed\` may form the textbook circuit; the losses above say how well this model copies regardless.`;
  }
  return `On this sequence, layer 0 head ${prevHead} puts on average **${prevScores[prevHead].toFixed(2)}** of its weight on the previous token${others.length ? ` (${listText(others)})` : ""}, ${times}: the previous-token head. ` +
    (induction
      ? `In the repeated half, layer ${best.layer} head ${best.head}'s weights (prefix-matching score ${best.score.toFixed(2)}) sit on the stripe one position right of the earlier occurrence: the induction head, reading what the previous-token head wrote.`
      : `But no head scores much on prefix matching (best ${best.score.toFixed(2)}, layer ${best.layer} head ${best.head}): the second half of the circuit has not formed.`);
}

// ---------------------------------------------------------------------------------------------------------------
// 06 · the long runs' digest against the first cell's settings

/**
 * How a digest of long runs differs from the settings a notebook's first cell asks for: each shared option whose
 * value differs in some run, each asked-for (lr, warmup) pair no run has, and a different step count. Empty: the
 * digest is of exactly these settings.
 */
export function digestMismatches(
  asked: { shared: Record<string, unknown>; runs: ReadonlyArray<{ lr: number; warmupSteps: number }>; steps: number },
  digests: Readonly<Record<string, { config: Record<string, unknown> | object }>>,
): string[] {
  const configs = Object.values(digests).map((d) => d.config as Record<string, unknown>);
  const out: string[] = [];
  for (const [key, value] of Object.entries(asked.shared)) {
    const found = [...new Set(configs.map((c) => c[key]))].filter((v) => v !== value);
    if (found.length) out.push(`\`${key}\` ${String(value)} here, ${listText(found.map(String))} in the digest`);
  }
  for (const r of asked.runs) {
    if (!configs.some((c) => c.lr === r.lr && c.warmupSteps === r.warmupSteps)) out.push(`no digested run has lr ${lrText(r.lr)} with warmup ${r.warmupSteps}`);
  }
  const steps = [...new Set(configs.map((c) => (c.scheduleSteps as number | null) ?? c.steps))].filter((s) => s !== asked.steps);
  if (steps.length) out.push(`a ${asked.steps.toLocaleString("en-US")}-step schedule here, ${listText(steps.map((s) => Number(s).toLocaleString("en-US")))} steps in the digest`);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// 11 · tokenizers compared by bits per character

export interface TokenizerCost {
  kind: string;
  bitsPerToken: number;
  /** Mean over the seeds. */
  bitsPerChar: number;
  charactersPerToken: number;
}

/**
 * The per-token and per-character orders, the winner among the tokenizers that can write every character (only if
 * its margin is beyond the seed-to-seed spread), and word's figure with its `<UNK>` tokens priced, with the same care.
 */
export function tokenizerFindings(costs: readonly TokenizerCost[], o: { wordCharged: number | null; unkShare: number; steps: number; seeds: readonly number[]; noise: number | null }): string {
  const by = (key: "bitsPerToken" | "bitsPerChar") => [...costs].sort((a, b) => a[key] - b[key]);
  const bpc = (c: TokenizerCost) => c.bitsPerChar.toFixed(3);
  const noise = o.noise !== null && Number.isFinite(o.noise) ? o.noise : null;
  const noiseText = noise === null
    ? "with one seed the seed-to-seed spread is unmeasured (`noiseSeeds` measures it)"
    : `over seeds ${listText(o.seeds.map(String))} the difference between two tokenizers' bits per character varies by up to ${noise.toFixed(3)}`;
  const byToken = by("bitsPerToken");
  const byChar = by("bitsPerChar");
  const parts = [`Per token the order is ${byToken.map((c) => `${c.kind} (${c.bitsPerToken.toFixed(2)})`).join(" < ")}; per character it is ${byChar.map((c) => `${c.kind} (${bpc(c)})`).join(" < ")}${noise === null ? "" : ` (means over ${o.seeds.length} seeds)`}.`];
  if (byToken[0].kind !== byChar[0].kind) parts.push(`${byToken[0].kind} looks best per token only because its tokens are short (${byToken[0].charactersPerToken.toFixed(1)} characters each) and so the easiest to guess.`);
  const open = byChar.filter((c) => c.kind !== "word");
  const [best, second] = open;
  const char = costs.find((c) => c.kind === "char");
  if (best && second) {
    const gap = second.bitsPerChar - best.bitsPerChar;
    parts.push(beyondNoise(gap, noise)
      ? `Of the tokenizers that can write every validation character, **${best.kind}** costs the least, ${bpc(best)} bits per character against ${second.kind}'s ${bpc(second)}: a gap of ${gap.toFixed(3)}, beyond the noise (${noiseText}).`
      : `Of the tokenizers that can write every validation character, **no clear winner** between ${best.kind} (${bpc(best)}) and ${second.kind} (${bpc(second)}): the gap, ${gap.toFixed(3)} bits per character (${num((100 * gap) / best.bitsPerChar, 1)}%), is not beyond the noise (${noiseText}).`);
    if (char && char !== best) parts.push(`Char pays ${(char.bitsPerChar / best.bitsPerChar).toFixed(2)}× ${best.kind}'s cost.`);
  }
  const word = costs.find((c) => c.kind === "word");
  if (word && o.wordCharged !== null && best) {
    const charged = o.wordCharged;
    const against = charged - best.bitsPerChar;
    const verdict = !beyondNoise(against, noise)
      ? `about the same as ${best.kind}'s ${bpc(best)} (${noise === null ? "the noise is unmeasured, so no order can be called" : "not beyond the noise"})`
      : against < 0
        ? `**still below** ${best.kind}'s ${bpc(best)}: on this corpus, at this budget, word is the cheapest even with its unknown words paid for`
        : `more than ${best.kind}'s ${bpc(best)}: word's lead came from the words it never had to spell`;
    parts.push(`Word's ${bpc(word)} is flattered: its ${(100 * o.unkShare).toFixed(2)}% \`<UNK>\` tokens stand for whole words it never has to spell. Charging each one the char model's bits for every letter of its word and its space gives about **${charged.toFixed(3)}** bits per character, ${verdict}.`);
  }
  parts.push(`All of this holds for ${o.steps} steps: a longer run (\`steps\`) trains each model on more text and can change the order, so read it as a comparison at this budget.`);
  return parts.join(" ");
}
