import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { datasetFromNpz, datasetFromSafetensors, MAX_NPZ_ARRAY_BYTES, type DatasetTensors } from "../../src/schema/index.js";
import { safetensors, tensor, type Tensor } from "../../src/tensor/index.js";
import { loadFixture, type RefTensor } from "../helpers/fixtures.js";
import { specError } from "../helpers/spec_error.js";

interface FileCase {
  compressed: boolean;
  features?: RefTensor;
  labels?: RefTensor;
  numClasses?: number | null;
  error?: string;
}

const fixture = loadFixture<{ files: Record<string, FileCase>; elements: Record<string, { hex: string; count: number; float32: number[] }> }>("npz.json");
const npz = (name: string): Buffer => readFileSync(new URL(`../fixtures/npz/${name}`, import.meta.url));
const limits = { maxSamples: 1000 };

const values = (t: Tensor): number[] => Array.from(t.data as ArrayLike<number | bigint>, Number);

function expectTensors(d: DatasetTensors, c: FileCase): void {
  expect([d.features.dtype, [...d.features.shape], values(d.features)]).toEqual([c.features!.dtype, c.features!.shape, c.features!.data]);
  expect([d.labels.dtype, [...d.labels.shape], values(d.labels)]).toEqual([c.labels!.dtype, c.labels!.shape, c.labels!.data]);
  expect(d.featureDtype).toBe(c.features!.dtype);
  expect(d.numSamples).toBe(c.features!.shape[0]);
  expect(d.featureShape).toEqual(c.features!.shape.slice(1));
  expect(d.numClasses).toBe(c.numClasses);
}

/** A safetensors file of raw tensors (element types Kiln's tensors do not have included). */
function rawSafetensors(tensors: Record<string, { dtype: string; shape: number[]; bytes: Uint8Array }>): Uint8Array {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.length] };
    offset += t.bytes.length;
  }
  const json = Buffer.from(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const t of Object.values(tensors)) {
    out.set(t.bytes, at);
    at += t.bytes.length;
  }
  return out;
}

const bytesOf = (t: Tensor): Uint8Array => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);

describe("datasetFromNpz on NumPy's own files", () => {
  const errors: Record<string, [string[], string]> = {
    fortran: [["npz", "features"], "the array is in Fortran order; save it in C order (np.ascontiguousarray)"],
    big_int: [["npz", "features"], "sample 0 holds 16777217: integers beyond 2^24 in magnitude are not exact in float32"],
    nan: [["npz", "features"], "sample 0 holds NaN (float32), not a finite number"],
    extra: [["npz", "weights"], 'the file must hold two arrays, "features" and "labels" (or "x" and "y"), not the arrays "features", "labels", "weights"'],
    big_endian: [["npz", "features"], `dtype ">f4" is not supported: save it little-endian (arr.astype(arr.dtype.newbyteorder('<')))`],
    bool_features: [["npz", "features"], "features must be U8, I8, I16, I32, I64, U16, U32, U64, F16, BF16, F32 or F64, not BOOL"],
  };
  for (const [name, c] of Object.entries(fixture.files)) {
    it(`${name} (${c.compressed ? "np.savez_compressed" : "np.savez"})${c.error ? ": refused" : ""}`, () => {
      if (c.error === undefined) {
        expectTensors(datasetFromNpz(npz(name), limits), c);
        return;
      }
      const e = specError(() => datasetFromNpz(npz(name), limits));
      expect([e.path, e.message]).toEqual(errors[c.error]);
    });
  }

  it("keeps uint8 images as bytes", () => {
    const d = datasetFromNpz(npz("images.npz"), limits);
    expect(d.features.data).toBeInstanceOf(Uint8Array);
    expect(d.features.data.buffer).toBeInstanceOf(SharedArrayBuffer);
  });
});

/** Offsets of the central directory entries of a zip, and of its end record. */
function zipLayout(bytes: Uint8Array): { central: number[]; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const central: number[] = [];
  let end = -1;
  for (let i = 0; i + 4 <= bytes.length; i++) {
    const sig = view.getUint32(i, true);
    if (sig === 0x02014b50) central.push(i);
    if (sig === 0x06054b50) end = i;
  }
  return { central, end };
}

