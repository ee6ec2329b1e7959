// The safetensors format (Hugging Face): 8-byte little-endian header length, a JSON header, raw little-endian data.
// Encode/decode with validation, an integrity hash of the tensor bytes in the metadata (verified on load, so
// flipped bits are caught), and atomic file writes (checked writes, fsync, rename) so a crash never leaves half a file.

import * as fs from "node:fs";
import * as nodePath from "node:path";
import { createHash } from "node:crypto";
import { IoCrash, writeFileAtomic, writeErrorMessage } from "./atomic.js";

export type SafetensorsDType = "F32" | "F64" | "I32" | "U32";
export type SafetensorsData = Float32Array | Float64Array | Int32Array | Uint32Array;

export interface SafetensorsTensor {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  data: SafetensorsData;
}

export interface DecodedTensor {
  dtype: SafetensorsDType;
  shape: number[];
  data: SafetensorsData;
}

export interface DecodedSafetensors {
  /** Tensors in header order (the order of their data in the file). */
  tensors: Map<string, DecodedTensor>;
  metadata: Record<string, string>;
}

type TypedArrayCtor = { new (buffer: ArrayBuffer): SafetensorsData; readonly BYTES_PER_ELEMENT: number; readonly name: string };

const DTYPES: Record<SafetensorsDType, TypedArrayCtor> = {
  F32: Float32Array,
  F64: Float64Array,
  I32: Int32Array,
  U32: Uint32Array,
};

/** dtypes the spec defines that gptlab does not read, so the error can say "not supported" rather than "unknown". */
const OTHER_SPEC_DTYPES = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I64", "U64"];

/** Headers above this size are refused, as the reference implementation does (a corrupt length must not allocate GBs). */
const MAX_HEADER_BYTES = 100_000_000;

const METADATA_KEY = "__metadata__";

/** Metadata key of the SHA-256 (hex) of the data section; files without it still load. */
export const HASH_KEY = "gptlab.sha256";

function dataHash(parts: Iterable<Uint8Array>): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest("hex");
}

function tensorBytes(t: SafetensorsTensor): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

/** The data is written and read as raw bytes of the host's typed arrays, which is the file's byte order only on a little-endian host. */
function assertLittleEndianHost(): void {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
    throw new Error("safetensors: this host is big-endian; gptlab's safetensors I/O only supports little-endian hosts");
  }
}

function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function isShape(shape: unknown): shape is number[] {
  return Array.isArray(shape) && shape.every((d) => typeof d === "number" && Number.isSafeInteger(d) && d >= 0);
}

/**
 * Serializes tensors (data laid out contiguously in the given order) and optional string metadata.
 * The header is padded with spaces so the data starts at an 8-byte aligned offset.
 */
