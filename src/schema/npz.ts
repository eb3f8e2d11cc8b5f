/**
 * NumPy's .npz files (what `np.savez` and `np.savez_compressed` write): a zip archive of .npy
 * files, one per array, stored or deflated. Only what those two functions write is read: one disk,
 * sizes from the central directory (zip64 extra fields included), little-endian C-order arrays of
 * plain numeric dtypes. Every size and offset is checked against the file before it is used, and
 * no entry inflates past the size its header claims, so a corrupt or hostile archive is refused
 * (SpecError at ["npz"], or ["npz", name] for one array) instead of exhausting memory.
 */
import { inflateRawSync } from "node:zlib";
import type { StoredArray } from "./dataset_arrays.js";
import { SpecError, type SpecPath } from "./errors.js";

/** The most bytes one array may inflate to; a header that claims more is refused before inflating. */
export const MAX_NPZ_ARRAY_BYTES = 1 << 30;

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_BYTES = 22;
const CENTRAL_BYTES = 46;
const LOCAL_BYTES = 30;
const ZIP64_EXTRA = 0x0001;
const STORED = 0;
const DEFLATED = 8;

/** Whether `bytes` begin as a zip archive does (a local file header). */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

const fail = (message: string, path: SpecPath = ["npz"]): never => {
  throw new SpecError(message, path);
};

/** One entry of the central directory, its sizes and offset read through any zip64 extra field. */
interface Entry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

function endOfCentralDirectory(view: DataView): { count: number; offset: number; size: number } {
  // the record is the last thing in the file but for a comment of up to 65535 bytes
  const last = view.byteLength - EOCD_BYTES;
  for (let at = last; at >= 0 && at >= last - 0xffff; at--) {
    if (view.getUint32(at, true) !== EOCD_SIGNATURE) continue;
    const count = view.getUint16(at + 10, true);
    const size = view.getUint32(at + 12, true);
    const offset = view.getUint32(at + 16, true);
    if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) fail("not a valid .npz file: zip64 archives of this size are not supported");
    if (offset + size > at) fail("not a valid .npz file: its central directory lies outside the file");
    return { count, offset, size };
  }
  return fail("not a valid .npz file: no end of central directory record (a truncated or corrupt zip)");
}

/** The central directory's entries, each checked to lie within the file. */
function entries(bytes: Uint8Array): Entry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { count, offset, size } = endOfCentralDirectory(view);
  const out: Entry[] = [];
  let at = offset;
  const end = offset + size;
  for (let i = 0; i < count; i++) {
    if (at + CENTRAL_BYTES > end || view.getUint32(at, true) !== CENTRAL_SIGNATURE) fail(`not a valid .npz file: central directory entry ${i} is corrupt`);
    const method = view.getUint16(at + 10, true);
    let compressedSize = view.getUint32(at + 20, true);
    let size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    let localOffset = view.getUint32(at + 42, true);
    const next = at + CENTRAL_BYTES + nameLength + extraLength + commentLength;
    if (next > end) fail(`not a valid .npz file: central directory entry ${i} runs past the directory`);
    const name = Buffer.from(bytes.buffer, bytes.byteOffset + at + CENTRAL_BYTES, nameLength).toString("utf8");
    // zip64: the fields that are 0xFFFFFFFF come, in this order, from the extra field 0x0001
    for (let e = at + CENTRAL_BYTES + nameLength; e + 4 <= at + CENTRAL_BYTES + nameLength + extraLength; ) {
      const id = view.getUint16(e, true);
      const length = view.getUint16(e + 2, true);
      if (id === ZIP64_EXTRA) {
        let f = e + 4;
        const read64 = (): number => {
          if (f + 8 > e + 4 + length) fail(`not a valid .npz file: the zip64 field of "${name}" is too short`);
          const v = view.getUint32(f + 4, true) * 2 ** 32 + view.getUint32(f, true);
          f += 8;
          return v;
        };
        if (size === 0xffffffff) size = read64();
        if (compressedSize === 0xffffffff) compressedSize = read64();
        if (localOffset === 0xffffffff) localOffset = read64();
      }
      e += 4 + length;
    }
    out.push({ name, method, compressedSize, size, localOffset });
    at = next;
  }
  return out;
}