describe("datasetFromNpz refuses corrupt and hostile archives, naming the file or array", () => {
  const good = (): Buffer => Buffer.from(npz("images.npz"));
  const compressed = (): Buffer => Buffer.from(npz("images_xy_compressed.npz"));
  const refused = (bytes: Uint8Array): [unknown, string] => {
    const e = specError(() => datasetFromNpz(bytes, limits));
    return [e.path, e.message];
  };

  it("a file that is not a whole zip", () => {
    expect(refused(good().subarray(0, 300))).toEqual([["npz"], "not a valid .npz file: no end of central directory record (a truncated or corrupt zip)"]);
    const bytes = good();
    bytes.writeUInt32LE(bytes.length, zipLayout(bytes).end + 16); // the directory's offset past the end
    expect(refused(bytes)).toEqual([["npz"], "not a valid .npz file: its central directory lies outside the file"]);
  });

  it("an entry that claims 3 GB, before inflating anything", () => {
    const bytes = compressed();
    bytes.writeUInt32LE(3e9, zipLayout(bytes).central[0]! + 24);
    expect(refused(bytes)).toEqual([["npz", "x"], `"x.npy" claims 3000000000 bytes, more than the limit of ${MAX_NPZ_ARRAY_BYTES} for one array`]);
  });

  it("sizes that do not match the bytes", () => {
    const stored = good();
    stored.writeUInt32LE(200, zipLayout(stored).central[0]! + 24);
    expect(refused(stored)).toEqual([["npz", "features"], 'not a valid .npz file: "features.npy" is stored with 224 bytes but claims 200']);
    const shorter = compressed();
    const at = zipLayout(shorter).central[0]! + 24;
    shorter.writeUInt32LE(100, at);
    expect(refused(shorter)).toEqual([["npz", "x"], 'not a valid .npz file: "x.npy" inflates to more than the 100 bytes it claims']);
    const longer = compressed();
    longer.writeUInt32LE(longer.readUInt32LE(at) + 1, at);
    expect(refused(longer)).toEqual([["npz", "x"], 'not a valid .npz file: "x.npy" inflates to 224 bytes but claims 225']);
    const past = good();
    past.writeUInt32LE(1e6, zipLayout(past).central[1]! + 20);
    expect(refused(past)).toEqual([["npz", "labels"], 'not a valid .npz file: "labels.npy" claims 1000000 bytes past the end of the file']);
  });

  it("corrupt deflated data, and an array whose header does not match its bytes", () => {
    const bytes = compressed();
    const local = bytes.indexOf("x.npy") + 5;
    bytes.fill(0xff, local, local + 40);
    expect(refused(bytes)[1]).toMatch(/^not a valid \.npz file: "x\.npy" does not inflate \(.+\)$/);
    const header = good();
    const shape = header.indexOf("(6, 1, 4, 4)");
    header.write("(6, 1, 4, 5)", shape);
    expect(refused(header)).toEqual([["npz", "features"], "the array's 96 bytes do not hold shape [6, 1, 4, 5] of |u1 (120 bytes)"]);
  });

  it("a zip of something else than arrays", () => {
    const bytes = good();
    const name = bytes.indexOf("labels.npy", zipLayout(bytes).central[1]);
    bytes.write("labels.txt", name);
    expect(refused(bytes)).toEqual([["npz"], '"labels.txt" is not a .npy array: an .npz file holds only arrays']);
  });
});