export function encodeSafetensors(tensors: SafetensorsTensor[], metadata?: Record<string, string>, opts: { hash?: boolean } = {}): Uint8Array {
  assertLittleEndianHost();
  const header: Record<string, unknown> = {};
  if (metadata !== undefined || opts.hash) {
    metadata = { ...(metadata ?? {}) };
    if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) {
      throw new Error(`safetensors metadata must be an object of string values (got ${JSON.stringify(metadata)})`);
    }
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== "string") throw new Error(`safetensors metadata["${k}"] must be a string (got ${JSON.stringify(v)}); JSON.stringify it first`);
    }
    header[METADATA_KEY] = metadata;
  }
  const meta = header[METADATA_KEY] as Record<string, string> | undefined;
  const seen = new Set<string>();
  let offset = 0;
  for (const t of tensors) {
    if (typeof t.name !== "string" || t.name === "") throw new Error(`safetensors tensor name must be a non-empty string (got ${JSON.stringify(t.name)})`);
    if (t.name === METADATA_KEY) throw new Error(`safetensors tensor name "${METADATA_KEY}" is reserved for the metadata`);
    if (seen.has(t.name)) throw new Error(`safetensors tensor "${t.name}" appears twice`);
    seen.add(t.name);
    const ctor = DTYPES[t.dtype];
    if (!ctor) throw new Error(`safetensors tensor "${t.name}": dtype must be one of ${Object.keys(DTYPES).join(", ")} (got ${JSON.stringify(t.dtype)})`);
    if (!(t.data instanceof ctor)) {
      throw new Error(`safetensors tensor "${t.name}": dtype ${t.dtype} needs a ${ctor.name} (got ${t.data?.constructor?.name ?? typeof t.data})`);
    }
    if (!isShape(t.shape)) throw new Error(`safetensors tensor "${t.name}": shape must be an array of non-negative integers (got ${JSON.stringify(t.shape)})`);
    const n = shapeSize(t.shape);
    if (n !== t.data.length) throw new Error(`safetensors tensor "${t.name}": shape [${t.shape.join(", ")}] holds ${n} values but data has ${t.data.length}`);
    const end = offset + t.data.byteLength;
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, end] };
    offset = end;
  }
  if (opts.hash && meta) meta[HASH_KEY] = dataHash(tensors.map(tensorBytes));
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLen = Math.ceil(json.length / 8) * 8; // 8 + headerLen is then a multiple of 8
  const out = new Uint8Array(8 + headerLen + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let pos = 8 + headerLen;
  for (const t of tensors) {
    out.set(tensorBytes(t), pos);
    pos += t.data.byteLength;
  }
  return out;
}

