// Exercise 6: perplexity and bits per character from a mean loss in nats per token, against the engine's
// perplexity and bitsPerToken (textCost's bits per character: the text's total bits over its characters).

import { bitsPerToken, perplexity } from "../eval/metrics.js";
import type { Exercise } from "./check.js";

export type PerplexityFn = (meanLoss: number) => number;
/** meanLoss in nats per predicted token, over `tokens` tokens that spell `characters` characters. */
export type BitsPerCharFn = (meanLoss: number, tokens: number, characters: number) => number;

export interface CostInput {
  loss: number;
  tokens: number;
  characters: number;
}

const NOTEBOOK = "06-perplexity-bits";

export const engineBitsPerCharacter = (x: CostInput): number => (bitsPerToken(x.loss) * x.tokens) / x.characters;

export const perplexityExercise: Exercise<PerplexityFn, number, number> = {
  id: "perplexity",
  title: "perplexity(meanLoss)",
  notebook: NOTEBOOK,
  cases: () => [
    { name: "ln 27, the uniform guess over 27 characters", input: Math.log(27), hint: "a uniform guess over V tokens has loss ln V and perplexity V" },
    { name: "a perfect model (loss 0)", input: 0 },
    { name: "loss 6.3919 (597 words, untrained)", input: 6.3919 },
    { name: "loss 1.76", input: 1.76 },
    { name: "loss 0.05", input: 0.05 },
  ],
  reference: perplexity,
  call: (fn, loss) => fn(loss),
  tolerance: { abs: 1e-12, rel: 1e-12 },
  mistakes: [
    { name: "base 2", hint: "the loss is in nats (natural log), so perplexity = e^loss, not 2^loss", answer: (l) => Math.pow(2, l) },
    { name: "base 10", hint: "the loss is in nats (natural log), so perplexity = e^loss, not 10^loss", answer: (l) => Math.pow(10, l) },
  ],
};

export const bitsPerCharExercise: Exercise<BitsPerCharFn, CostInput, number> = {
  id: "bitsPerCharacter",
  title: "bitsPerCharacter(meanLoss, tokens, characters)",
  notebook: NOTEBOOK,
  cases: () => [
    { name: "a character tokenizer (tokens = characters)", input: { loss: 1.2, tokens: 5000, characters: 5000 }, hint: "with one token per character, bits per character is the loss in bits: loss / ln 2" },
    { name: "a word tokenizer (5.3 characters a token)", input: { loss: 4.1, tokens: 1000, characters: 5300 }, hint: "the total bits (loss · tokens / ln 2) are shared by all the characters they spell" },
    { name: "a BPE tokenizer", input: { loss: 3.05, tokens: 2310, characters: 8800 } },
    { name: "an untrained word model (ln 597)", input: { loss: Math.log(597), tokens: 12, characters: 57 } },
  ],
  reference: engineBitsPerCharacter,
  call: (fn, x) => fn(x.loss, x.tokens, x.characters),
  tolerance: { abs: 1e-12, rel: 1e-12 },
  mistakes: [
    { name: "bits per token", hint: "that is bits per token: multiply by the tokens and divide by the characters, so tokenizers that cut text differently compare fairly", answer: (x) => x.loss / Math.LN2 },
    { name: "nats", hint: "a nat is 1/ln 2 ≈ 1.4427 bits: divide the loss in nats by ln 2", answer: (x) => (x.loss * x.tokens) / x.characters },
    { name: "inverted ratio", hint: "bits per character = total bits / characters; the total bits are loss · tokens / ln 2", answer: (x) => (x.loss * x.characters) / x.tokens / Math.LN2 },
  ],
};
