// The conclusions of the lesson notebooks, phrased from the runs by code that checks which case happened, so that
// the markdown stays true when a student turns a knob (02: warmup and peak LR, 03: model sizes, 04: size × data).

import type { Divergence } from "./lessons.js";
import { listText, lrText, num } from "./lessons.js";

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
