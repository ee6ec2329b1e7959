// Sampling from a GPT: temperature, top-k and top-p (nucleus) filtering, seeded token draws, and autoregressive
// generation with the model's KV cache (or full forward passes, which give the same tokens).

import { noGrad } from "../core/tensor.js";
import { Rng } from "../core/random.js";
import type { GPT, KVCache } from "../nn/gpt.js";

export interface SamplingOptions {
  /** 0: greedy (argmax); > 0 divides the logits (default 1). */
  temperature?: number;
  /** Keep only the k most likely tokens (default: all). */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p, in (0, 1] (default 1: all). */
  topP?: number;
}

/** Checks the sampling options; errors name the option, the value and the allowed range. */
export function validateSamplingOptions(opts: SamplingOptions): void {
  const { temperature, topK, topP } = opts;
  if (temperature !== undefined && !(typeof temperature === "number" && Number.isFinite(temperature) && temperature >= 0)) {
    throw new Error(`temperature must be a finite number >= 0, 0 meaning greedy (got ${JSON.stringify(temperature)})`);
  }
  if (topK !== undefined && !(typeof topK === "number" && Number.isInteger(topK) && topK >= 1)) {
    throw new Error(`topK must be an integer >= 1 (got ${JSON.stringify(topK)})`);
  }
  if (topP !== undefined && !(typeof topP === "number" && topP > 0 && topP <= 1)) {
    throw new Error(`topP must be in (0, 1] (got ${JSON.stringify(topP)})`);
  }
}

function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i; // strict: ties keep the lowest id
  return best;
}

/**
 * The next-token distribution after temperature, then top-k, then top-p (applied to the renormalized top-k
 * distribution, as Hugging Face does). Ties are broken toward lower token ids, at top-k's boundary too.
 */
export function nextTokenProbs(logits: ArrayLike<number>, opts: SamplingOptions = {}): Float64Array {
  validateSamplingOptions(opts);
  const V = logits.length;
  if (V === 0) throw new Error("nextTokenProbs: logits are empty");
  let max = -Infinity;
  for (let i = 0; i < V; i++) {
    if (Number.isNaN(logits[i])) throw new Error(`nextTokenProbs: logit ${i} is NaN (the model diverged?)`);
    if (logits[i] > max) max = logits[i];
  }
  if (max === -Infinity) throw new Error("nextTokenProbs: every logit is -Infinity");
  const probs = new Float64Array(V);
  const temperature = opts.temperature ?? 1;
  if (temperature === 0) {
    probs[argmax(logits)] = 1;
    return probs;
  }
  let z = 0;
  for (let i = 0; i < V; i++) z += probs[i] = Math.exp((logits[i] - max) / temperature);
  for (let i = 0; i < V; i++) probs[i] /= z;
  const topK = Math.min(opts.topK ?? V, V);
  const topP = opts.topP ?? 1;
  if (topK === V && topP === 1) return probs;

  // token ids from most to least likely, lower id first among equals
  const order = Array.from({ length: V }, (_, i) => i).sort((a, b) => probs[b] - probs[a] || a - b);
  let keep = topK;
  if (topP < 1) {
    let kept = 0;
    for (let r = 0; r < topK; r++) kept += probs[order[r]];
    let mass = 0;
    for (let r = 0; r < topK; r++) {
      mass += probs[order[r]] / kept;
      // a small tolerance so that mass landing exactly on p (up to rounding) stops here
      if (mass >= topP - 1e-12) {
        keep = r + 1;
        break;
      }
    }
  }
  let kept = 0;
  for (let r = 0; r < keep; r++) kept += probs[order[r]];
  for (let r = 0; r < V; r++) {
    const id = order[r];
    probs[id] = r < keep ? probs[id] / kept : 0;
  }
  return probs;
}

/** One token drawn from nextTokenProbs; greedy (temperature 0) returns the argmax without drawing from rng. */
export function sampleToken(logits: ArrayLike<number>, opts: SamplingOptions, rng: Rng): number {
  const probs = nextTokenProbs(logits, opts);
  if (opts.temperature === 0) return argmax(probs);
  return rng.categorical(probs);
}

export interface GenerateOptions extends SamplingOptions {
  /** Context to continue; must not be empty (the word-level lab starts from [BOS]). */
  prompt: number[];
  maxNewTokens: number;
  rng: Rng;
  /** Stop after generating this token (it is included in the result). */
  stopToken?: number;
  /** Use the model's KV cache (default true); false runs a full forward pass per token. Both give the same tokens. */
  useCache?: boolean;
  /** Replaces nextTokenProbs (temperature, top-k, top-p) with another filter: the exercises' student sampler. */
  probs?: (logits: ArrayLike<number>, opts: SamplingOptions) => ArrayLike<number>;
}

