// Fuzzing the loaders: 10,000 seeded mutations of a run folder's files (bit flips, truncations, header-length and
// offset edits, NaN payloads, __proto__/constructor keys, huge numbers), each loaded with a time limit. Every
// outcome must be a clean error that names the file, or a load whose contents are valid; no prototype pollution.

import * as fs from "node:fs";
import * as path from "node:path";
import { Rng } from "../../src/core/random.js";
import { Run } from "../../src/train/run.js";
import { HASH_KEY, encodeSafetensors, decodeSafetensors } from "../../src/io/safetensors.js";
import { loadModel, restoreRunState, saveCheckpoint, savedTokenizer, unitFiles } from "../../src/io/checkpoint.js";
import { tmpDir } from "../helpers/run-folders.js";

const MUTATIONS = 10_000;
const TIME_LIMIT_MS = 2000;

type Target = "model.safetensors" | "trainer-state.safetensors" | "config.json" | "tokenizer.json";
const TARGETS: Target[] = ["model.safetensors", "trainer-state.safetensors", "config.json", "tokenizer.json"];

const WEIRD: unknown[] = [null, -1, 0, 1.5, 1e308, 2 ** 53 + 2, -1e308, "x", "", {}, [], [1, 2], true, "NaN", "9".repeat(400), { __proto__: { polluted: 1 } }, { constructor: { prototype: { polluted: 1 } } }];

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.int(xs.length)];
}

/** A random path of keys into a JSON value, and its parent object. */
function randomSpot(rng: Rng, root: Record<string, unknown>): { parent: Record<string, unknown>; key: string } {
  let parent = root;
  let key = pick(rng, Object.keys(root).length ? Object.keys(root) : ["x"]);
  for (let depth = 0; depth < 4; depth++) {
    const v = parent[key];
    if (typeof v !== "object" || v === null || rng.random() < 0.4) break;
    const keys = Object.keys(v);
    if (!keys.length) break;
    parent = v as Record<string, unknown>;
    key = pick(rng, keys);
  }
  return { parent, key };
}

function mutateJsonText(rng: Rng, text: string): string {
  const value = JSON.parse(text) as Record<string, unknown>;
  const kind = rng.int(4);
  if (kind === 0) {
    const { parent, key } = randomSpot(rng, value);
    parent[key] = pick(rng, WEIRD);
  } else if (kind === 1) {
    const { parent, key } = randomSpot(rng, value);
    delete parent[key];
  } else if (kind === 2) {
    // raw keys JSON.stringify would not write
    const { parent } = randomSpot(rng, value);
    const s = JSON.stringify(value);
    void parent;
    return s.replace(/^\{/, pick(rng, ['{"__proto__":{"polluted":1},', '{"constructor":{"prototype":{"polluted":1}},', '{"run":1e999,', '{"model":{"__proto__":{"nEmbd":1}},']));
  } else {
    // a number replaced by a huge or non-JSON one
    return JSON.stringify(value).replace(/\d+(\.\d+)?/, pick(rng, ["1e999", "-0", "123456789012345678901234567890", "NaN", "0x10"]));
  }
  return JSON.stringify(value);
}

function mutateSafetensors(rng: Rng, bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  const headerLen = Number(out.readBigUInt64LE(0));
  const kind = rng.int(6);
  if (kind === 0) {
    for (let i = rng.int(8) + 1; i > 0; i--) out[rng.int(out.length)] ^= 1 << rng.int(8);
    return out;
  }
  if (kind === 1) return out.subarray(0, rng.int(out.length));
  if (kind === 2) {
    out.writeBigUInt64LE(pick(rng, [0n, 1n, 7n, BigInt(headerLen - 1), BigInt(headerLen + 8), 2n ** 40n, 2n ** 64n - 1n, BigInt(rng.nextUint32())]), 0);
    return out;
  }
  const header = JSON.parse(out.subarray(8, 8 + headerLen).toString("utf8")) as Record<string, { data_offsets?: number[]; shape?: number[]; dtype?: string }>;
  const names = Object.keys(header).filter((k) => k !== "__metadata__");
  const data = out.subarray(8 + headerLen);
  if (kind === 3 && names.length) {
    // offsets, shapes, dtypes edited (header re-encoded so the edit is what the loader sees)
    const t = header[pick(rng, names)];
    const which = rng.int(3);
    if (which === 0 && t.data_offsets) t.data_offsets[rng.int(2)] = pick(rng, [0, 4, t.data_offsets[0] - 4, t.data_offsets[1] + 4, 2 ** 53, -8, 1.5]);
    else if (which === 1 && t.shape) t.shape[rng.int(t.shape.length)] = pick(rng, [0, 1, t.shape[0] + 1, -1, 2 ** 31]);
    else t.dtype = pick(rng, ["F16", "BF16", "I64", "F64", "U32", "XYZ"]);
    return withHeader(header, data);
  }
  if (kind === 4) {
    // NaN or Inf payloads: with the hash left stale (caught by the hash), or recomputed (caught by the finite check)
    const view = new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    if (view.length) view[rng.int(view.length)] = pick(rng, [NaN, Infinity, -Infinity]);
    const payload = Buffer.from(view.buffer);
    if (rng.random() < 0.5) return withHeader(header, payload);
    const meta = (header.__metadata__ ?? {}) as unknown as Record<string, string>;
    delete meta[HASH_KEY];
    const decoded = decodeSafetensors(withHeader({ ...header, __metadata__: meta as never }, payload));
    return Buffer.from(encodeSafetensors([...decoded.tensors].map(([name, t]) => ({ name, ...t })), decoded.metadata, { hash: true }));
  }
  // metadata JSON edits (the trainer state lives there)
  const meta = (header.__metadata__ ?? {}) as unknown as Record<string, string>;
  const key = pick(rng, Object.keys(meta).length ? Object.keys(meta) : ["run"]);
  try {
    meta[key] = mutateJsonText(rng, meta[key] ?? "{}");
  } catch {
    meta[key] = pick(rng, ["", "{", "null", "[]", '{"__proto__":{"polluted":1}}']);
  }
  header.__metadata__ = meta as never;
  return withHeader(header, data);
}

function withHeader(header: object, data: Uint8Array): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, data]);
}