describe("datasetFromSafetensors with U8 and other element types", () => {
  it("keeps U8 features as uint8, 1 to 4 dimensions per sample", () => {
    for (const shape of [[3, 5], [3, 2, 2], [3, 1, 2, 2], [3, 1, 1, 2, 2]]) {
      const features = tensor(Array.from({ length: shape.reduce((p, q) => p * q) }, (_, i) => (i * 37) % 256), { dtype: "uint8" }).reshape(shape);
      const d = datasetFromSafetensors(safetensors.serialize({ features, labels: tensor([0, 1, 2]) }), limits);
      expect([d.featureDtype, d.features.dtype, [...d.features.shape], d.featureShape]).toEqual(["uint8", "uint8", shape, shape.slice(1)]);
      expect(d.features.data).toEqual(features.data);
    }
    const five = tensor(new Array(3 * 2).fill(1), { dtype: "uint8" }).reshape([3, 1, 1, 1, 1, 2]);
    const e = specError(() => datasetFromSafetensors(safetensors.serialize({ features: five, labels: tensor([0, 1, 2]) }), limits));
    expect([e.path, e.message]).toEqual([["safetensors", "features"], "features must have shape [N, ...] with 1 to 4 dimensions per sample, not [3, 1, 1, 1, 1, 2]"]);
  });

  for (const [code, element] of Object.entries(fixture.elements)) {
    it(`converts ${code} features to float32 as torch's .to(torch.float32) does`, () => {
      const bytes = Buffer.from(element.hex, "hex");
      const file = rawSafetensors({
        features: { dtype: code, shape: [element.count, 1], bytes },
        labels: { dtype: "I64", shape: [element.count], bytes: bytesOf(tensor(new Array(element.count).fill(0))) },
      });
      const d = datasetFromSafetensors(file, limits);
      expect(values(d.features)).toEqual(element.float32);
      expect(d.features.dtype).toBe(code === "U8" ? "uint8" : "float32");
    });
  }

  it("refuses integers beyond 2^24, NaN and infinities, naming the tensor", () => {
    const labels = { dtype: "I64", shape: [2], bytes: bytesOf(tensor([0, 1])) };
    const i32 = new Int32Array([5, -16777217]);
    let e = specError(() => datasetFromSafetensors(rawSafetensors({ features: { dtype: "I32", shape: [2, 1], bytes: new Uint8Array(i32.buffer) }, labels }), limits));
    expect([e.path, e.message]).toEqual([["safetensors", "features"], "sample 1 holds -16777217: integers beyond 2^24 in magnitude are not exact in float32"]);
    const i64 = new BigInt64Array([9007199254740993n, 0n]);
    e = specError(() => datasetFromSafetensors(rawSafetensors({ features: { dtype: "I64", shape: [2, 1], bytes: new Uint8Array(i64.buffer) }, labels }), limits));
    expect(e.message).toBe("sample 0 holds 9007199254740993: integers beyond 2^24 in magnitude are not exact in float32");
    const half = new Uint16Array([0x3c00, 0x7c00]); // 1, +Infinity
    e = specError(() => datasetFromSafetensors(rawSafetensors({ features: { dtype: "F16", shape: [2, 1], bytes: new Uint8Array(half.buffer) }, labels }), limits));
    expect([e.path, e.message]).toEqual([["safetensors", "features"], "sample 1 holds Infinity (float32), not a finite number"]);
    const bf = new Uint16Array([0x7fc0, 0]); // NaN
    e = specError(() => datasetFromSafetensors(rawSafetensors({ features: { dtype: "BF16", shape: [2, 1], bytes: new Uint8Array(bf.buffer) }, labels }), limits));
    expect(e.message).toBe("sample 0 holds NaN (float32), not a finite number");
  });

  it("refuses BOOL and 8-bit float features, and a dtype the format does not define", () => {
    const labels = { dtype: "I64", shape: [2], bytes: bytesOf(tensor([0, 1])) };
    const e = specError(() => datasetFromSafetensors(rawSafetensors({ features: { dtype: "F8_E4M3", shape: [2, 1], bytes: new Uint8Array(2) }, labels }), limits));
    expect([e.path, e.message]).toEqual([["safetensors", "features"], "features must be U8, I8, I16, I32, I64, U16, U32, U64, F16, BF16, F32 or F64, not F8_E4M3"]);
    const unknown = specError(() => datasetFromSafetensors(rawSafetensors({ features: { dtype: "Q4", shape: [2, 1], bytes: new Uint8Array(2) }, labels }), limits));
    expect([unknown.path, unknown.message]).toEqual([["safetensors"], 'not a valid safetensors file: tensor "features": unknown dtype "Q4"']);
  });

  it("takes integer labels of any width as class indices", () => {
    const features = tensor([[1.5], [2.5], [3.5]]);
    const labels = { dtype: "U8", shape: [3], bytes: new Uint8Array([2, 0, 7]) };
    const d = datasetFromSafetensors(rawSafetensors({ features: { dtype: "F32", shape: [3, 1], bytes: bytesOf(features) }, labels }), limits);
    expect([d.labelDtype, d.labels.dtype, values(d.labels), d.numClasses]).toEqual(["int64", "int64", [2, 0, 7], 8]);
  });
});