function validateGenerateOptions(model: GPT, opts: GenerateOptions): void {
  validateSamplingOptions(opts);
  const V = model.config.vocabSize;
  if (!Array.isArray(opts.prompt) || opts.prompt.length === 0) {
    throw new Error("generate: prompt must be a non-empty array of token ids (start from [tokenizer.bos])");
  }
  const bad = opts.prompt.findIndex((t) => !Number.isInteger(t) || t < 0 || t >= V);
  if (bad >= 0) throw new Error(`generate: prompt[${bad}] = ${JSON.stringify(opts.prompt[bad])} is not a token id in 0..${V - 1}`);
  if (!Number.isInteger(opts.maxNewTokens) || opts.maxNewTokens < 0) {
    throw new Error(`generate: maxNewTokens must be an integer >= 0 (got ${JSON.stringify(opts.maxNewTokens)})`);
  }
  if (opts.stopToken !== undefined && !(Number.isInteger(opts.stopToken) && opts.stopToken >= 0 && opts.stopToken < V)) {
    throw new Error(`generate: stopToken must be a token id in 0..${V - 1} (got ${JSON.stringify(opts.stopToken)})`);
  }
  if (!opts.rng) throw new Error("generate: rng is required (new Rng(seed))");
}

/**
 * Generates up to maxNewTokens tokens after the prompt and returns the new tokens (ending with stopToken if it
 * was drawn). The model sees the last blockSize tokens of the context (a sliding window, as in nanoGPT).
 *
 * With the KV cache, tokens are fed one at a time while the context fits in blockSize. Past that, the window
 * slides and every position embedding shifts, so no cached key/value stays valid: each new token rebuilds the
 * cache from the last blockSize tokens. That costs as much as the uncached path, but keeps both paths exact
 * and identical (tests/eval/sample.test.ts checks it, past blockSize too).
 */
export function generate(model: GPT, opts: GenerateOptions): number[] {
  validateGenerateOptions(model, opts);
  const { blockSize } = model.config;
  const context = opts.prompt.slice();
  const out: number[] = [];
  const useCache = opts.useCache ?? true;
  let cache: KVCache | null = null;

  const nextLogits = (): ArrayLike<number> => {
    const window = context.slice(Math.max(0, context.length - blockSize));
    if (!useCache) {
      return noGrad(() => {
        const { logits } = model.forward(Int32Array.from(window), 1, window.length); // (1, W, V)
        const V = model.config.vocabSize;
        return logits.data.slice((window.length - 1) * V, window.length * V);
      });
    }
    if (cache === null || context.length > blockSize) {
      // fresh cache over the whole window (the first call, or a slid window)
      cache = model.newCache();
      let logits: Float32Array | null = null;
      for (const t of window) logits = model.step(t, cache);
      return logits!;
    }
    return model.step(context[context.length - 1], cache);
  };

  for (let i = 0; i < opts.maxNewTokens; i++) {
    const token = opts.probs ? opts.rng.categorical(opts.probs(nextLogits(), opts)) : sampleToken(nextLogits(), opts, opts.rng);
    out.push(token);
    context.push(token);
    if (token === opts.stopToken) break;
  }
  return out;
}

/** The part of the Tokenizer contract (src/data/tokenizer.ts) that sampling needs. */
export interface SampleTokenizer {
  readonly vocabSize: number;
  readonly bos: number;
  encode(text: string): number[];
  decode(ids: ArrayLike<number>): string;
}

export interface SampleTextOptions extends SamplingOptions {
  rng: Rng;
  /** Number of samples (default 1). */
  n?: number;
  /** Text every sample continues (default ""); it is part of the returned strings. */
  prompt?: string;
  /** Start from [BOS] + prompt (default true); false: from the prompt alone, which must not be empty. */
  bos?: boolean;
  /** Tokens per sample at most (default: the model's blockSize). */
  maxNewTokens?: number;
  useCache?: boolean;
  probs?: GenerateOptions["probs"];
}

/**
 * n text samples: each starts from [BOS] + the encoded prompt (the prompt alone with bos: false) and stops at the
 * next BOS (or after maxNewTokens).
 * Returns the decoded prompt + continuation of each.
 */