/** Parses and validates a safetensors buffer; tensor data is copied into fresh (aligned) typed arrays. */
export function decodeSafetensors(bytes: Uint8Array): DecodedSafetensors {
  assertLittleEndianHost();
  if (!(bytes instanceof Uint8Array)) throw new Error(`decodeSafetensors needs a Uint8Array (got ${typeof bytes})`);
  if (bytes.length < 8) throw new Error(`safetensors: truncated file: ${bytes.length} bytes, fewer than the 8-byte header length`);
  const headerLen64 = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLen64 > BigInt(bytes.length - 8)) {
    throw new Error(`safetensors: header length ${headerLen64} goes beyond the end of the file (${bytes.length} bytes): truncated or not a safetensors file`);
  }
  const headerLen = Number(headerLen64);
  if (headerLen > MAX_HEADER_BYTES) throw new Error(`safetensors: header length ${headerLen} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLen));
  } catch {
    throw new Error("safetensors: the header is not valid UTF-8");
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new Error(`safetensors: the header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) throw new Error("safetensors: the header must be a JSON object");

  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = Object.create(null) as Record<string, string>;
  const entries: Array<{ name: string; dtype: SafetensorsDType; shape: number[]; begin: number; end: number }> = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`safetensors: "${METADATA_KEY}" must be an object of strings`);
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== "string") throw new Error(`safetensors: metadata "${k}" must be a string (got ${JSON.stringify(v)})`);
        metadata[k] = v;
      }
      continue;
    }
    const where = `safetensors tensor "${name}"`;
    if (typeof value !== "object" || value === null) throw new Error(`${where}: entry must be an object with dtype, shape and data_offsets`);
    const info = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = info.dtype;
    if (typeof dtype !== "string" || !(dtype in DTYPES)) {
      const known = Object.keys(DTYPES).join(", ");
      if (typeof dtype === "string" && OTHER_SPEC_DTYPES.includes(dtype)) throw new Error(`${where}: dtype ${dtype} is not supported by gptlab (supported: ${known})`);
      throw new Error(`${where}: unknown dtype ${JSON.stringify(dtype)} (supported: ${known})`);
    }
    if (!isShape(info.shape)) throw new Error(`${where}: shape must be an array of non-negative integers (got ${JSON.stringify(info.shape)})`);
    const offs = info.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => typeof o === "number" && Number.isSafeInteger(o) && o >= 0)) {
      throw new Error(`${where}: data_offsets must be two non-negative integers [begin, end] (got ${JSON.stringify(offs)})`);
    }
    const [begin, end] = offs as [number, number];
    if (begin > end) throw new Error(`${where}: data_offsets [${begin}, ${end}] has begin after end`);
    if (end > dataLen) throw new Error(`${where}: data_offsets [${begin}, ${end}] go beyond the ${dataLen} data bytes (truncated file?)`);
    const ctor = DTYPES[dtype as SafetensorsDType];
    const expected = shapeSize(info.shape) * ctor.BYTES_PER_ELEMENT;
    if (end - begin !== expected) {
      throw new Error(`${where}: shape [${info.shape.join(", ")}] of ${dtype} needs ${expected} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`);
    }
    entries.push({ name, dtype: dtype as SafetensorsDType, shape: info.shape, begin, end });
  }

  // the spec lays tensors out back to back: no overlaps, no holes, no trailing bytes
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expectedBegin = 0;
  for (let i = 0; i < byOffset.length; i++) {
    const e = byOffset[i];
    if (e.begin < expectedBegin) {
      throw new Error(`safetensors tensor "${e.name}": data_offsets [${e.begin}, ${e.end}] overlap tensor "${byOffset[i - 1].name}" (which ends at ${expectedBegin})`);
    }
    if (e.begin > expectedBegin) throw new Error(`safetensors tensor "${e.name}": data_offsets begin at ${e.begin} but the previous tensor ends at ${expectedBegin} (a gap)`);
    expectedBegin = e.end;
  }
  if (expectedBegin !== dataLen) throw new Error(`safetensors: tensors cover ${expectedBegin} data bytes but the file has ${dataLen} (trailing bytes)`);
  if (HASH_KEY in metadata) {
    const actual = dataHash([bytes.subarray(dataStart)]);
    if (actual !== metadata[HASH_KEY]) throw new Error(`safetensors: the tensor bytes do not match the file's ${HASH_KEY} (${String(metadata[HASH_KEY]).slice(0, 16)}..., computed ${actual.slice(0, 16)}...): the file is damaged`);
  }

  const tensors = new Map<string, DecodedTensor>();
  for (const e of byOffset) {
    // a fresh buffer at offset 0 keeps the typed array aligned whatever the input's offset (and Buffer.slice would not copy)
    const copy = new Uint8Array(e.end - e.begin);
    copy.set(bytes.subarray(dataStart + e.begin, dataStart + e.end));
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: new DTYPES[e.dtype](copy.buffer) });
  }
  return { tensors, metadata };
}

/**
 * Writes a safetensors file atomically (checked writes, fsync, rename, folder fsync) with the integrity hash in
 * its metadata. Errors name the file and, on a full disk, say so; the previous file is then untouched.
 */
export function writeSafetensorsFile(path: string, tensors: SafetensorsTensor[], metadata?: Record<string, string>): void {
  const bytes = encodeSafetensors(tensors, metadata, { hash: true });
  const dir = nodePath.dirname(path);
  if (!fs.existsSync(dir)) throw new Error(`writeSafetensorsFile: directory ${dir} does not exist (create it first)`);
  try {
    writeFileAtomic(path, bytes);
  } catch (e) {
    if (e instanceof IoCrash) throw e;
    throw new Error(`writeSafetensorsFile: could not write ${path} (${writeErrorMessage(e)})`);
  }
}

/** Reads and decodes a safetensors file; errors name the path. */
export function readSafetensorsFile(path: string): DecodedSafetensors {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new Error(`safetensors file not found: ${path}`);
    throw new Error(`could not read safetensors file ${path} (${(e as Error).message})`);
  }
  try {
    return decodeSafetensors(bytes);
  } catch (e) {
    throw new Error(`${path} is not a valid safetensors file: ${(e as Error).message}`);
  }
}
