// Tests of the safetensors encoder/decoder: round trips, the byte layout against the spec, and corrupt inputs.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { decodeSafetensors, encodeSafetensors, readSafetensorsFile, writeSafetensorsFile } from "../../src/io/safetensors.js";
import type { SafetensorsTensor } from "../../src/io/safetensors.js";

function sample(): SafetensorsTensor[] {
  return [
    { name: "w", dtype: "F32", shape: [2, 3], data: Float32Array.from([1.5, -2, 3.25, 0, 1e-7, -1e30]) },
    { name: "d", dtype: "F64", shape: [3], data: Float64Array.from([Math.PI, -Math.E, 1e-300]) },
    { name: "step", dtype: "I32", shape: [], data: Int32Array.from([-123456]) },
    { name: "rng", dtype: "U32", shape: [4], data: Uint32Array.from([0, 1, 0xdeadbeef, 0xffffffff]) },
  ];
}

/** Builds a file by hand: header JSON (padded to the given length with spaces), then the data bytes. */
function handMade(header: unknown, data: Uint8Array, pad = 0): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header) + " ".repeat(pad));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function headerOf(bytes: Uint8Array): { n: number; json: string } {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const n = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  return { n, json: Buffer.from(bytes.subarray(8, 8 + n)).toString("utf8") };
}