export function sampleText(model: GPT, tokenizer: SampleTokenizer, opts: SampleTextOptions): string[] {
  if (tokenizer.vocabSize !== model.config.vocabSize) {
    throw new Error(`sampleText: tokenizer has ${tokenizer.vocabSize} tokens but the model's vocabSize is ${model.config.vocabSize}`);
  }
  const n = opts.n ?? 1;
  if (!Number.isInteger(n) || n < 0) throw new Error(`sampleText: n must be an integer >= 0 (got ${JSON.stringify(n)})`);
  const promptIds = tokenizer.encode(opts.prompt ?? "");
  const start = opts.bos === false ? [] : [tokenizer.bos];
  if (start.length + promptIds.length === 0) throw new Error("sampleText: without BOS (bos: false) a sample needs a prompt to start from");
  const { rng, temperature, topK, topP, useCache, probs } = opts;
  const maxNewTokens = opts.maxNewTokens ?? model.config.blockSize;
  const texts: string[] = [];
  for (let s = 0; s < n; s++) {
    const prompt = [...start, ...promptIds];
    const tokens = generate(model, { prompt, maxNewTokens, rng, temperature, topK, topP, useCache, probs, stopToken: tokenizer.bos });
    texts.push(tokenizer.decode([...prompt, ...tokens]));
  }
  return texts;
}

export interface TokenProb {
  id: number;
  token: string;
  prob: number;
}

/** The model's logits for the token after [BOS] + prompt (its last blockSize tokens), one forward pass without gradients. */
export function nextTokenLogits(model: GPT, tokenizer: SampleTokenizer, prompt: string): Float32Array {
  const ids = [tokenizer.bos, ...tokenizer.encode(prompt)];
  const { blockSize, vocabSize: V } = model.config;
  const window = ids.slice(Math.max(0, ids.length - blockSize));
  return noGrad(() => Float32Array.from(model.forward(Int32Array.from(window), 1, window.length).logits.data.subarray((window.length - 1) * V, window.length * V)));
}

/**
 * The model's next-token distribution after [BOS] + prompt (with the sampling filters applied), as the `top`
 * most likely tokens, most likely first (ties: lower id first).
 */
export function nextTokenDistribution(model: GPT, tokenizer: SampleTokenizer, prompt: string, opts: SamplingOptions = {}, top = 10): TokenProb[] {
  const V = model.config.vocabSize;
  const probs = nextTokenProbs(nextTokenLogits(model, tokenizer, prompt), opts);
  const order = Array.from({ length: V }, (_, i) => i).sort((a, b) => probs[b] - probs[a] || a - b);
  return order.slice(0, top).map((id) => ({ id, token: tokenizer.decode([id]), prob: probs[id] }));
}

/**
 * Share of a token sequence's n-grams that already occurred earlier in it (0: no repetition; greedy decoding
 * tends toward loops, which push it toward 1).
 */
export function repeatedNgramShare(tokens: ArrayLike<number>, n = 3): number {
  if (!Number.isInteger(n) || n < 1) throw new Error(`n must be an integer >= 1 (got ${n})`);
  const seen = new Set<string>();
  let repeated = 0;
  let total = 0;
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = Array.from({ length: n }, (_, k) => tokens[i + k]).join(",");
    if (seen.has(key)) repeated++;
    seen.add(key);
    total++;
  }
  return total ? repeated / total : 0;
}

/**
 * Wall-clock milliseconds to generate `length` tokens greedily from [start] with and without the KV cache
 * (median of `repeats` runs each). length must fit in blockSize - 1, where the cache is used all the way.
 */
export function generationTime(model: GPT, length: number, opts: { useCache: boolean; repeats?: number; start?: number }): number {
  const { blockSize } = model.config;
  if (!(Number.isInteger(length) && length >= 1 && length < blockSize)) throw new Error(`generationTime: length must be an integer in 1..${blockSize - 1} (got ${length})`);
  const repeats = opts.repeats ?? 3;
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = process.hrtime.bigint();
    generate(model, { prompt: [opts.start ?? 0], maxNewTokens: length, temperature: 0, rng: new Rng(0), useCache: opts.useCache });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/**
 * Where a token sequence turns into a loop: the first position `start` whose `window` tokens already occurred at an
 * earlier position `start - period`. For greedy decoding with a context of `window` tokens the choice depends only on
 * the last `window` tokens, so from `start + window` on the text repeats with that period. Null: no window repeats.
 */
export function loopStart(tokens: ArrayLike<number>, window: number): { start: number; period: number } | null {
  if (!Number.isInteger(window) || window < 1) throw new Error(`loopStart: window must be an integer >= 1 (got ${window})`);
  const seen = new Map<string, number>();
  for (let i = 0; i + window <= tokens.length; i++) {
    const key = Array.from({ length: window }, (_, k) => tokens[i + k]).join(",");
    const earlier = seen.get(key);
    if (earlier !== undefined) return { start: i, period: i - earlier };
    seen.set(key, i);
  }
  return null;
}
