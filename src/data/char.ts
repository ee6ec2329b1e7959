// Character-level tokenizer: one token per Unicode character of the training text (sorted), plus <BOS> as the
// last id. Line breaks are not tokens (documents are lines, and BOS separates them) except in the text data mode.

import type { Tokenizer, TokenizerEntry, TokenizerJSON } from "./tokenizer.js";
import { VocabTokenizer, checkJSON, preview, sortSymbols, withSpecials } from "./vocab.js";
import type { BuildOptions } from "./vocab.js";

export class CharTokenizer extends VocabTokenizer implements Tokenizer {
  readonly kind = "char" as const;

  encode(text: string): number[] {
    const out: number[] = [];
    let pos = 0; // position in characters (code points), as a reader counts them
    for (const ch of text) {
      const at = pos;
      out.push(this.idOf(ch, () => `(U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}) at position ${at} (0-based) of ${preview(text)}`));
      pos++;
    }
    return out;
  }

  decode(ids: ArrayLike<number>): string {
    return this.decodeWith(ids, "");
  }

  static fromJSON(j: Partial<TokenizerJSON>): CharTokenizer {
    const { vocab, bos, unk } = checkJSON("char", j);
    vocab.forEach((s, i) => {
      if (i !== bos && i !== unk && Array.from(s).length !== 1) throw new Error(`char tokenizer JSON: vocab[${i}] must be one character (got ${JSON.stringify(s)})`);
    });
    return new CharTokenizer(vocab, bos, unk);
  }
}

/** A char tokenizer over the distinct characters of text (line breaks excluded unless opts.lineBreaks), sorted by code unit. */
export function buildCharTokenizer(text: string, opts: BuildOptions = {}): CharTokenizer {
  if (typeof text !== "string") throw new Error(`buildCharTokenizer needs a string (got ${typeof text})`);
  const chars = new Set<string>();
  for (const ch of text) if (opts.lineBreaks || (ch !== "\n" && ch !== "\r")) chars.add(ch);
  if (chars.size === 0) throw new Error("buildCharTokenizer: the text has no characters besides line breaks; give it the training text");
  const { vocab, bos, unk } = withSpecials(sortSymbols(chars), opts);
  return new CharTokenizer(vocab, bos, unk);
}

export const charEntry: TokenizerEntry<"char"> = {
  kind: "char",
  description: "one token per character of the training text",
  create: buildCharTokenizer,
  recognizes: (j) => j.kind === "char",
  load: (j) => CharTokenizer.fromJSON(j as Partial<TokenizerJSON>),
};