/** The bytes of one entry, inflated if need be, exactly as many as the directory says. */
function contents(bytes: Uint8Array, entry: Entry, path: SpecPath): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { localOffset, compressedSize, size, method } = entry;
  if (localOffset + LOCAL_BYTES > bytes.length || view.getUint32(localOffset, true) !== LOCAL_SIGNATURE) {
    fail(`not a valid .npz file: the local header of "${entry.name}" is missing or corrupt`, path);
  }
  const start = localOffset + LOCAL_BYTES + view.getUint16(localOffset + 26, true) + view.getUint16(localOffset + 28, true);
  if (start + compressedSize > bytes.length) fail(`not a valid .npz file: "${entry.name}" claims ${compressedSize} bytes past the end of the file`, path);
  if (size > MAX_NPZ_ARRAY_BYTES) fail(`"${entry.name}" claims ${size} bytes, more than the limit of ${MAX_NPZ_ARRAY_BYTES} for one array`, path);
  const stored = bytes.subarray(start, start + compressedSize);
  if (method === STORED) {
    if (compressedSize !== size) fail(`not a valid .npz file: "${entry.name}" is stored with ${compressedSize} bytes but claims ${size}`, path);
    return stored;
  }
  if (method !== DEFLATED) fail(`"${entry.name}" uses zip compression method ${method}; only stored and deflated entries are read`, path);
  let inflated: Buffer;
  try {
    // one byte more than claimed: an entry that inflates past its claim is caught without inflating all of it
    inflated = inflateRawSync(stored, { maxOutputLength: size + 1 });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ERR_BUFFER_TOO_LARGE") return fail(`not a valid .npz file: "${entry.name}" inflates to more than the ${size} bytes it claims`, path);
    return fail(`not a valid .npz file: "${entry.name}" does not inflate (${(error as Error).message})`, path);
  }
  if (inflated.length !== size) fail(`not a valid .npz file: "${entry.name}" inflates to ${inflated.length} bytes but claims ${size}`, path);
  return inflated;
}

/** NumPy's dtype strings (`descr`) and the safetensors codes of the same element types. */
const DESCR_CODES: Record<string, string> = {
  "|u1": "U8",
  "|i1": "I8",
  "|b1": "BOOL",
  "<i2": "I16",
  "<u2": "U16",
  "<i4": "I32",
  "<u4": "U32",
  "<i8": "I64",
  "<u8": "U64",
  "<f2": "F16",
  "<f4": "F32",
  "<f8": "F64",
};
const ELEMENT_BYTES: Record<string, number> = { U8: 1, I8: 1, BOOL: 1, I16: 2, U16: 2, F16: 2, I32: 4, U32: 4, F32: 4, I64: 8, U64: 8, F64: 8 };

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/**
 * A .npy file's array (format versions 1 to 3): its header is a Python dict literal such as
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (60000, 784), }`.
 */
export function readNpy(bytes: Uint8Array, path: SpecPath): StoredArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) fail("not a .npy array (no \\x93NUMPY magic)", path);
  const version = bytes[6]!;
  if (version < 1 || version > 3) fail(`.npy format version ${version} is not supported`, path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [headerLength, headerStart] = version === 1 ? [view.getUint16(8, true), 10] : [bytes.length >= 12 ? view.getUint32(8, true) : Infinity, 12];
  if (headerStart + headerLength > bytes.length) fail("the .npy header runs past the array's bytes", path);
  const header = Buffer.from(bytes.buffer, bytes.byteOffset + headerStart, headerLength).toString(version === 3 ? "utf8" : "latin1");
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) fail(`the .npy header is not one NumPy writes: ${header.trim().slice(0, 100)}`, path);
  if (fortran === "True") fail("the array is in Fortran order; save it in C order (np.ascontiguousarray)", path);
  const code = DESCR_CODES[descr!];
  if (code === undefined) {
    const hint = descr!.startsWith(">") ? ": save it little-endian (arr.astype(arr.dtype.newbyteorder('<')))" : "";
    fail(`dtype ${JSON.stringify(descr)} is not supported${hint}`, path);
  }
  const dims = shapeText!.split(",").map((d) => d.trim()).filter((d) => d !== "");
  if (!dims.every((d) => /^\d{1,15}$/.test(d))) fail(`the .npy header's shape (${shapeText}) is not a tuple of sizes`, path);
  const shape = dims.map(Number);
  const data = bytes.subarray(headerStart + headerLength);
  const expected = shape.reduce((p, q) => p * q, 1) * ELEMENT_BYTES[code!]!;
  if (data.length !== expected) fail(`the array's ${data.length} bytes do not hold shape [${shape.join(", ")}] of ${descr} (${expected} bytes)`, path);
  return { dtype: code!, shape, bytes: data };
}

/**
 * The arrays of an .npz file by name (`x` for the entry `x.npy`), each read (and inflated) only
 * when its loader is called: a caller checks the names first.
 */
export function openNpz(bytes: Uint8Array): Map<string, () => StoredArray> {
  const arrays = new Map<string, () => StoredArray>();
  for (const entry of entries(bytes)) {
    if (!entry.name.endsWith(".npy")) fail(`"${entry.name}" is not a .npy array: an .npz file holds only arrays`);
    const name = entry.name.slice(0, -4);
    const path: SpecPath = ["npz", name];
    if (arrays.has(name)) fail(`the array "${name}" appears twice`, path);
    arrays.set(name, () => readNpy(contents(bytes, entry, path), path));
  }
  return arrays;
}
