// The encoded-data cache (nanoGPT's prepare.py train.bin, made on the fly): per data file content (SHA-256 of its
// bytes), the tokenizer built from it (a learned bpe or unigram one is not trained again) and the encoded splits, so
// a second run on the same file starts without tokenizing. A changed file has another hash, so another entry.

import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/** Bumped when what is stored changes shape, so older entries are not read. */
const FORMAT = 1;

function shortHash(text: string | Uint8Array): string {
  return crypto.createHash("sha256").update(text).digest("hex").slice(0, 20);
}

/** Writes a file so that a reader sees the old one or the whole new one (two runs may fill the same entry). */
function writeWhole(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${crypto.randomBytes(4).toString("hex")}`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

/** What a cache lookup did, for the run's header: "hit" (read), "stored" (built and written). */
export type CacheUse = "hit" | "stored";

export class DataCache {
  /** The folder of this file's content: <root>/<sha256 of the bytes, 20 hex digits>. */
  readonly dir: string;
  readonly uses: { tokenizer?: CacheUse; encoded?: CacheUse } = {};

  constructor(root: string, file: string) {
    this.dir = path.join(root, shortHash(fs.readFileSync(file)));
  }

  private file(prefix: string, key: object, ext: string): string {
    return path.join(this.dir, `${prefix}-${shortHash(JSON.stringify({ FORMAT, ...key }))}.${ext}`);
  }

  /** The saved tokenizer (its toJSON) for these build options, or one built by `build` and saved. */
  tokenizer<T extends { toJSON(): unknown }>(key: object, build: () => T, load: (json: string) => T): T {
    const file = this.file("tokenizer", key, "json");
    const saved = readIfThere(file, "utf8");
    if (saved !== null) {
      this.uses.tokenizer = "hit";
      return load(saved);
    }
    const t = build();
    writeWhole(file, JSON.stringify(t.toJSON()));
    this.uses.tokenizer = "stored";
    return t;
  }

  /** The encoded documents of each split for this tokenizer and split, or those `encode` gives, saved. */
  encoded(key: object, encode: () => number[][][]): number[][][] {
    const file = this.file("encoded", key, "i32");
    const saved = readIfThere(file);
    if (saved !== null) {
      const parsed = unpack(saved);
      if (parsed) {
        this.uses.encoded = "hit";
        return parsed;
      }
    }
    const splits = encode();
    writeWhole(file, pack(splits));
    this.uses.encoded = "stored";
    return splits;
  }
}

function readIfThere(file: string): Buffer | null;
function readIfThere(file: string, encoding: "utf8"): string | null;
function readIfThere(file: string, encoding?: "utf8"): Buffer | string | null {
  try {
    return encoding ? fs.readFileSync(file, encoding) : fs.readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new Error(`data cache file ${file} cannot be read (${(e as Error).message}); delete it to rebuild`);
  }
}

/** Splits of documents as int32: [splits, docs of each split..., length of each doc..., ids...]. */
function pack(splits: number[][][]): Uint8Array {
  const docs = splits.flat();
  const ids = docs.reduce((n, d) => n + d.length, 0);
  const out = new Int32Array(1 + splits.length + docs.length + ids);
  let o = 0;
  out[o++] = splits.length;
  for (const s of splits) out[o++] = s.length;
  for (const d of docs) out[o++] = d.length;
  for (const d of docs) for (const id of d) out[o++] = id;
  return new Uint8Array(out.buffer);
}

/** pack's inverse; null for a file of another length than its counts say (cut short: rebuilt). */
function unpack(bytes: Buffer): number[][][] | null {
  if (bytes.length % 4 !== 0 || bytes.length < 4) return null;
  const a = new Int32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  let o = 0;
  const nSplits = a[o++];
  const counts = Array.from(a.subarray(o, (o += nSplits)));
  const nDocs = counts.reduce((n, c) => n + c, 0);
  const lengths = Array.from(a.subarray(o, (o += nDocs)));
  if (o + lengths.reduce((n, l) => n + l, 0) !== a.length) return null;
  const docs = lengths.map((l) => Array.from(a.subarray(o, (o += l))));
  let d = 0;
  return counts.map((c) => docs.slice(d, (d += c)));
}

/**
 * Where the cache lives: $GPTLAB_DATA_CACHE when set ("off" turns it off), else null (no cache). The command line
 * sets it to dataCacheDefault() unless the user did.
 */
export function dataCacheDir(): string | null {
  const env = process.env.GPTLAB_DATA_CACHE;
  return env === undefined || env === "" || env === "off" ? null : path.resolve(env);
}

/** $XDG_CACHE_HOME/gptlab/data, or ~/.cache/gptlab/data. */
export function dataCacheDefault(home: string): string {
  return path.join(process.env.XDG_CACHE_HOME || path.join(home, ".cache"), "gptlab", "data");
}
