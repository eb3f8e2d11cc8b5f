import { readFileSync, writeFileSync } from "node:fs";
import { allocate, bytesPerElement, type DType } from "./dtype.js";
import { formatShape, numel } from "./shape.js";
import { Tensor } from "./tensor.js";

/**
 * The safetensors format (what `safetensors.torch.save_file` writes): an 8-byte little-endian
 * header length, a JSON header `{ name: { dtype, shape, data_offsets }, "__metadata__": {...} }`
 * padded with spaces to 8 bytes, then the raw little-endian tensor bytes.
 */
const CODES: Record<DType, string> = { float32: "F32", float64: "F64", int64: "I64", bool: "BOOL", uint8: "U8" };
const DTYPES: Record<string, DType> = { F32: "float32", F64: "float64", I64: "int64", BOOL: "bool", U8: "uint8" };

/** Why a safetensors file could not be read; the message names the tensor or field at fault. */
export class SafetensorsError extends Error {
  override name = "SafetensorsError";
}

export interface SafetensorsContents {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

/** Serialises named tensors (PyTorch loads the result with `safetensors.torch.load_file`). */
export function serialize(tensors: Record<string, Tensor>, metadata: Record<string, string> = { format: "pt" }): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const size = t.numel() * bytesPerElement(t.dtype);
    header[name] = { dtype: CODES[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, "utf8");
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of Object.values(tensors)) {
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    out.set(bytes, at);
    at += bytes.length;
  }
  return out;
}

function fail(message: string): never {
  throw new SafetensorsError(message);
}

/** The header's JSON object and where the tensor bytes begin, validated as far as the header goes. */
function readHeader(bytes: Uint8Array): { header: Record<string, unknown>; headerEnd: number } {
  if (bytes.length < 8) fail("file too short: no header length");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(bytes.length - 8)) fail(`header length ${headerLength} exceeds the file size ${bytes.length}`);
  const headerEnd = 8 + Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, Number(headerLength)).toString("utf8"));
  } catch {
    fail("header is not valid JSON");
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) fail("header is not a JSON object");
  return { header: header as Record<string, unknown>, headerEnd };
}

function metadataOf(entry: unknown): Record<string, string> {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry) || Object.values(entry).some((v) => typeof v !== "string")) {
    fail("__metadata__ must map strings to strings");
  }
  return entry as Record<string, string>;
}

/** Bytes per element of every dtype code the safetensors format defines. */
const ELEMENT_BYTES: Record<string, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
};

/** One tensor of a file as it is stored: its dtype code (`F32`, `U8`, `BF16`, ...), shape and bytes. */
export interface RawTensor {
  name: string;
  /** The format's dtype code. */
  dtype: string;
  shape: number[];
  /** Its little-endian bytes: a view into the file, not a copy. */
  bytes: Uint8Array;
}

/**
 * The tensors of a safetensors file without converting them, for readers that take dtypes Kiln's
 * tensors do not have (F16, I32, ...): validated as `parse` validates them, nothing copied.
 */
export function readRaw(bytes: Uint8Array): { tensors: RawTensor[]; metadata: Record<string, string> } {
  const { header, headerEnd } = readHeader(bytes);
  const dataLength = bytes.length - headerEnd;
  const tensors: RawTensor[] = [];
  let metadata: Record<string, string> = {};
  const ranges: [number, number, string][] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") {
      metadata = metadataOf(entry);
      continue;
    }
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      fail(`tensor "${name}": expected an object with dtype, shape and data_offsets, got ${entry === null ? "null" : Array.isArray(entry) ? "an array" : typeof entry}`);
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = e.dtype;
    if (typeof dtype !== "string" || !Object.hasOwn(ELEMENT_BYTES, dtype)) fail(`tensor "${name}": unknown dtype ${JSON.stringify(dtype)}`);
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor "${name}": invalid shape`);
    const offsets = e.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`tensor "${name}": invalid data_offsets`);
    }
    const [begin, end] = offsets as [number, number];
    const expected = numel(shape as number[]) * ELEMENT_BYTES[dtype]!;
    if (end < begin || end > dataLength) fail(`tensor "${name}": data_offsets [${begin}, ${end}] lie outside the ${dataLength} data bytes`);
    if (end - begin !== expected) {
      fail(`tensor "${name}": ${end - begin} bytes do not hold shape ${formatShape(shape as number[])} of ${dtype} (${expected} bytes)`);
    }
    ranges.push([begin, end, name]);
    tensors.push({ name, dtype, shape: shape as number[], bytes: bytes.subarray(headerEnd + begin, headerEnd + end) });
  }
  ranges.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i]![0] < ranges[i - 1]![1]) fail(`tensors "${ranges[i - 1]![2]}" and "${ranges[i]![2]}" overlap`);
  }
  return { tensors, metadata };
}

/** Parses and validates a safetensors file; every tensor is copied into shared storage. */
export function parse(bytes: Uint8Array): SafetensorsContents {
  const raw = readRaw(bytes);
  // no prototype: a tensor named "__proto__" is just a name
  const tensors: Record<string, Tensor> = Object.create(null) as Record<string, Tensor>;
  for (const { name, dtype: code, shape, bytes: data } of raw.tensors) {
    const dtype = DTYPES[code];
    if (!dtype) fail(`tensor "${name}": unsupported dtype ${JSON.stringify(code)} (supported: F32, F64, I64, BOOL, U8)`);
    const storage = allocate(dtype, numel(shape));
    new Uint8Array(storage.buffer, storage.byteOffset, storage.byteLength).set(data);
    tensors[name] = new Tensor(storage, shape, dtype);
  }
  return { tensors, metadata: raw.metadata };
}

/**
 * The metadata of a safetensors file, from its header alone: nothing is copied, so it costs the
 * header's size whatever the size of the tensors.
 */
export function readMetadata(bytes: Uint8Array): Record<string, string> {
  const entry = readHeader(bytes).header["__metadata__"];
  return entry === undefined ? {} : metadataOf(entry);
}

export function saveFile(path: string, tensors: Record<string, Tensor>, metadata?: Record<string, string>): void {
  writeFileSync(path, serialize(tensors, metadata));
}

export function loadFile(path: string): Record<string, Tensor> {
  return parse(readFileSync(path)).tensors;
}