describe("safetensors", () => {
  test("every dtype round-trips with its values, shape and metadata", () => {
    const tensors = sample();
    const decoded = decodeSafetensors(encodeSafetensors(tensors, { format: "pt", note: "héllo" }));
    expect(decoded.metadata).toEqual({ format: "pt", note: "héllo" });
    expect([...decoded.tensors.keys()]).toEqual(tensors.map((t) => t.name));
    for (const t of tensors) {
      const d = decoded.tensors.get(t.name)!;
      expect(d.dtype).toBe(t.dtype);
      expect(d.shape).toEqual(t.shape);
      expect(d.data.constructor).toBe(t.data.constructor);
      expect(Array.from(d.data)).toEqual(Array.from(t.data));
    }
  });

  test("the byte layout follows the spec: u64 length, space-padded JSON, 8-byte aligned contiguous data", () => {
    const tensors = sample();
    const bytes = encodeSafetensors(tensors, { format: "pt" });
    const { n, json } = headerOf(bytes);
    expect((8 + n) % 8).toBe(0);
    expect(json.trimEnd().length).toBeGreaterThan(n - 8); // padding is fewer than 8 spaces
    expect(json.slice(json.trimEnd().length)).toMatch(/^ *$/);
    const header = JSON.parse(json);
    expect(header.__metadata__).toEqual({ format: "pt" });
    let offset = 0;
    for (const t of tensors) {
      const h = header[t.name];
      expect(Object.keys(h).sort()).toEqual(["data_offsets", "dtype", "shape"]);
      expect(h.dtype).toBe(t.dtype);
      expect(h.shape).toEqual(t.shape);
      expect(h.data_offsets).toEqual([offset, offset + t.data.length * t.data.BYTES_PER_ELEMENT]);
      offset = h.data_offsets[1];
    }
    expect(bytes.length).toBe(8 + n + offset);
    // read values back through DataView (little-endian), independently of the decoder
    const view = new DataView(bytes.buffer, bytes.byteOffset + 8 + n);
    const w = header.w.data_offsets[0];
    expect(view.getFloat32(w + 4, true)).toBe(-2);
    expect(view.getFloat64(header.d.data_offsets[0], true)).toBe(Math.PI);
    expect(view.getInt32(header.step.data_offsets[0], true)).toBe(-123456);
    expect(view.getUint32(header.rng.data_offsets[0] + 8, true)).toBe(0xdeadbeef);
  });

  test("a file written by hand from the spec decodes, including one at an odd offset in a larger buffer", () => {
    const data = new Uint8Array(8 + 8);
    new DataView(data.buffer).setFloat64(0, 2.5, true);
    new DataView(data.buffer).setInt32(8, 7, true);
    new DataView(data.buffer).setInt32(12, -9, true);
    const file = handMade({ x: { dtype: "F64", shape: [1], data_offsets: [0, 8] }, y: { dtype: "I32", shape: [2], data_offsets: [8, 16] } }, data, 3);
    const big = new Uint8Array(file.length + 5);
    big.set(file, 3);
    const decoded = decodeSafetensors(big.subarray(3, 3 + file.length));
    expect(Array.from(decoded.tensors.get("x")!.data)).toEqual([2.5]);
    expect(Array.from(decoded.tensors.get("y")!.data)).toEqual([7, -9]);
    expect(decoded.metadata).toEqual({});
  });

  test("empty tensors and an empty tensor list round-trip", () => {
    const bytes = encodeSafetensors([{ name: "e", dtype: "F32", shape: [0, 4], data: new Float32Array(0) }]);
    const d = decodeSafetensors(bytes).tensors.get("e")!;
    expect(d.shape).toEqual([0, 4]);
    expect(d.data.length).toBe(0);
    expect(decodeSafetensors(encodeSafetensors([])).tensors.size).toBe(0);
  });

  describe("corrupt inputs give errors that say what is wrong", () => {
    const ok = () => handMade({ a: { dtype: "F32", shape: [2], data_offsets: [0, 8] } }, new Uint8Array(8));
    const f32 = (shape: number[], offs: number[]) => ({ dtype: "F32", shape, data_offsets: offs });

    test("a file shorter than 8 bytes is truncated", () => {
      expect(() => decodeSafetensors(new Uint8Array(5))).toThrow(/truncated.*5 bytes/);
    });

    test("a header length beyond the file is reported with both sizes", () => {
      const bytes = ok();
      new DataView(bytes.buffer).setUint32(0, 1000, true);
      expect(() => decodeSafetensors(bytes)).toThrow(/header length 1000 goes beyond the end of the file \(\d+ bytes\)/);
    });

    test("a header that is not JSON is reported", () => {
      const bytes = ok();
      bytes[8] = "x".charCodeAt(0);
      expect(() => decodeSafetensors(bytes)).toThrow(/not valid JSON/);
    });

    test("data cut short names the tensor whose offsets go past the end", () => {
      const bytes = ok();
      expect(() => decodeSafetensors(bytes.subarray(0, bytes.length - 1))).toThrow(/tensor "a".*beyond the 7 data bytes/);
    });

    test("overlapping offsets name both tensors", () => {
      const bytes = handMade({ a: f32([2], [0, 8]), b: f32([2], [4, 12]) }, new Uint8Array(12));
      expect(() => decodeSafetensors(bytes)).toThrow(/tensor "b".*overlap tensor "a"/);
    });

    test("a gap between tensors and trailing bytes are refused", () => {
      expect(() => decodeSafetensors(handMade({ a: f32([1], [0, 4]), b: f32([1], [8, 12]) }, new Uint8Array(12)))).toThrow(/tensor "b".*gap/);
      expect(() => decodeSafetensors(handMade({ a: f32([1], [0, 4]) }, new Uint8Array(8)))).toThrow(/trailing bytes/);
    });

    test("a shape that does not match the byte span names the tensor, shape and sizes", () => {
      const bytes = handMade({ a: f32([3], [0, 8]) }, new Uint8Array(8));
      expect(() => decodeSafetensors(bytes)).toThrow(/tensor "a": shape \[3\] of F32 needs 12 bytes but data_offsets \[0, 8\] span 8/);
    });

    test("unknown and unsupported dtypes are told apart", () => {
      expect(() => decodeSafetensors(handMade({ a: { dtype: "Q7", shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)))).toThrow(/tensor "a": unknown dtype "Q7"/);
      expect(() => decodeSafetensors(handMade({ a: { dtype: "BF16", shape: [1], data_offsets: [0, 2] } }, new Uint8Array(2)))).toThrow(/tensor "a": dtype BF16 is not supported/);
    });

    test("bad shapes, offsets and metadata values are reported", () => {
      expect(() => decodeSafetensors(handMade({ a: f32([-1], [0, 0]) }, new Uint8Array(0)))).toThrow(/tensor "a": shape must be/);
      expect(() => decodeSafetensors(handMade({ a: f32([1], [4]) }, new Uint8Array(4)))).toThrow(/tensor "a": data_offsets must be two/);
      expect(() => decodeSafetensors(handMade({ a: f32([0], [4, 0]) }, new Uint8Array(4)))).toThrow(/tensor "a".*begin after end/);
      expect(() => decodeSafetensors(handMade({ __metadata__: { k: 1 } }, new Uint8Array(0)))).toThrow(/metadata "k" must be a string/);
    });
  });

  test("encoding refuses mismatched data, duplicate names and non-string metadata", () => {
    expect(() => encodeSafetensors([{ name: "a", dtype: "F32", shape: [2], data: new Float64Array(2) }])).toThrow(/"a": dtype F32 needs a Float32Array/);
    expect(() => encodeSafetensors([{ name: "a", dtype: "I32", shape: [2, 2], data: new Int32Array(3) }])).toThrow(/"a": shape \[2, 2\] holds 4 values but data has 3/);
    const t: SafetensorsTensor = { name: "a", dtype: "U32", shape: [1], data: new Uint32Array(1) };
    expect(() => encodeSafetensors([t, t])).toThrow(/"a" appears twice/);
    expect(() => encodeSafetensors([], { n: 3 as unknown as string })).toThrow(/metadata\["n"\] must be a string/);
  });

  test("encoding copies only a subarray's own bytes", () => {
    const backing = Float32Array.from([9, 1, 2, 9]);
    const bytes = encodeSafetensors([{ name: "v", dtype: "F32", shape: [2], data: backing.subarray(1, 3) }]);
    expect(Array.from(decodeSafetensors(bytes).tensors.get("v")!.data)).toEqual([1, 2]);
  });

  describe("files", () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-st-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    test("a written file reads back and leaves no temp file behind", () => {
      const file = path.join(dir, "model.safetensors");
      writeSafetensorsFile(file, sample(), { step: "10" });
      writeSafetensorsFile(file, sample().slice(0, 1), { step: "20" }); // overwrite in place
      const back = readSafetensorsFile(file);
      expect(back.metadata.step).toBe("20");
      expect([...back.tensors.keys()]).toEqual(["w"]);
      expect(fs.readdirSync(dir)).toEqual(["model.safetensors"]);
    });

    test("a missing file and a non-safetensors file are errors naming the path", () => {
      const missing = path.join(dir, "nope.safetensors");
      expect(() => readSafetensorsFile(missing)).toThrow(`safetensors file not found: ${missing}`);
      const junk = path.join(dir, "junk.bin");
      fs.writeFileSync(junk, "hello world, not a tensor file");
      expect(() => readSafetensorsFile(junk)).toThrow(`${junk} is not a valid safetensors file`);
    });

    test("writing into a missing directory names the directory", () => {
      const target = path.join(dir, "sub", "m.safetensors");
      expect(() => writeSafetensorsFile(target, sample())).toThrow(`directory ${path.join(dir, "sub")} does not exist`);
    });
  });
});
