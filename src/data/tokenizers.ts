// The tokenizer registry: every kind once, and what follows from the list: the
// TokenizerKind union, the kinds for config checks and --help, createTokenizer(kind, text, opts) and
// loadTokenizer(json). A new kind is its own file exporting a TokenizerEntry, its test, and one line below.

import { bpeEntry } from "./bpe.js";
import { charEntry } from "./char.js";
import type { BuildOptions, SavedTokenizer, Tokenizer, TokenizerEntry } from "./tokenizer.js";
import { unigramEntry } from "./unigram.js";
import { wordEntry } from "./word.js";

export const tokenizerRegistry = [wordEntry, charEntry, bpeEntry, unigramEntry] as const;

export type TokenizerKind = (typeof tokenizerRegistry)[number]["kind"];
export const tokenizerKinds: readonly TokenizerKind[] = tokenizerRegistry.map((e) => e.kind);

/** The registry entry of a kind; an unknown kind's error lists the known ones. */
export function tokenizerEntry(kind: string): TokenizerEntry {
  const e = tokenizerRegistry.find((t) => t.kind === kind);
  if (!e) throw new Error(`tokenizer must be one of ${tokenizerKinds.join(", ")} (got ${JSON.stringify(kind)})`);
  return e;
}

/** One line per kind, for --help. */
export function tokenizerHelp(): string {
  return tokenizerRegistry.map((e) => `${e.kind}: ${e.description}`).join("; ");
}

/** Trains (or builds) a tokenizer of a kind from text; options the kind does not take are refused by name. */
export function createTokenizer(kind: string, text: string, opts: BuildOptions = {}): Tokenizer {
  const e = tokenizerEntry(kind);
  for (const [k, v] of Object.entries(opts)) {
    if (v === undefined || k === "unk" || k === "lineBreaks") continue;
    const spec = e.schema?.[k];
    if (!spec) throw new Error(`tokenizer option ${k} does not apply to the ${kind} tokenizer (it applies to ${tokenizerRegistry.filter((t) => t.schema?.[k]).map((t) => t.kind).join(", ") || "none"})`);
    if (typeof v !== "number" || !Number.isInteger(v) || v < spec.min) throw new Error(`${k} of the ${kind} tokenizer must be an integer >= ${spec.min} (got ${JSON.stringify(v)})`);
  }
  return e.create(text, opts);
}

/** Rebuilds a tokenizer from toJSON() output (an object or its JSON string), of whichever kind it is. */
export function loadTokenizer(json: SavedTokenizer | string): Tokenizer {
  let obj: unknown = json;
  if (typeof json === "string") {
    try {
      obj = JSON.parse(json);
    } catch (e) {
      throw new Error(`loadTokenizer: the string is not valid JSON (${(e as Error).message})`);
    }
  }
  if (typeof obj !== "object" || obj === null) throw new Error(`loadTokenizer needs an object from tokenizer.toJSON() (got ${String(obj)})`);
  const j = obj as Record<string, unknown>;
  if (j.version !== undefined && j.version !== 1 && j.version !== "1.0") throw new Error(`tokenizer JSON version ${String(j.version)} is not supported (this gptlab reads version 1, and Hugging Face's "1.0")`);
  const e = tokenizerRegistry.find((t) => t.recognizes(j));
  if (!e) {
    const what = (j.model as { type?: unknown } | undefined)?.type ?? j.kind;
    throw new Error(`tokenizer JSON of kind ${JSON.stringify(what)} is not one gptlab reads (kinds: ${tokenizerKinds.join(", ")}; Hugging Face models: BPE, Unigram)`);
  }
  return e.load(j as unknown as SavedTokenizer);
}
