// Exercise 5: the next-token distribution after temperature, top-k and top-p, against the engine's nextTokenProbs
// (which src/eval/sample.ts documents: top-p on the renormalized top-k distribution, ties toward lower ids).

import { nextTokenProbs } from "../eval/sample.js";
import type { SamplingOptions } from "../eval/sample.js";
import type { Rng } from "../core/random.js";
import type { Exercise } from "./check.js";

export interface Filters {
  temperature: number;
  topK: number;
  topP: number;
}

export type SamplerFn = (logits: number[], o: Filters) => number[];

export interface SamplerInput {
  logits: number[];
  o: Filters;
}

const engine = (x: SamplerInput, o: SamplingOptions = x.o): number[] => Array.from(nextTokenProbs(x.logits, o));
const ln = (ps: number[]): number[] => ps.map(Math.log);
const all = (V: number, o: Partial<Filters> = {}): Filters => ({ temperature: 1, topK: V, topP: 1, ...o });

/** The nucleus with a different rule at the boundary: keep tokens while `keep(massBefore, massWith)`. */
function nucleus(x: SamplerInput, keep: (before: number, withIt: number, p: number) => boolean): number[] {
  const probs = engine(x, { temperature: x.o.temperature, topK: x.o.topK });
  const order = probs.map((_, i) => i).sort((a, b) => probs[b] - probs[a] || a - b);
  let mass = 0;
  const kept = new Set<number>();
  for (const id of order) {
    if (probs[id] === 0 || !keep(mass, mass + probs[id], x.o.topP)) break;
    kept.add(id);
    mass += probs[id];
  }
  return probs.map((p, i) => (kept.has(i) ? p / mass : 0));
}

function cases(rng: Rng) {
  const guide = [2, 1, 0];
  const random = Array.from({ length: 27 }, () => rng.normal(0, 2));
  return [
    { name: "the guide's [2, 1, 0] at temperature 1", input: { logits: guide, o: all(3) } },
    { name: "the guide's [2, 1, 0] at temperature 0.5", input: { logits: guide, o: all(3, { temperature: 0.5 }) }, hint: "temperature divides the logits before the softmax: softmax(logits / T)" },
    { name: "the guide's [2, 1, 0] at temperature 2", input: { logits: guide, o: all(3, { temperature: 2 }) }, hint: "temperature divides the logits before the softmax: softmax(logits / T)" },
    { name: "temperature 0 is greedy", input: { logits: [1, 3, 2], o: all(3, { temperature: 0 }) }, hint: "temperature 0 means greedy: probability 1 on the argmax (dividing by 0 is not the way)" },
    { name: "greedy with a tie", input: { logits: [3, 3, 1], o: all(3, { temperature: 0 }) }, hint: "among equal logits the lower token id wins" },
    { name: "top-k 2", input: { logits: [1, 4, 3, 2], o: all(4, { topK: 2 }) }, hint: "keep the k most likely tokens, set the others to 0, and renormalize" },
    { name: "top-k 2 with a tie at the boundary", input: { logits: [1, 4, 3, 3], o: all(4, { topK: 2 }) }, hint: "a tie at top-k's boundary goes to the lower token id" },
    { name: "top-p 0.8 lands exactly on a boundary", input: { logits: ln([0.5, 0.3, 0.2]), o: all(3, { topP: 0.8 }) }, hint: "top-p keeps the smallest set whose mass reaches p: here 0.5 + 0.3 = 0.8 reaches it, so two tokens" },
    { name: "top-p 0.75", input: { logits: ln([0.2, 0.5, 0.3]), o: all(3, { topP: 0.75 }) }, hint: "top-p keeps the token that crosses p: 0.5 < 0.75, 0.5 + 0.3 >= 0.75, so two tokens" },
    { name: "top-p 0.3 keeps the top token", input: { logits: ln([0.5, 0.3, 0.2]), o: all(3, { topP: 0.3 }) }, hint: "the most likely token is always kept" },
    { name: "27 logits, temperature 0.8, top-k 10, top-p 0.9", input: { logits: random, o: all(27, { temperature: 0.8, topK: 10, topP: 0.9 }) }, hint: "top-k first, renormalize, then top-p on that distribution, then renormalize" },
  ];
}

export const samplingExercise: Exercise<SamplerFn, SamplerInput, number[]> = {
  id: "nextTokenProbs",
  title: "nextTokenProbs(logits, o)",
  notebook: "05-sampling",
  cases,
  reference: (x) => engine(x),
  call: (fn, x) => fn(x.logits, x.o),
  tolerance: { abs: 1e-12, rel: 1e-9 },
  mistakes: [
    { name: "top-p excludes the boundary token", hint: "top-p excludes the boundary token: keep the token whose probability makes the mass reach p (stop after it, not before it)", answer: (x) => nucleus(x, (_before, withIt, p) => withIt < p - 1e-12 || _before === 0) },
    { name: "top-p includes one token too many", hint: "top-p includes one token too many: stop as soon as the kept mass reaches p (>= p), not when it exceeds p", answer: (x) => nucleus(x, (before, _withIt, p) => before <= p + 1e-12) },
    { name: "temperature multiplies", hint: "temperature divides the logits (softmax(logits / T)); multiplying sharpens where it should flatten", answer: (x) => engine({ ...x, logits: x.logits.map((l) => l * x.o.temperature * x.o.temperature) }) },
    { name: "top-p before top-k", hint: "apply top-k first, renormalize, then top-p on the renormalized distribution", answer: (x) => {
      const p = nucleus({ logits: x.logits, o: { ...x.o, topK: x.logits.length } }, (before, _w, p) => before < p - 1e-12);
      return engine({ logits: p.map((q) => (q > 0 ? Math.log(q) : -Infinity)), o: { temperature: 1, topK: x.o.topK, topP: 1 } });
    } },
    { name: "not renormalized", hint: "after zeroing the filtered tokens, divide the rest by their sum so that they add up to 1", answer: (x) => {
      const full = engine(x, { temperature: x.o.temperature });
      return engine(x).map((q, i) => (q > 0 ? full[i] : 0));
    } },
  ],
};