describe("loading mutated run folders", () => {
  test(`${MUTATIONS} seeded mutations each end in a clean error naming the file or a valid load, within ${TIME_LIMIT_MS} ms, without prototype pollution`, () => {
    const root = tmpDir("gptlab-fuzz-");
    const data = path.join(root, "names.txt");
    fs.writeFileSync(data, fs.readFileSync(path.join(__dirname, "..", "..", "datasets", "names", "names.txt"), "utf8").split("\n").slice(0, 200).join("\n"));
    const config = { data, tokenizer: "char" as const, nEmbd: 4, nHead: 2, nLayer: 1, blockSize: 4, steps: 4, evalBatches: 1, samples: 0 };
    const run = new Run(config);
    run.train();
    const good = path.join(root, "good");
    fs.mkdirSync(good);
    saveCheckpoint(run, good);
    const unit = path.join(good, "last");
    const originals = Object.fromEntries(TARGETS.map((f) => [f, fs.readFileSync(path.join(unit, f))])) as Record<Target, Buffer>;
    // the loaders read through unitFiles: mutated files are handed over in memory (the same code, no disk writes)
    const mem = new Map<string, Buffer>(fs.readdirSync(unit).map((f) => [path.join(unit, f), fs.readFileSync(path.join(unit, f))]));
    const { read, exists } = unitFiles;
    unitFiles.read = (f) => mem.get(f) ?? read(f);
    unitFiles.exists = (f) => mem.has(f) || f === good || exists(f);
    const target = new Run(config); // restored into again and again: every restore sets all of its state

    const rng = new Rng(20261203);
    const counts: Record<string, number> = {};
    const bad: string[] = [];
    let slowest = 0;
    const spent: Record<string, number> = {};
    for (let i = 0; i < MUTATIONS; i++) {
      const file = TARGETS[i % TARGETS.length];
      const original = originals[file];
      let mutated: Buffer;
      try {
        mutated = file.endsWith(".json") ? Buffer.from(rng.random() < 0.2 ? original.subarray(0, rng.int(original.length)) : mutateJsonText(rng, original.toString("utf8"))) : mutateSafetensors(rng, original);
      } catch {
        mutated = original.subarray(0, rng.int(original.length));
      }
      mem.set(path.join(unit, file), mutated);
      const t0 = Date.now();
      const p0 = performance.now();
      let outcome: string;
      try {
        if (file === "trainer-state.safetensors") {
          restoreRunState(target, good);
          const s = target.getState();
          if (!(Number.isInteger(s.step) && s.step >= 0 && s.step <= config.steps)) bad.push(`#${i} ${file}: loaded step ${String(s.step)}`);
          if (!target.optimizer.getState || !Array.from((target.optimizer.getState() as unknown as { m: Float32Array }).m).every(Number.isFinite)) bad.push(`#${i} ${file}: non-finite moments loaded`);
        } else if (file === "tokenizer.json") {
          const tok = savedTokenizer(good);
          if (!(tok.vocabSize >= 1 && tok.bos >= 0 && tok.bos < tok.vocabSize)) bad.push(`#${i} ${file}: loaded an invalid tokenizer`);
        } else {
          const { model } = loadModel(good);
          if (!Array.from(model.store.data).every(Number.isFinite)) bad.push(`#${i} ${file}: non-finite weights loaded`);
        }
        outcome = "loaded";
      } catch (e) {
        const err = e as Error;
        if (err.constructor !== Error) bad.push(`#${i} ${file}: ${err.constructor.name}: ${err.message}`);
        else if (!err.message.includes(good)) bad.push(`#${i} ${file}: error does not name the file: ${err.message}`);
        outcome = "error";
      }
      const ms = Date.now() - t0;
      spent[file] = (spent[file] ?? 0) + performance.now() - p0;
      slowest = Math.max(slowest, ms);
      if (ms > TIME_LIMIT_MS) bad.push(`#${i} ${file}: took ${ms} ms`);
      counts[`${file} ${outcome}`] = (counts[`${file} ${outcome}`] ?? 0) + 1;
      mem.set(path.join(unit, file), original);
    }
    Object.assign(unitFiles, { read, exists });
    console.log(`fuzz: ${MUTATIONS} mutations (seed 20261203), slowest load ${slowest} ms; ms per file kind: ${Object.entries(spent).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(", ")}\n${Object.entries(counts).sort().map(([k, n]) => `  ${k}: ${n}`).join("\n")}`);
    expect(bad.slice(0, 10)).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(MUTATIONS);
  }, 120_000);
});
