// The Hugging Face tokenizer.json format, the parts bpe and unigram share: the envelope with <BOS> as an added
// special token, and checks on reading that name the field. `tokenizers.Tokenizer.from_file(path)` loads what
// this writes (tests/data/subword.test.ts checks the ids against Hugging Face's own implementation).

import type { HFTokenizerJSON } from "./tokenizer.js";
import { BOS_SYMBOL, UNK_SYMBOL } from "./vocab.js";

/** A whole tokenizer.json around a model, with <BOS> (and <UNK> when unk is an id) as added special tokens. */
export function hfTokenizerJSON(parts: { model: HFTokenizerJSON["model"]; preTokenizer: unknown; decoder: unknown; bos: number; unk: number | null }): HFTokenizerJSON {
  const special = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  const added = parts.unk === null ? [special(parts.bos, BOS_SYMBOL)] : [special(parts.unk, UNK_SYMBOL), special(parts.bos, BOS_SYMBOL)];
  added.sort((a, b) => a.id - b.id);
  return { version: "1.0", truncation: null, padding: null, added_tokens: added, normalizer: null, pre_tokenizer: parts.preTokenizer, post_processor: null, decoder: parts.decoder, model: parts.model };
}

/** True for an object that looks like a Hugging Face tokenizer.json (it has a model with a type). */
export function isHFTokenizerJSON(j: unknown): j is HFTokenizerJSON {
  const m = (j as { model?: { type?: unknown } } | null)?.model;
  return typeof j === "object" && j !== null && typeof m === "object" && m !== null && typeof m.type === "string";
}

/** Checks the envelope of a tokenizer.json for a model type and returns its model and the id of <BOS>. */
export function readHFEnvelope(j: HFTokenizerJSON, modelType: string, kind: string): { model: Record<string, unknown>; bos: number } {
  const where = `${kind} tokenizer.json`;
  if (j.model.type !== modelType) throw new Error(`${where}: model.type must be ${JSON.stringify(modelType)} (got ${JSON.stringify(j.model.type)})`);
  if (j.normalizer !== null && j.normalizer !== undefined) throw new Error(`${where}: normalizer must be null (gptlab does not normalize text; got ${JSON.stringify(j.normalizer)})`);
  if (!Array.isArray(j.added_tokens)) throw new Error(`${where}: added_tokens must be an array`);
  const bos = j.added_tokens.find((t) => t && t.content === BOS_SYMBOL);
  if (!bos || !Number.isInteger(bos.id)) throw new Error(`${where}: added_tokens has no ${BOS_SYMBOL} token with an integer id (gptlab needs it to separate documents)`);
  return { model: j.model, bos: bos.id };
}

/** Throws with the field's name unless `cond` holds. */
export function expectField(cond: boolean, where: string, field: string, what: string, got: unknown): void {
  if (!cond) throw new Error(`${where}: ${field} must be ${what} (got ${JSON.stringify(got)?.slice(0, 80)})`);
}
